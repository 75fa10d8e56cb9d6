//! [`Model`]: what the training loop needs of a model — its parameters, a loss with gradients for a
//! batch, and (optionally) predictions and an eval-mode loss.

use handgrad_tensor::init::Rng;
use handgrad_tensor::{Matrix, Par, Scalar};

use crate::optim::{UpdateRule, UpdateState};
use crate::params::Params;

/// A trainable model.
///
/// The model owns its parameters (and non-learned state such as batchnorm running averages); the
/// caller owns the buffers of a step — the [`Cache`](Model::Cache) that forward fills and backward
/// reads, and the gradient, a value of the parameters' own type — so that one buffer set serves
/// training, evaluation and benchmarks alike, and a step allocates nothing after the first.
///
/// Train/eval mode is explicit: [`Model::loss_and_grads`] and [`Model::train_step`] are train mode
/// (dropout drops, batchnorm uses batch statistics; `rng` drives dropout), [`Model::predict`] and
/// [`Model::eval_loss`] are eval mode.
pub trait Model<T: Scalar> {
    /// The learned tensors. The gradient is a value of this same type.
    type Params: Params<T>;
    /// What forward saves for backward (and backward's scratch), reused from step to step.
    type Cache;

    /// The parameters.
    fn params(&self) -> &Self::Params;

    /// The parameters, mutable (to restore the best ones or load a checkpoint).
    fn params_mut(&mut self) -> &mut Self::Params;

    /// How many running statistics the model has: the non-learned tensors eval mode reads
    /// (batchnorm's running mean and variance, each `(1, H)`). The loop keeps them with the best
    /// parameters and restores them together
    /// ([`RunState::restore_best`](crate::solver::RunState::restore_best)), so that the restored
    /// model scores what its check scored. None by default.
    fn running_stats_len(&self) -> usize {
        0
    }

    /// Running statistic `i` (`i < running_stats_len()`, a fixed order).
    ///
    /// # Panics
    /// If `i` is out of range (the default: the model has none).
    fn running_stat(&self, i: usize) -> &Matrix<T> {
        panic!("running_stat({i}): the model has no running statistics")
    }

    /// Running statistic `i`, mutable.
    ///
    /// # Panics
    /// If `i` is out of range (the default: the model has none).
    fn running_stat_mut(&mut self, i: usize) -> &mut Matrix<T> {
        panic!("running_stat_mut({i}): the model has no running statistics")
    }

    /// Empty buffers for this model; forward sizes them on first use.
    fn new_cache(&self) -> Self::Cache;

    /// Train-mode loss of the batch `x: (n, d)` with labels `y: (n,)` (empty for unlabelled
    /// models), regularisation included; overwrites `grads` with `∂loss/∂params`.
    fn loss_and_grads(
        &mut self,
        x: &Matrix<T>,
        y: &[usize],
        cache: &mut Self::Cache,
        grads: &mut Self::Params,
        rng: &mut Rng,
        par: Par,
    ) -> f64;

    /// One training step on the batch: [`loss_and_grads`](Model::loss_and_grads), then `update` on
    /// every parameter tensor `i` with its state `states[i]`. Returns the loss *before* the update;
    /// when it is not finite the parameters are left untouched (the loop reports divergence).
    ///
    /// A model may override this with a fused form (the two-layer net folds its first weight
    /// gradient into the SGD update); the override must compute the same step, and its tests say so.
    #[allow(clippy::too_many_arguments)]
    fn train_step(
        &mut self,
        x: &Matrix<T>,
        y: &[usize],
        cache: &mut Self::Cache,
        grads: &mut Self::Params,
        update: &UpdateRule,
        states: &mut [UpdateState<T>],
        rng: &mut Rng,
        par: Par,
    ) -> f64 {
        let loss = self.loss_and_grads(x, y, cache, grads, rng, par);
        if loss.is_finite() {
            apply_update(update, self.params_mut(), grads, states);
        }
        loss
    }

    /// Eval-mode class predictions for `x: (n, d)` into `out: (n,)`. Returns `false` (the default)
    /// when the model does not predict classes; the loop then reports no accuracy.
    fn predict(&mut self, _x: &Matrix<T>, _cache: &mut Self::Cache, _out: &mut [usize], _par: Par) -> bool {
        false
    }

    /// Eval-mode loss of `x: (n, d)` (labels `y`, possibly empty), without gradients. `None` (the
    /// default) when not provided; models without predictions (autoencoders) provide it so that the
    /// loop can keep the parameters with the lowest validation loss.
    fn eval_loss(&mut self, _x: &Matrix<T>, _y: &[usize], _cache: &mut Self::Cache, _par: Par) -> Option<f64> {
        None
    }
}

/// `update` applied to every tensor of `params` with the gradient `grads` (same type) and one state
/// per tensor: `states[i]` belongs to tensor `i`. Weight decay (AdamW) applies to the tensors of
/// kind [`ParamKind::Weight`](crate::ParamKind::Weight) only ([`UpdateRule::step_param`]).
///
/// # Panics
/// If `states` does not have one entry per tensor, or a state was made by another rule.
#[track_caller]
pub fn apply_update<T: Scalar, P: Params<T>>(
    update: &UpdateRule,
    params: &mut P,
    grads: &P,
    states: &mut [UpdateState<T>],
) {
    assert_eq!(
        states.len(),
        params.len(),
        "apply_update: {} optimizer states for {} tensors",
        states.len(),
        params.len()
    );
    for (i, state) in states.iter_mut().enumerate() {
        let kind = params.kind(i);
        update.step_param(params.get_mut(i), grads.get(i), state, kind);
    }
}
