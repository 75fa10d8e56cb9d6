//! [`TrainError`]: why a training run stopped early — the one divergence error of every loop.

use thiserror::Error;

/// Why training stopped before its last iteration.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum TrainError {
    /// The minibatch loss was NaN or infinite; the parameters are those before that iteration's
    /// update.
    #[error(
        "training diverged at iteration {iteration}: the loss became {loss} with learning rate {lr:e}; \
         lower the learning rate (try 10x smaller) or the weight scale, and check the data for NaN, \
         infinite or unscaled values"
    )]
    Diverged {
        /// Iteration (0-based) whose loss was not finite.
        iteration: usize,
        /// Learning rate in force at that iteration.
        lr: f64,
        /// The loss value (NaN or ±∞).
        loss: f64,
    },
    /// The training set is empty.
    #[error("the training set is empty: give the training loop at least one row")]
    EmptyTrainingSet,
}
