//! Rectified linear unit: `out = max(0, x)`, elementwise.
//!
//! Backward: `dx = dout ⊙ 1[x > 0]` (the subgradient 0 is taken at the kink `x = 0`; CS231n
//! assignment 2, `relu_backward`). Since `x > 0 ⇔ max(0, x) > 0`, the mask can be read from the
//! input or from the output: [`relu_backward`] accepts either.
//!
//! Shapes: `x, out, dout, dx: (n, d)`.

use handgrad_tensor::ops::{map, zip_map};
use handgrad_tensor::{Matrix, Scalar};

use crate::layers::elementwise::{Saved, elementwise_layer};

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

/// What [`Relu`]'s forward saves: the forward output `max(0, x)` (the mask `out > 0`), `(n, d)`.
pub type ReluCache<T> = Saved<T>;

elementwise_layer!(Relu, relu_forward, relu_backward, output);
