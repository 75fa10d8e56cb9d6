//! Logistic sigmoid: `out = σ(x) = 1 / (1 + e^{−x})`, elementwise.
//!
//! Backward: `dx = dout ⊙ σ(x) ⊙ (1 − σ(x))`, read from the saved output.
//! Computed stably: `1 / (1 + e^{−x})` for `x ≥ 0`, `e^{x} / (1 + e^{x})` for `x < 0`, so `exp`
//! never overflows. Shapes: `x, out, dout, dx: (n, d)`.

use handgrad_tensor::ops::{map, zip_map, zip_map_inplace};
use handgrad_tensor::{Matrix, Scalar};

use crate::layers::elementwise::{Saved, elementwise_layer};

/// σ(x) for one scalar, without overflow for large `|x|`.
#[inline]
pub fn sigmoid<T: Scalar>(x: T) -> T {
    if x >= T::ZERO {
        T::ONE / (T::ONE + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::ONE + e)
    }
}

/// `out = σ(x)`; `out` is resized to `x`'s shape.
pub fn sigmoid_forward<T: Scalar>(x: &Matrix<T>, out: &mut Matrix<T>) {
    out.resize(x.rows(), x.cols());
    map(out, x, sigmoid);
}

/// `dx = dout ⊙ s ⊙ (1 − s)` where `s = σ(x)` is the forward **output**; `dx` is resized.
///
/// # Panics
/// If `dout` and `s` differ in shape.
#[track_caller]
pub fn sigmoid_backward<T: Scalar>(dout: &Matrix<T>, s: &Matrix<T>, dx: &mut Matrix<T>) {
    dx.resize(dout.rows(), dout.cols());
    zip_map(dx, dout, s, |g, s| g * s * (T::ONE - s));
}

/// `d ← d ⊙ s ⊙ (1 − s)` in place, where `s = σ(x)` is the forward **output**.
///
/// # Panics
/// If `d` and `s` differ in shape.
#[track_caller]
pub fn sigmoid_backward_inplace<T: Scalar>(d: &mut Matrix<T>, s: &Matrix<T>) {
    zip_map_inplace(d, s, |g, s| g * s * (T::ONE - s));
}

/// The sigmoid layer (no parameters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sigmoid;

/// What [`Sigmoid`]'s forward saves: the forward output `σ(x)`, `(n, d)`.
pub type SigmoidCache<T> = Saved<T>;

elementwise_layer!(Sigmoid, sigmoid_forward, sigmoid_backward, output);
