//! Linear maps without a bias, in both orientations of the weight: `out = x·W` and `out = x·Wᵀ`.
//!
//! Shapes: `x: (n, d)`; for [`linear_forward`] `W: (d, m)`, for [`linear_t_forward`] `W: (m, d)`;
//! `out, dout: (n, m)`, `dx: (n, d)`.
//!
//! Backward, for upstream `dout = ∂L/∂out` (the affine layer's equations without `b`; CS231n
//! assignment 1, `affine_backward`):
//!
//! ```text
//! out = x·W    ⇒  ∂L/∂W = xᵀ·dout   (d, m),   ∂L/∂x = dout·Wᵀ   (n, d)
//! out = x·Wᵀ   ⇒  ∂L/∂W = doutᵀ·x   (m, d),   ∂L/∂x = dout·W    (n, d)
//! ```
//!
//! The second form is the encoder of a tied autoencoder (`z = x·Wᵀ`, decoded by `z·W`), where one
//! `W` receives the gradients of both maps. So these kernels take an explicit [`Accum`] for the
//! weight gradient: `Accum::Replace` for the first path, `Accum::Add` for the second (the layer
//! contract's overwrite semantics, with the sharing made visible at the call site).

use handgrad_tensor::gemm::{matmul, matmul_nt, matmul_tn};
use handgrad_tensor::{Accum, Matrix, Par, Scalar};

/// `out = x·W`. `x: (n, d)`, `w: (d, m)`; `out` is resized to `(n, m)`.
///
/// # Panics
/// If `x.cols() != w.rows()`.
#[track_caller]
pub fn linear_forward<T: Scalar>(x: &Matrix<T>, w: &Matrix<T>, out: &mut Matrix<T>, par: Par) {
    assert!(x.cols() == w.rows(), "linear_forward: x{:?} · W{:?} does not chain", x.shape(), w.shape());
    out.resize(x.rows(), w.cols());
    matmul(out, x, w, Accum::Replace, par);
}

/// Gradients of `out = x·W`: `dw (d, m) (+)= xᵀ·dout` per `accum`; when `dx` is `Some`, it is resized
/// to `(n, d)` and overwritten with `dout·Wᵀ`.
///
/// # Panics
/// On any shape mismatch, naming the shapes.
#[track_caller]
pub fn linear_backward<T: Scalar>(
    dout: &Matrix<T>,
    x: &Matrix<T>,
    w: &Matrix<T>,
    dw: &mut Matrix<T>,
    accum: Accum,
    dx: Option<&mut Matrix<T>>,
    par: Par,
) {
    assert!(
        dout.shape() == (x.rows(), w.cols()) && x.cols() == w.rows() && dw.shape() == w.shape(),
        "linear_backward: dout{:?}, x{:?}, W{:?}, dW{:?} do not fit out = x·W",
        dout.shape(),
        x.shape(),
        w.shape(),
        dw.shape()
    );
    matmul_tn(dw, x, dout, accum, par);
    if let Some(dx) = dx {
        dx.resize(x.rows(), x.cols());
        matmul_nt(dx, dout, w, Accum::Replace, par);
    }
}

/// `out = x·Wᵀ`. `x: (n, d)`, `w: (m, d)`; `out` is resized to `(n, m)`.
///
/// # Panics
/// If `x.cols() != w.cols()`.
#[track_caller]
pub fn linear_t_forward<T: Scalar>(x: &Matrix<T>, w: &Matrix<T>, out: &mut Matrix<T>, par: Par) {
    assert!(x.cols() == w.cols(), "linear_t_forward: x{:?} · W{:?}ᵀ does not chain", x.shape(), w.shape());
    out.resize(x.rows(), w.rows());
    matmul_nt(out, x, w, Accum::Replace, par);
}

/// Gradients of `out = x·Wᵀ`: `dw (m, d) (+)= doutᵀ·x` per `accum`; when `dx` is `Some`, it is
/// resized to `(n, d)` and overwritten with `dout·W`.
///
/// # Panics
/// On any shape mismatch, naming the shapes.
#[track_caller]
pub fn linear_t_backward<T: Scalar>(
    dout: &Matrix<T>,
    x: &Matrix<T>,
    w: &Matrix<T>,
    dw: &mut Matrix<T>,
    accum: Accum,
    dx: Option<&mut Matrix<T>>,
    par: Par,
) {
    assert!(
        dout.shape() == (x.rows(), w.rows()) && x.cols() == w.cols() && dw.shape() == w.shape(),
        "linear_t_backward: dout{:?}, x{:?}, W{:?}, dW{:?} do not fit out = x·Wᵀ",
        dout.shape(),
        x.shape(),
        w.shape(),
        dw.shape()
    );
    matmul_tn(dw, dout, x, accum, par);
    if let Some(dx) = dx {
        dx.resize(x.rows(), x.cols());
        matmul(dx, dout, w, Accum::Replace, par);
    }
}
