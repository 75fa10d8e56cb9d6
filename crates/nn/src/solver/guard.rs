//! [`Watch`]: the loop's divergence guard ([`Guard`]) — the exploding-loss test after every
//! iteration (one comparison), the NaN/∞ test of the parameters at verification points (one pass
//! over them), and the copy of the last good parameters, which a diverged run restores.
//!
//! Parameters are *good* when they passed a verification (finite, after some iteration `t`'s
//! update) **and** the loss they give at iteration `t + 1` is finite and has not exploded: a
//! verified copy waits as *pending* for that next loss, then becomes the good copy (a swap, no
//! copy). The initial parameters are the first good copy. Both copies are allocated before the
//! first iteration, so the loop still allocates nothing after its first iteration.

use alloc::boxed::Box;

use handgrad_tensor::{Matrix, Scalar};

use crate::params::Params;
use crate::solver::{Divergence, Guard, History, Kept, TrainError};

/// The guard's state during one run.
pub(crate) struct Watch<P> {
    guard: Guard,
    /// The last good parameters (module docs).
    good: P,
    /// After which iteration they were verified (`None`: the initial parameters).
    good_at: Option<usize>,
    /// Verified parameters waiting for the next iteration's loss.
    pending: P,
    /// After which iteration `pending` was verified (`None`: nothing pending).
    pending_at: Option<usize>,
}

impl<P> Watch<P> {
    /// Watches a run starting from `params` (verified and copied here).
    ///
    /// # Errors
    /// [`TrainError::NonFiniteStart`] when `params` already hold NaN or ±∞.
    pub fn new<T: Scalar>(guard: Guard, params: &P) -> Result<Self, TrainError>
    where
        P: Params<T>,
    {
        if let Some(i) = first_non_finite(params) {
            return Err(TrainError::NonFiniteStart { tensor: params.name(i) });
        }
        Ok(Self { guard, good: params.clone(), good_at: None, pending: params.clone(), pending_at: None })
    }

    /// After iteration `t`'s update: `loss` is its (finite) minibatch loss, `first` the run's
    /// first, `verify` forces a parameter verification (a check, the last iteration). Returns the
    /// divergence seen, if any.
    pub fn after<T: Scalar>(&mut self, t: usize, loss: f64, first: f64, verify: bool, params: &P) -> Option<Divergence>
    where
        P: Params<T>,
    {
        let factor = self.guard.loss_factor;
        if first > 0.0 && loss > factor * first {
            return Some(Divergence::LossExploded { first, factor });
        }
        if self.pending_at.is_some() {
            // `loss` is the loss of the pending parameters (those before this iteration's update).
            core::mem::swap(&mut self.good, &mut self.pending);
            self.good_at = self.pending_at.take();
        }
        let every = self.guard.params_every;
        if verify || (every > 0 && (t + 1).is_multiple_of(every)) {
            if let Some(i) = first_non_finite(params) {
                return Some(Divergence::NonFiniteParameter { tensor: params.name(i) });
            }
            self.pending.copy_all_from(params);
            self.pending_at = Some(t);
        }
        None
    }

    /// Ends a diverged run: puts the last good parameters back into `params` and returns the
    /// error with `history`.
    pub fn fail<T: Scalar>(
        &self,
        iteration: usize,
        lr: f64,
        loss: f64,
        cause: Divergence,
        params: &mut P,
        history: History,
    ) -> TrainError
    where
        P: Params<T>,
    {
        params.copy_all_from(&self.good);
        let kept = self.good_at.map_or(Kept::Initial, Kept::After);
        TrainError::Diverged { iteration, lr, loss, cause, kept, history: Box::new(history) }
    }
}

/// Index of the first tensor of `params` holding NaN or ±∞.
pub fn first_non_finite<T: Scalar, P: Params<T>>(params: &P) -> Option<usize> {
    (0..params.len()).find(|&i| !all_finite(params.get(i)))
}

/// `true` when every element of `m` is finite. Branch-free within chunks of 64 values, so that
/// the test runs at memory speed.
pub fn all_finite<T: Scalar>(m: &Matrix<T>) -> bool {
    m.as_slice().chunks(64).all(|c| c.iter().fold(true, |ok, v| ok & v.is_finite()))
}
