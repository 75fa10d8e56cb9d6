//! Fused, in-place kernels of the two-layer training step (one pass over memory each).
//!
//! - [`bias_relu_inplace`]: `h ← max(0, h + b)` (affine bias add fused with ReLU);
//! - [`relu_backward_bias_grad`]: `dh ← dh ⊙ [h > 0]` and `db ← Σ_rows dh` in the same pass.
//!
//! They are the same equations as `handgrad-nn`'s affine and ReLU layers (CS231n assignment 1,
//! `neural_net.py`), fused so that the two-layer step makes one pass over memory per pair.

use handgrad_tensor::matrix::assert_shape;
use handgrad_tensor::{Matrix, Scalar};

/// `h[i, j] ← max(0, h[i, j] + b[0, j])`. `h: (n, m)`, `b: (1, m)`.
#[track_caller]
pub fn bias_relu_inplace<T: Scalar>(h: &mut Matrix<T>, b: &Matrix<T>) {
    assert_shape("bias_relu_inplace: bias", b, (1, h.cols()));
    let m = h.cols();
    if m == 0 {
        return;
    }
    let b = b.as_slice();
    for row in h.as_mut_slice().chunks_exact_mut(m) {
        for (v, &bj) in row.iter_mut().zip(b) {
            let z = *v + bj;
            *v = if z > T::ZERO { z } else { T::ZERO };
        }
    }
}

/// ReLU backward fused with the bias gradient of the affine layer before it.
///
/// `h: (n, m)` is the ReLU *output* (`h > 0` exactly where the input was positive), `dh: (n, m)`
/// the upstream gradient, overwritten by `dh ⊙ [h > 0]`; `db: (1, m)` is overwritten by its column sums.
#[track_caller]
pub fn relu_backward_bias_grad<T: Scalar>(dh: &mut Matrix<T>, h: &Matrix<T>, db: &mut Matrix<T>) {
    assert!(dh.shape() == h.shape(), "relu_backward_bias_grad: dh{:?} vs h{:?}", dh.shape(), h.shape());
    assert_shape("relu_backward_bias_grad: db", db, (1, h.cols()));
    db.fill(T::ZERO);
    let m = h.cols();
    if m == 0 {
        return;
    }
    let db = db.as_mut_slice();
    for (drow, hrow) in dh.as_mut_slice().chunks_exact_mut(m).zip(h.as_slice().chunks_exact(m)) {
        for ((d, &hv), s) in drow.iter_mut().zip(hrow).zip(db.iter_mut()) {
            if hv <= T::ZERO {
                *d = T::ZERO;
            }
            *s += *d;
        }
    }
}
