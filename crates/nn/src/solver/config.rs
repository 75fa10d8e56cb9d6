//! [`SolverConfig`]: the Solver's hyperparameters.

use crate::optim::UpdateRule;

/// Hyperparameters of a training run. Defaults (from [`SolverConfig::new`]) follow the CS231n
/// `Solver`: batch 100, 10 epochs, no learning-rate decay, train accuracy on 1,000 rows, evaluation
/// in chunks of 1,000 rows, a progress report every 10 iterations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SolverConfig {
    /// The update rule with its initial learning rate.
    pub update: UpdateRule,
    /// Factor applied to the learning rate at the end of each epoch (1.0: none).
    pub lr_decay: f64,
    /// Rows per minibatch (drawn with replacement).
    pub batch_size: usize,
    /// Number of epochs; one epoch is `max(n_train / batch_size, 1)` iterations.
    pub num_epochs: usize,
    /// If `Some`, the total number of iterations, overriding `num_epochs`.
    pub num_iterations: Option<usize>,
    /// Seed of the Solver's RNG (minibatches, accuracy sample, dropout masks).
    pub seed: u64,
    /// Training rows sampled (with replacement) to measure training accuracy (1,000).
    pub num_train_samples: usize,
    /// Validation rows used for validation accuracy/loss; `None`: all of them.
    pub num_val_samples: Option<usize>,
    /// Rows per chunk when evaluating (1,000).
    pub eval_batch_size: usize,
    /// The progress callback runs every `report_every` iterations (≥ 1), and at every check.
    pub report_every: usize,
}

impl SolverConfig {
    /// The defaults above with the given update rule (which carries the learning rate).
    pub fn new(update: UpdateRule) -> Self {
        Self {
            update,
            lr_decay: 1.0,
            batch_size: 100,
            num_epochs: 10,
            num_iterations: None,
            seed: 0,
            num_train_samples: 1000,
            num_val_samples: None,
            eval_batch_size: 1000,
            report_every: 10,
        }
    }
}
