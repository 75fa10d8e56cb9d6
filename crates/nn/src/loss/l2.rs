//! The L2 weight penalty: `R(W₁, …, W_L) = ½·reg·Σ_l ΣW_l²`, gradient `∂R/∂W_l = reg·W_l`.
//!
//! Applied to weight matrices only, never to biases or normalisation parameters (CS231n
//! assignment 1 convention with the ½, which makes the gradient `reg·W`). The value is summed in
//! `f64` (`Σ_l ΣW_l²` first, then `½·reg·` once), with `reg` the scalar the gradient uses. Because
//! backward passes overwrite their gradients (see [`crate::layer`]), a model adds the penalty's
//! gradient after the layer backward with [`add_l2_grad`].

use handgrad_tensor::ops::{axpy, sum_squares};
use handgrad_tensor::{Matrix, Scalar};

use crate::params::{ParamKind, Params};

/// `½·reg·Σ_l ΣW_l²` over the given weight matrices (of any shapes).
pub fn l2_penalty<T: Scalar>(weights: &[&Matrix<T>], reg: T) -> f64 {
    l2_penalty_of_sum_squares(weights.iter().map(|w| sum_squares(w).to_f64()).sum(), reg)
}

/// `½·reg·Σ_W ΣW²` over the tensors of `params` whose kind is [`ParamKind::Weight`].
pub fn l2_penalty_of_params<T: Scalar, P: Params<T>>(params: &P, reg: T) -> f64 {
    let sum: f64 = (0..params.len())
        .filter(|&i| params.kind(i) == ParamKind::Weight)
        .map(|i| sum_squares(params.get(i)).to_f64())
        .sum();
    l2_penalty_of_sum_squares(sum, reg)
}

/// `½·reg·s` for `s = Σ_l ΣW_l²` already summed (a fused kernel returns its part of `s`).
pub fn l2_penalty_of_sum_squares<T: Scalar>(sum_squares: f64, reg: T) -> f64 {
    0.5 * reg.to_f64() * sum_squares
}

/// `dw += reg·w` (the gradient of the penalty added to an existing gradient).
///
/// # Panics
/// If `dw` and `w` differ in shape.
#[track_caller]
pub fn add_l2_grad<T: Scalar>(dw: &mut Matrix<T>, w: &Matrix<T>, reg: T) {
    axpy(dw, reg, w);
}

/// `grads_W += reg·W` for every tensor of kind [`ParamKind::Weight`].
pub fn add_l2_grads<T: Scalar, P: Params<T>>(grads: &mut P, params: &P, reg: T) {
    for i in 0..params.len() {
        if params.kind(i) == ParamKind::Weight {
            add_l2_grad(grads.get_mut(i), params.get(i), reg);
        }
    }
}
