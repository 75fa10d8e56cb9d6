//! [`RunState`]: everything the training loop carries from one iteration to the next besides the
//! model — the state a run is saved in and resumed from.
//!
//! After `done` iterations a run of the [`Solver`](crate::solver::Solver) is fully described by the
//! model (its parameters and non-learned state, e.g. batchnorm's running averages) and:
//!
//! | piece | why it is needed |
//! |---|---|
//! | `done` | the next iteration `t = done`; the learning rate is the pure function [`LrSchedule::lr_at`](crate::solver::LrSchedule::lr_at) of `t` |
//! | `rng` | minibatch rows, sampled training rows and dropout masks are drawn from it, in that order |
//! | `states` | the update rule's state per parameter tensor (velocity, moments and Adam's step count) |
//! | `sampler` | the permutation a shuffled sampler is consuming |
//! | `best` | the copy of the best parameters, restored at the end |
//! | `best_running_stats` | the model's [running statistics](crate::solver::Model::running_stat) at the best check, restored with `best` |
//! | `history` | the losses and checks so far (the best check decides what "better" means next) |
//!
//! [`Solver::run`](crate::solver::Solver::run) continues a `RunState` in place, so a run that is
//! stopped after any iteration, saved (the model and this state, bit for bit) and resumed with the
//! same configuration, data and thread count ends exactly as the uninterrupted run does.

use alloc::vec::Vec;

use handgrad_tensor::init::Rng;
use handgrad_tensor::{Matrix, Scalar};

use crate::optim::{UpdateRule, UpdateState};
use crate::params::Params;
use crate::solver::{History, Model, SamplerState, TrainError};

/// The loop's state after [`done`](RunState::done) iterations (see the module docs); `P` is the
/// model's parameter type.
#[derive(Clone, Debug)]
pub struct RunState<T: Scalar, P> {
    /// Iterations completed; the next one is iteration `done` (0-based).
    pub done: usize,
    /// The loop's generator as it stands after `done` iterations.
    pub rng: Rng,
    /// The update rule's state, one per parameter tensor (empty before the first iteration: the
    /// loop then creates fresh states).
    pub states: Vec<UpdateState<T>>,
    /// Where a shuffled sampler stands (empty for the other samplings).
    pub sampler: SamplerState,
    /// The parameters of the best check so far, when the configuration keeps them.
    pub best: Option<P>,
    /// The model's running statistics at the best check, in the order of
    /// [`Model::running_stat`] (empty when none were kept or the model has none).
    pub best_running_stats: Vec<Matrix<T>>,
    /// Losses and checks of the `done` iterations.
    pub history: History,
}

impl<T: Scalar, P: Params<T>> RunState<T, P> {
    /// The state of a run that has not started, drawing from `rng`.
    pub fn new(rng: Rng) -> Self {
        Self {
            done: 0,
            rng,
            states: Vec::new(),
            sampler: SamplerState::default(),
            best: None,
            best_running_stats: Vec::new(),
            history: History::default(),
        }
    }

    /// Copies the kept best parameters, and the running statistics kept with them, into `model`
    /// (nothing when none were kept). The loop does this itself when it reaches its last iteration;
    /// a run stopped early keeps its current parameters so that it can be saved and resumed, and
    /// calls this to take the best ones.
    pub fn restore_best<M: Model<T, Params = P>>(&self, model: &mut M) {
        let Some(best) = self.best.as_ref().filter(|_| self.history.best.is_some()) else { return };
        model.params_mut().copy_all_from(best);
        for (i, kept) in self.best_running_stats.iter().enumerate() {
            model.running_stat_mut(i).copy_from(kept);
        }
    }

    /// Copies the parameters and running statistics of `model` into [`best`](RunState::best) and
    /// [`best_running_stats`](RunState::best_running_stats) (allocating only the first time).
    pub fn keep_best<M: Model<T, Params = P>>(&mut self, model: &M) {
        let params = model.params();
        match &mut self.best {
            None => self.best = Some(params.clone()),
            Some(b) => b.copy_all_from(params),
        }
        let n = model.running_stats_len();
        if self.best_running_stats.len() != n {
            self.best_running_stats = (0..n).map(|i| model.running_stat(i).clone()).collect();
        } else {
            for (i, kept) in self.best_running_stats.iter_mut().enumerate() {
                kept.copy_from(model.running_stat(i));
            }
        }
    }

    /// Checks that this state can continue a run of `total` iterations with `per_epoch` iterations
    /// per epoch, of a model with parameters shaped like `params` and running statistics shaped
    /// `stat_shapes` (`(rows, cols)` each, in [`Model::running_stat`] order) trained by `update`.
    ///
    /// # Errors
    /// [`TrainError::Resume`] naming the first piece that does not fit.
    pub fn check_fits(
        &self,
        params: &P,
        stat_shapes: &[(usize, usize)],
        update: &UpdateRule,
        per_epoch: usize,
        total: usize,
    ) -> Result<(), TrainError> {
        let fail = |reason: alloc::string::String| Err(TrainError::Resume { reason });
        if self.done > total {
            return fail(alloc::format!("{} iterations are done but the run has {total}", self.done));
        }
        if self.history.loss.len() != self.done {
            return fail(alloc::format!("{} losses recorded for {} iterations", self.history.loss.len(), self.done));
        }
        if self.done > 0 && self.history.iterations_per_epoch != per_epoch {
            let saved = self.history.iterations_per_epoch;
            return fail(alloc::format!("{saved} iterations per epoch saved, {per_epoch} configured"));
        }
        if !self.states.is_empty() {
            if self.states.len() != params.len() {
                return fail(alloc::format!("{} optimizer states for {} tensors", self.states.len(), params.len()));
            }
            for (i, s) in self.states.iter().enumerate() {
                if !state_fits(s, update, params.get(i)) {
                    let name = params.name(i);
                    return fail(alloc::format!("the {} state of tensor {name} does not fit it", update.name()));
                }
            }
        }
        if let Some(best) = &self.best
            && best.shapes() != params.shapes()
        {
            return fail("the kept best parameters have other shapes than the model's".into());
        }
        let kept: Vec<(usize, usize)> = self.best_running_stats.iter().map(Matrix::shape).collect();
        if !kept.is_empty() && kept != stat_shapes {
            return fail("the kept best running statistics have other shapes than the model's".into());
        }
        Ok(())
    }
}

/// Whether `state` was made by `update` for a tensor shaped like `w`.
fn state_fits<T: Scalar>(state: &UpdateState<T>, update: &UpdateRule, w: &Matrix<T>) -> bool {
    let shape = w.shape();
    match (update, state) {
        (UpdateRule::Sgd(_), UpdateState::Sgd) => true,
        (UpdateRule::Momentum(_), UpdateState::Momentum(s)) | (UpdateRule::Nesterov(_), UpdateState::Nesterov(s)) => {
            s.v.shape() == shape
        }
        (UpdateRule::RmsProp(_), UpdateState::RmsProp(s)) => s.cache.shape() == shape,
        (UpdateRule::Adam(_) | UpdateRule::AdamW(_), UpdateState::Adam(s)) => {
            s.m.shape() == shape && s.v.shape() == shape
        }
        _ => false,
    }
}
