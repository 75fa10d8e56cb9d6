//! [`TrainError`]: why a training run stopped early — the one divergence error of every loop.

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;

use thiserror::Error;

use crate::solver::History;

/// Why training stopped before its last iteration.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum TrainError {
    /// The run diverged ([`Divergence`] says how). The model holds the last good parameters
    /// ([`Kept`] says which) and `history` the losses and checks of the iterations before the
    /// failing one.
    #[error("{}", diverged_message(*iteration, *lr, *loss, cause, *kept))]
    Diverged {
        /// Iteration (0-based) at which the divergence was seen.
        iteration: usize,
        /// Learning rate in force at that iteration.
        lr: f64,
        /// That iteration's minibatch loss (NaN, ±∞, or finite for the other causes).
        loss: f64,
        /// What was seen.
        cause: Divergence,
        /// Which parameters the model holds now.
        kept: Kept,
        /// Losses and checks of the iterations run before the failing one (empty from a lone
        /// [`Step`](crate::solver::Step)).
        history: Box<History>,
    },
    /// The parameters hold NaN or ±∞ before the first iteration.
    #[error(
        "the initial parameters hold NaN or ±∞ (tensor {tensor}); check the weight scale, or the checkpoint they were loaded from"
    )]
    NonFiniteStart {
        /// Name of the first such tensor.
        tensor: String,
    },
    /// A saved [`RunState`](crate::solver::RunState) does not fit the run it was asked to continue
    /// (another configuration or model).
    #[error(
        "cannot resume: {reason}; the saved state belongs to another configuration: resume with the run's own settings or start a new run"
    )]
    Resume {
        /// What does not fit.
        reason: alloc::string::String,
    },
    /// The training set is empty.
    #[error("the training set is empty: give the training loop at least one row")]
    EmptyTrainingSet,
}

/// How a run diverged.
#[derive(Debug, Clone, PartialEq)]
pub enum Divergence {
    /// The minibatch loss was NaN or ±∞.
    NonFiniteLoss,
    /// The minibatch loss exceeded `factor` × the run's first minibatch loss `first`
    /// ([`Guard::loss_factor`](crate::solver::Guard::loss_factor)).
    LossExploded {
        /// The first iteration's loss.
        first: f64,
        /// The factor it was allowed to grow by.
        factor: f64,
    },
    /// A parameter tensor held NaN or ±∞ after the iteration's update.
    NonFiniteParameter {
        /// Name of the first such tensor (`"W1"`, …).
        tensor: String,
    },
}

/// Which parameters a diverged run left in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// The last ones verified by the loop: after the update of this iteration (0-based).
    After(usize),
    /// The initial ones (no iteration had been verified yet).
    Initial,
    /// Those from before the failing iteration's update (a [`Step`](crate::solver::Step) run on
    /// its own, which verifies nothing).
    BeforeUpdate,
}

impl fmt::Display for Kept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kept::After(k) => write!(f, "the model keeps the parameters verified after iteration {k}"),
            Kept::Initial => f.write_str("the model keeps its initial parameters"),
            Kept::BeforeUpdate => f.write_str("the model keeps the parameters from before that update"),
        }
    }
}

fn diverged_message(iteration: usize, lr: f64, loss: f64, cause: &Divergence, kept: Kept) -> String {
    let what = match cause {
        Divergence::NonFiniteLoss => alloc::format!("the loss became {loss}"),
        Divergence::LossExploded { first, factor } => {
            alloc::format!("the loss became {loss:.3e}, more than {factor:e} × the first iteration's {first:.4}")
        }
        Divergence::NonFiniteParameter { tensor } => {
            alloc::format!("tensor {tensor} holds NaN or ±∞ after the update (the loss was {loss:.4e})")
        }
    };
    alloc::format!(
        "training diverged at iteration {iteration} with learning rate {lr:e}: {what}; {kept}; lower the learning \
         rate (try 10x smaller) or the weight scale, and check the data for NaN, infinite or unscaled values"
    )
}
