//! The squared reconstruction error, averaged over the batch: the autoencoders' loss.
//!
//! For predictions `Y: (N, n)` and targets `X: (N, n)` (rows are samples):
//! - `L = (1/2N) Σ_i ‖y_i − x_i‖² = ‖Y − X‖²_F / 2N`;
//! - `∂L/∂Y = (Y − X) / N`.
//!
//! The sum of squares is taken in the scalar type with interleaved partial sums
//! ([`handgrad_tensor::ops::sum_squares`]).

use handgrad_tensor::matrix::assert_same_shape;
use handgrad_tensor::ops::{scale, sum_squares, zip_map};
use handgrad_tensor::{Matrix, Scalar};

/// `‖pred − target‖² / 2N` of `pred, target: (N, n)`, and `dpred = (pred − target) / N` (resized).
///
/// # Panics
/// If the shapes differ or `N = 0`.
#[track_caller]
pub fn squared_error_loss_into<T: Scalar>(pred: &Matrix<T>, target: &Matrix<T>, dpred: &mut Matrix<T>) -> f64 {
    assert_same_shape("squared_error_loss: pred vs target", pred, target);
    let n = pred.rows();
    assert!(n > 0, "squared_error_loss: empty batch pred{:?}", pred.shape());
    dpred.resize(n, pred.cols());
    zip_map(dpred, pred, target, |y, x| y - x);
    let loss = sum_squares(dpred) / T::from_usize(2 * n);
    scale(dpred, T::ONE / T::from_usize(n));
    loss.to_f64()
}

/// [`squared_error_loss_into`] without the gradient: `‖pred − target‖² / 2N` in `f64`, summing
/// `(y − x)²` element by element in `f64` (no temporary).
///
/// # Panics
/// If the shapes differ or `N = 0`.
#[track_caller]
pub fn squared_error_loss<T: Scalar>(pred: &Matrix<T>, target: &Matrix<T>) -> f64 {
    assert_same_shape("squared_error_loss: pred vs target", pred, target);
    assert!(pred.rows() > 0, "squared_error_loss: empty batch pred{:?}", pred.shape());
    let sum = pred.as_slice().iter().zip(target.as_slice()).map(|(&y, &x)| {
        let d = (y - x).to_f64();
        d * d
    });
    let sum: f64 = sum.sum();
    sum / (2 * pred.rows()) as f64
}
