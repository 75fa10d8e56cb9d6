//! The L2 weight penalty: `R(W) = ½·reg·Σ W²`, gradient `∂R/∂W = reg·W`.
//!
//! Applied to weight matrices only, never to biases (CS231n assignment 1 convention with the ½,
//! which makes the gradient `reg·W`). Because backward passes overwrite their gradients (see
//! [`crate::layer`]), a model adds the penalty's gradient after the layer backward with
//! [`add_l2_grad`].

use handgrad_tensor::ops::{axpy, sum_squares};
use handgrad_tensor::{Matrix, Scalar};

/// `½·reg·Σ W²` for `w` of any shape.
pub fn l2_penalty<T: Scalar>(w: &Matrix<T>, reg: T) -> T {
    T::from_f64(0.5) * reg * sum_squares(w)
}

/// `dw += reg·w` (the gradient of [`l2_penalty`] added to an existing gradient).
///
/// # Panics
/// If `dw` and `w` differ in shape.
#[track_caller]
pub fn add_l2_grad<T: Scalar>(dw: &mut Matrix<T>, w: &Matrix<T>, reg: T) {
    axpy(dw, reg, w);
}
