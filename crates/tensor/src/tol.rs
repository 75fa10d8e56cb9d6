//! Every numerical tolerance used by handgrad's checks, in one place.
//!
//! Gradient checks run in `f64` with central differences
//! `∂f/∂x ≈ (f(x + h) − f(x − h)) / 2h`, whose truncation error is O(h²) and whose rounding error
//! is O(ε·|f|/h); `h = 1e-5` balances the two for functions of order one.

/// Step `h` of the central differences.
pub const FD_STEP: f64 = 1e-5;

/// Safety factor of [`numeric_gradient_with_error`](crate::gradcheck::numeric_gradient_with_error)'s
/// estimate of the central differences' own error. Measured in `tests/gradcheck.rs` (three functions
/// with known gradients, 2,400 elements each, one with cancelling terms): the true error reached at
/// most 0.25× the estimate, i.e. the unscaled estimate was low by up to 2.5×; 10 leaves a 4× margin.
pub const FD_ERROR_SAFETY: f64 = 10.0;

/// Largest [`rel_error`](crate::gradcheck::rel_error) accepted for a smooth op (affine, sigmoid,
/// tanh, softmax, batchnorm, the autoencoder losses), in `f64`.
pub const GRAD_SMOOTH: f64 = 1e-7;

/// Largest relative error accepted for ops with kinks (ReLU, hinge) when the inputs are kept away
/// from the kinks, and for whole models, whose losses sum many terms.
pub const GRAD_KINKED: f64 = 1e-6;

/// Largest relative error accepted for the GP-LVM gradients (the likelihood involves a Cholesky
/// factor and solves, which lose a few more digits).
pub const GRAD_GP: f64 = 1e-6;

/// Largest relative error a gradient check may show and still be called a "deliberately wrong"
/// gradient in the checker's own tests: wrong gradients score far above this.
pub const GRAD_WRONG: f64 = 1e-2;

/// Norm-wise match `‖a − b‖ ≤ HINT_MATCH·(‖a‖ + ‖b‖)` with which the gradient checker's hints
/// (`handgrad-check`) call two gradients the same: a wrong gradient that is `2×`, `−1×` or the
/// transpose of the true one, or the true one with one part left out. Far above the finite
/// differences' error (about 1e-9 relative) and far below any real difference.
pub const HINT_MATCH: f64 = 1e-6;

/// Agreement between an `f64` kernel and a naive reference loop (elementwise relative).
pub const NAIVE_F64: f64 = 1e-12;

/// Agreement between an `f32` kernel and a naive `f64` reference loop (elementwise relative).
pub const NAIVE_F32: f64 = 1e-4;
