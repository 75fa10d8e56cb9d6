//! The Solver's typed errors.

use thiserror::Error;

/// Why training stopped early.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SolverError {
    /// The batch loss was NaN or infinite.
    #[error(
        "the training loss became {loss} at iteration {iteration} (learning rate {learning_rate:e}): \
         training diverged; lower the learning rate (try 10x smaller), and check the data for NaN, \
         infinite or unscaled values"
    )]
    NonFiniteLoss {
        /// Iteration (0-based) whose loss was not finite.
        iteration: usize,
        /// Learning rate in force at that iteration.
        learning_rate: f64,
        /// The loss value (NaN or ±∞).
        loss: f64,
    },
    /// The training set is empty.
    #[error("the training set is empty: give the Solver at least one row")]
    EmptyTrainingSet,
}
