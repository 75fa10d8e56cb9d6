//! Hyperbolic tangent: `out = tanh(x)`, elementwise.
//!
//! Backward: `dx = dout ⊙ (1 − tanh²(x))`, read from the saved output.
//! Shapes: `x, out, dout, dx: (n, d)`.

use handgrad_tensor::ops::{map, zip_map, zip_map_inplace};
use handgrad_tensor::{Matrix, Scalar};

use crate::layers::elementwise::{Saved, elementwise_layer};

/// `out = tanh(x)`; `out` is resized to `x`'s shape.
pub fn tanh_forward<T: Scalar>(x: &Matrix<T>, out: &mut Matrix<T>) {
    out.resize(x.rows(), x.cols());
    map(out, x, T::tanh);
}

/// `dx = dout ⊙ (1 − t²)` where `t = tanh(x)` is the forward **output**; `dx` is resized.
///
/// # Panics
/// If `dout` and `t` differ in shape.
#[track_caller]
pub fn tanh_backward<T: Scalar>(dout: &Matrix<T>, t: &Matrix<T>, dx: &mut Matrix<T>) {
    dx.resize(dout.rows(), dout.cols());
    zip_map(dx, dout, t, |g, t| g * (T::ONE - t * t));
}

/// `d ← d ⊙ (1 − t²)` in place, where `t = tanh(x)` is the forward **output**.
///
/// # Panics
/// If `d` and `t` differ in shape.
#[track_caller]
pub fn tanh_backward_inplace<T: Scalar>(d: &mut Matrix<T>, t: &Matrix<T>) {
    zip_map_inplace(d, t, |g, t| g * (T::ONE - t * t));
}

/// The tanh layer (no parameters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tanh;

/// What [`Tanh`]'s forward saves: the forward output `tanh(x)`, `(n, d)`.
pub type TanhCache<T> = Saved<T>;

elementwise_layer!(Tanh, tanh_forward, tanh_backward, output);
