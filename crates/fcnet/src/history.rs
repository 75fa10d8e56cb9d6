//! What a training run records: the loss of every iteration and the accuracies at each epoch
//! boundary, plus the progress events a front end (a progress bar) receives while it runs.

use serde::{Deserialize, Serialize};

/// Accuracies measured at one epoch boundary.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Iteration (0-based) after whose update the accuracies were measured.
    pub iter: usize,
    /// Epoch number (0 for the measurement at the first iteration).
    pub epoch: usize,
    /// Training accuracy (on the current minibatch for the two-layer schedule, on a sample of
    /// training rows for the Solver).
    pub train_acc: f64,
    /// Validation accuracy on the whole validation split.
    pub val_acc: f64,
    /// Learning rate in force during this iteration (before the epoch's decay).
    pub learning_rate: f64,
}

/// Everything a run recorded.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainHistory {
    /// Loss of every iteration, `(iters,)`.
    pub loss: Vec<f64>,
    /// One record per epoch boundary.
    pub epochs: Vec<EpochRecord>,
}

impl TrainHistory {
    /// Validation accuracy of the last record (NaN when nothing was recorded).
    pub fn last_val_acc(&self) -> f64 {
        self.epochs.last().map_or(f64::NAN, |r| r.val_acc)
    }

    /// Best validation accuracy recorded (NaN when nothing was recorded).
    pub fn best_val_acc(&self) -> f64 {
        self.epochs.iter().map(|r| r.val_acc).fold(f64::NAN, f64::max)
    }
}

/// One progress event, sent after every iteration.
#[derive(Clone, Copy, Debug)]
pub struct Progress<'a> {
    /// Iteration just finished (0-based).
    pub iter: usize,
    /// Total iterations of the run.
    pub iters: usize,
    /// Loss of this iteration.
    pub loss: f64,
    /// The epoch record made at this iteration, if it ended an epoch.
    pub record: Option<&'a EpochRecord>,
}
