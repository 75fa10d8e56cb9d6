//! Rectified linear unit: `out = max(0, x)`, elementwise.
//!
//! Backward: `dx = dout ⊙ 1[x > 0]` (the subgradient 0 is taken at the kink `x = 0`; CS231n
//! assignment 2, `relu_backward`). Since `x > 0 ⇔ max(0, x) > 0`, the mask can be read from the
//! input or from the output: [`relu_backward`] accepts either.
//!
//! Shapes: `x, out, dout, dx: (n, d)`.

use handgrad_tensor::ops::{map, zip_map};
use handgrad_tensor::{Matrix, Par, Scalar};

use crate::layer::{Layer, no_params};

/// `out = max(0, x)`; `out` is resized to `x`'s shape.
pub fn relu_forward<T: Scalar>(x: &Matrix<T>, out: &mut Matrix<T>) {
    out.resize(x.rows(), x.cols());
    map(out, x, |v| if v > T::ZERO { v } else { T::ZERO });
}

/// `x ← max(0, x)` in place.
pub fn relu_inplace<T: Scalar>(x: &mut Matrix<T>) {
    handgrad_tensor::ops::map_inplace(x, |v| if v > T::ZERO { v } else { T::ZERO });
}

/// `dx = dout ⊙ 1[x > 0]`; `x` is the forward input or output (same mask); `dx` is resized.
///
/// # Panics
/// If `dout` and `x` differ in shape.
#[track_caller]
pub fn relu_backward<T: Scalar>(dout: &Matrix<T>, x: &Matrix<T>, dx: &mut Matrix<T>) {
    dx.resize(dout.rows(), dout.cols());
    zip_map(dx, dout, x, |g, v| if v > T::ZERO { g } else { T::ZERO });
}

/// `d ← d ⊙ 1[x > 0]` in place (`x`: forward input or output).
///
/// # Panics
/// If `d` and `x` differ in shape.
#[track_caller]
pub fn relu_backward_inplace<T: Scalar>(d: &mut Matrix<T>, x: &Matrix<T>) {
    handgrad_tensor::ops::zip_map_inplace(d, x, |g, v| if v > T::ZERO { g } else { T::ZERO });
}

/// The ReLU layer (no parameters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relu;

no_params!(Relu);

/// What [`Relu`]'s forward saves: a copy of its output (the mask `out > 0`).
#[derive(Clone, Debug)]
pub struct ReluCache<T: Scalar> {
    /// The forward output `max(0, x): (n, d)`.
    pub out: Matrix<T>,
}

impl<T: Scalar> Default for ReluCache<T> {
    fn default() -> Self {
        Self { out: Matrix::zeros(0, 0) }
    }
}

impl<T: Scalar> Layer<T> for Relu {
    type Cache = ReluCache<T>;
    fn forward_into(&self, x: &Matrix<T>, out: &mut Matrix<T>, cache: &mut ReluCache<T>, _par: Par) {
        relu_forward(x, out);
        cache.out.resize(out.rows(), out.cols());
        cache.out.copy_from(out);
    }

    #[track_caller]
    fn backward_into(
        &self,
        dout: &Matrix<T>,
        cache: &mut ReluCache<T>,
        _grads: &mut Relu,
        dx: Option<&mut Matrix<T>>,
        _par: Par,
    ) {
        if let Some(dx) = dx {
            relu_backward(dout, &cache.out, dx);
        }
    }
}
