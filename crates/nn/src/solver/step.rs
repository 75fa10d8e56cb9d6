//! [`Step`]: one training iteration and every buffer it needs — the one code path that training,
//! `cargo xtask bench-compare`, the step benchmark, the phase-timing example and the allocation
//! test all run.
//!
//! An iteration: draw the minibatch's row indices ([`Sampling`]), gather those rows into the
//! reused batch buffer ([`Dataset::gather`]), then take one optimizer step on them
//! ([`Model::train_step`]: forward, loss, backward, update, possibly fused). A non-finite loss
//! leaves the parameters as they were and becomes [`TrainError::Diverged`].
//!
//! The buffers — row indices, the gathered batch and its labels, the model's [`Model::Cache`], the
//! gradient (a value of the parameters' type) and one optimizer state per parameter tensor — are
//! created once; after the first iteration a step allocates nothing.

use alloc::boxed::Box;
use alloc::vec::Vec;

use handgrad_tensor::init::Rng;
use handgrad_tensor::{Matrix, Par, Scalar};

use crate::optim::{Optimizer, UpdateRule, UpdateState};
use crate::params::Params;
use crate::solver::sampler::Sampler;
use crate::solver::{Dataset, Divergence, Kept, Model, Sampling, TrainError};

/// The buffers of a training iteration, and the iteration itself ([`Step::run`]).
pub struct Step<T: Scalar, M: Model<T>> {
    pub(crate) sampler: Sampler,
    batch_size: usize,
    /// Row indices of the current minibatch.
    pub idx: Vec<usize>,
    /// The gathered minibatch `x: (batch_size, d)`.
    pub x: Matrix<T>,
    /// Its labels `(batch_size,)` (empty for unlabelled data).
    pub y: Vec<usize>,
    /// The model's forward/backward buffers.
    pub cache: M::Cache,
    /// The gradient of the last step (same type as the parameters).
    pub grads: M::Params,
    /// The update rule's state, one per parameter tensor.
    pub states: Vec<UpdateState<T>>,
    /// Predictions for the minibatch, when a check measures its accuracy.
    pub(crate) pred: Vec<usize>,
}

impl<T: Scalar, M: Model<T>> Step<T, M> {
    /// Buffers for training `model` with `update`, minibatches of `batch_size` rows drawn by
    /// `sampling` (ignored for [`Sampling::FullBatch`]).
    ///
    /// # Panics
    /// If `batch_size` is 0.
    #[track_caller]
    pub fn new(model: &M, update: &UpdateRule, sampling: Sampling, batch_size: usize) -> Self {
        assert!(batch_size > 0, "Step::new: batch_size must be at least 1");
        let params = model.params();
        Self {
            sampler: Sampler::new(sampling),
            batch_size,
            idx: Vec::with_capacity(batch_size),
            x: Matrix::zeros(0, 0),
            y: Vec::with_capacity(batch_size),
            cache: model.new_cache(),
            grads: params.zeros_like(),
            states: (0..params.len()).map(|i| update.init_state(params.get(i))).collect(),
            pred: Vec::new(),
        }
    }

    /// Draws the next minibatch's rows of `data` from `rng` and gathers them into [`Step::x`] and
    /// [`Step::y`] with [`Dataset::gather_train`] (which may draw augmentations from `rng` too; a
    /// full batch of in-memory data is not copied: nothing to do).
    pub fn draw<D: Dataset<T> + ?Sized>(&mut self, data: &D, rng: &mut Rng, par: Par) {
        if self.full_batch_in_place(data) {
            return;
        }
        self.sampler.draw(data.len(), self.batch_size, &mut self.idx, rng);
        data.gather_train(&self.idx, &mut self.x, &mut self.y, rng, par);
    }

    /// One training iteration on `data`: [`draw`](Step::draw), then `model.train_step` with
    /// `update` (whose learning rate the caller has set for this iteration). Returns the loss of the
    /// minibatch before the update.
    ///
    /// # Errors
    /// [`TrainError::Diverged`] (naming `iteration` and the learning rate, with
    /// [`Kept::BeforeUpdate`] and an empty history) when the loss is not finite; the parameters
    /// are then left as they were.
    #[allow(clippy::too_many_arguments)]
    pub fn run<D: Dataset<T> + ?Sized>(
        &mut self,
        model: &mut M,
        data: &D,
        update: &UpdateRule,
        rng: &mut Rng,
        par: Par,
        iteration: usize,
    ) -> Result<f64, TrainError> {
        self.draw(data, rng, par);
        let (x, y) = pick(self.sampler.sampling(), data, &self.x, &self.y);
        let loss = model.train_step(x, y, &mut self.cache, &mut self.grads, update, &mut self.states, rng, par);
        if !loss.is_finite() {
            return Err(TrainError::Diverged {
                iteration,
                lr: update.lr(),
                loss,
                cause: Divergence::NonFiniteLoss,
                kept: Kept::BeforeUpdate,
                history: Box::default(),
            });
        }
        Ok(loss)
    }

    /// The current minibatch: `(x, y)` as the last [`draw`](Step::draw) left them (the whole data
    /// set for an in-memory full batch).
    pub fn batch<'a, D: Dataset<T> + ?Sized>(&'a self, data: &'a D) -> (&'a Matrix<T>, &'a [usize]) {
        pick(self.sampler.sampling(), data, &self.x, &self.y)
    }

    /// How the minibatch rows are drawn.
    pub fn sampling(&self) -> Sampling {
        self.sampler.sampling()
    }

    fn full_batch_in_place<D: Dataset<T> + ?Sized>(&self, data: &D) -> bool {
        self.sampler.sampling() == Sampling::FullBatch && data.whole().is_some()
    }
}

/// The minibatch to train on: the data set's own rows for an in-memory full batch, else the
/// gathered buffers.
pub(crate) fn pick<'a, T: Scalar, D: Dataset<T> + ?Sized>(
    sampling: Sampling,
    data: &'a D,
    x: &'a Matrix<T>,
    y: &'a [usize],
) -> (&'a Matrix<T>, &'a [usize]) {
    match data.whole() {
        Some(whole) if sampling == Sampling::FullBatch => whole,
        _ => (x, y),
    }
}
