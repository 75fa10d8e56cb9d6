//! Swish / SiLU: `out = x·σ(x)`, elementwise (Ramachandran et al. 2017, β = 1).
//!
//! Backward: `d(x·σ(x))/dx = σ(x) + x·σ(x)·(1 − σ(x)) = σ(x)·(1 + x·(1 − σ(x)))`, so
//! `dx = dout ⊙ σ(x) ⊙ (1 + x ⊙ (1 − σ(x)))`, with σ recomputed from the saved input.
//! Shapes: `x, out, dout, dx: (n, d)`.

use handgrad_tensor::ops::{map, zip_map};
use handgrad_tensor::{Matrix, Scalar};

use crate::layers::elementwise::{Saved, elementwise_layer};
use crate::layers::sigmoid::sigmoid;

/// `out = x·σ(x)`; `out` is resized to `x`'s shape.
pub fn swish_forward<T: Scalar>(x: &Matrix<T>, out: &mut Matrix<T>) {
    out.resize(x.rows(), x.cols());
    map(out, x, |v| v * sigmoid(v));
}

/// `dx = dout ⊙ σ(x) ⊙ (1 + x ⊙ (1 − σ(x)))` with `x` the forward **input**; `dx` is resized.
///
/// # Panics
/// If `dout` and `x` differ in shape.
#[track_caller]
pub fn swish_backward<T: Scalar>(dout: &Matrix<T>, x: &Matrix<T>, dx: &mut Matrix<T>) {
    dx.resize(dout.rows(), dout.cols());
    zip_map(dx, dout, x, |g, v| {
        let s = sigmoid(v);
        g * s * (T::ONE + v * (T::ONE - s))
    });
}

/// The Swish layer (no parameters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swish;

/// What [`Swish`]'s forward saves: the forward input `x`, `(n, d)`.
pub type SwishCache<T> = Saved<T>;

elementwise_layer!(Swish, swish_forward, swish_backward, input);
