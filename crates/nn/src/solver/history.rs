//! What a training run records ([`History`], [`Check`]) and reports while it runs ([`Progress`]).

use alloc::vec::Vec;

/// Measurements at one check: the first iteration, each epoch end, and the last iteration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Check {
    /// Iteration (0-based) after whose update the measurements were taken.
    pub iteration: usize,
    /// Epochs completed at that point.
    pub epoch: usize,
    /// Learning rate used by that iteration's update (before any decay at its epoch end).
    pub learning_rate: f64,
    /// Accuracy on a sample of training rows (`None` for models without predictions).
    pub train_acc: Option<f64>,
    /// Validation accuracy (`None` without validation data or predictions).
    pub val_acc: Option<f64>,
    /// Validation loss, eval mode (`None` unless the model provides [`eval_loss`]).
    ///
    /// [`eval_loss`]: crate::solver::Model::eval_loss
    pub val_loss: Option<f64>,
}

/// Everything a run recorded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// Training loss of every iteration.
    pub loss: Vec<f64>,
    /// One entry per check.
    pub checks: Vec<Check>,
    /// The check whose parameters were kept and restored at the end (best validation accuracy,
    /// or lowest validation loss for models without predictions); `None` without validation data.
    pub best: Option<Check>,
    /// Iterations per epoch, `max(n_train / batch_size, 1)`.
    pub iterations_per_epoch: usize,
}

/// One progress report, passed to the callback.
#[derive(Clone, Copy, Debug)]
pub struct Progress<'a> {
    /// Iteration just finished (0-based).
    pub iteration: usize,
    /// Total iterations of the run.
    pub num_iterations: usize,
    /// Epochs completed.
    pub epoch: usize,
    /// Training loss of this iteration.
    pub loss: f64,
    /// Learning rate used by this iteration's update.
    pub learning_rate: f64,
    /// The check made at this iteration, if any.
    pub check: Option<&'a Check>,
}
