//! AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019, Algorithm 2; the form of
//! PyTorch's `torch.optim.AdamW`, where the decay is scaled by the current learning rate).
//!
//! With `t` incremented first and `λ` the weight decay:
//! `w ← w − lr·λ·w` (decoupled: the decay never enters the moments), then the Adam step
//! `t ← t + 1; m ← β₁·m + (1 − β₁)·dw; v ← β₂·v + (1 − β₂)·dw²;`
//! `m̂ = m / (1 − β₁ᵗ); v̂ = v / (1 − β₂ᵗ); w ← w − lr·m̂ / (√v̂ + ε)`.
//!
//! Unlike an L2 term (`reg`), whose gradient `reg·w` Adam divides by `√v̂` (so that weights with
//! large gradients are barely regularised), the decay shrinks every weight by the same factor
//! `1 − lr·λ`. Which tensors decay is the caller's choice: [`AdamW::step_with`] takes a flag, and
//! the training loop ([`apply_update`](crate::solver::apply_update)) decays weights only — biases
//! and batchnorm's `γ`, `β` take the plain Adam step. The state is Adam's ([`AdamState`]).

use handgrad_tensor::matrix::assert_same_shape;
use handgrad_tensor::{Matrix, Scalar};

use super::{Adam, AdamState, Optimizer};

/// AdamW configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamW {
    /// The Adam part (learning rate, β₁, β₂, ε).
    pub adam: Adam,
    /// Decoupled weight decay `λ` (per unit of learning rate; PyTorch's default is 0.01).
    pub weight_decay: f64,
}

impl AdamW {
    /// AdamW with learning rate `lr`, weight decay `weight_decay` and Adam's defaults (β₁ = 0.9,
    /// β₂ = 0.999, ε = 1e-8).
    pub fn new(lr: f64, weight_decay: f64) -> Self {
        Self { adam: Adam::new(lr), weight_decay }
    }

    /// One step of `w` with gradient `dw`; the weight decay is applied only when `decay` is true
    /// (otherwise this is exactly [`Adam`]'s step).
    ///
    /// # Panics
    /// If `w`, `dw` and the state differ in shape.
    #[track_caller]
    pub fn step_with<T: Scalar>(&self, w: &mut Matrix<T>, dw: &Matrix<T>, s: &mut AdamState<T>, decay: bool) {
        assert_same_shape("AdamW::step: w vs dw", w, dw);
        if decay && self.weight_decay != 0.0 {
            let keep = T::from_f64(1.0 - self.adam.lr * self.weight_decay);
            for wi in w.as_mut_slice() {
                *wi *= keep;
            }
        }
        self.adam.step(w, dw, s);
    }
}

impl<T: Scalar> Optimizer<T> for AdamW {
    type State = AdamState<T>;

    fn init_state(&self, w: &Matrix<T>) -> AdamState<T> {
        self.adam.init_state(w)
    }

    /// The step with the decay applied (the tensor is treated as a weight).
    #[track_caller]
    fn step(&self, w: &mut Matrix<T>, dw: &Matrix<T>, s: &mut AdamState<T>) {
        self.step_with(w, dw, s, true);
    }
}
