//! What a training run records ([`History`], one [`Check`] per measurement) and what it reports
//! after every iteration ([`Progress`]).

use alloc::vec::Vec;

/// Measurements taken at one check (see [`crate::solver::CheckAt`] for when checks happen).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Check {
    /// Iteration (0-based) after whose update the measurements were taken.
    pub iteration: usize,
    /// Epochs completed by then, `(iteration + 1) / iterations_per_epoch`.
    pub epoch: usize,
    /// Learning rate used by that iteration's update.
    pub lr: f64,
    /// Training accuracy (on the current minibatch or a sample of training rows, per the
    /// configuration); `None` for models without predictions.
    pub train_acc: Option<f64>,
    /// Validation accuracy (`None` without validation data or predictions).
    pub val_acc: Option<f64>,
    /// Validation loss, eval mode (`None` unless the model provides
    /// [`eval_loss`](crate::solver::Model::eval_loss)).
    pub val_loss: Option<f64>,
}

/// Everything a run recorded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// Training (minibatch) loss of every iteration, `(iterations run,)`.
    pub loss: Vec<f64>,
    /// One entry per check.
    pub checks: Vec<Check>,
    /// The check whose parameters were kept and restored at the end (best validation accuracy, or
    /// lowest validation loss for models without predictions); `None` unless the configuration
    /// keeps the best parameters and there was validation data.
    pub best: Option<Check>,
    /// Iterations per epoch, `max(n_train / batch_size, 1)`.
    pub iterations_per_epoch: usize,
}

impl History {
    /// Validation accuracy of the last check (NaN when there is none).
    pub fn last_val_acc(&self) -> f64 {
        self.checks.last().and_then(|c| c.val_acc).unwrap_or(f64::NAN)
    }

    /// Best validation accuracy over the checks (NaN when there is none).
    pub fn best_val_acc(&self) -> f64 {
        self.checks.iter().filter_map(|c| c.val_acc).fold(f64::NAN, f64::max)
    }
}

/// One progress report, passed to the training loop's callback after every iteration.
#[derive(Clone, Copy, Debug)]
pub struct Progress<'a> {
    /// Iteration just finished (0-based).
    pub iteration: usize,
    /// Total iterations of the run.
    pub iters: usize,
    /// Epochs completed.
    pub epoch: usize,
    /// Minibatch loss of this iteration (before its update).
    pub loss: f64,
    /// Learning rate used by this iteration's update.
    pub lr: f64,
    /// The check made at this iteration, if any.
    pub check: Option<&'a Check>,
}
