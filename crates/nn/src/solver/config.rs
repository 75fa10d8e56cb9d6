//! [`SolverConfig`]: everything that defines a training run of the [`Solver`](crate::solver::Solver),
//! with two presets — the CS231n `Solver` ([`SolverConfig::new`]) and the two-layer notebook's
//! schedule ([`SolverConfig::notebook`]).

use crate::optim::{Sgd, UpdateRule};
use crate::solver::{LrSchedule, Sampling};

/// Most iterations of one run: the loop records one loss per iteration (8 bytes each, 80 MB at
/// this bound). Commands check their flags against it; [`Solver::train`](crate::solver::Solver::train)
/// panics above it.
pub const MAX_ITERS: usize = 10_000_000;

/// How the loop recognises divergence besides a non-finite minibatch loss, and how often it
/// verifies the parameters (see the [`solver`](crate::solver) module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Guard {
    /// A minibatch loss above `loss_factor` × the run's first minibatch loss (when that is > 0)
    /// is divergence: Adam at a huge learning rate keeps the loss finite (about 1e34 on CIFAR-10)
    /// while the weights grow without bound. `f64::INFINITY` turns the test off.
    pub loss_factor: f64,
    /// Every parameter is checked for NaN and ±∞ after every `params_every`-th iteration, at every
    /// check and after the last iteration (0: only at checks and the last iteration); parameters
    /// that pass are copied as the last good ones, which a diverged run restores. The check and
    /// the copy are one pass each over the parameters (measured in the module docs).
    pub params_every: usize,
}

impl Guard {
    /// Loss factor 10⁶, parameters verified every 100 iterations.
    pub const DEFAULT: Guard = Guard { loss_factor: 1e6, params_every: 100 };
}

/// When the loop measures accuracies (and the validation loss).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckAt {
    /// Never (runs without validation, e.g. the autoencoders: their callback measures what it needs).
    Never,
    /// After the first iteration, the last iteration of every epoch and the last iteration
    /// (CS231n `Solver`).
    EpochEnd,
    /// After iteration `t` when `t % iterations_per_epoch == 0` (the two-layer notebook).
    EpochStart,
}

impl CheckAt {
    /// `true` when iteration `t` (0-based) of `total` is checked, with `per_epoch` iterations per epoch.
    pub fn is_check(self, t: usize, per_epoch: usize, total: usize) -> bool {
        match self {
            CheckAt::Never => false,
            CheckAt::EpochEnd => t == 0 || t + 1 == total || (t + 1).is_multiple_of(per_epoch),
            CheckAt::EpochStart => t.is_multiple_of(per_epoch),
        }
    }
}

/// What the training accuracy of a check is measured on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrainAccuracy {
    /// The minibatch of that iteration, after its update (the two-layer notebook).
    Batch,
    /// This many training rows drawn with replacement from the loop's RNG (all rows when the set is
    /// not larger) — CS231n `Solver`'s `num_train_samples` (1,000).
    Sample(usize),
}

/// Hyperparameters of a training run. The learning rate of iteration `t` is
/// `schedule.lr_at(update's lr, t, iterations_per_epoch)`; one epoch is
/// `max(n_train / batch_size, 1)` iterations ([`iterations_per_epoch`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SolverConfig {
    /// The update rule with its initial learning rate.
    pub update: UpdateRule,
    /// How the learning rate changes over the run.
    pub schedule: LrSchedule,
    /// Rows per minibatch.
    pub batch_size: usize,
    /// How the rows of a minibatch are drawn.
    pub sampling: Sampling,
    /// Number of epochs (used when `iters` is `None`).
    pub epochs: usize,
    /// If `Some`, the total number of iterations, overriding `epochs`.
    pub iters: Option<usize>,
    /// When accuracies are measured.
    pub check_at: CheckAt,
    /// What the training accuracy is measured on.
    pub train_accuracy: TrainAccuracy,
    /// Validation rows used per check; `None`: all of them.
    pub val_rows: Option<usize>,
    /// Rows per chunk when evaluating (1,000).
    pub eval_batch_size: usize,
    /// Keep the parameters of the best check (highest validation accuracy, or lowest validation
    /// loss for models without predictions) and restore them at the end.
    pub keep_best: bool,
    /// Divergence detection and parameter verification ([`Guard::DEFAULT`] in both presets).
    pub guard: Guard,
}

impl SolverConfig {
    /// The CS231n `Solver` with the given update rule (which carries the learning rate): batch 100,
    /// 10 epochs, minibatches drawn with replacement, no learning-rate decay, checks after the first
    /// iteration, each epoch and the last, training accuracy on 1,000 sampled rows, validation on
    /// all rows in chunks of 1,000, the best parameters kept.
    pub fn new(update: UpdateRule) -> Self {
        Self {
            update,
            schedule: LrSchedule::EpochEnd { factor: 1.0 },
            batch_size: 100,
            sampling: Sampling::WithReplacement,
            epochs: 10,
            iters: None,
            check_at: CheckAt::EpochEnd,
            train_accuracy: TrainAccuracy::Sample(1000),
            val_rows: None,
            eval_batch_size: 1000,
            keep_best: true,
            guard: Guard::DEFAULT,
        }
    }

    /// The two-layer notebook's schedule (CS231n assignment 1, `TwoLayerNet.train`): plain SGD at
    /// `lr`, `iters` iterations of `batch_size` rows drawn with replacement; at every
    /// `it % iterations_per_epoch == 0` the accuracy of the current minibatch and of the whole
    /// validation set are recorded and the learning rate is multiplied by `lr_decay`; the final
    /// parameters are kept (no best-model restore).
    pub fn notebook(lr: f64, lr_decay: f64, batch_size: usize, iters: usize) -> Self {
        Self {
            update: UpdateRule::Sgd(Sgd::new(lr)),
            schedule: LrSchedule::EpochStart { factor: lr_decay },
            batch_size,
            sampling: Sampling::WithReplacement,
            epochs: 0,
            iters: Some(iters),
            check_at: CheckAt::EpochStart,
            train_accuracy: TrainAccuracy::Batch,
            val_rows: None,
            eval_batch_size: 1000,
            keep_best: false,
            guard: Guard::DEFAULT,
        }
    }

    /// Total iterations for `n_train` rows: `iters`, or `epochs` epochs.
    pub fn total_iters(&self, n_train: usize) -> usize {
        self.iters.unwrap_or(self.epochs * iterations_per_epoch(n_train, self.batch_size))
    }
}

/// Iterations per epoch for `n` rows in minibatches of `batch_size`: `max(n / batch_size, 1)`
/// (CS231n's `max(num_train // batch_size, 1)`; the two-layer notebook divides floats, which gives
/// the same 245 for its 49,000 rows in minibatches of 200).
///
/// # Panics
/// If `batch_size` is 0.
#[track_caller]
pub fn iterations_per_epoch(n: usize, batch_size: usize) -> usize {
    assert!(batch_size > 0, "iterations_per_epoch: batch_size must be at least 1");
    (n / batch_size).max(1)
}
