//! Fitting a GP-LVM: maximise `L(θ)` jointly over latent points and log-hyperparameters by running
//! [`crate::lbfgs`] on `f(θ) = −L(θ)`, `∇f = −∂L/∂θ`. The full model ([`Gplvm`]) and the sparse
//! one ([`crate::SparseGplvm`], whose `L` is the collapsed bound F) share this loop through
//! [`LatentModel`].

use crate::gp::GpEval;
use crate::lbfgs::{self, IterInfo, LbfgsConfig, LbfgsReport, LbfgsState};
use crate::{Gplvm, GplvmError, Kernel};

/// An objective `L(θ)` with its gradient, maximised by [`fit`].
pub trait LatentModel {
    /// `L(θ)` and `∂L/∂θ` (written into `grad`, same length as θ).
    fn evaluate(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<GpEval, GplvmError>;
}

impl<K: Kernel> LatentModel for Gplvm<K> {
    fn evaluate(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<GpEval, GplvmError> {
        Gplvm::evaluate(self, theta, grad)
    }
}

/// Outcome of [`fit`]; the optimum is left in the caller's θ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitReport {
    /// Final log-likelihood L (= −f).
    pub log_likelihood: f64,
    /// The optimiser's own report (on `f = −L`).
    pub optimiser: LbfgsReport,
    /// Evaluations whose Cholesky factorisation needed jitter.
    pub jitter_evals: usize,
    /// Largest jitter added in any evaluation.
    pub max_jitter: f64,
}

/// Maximises the model's likelihood (or bound) from `theta` (see [`Gplvm::pack`],
/// [`crate::SparseGplvm::pack`]); `on_iter` sees each L-BFGS iteration (its `f` is −L).
///
/// # Panics
/// If `theta` does not have the model's length.
#[track_caller]
pub fn fit<M: LatentModel>(
    model: &mut M,
    theta: &mut [f64],
    cfg: &LbfgsConfig,
    on_iter: impl FnMut(&IterInfo),
) -> Result<FitReport, GplvmError> {
    let mut state = LbfgsState::new(theta.len(), cfg.memory);
    let (mut jitter_evals, mut max_jitter) = (0, 0.0f64);
    let objective = |th: &[f64], grad: &mut [f64]| -> Result<f64, GplvmError> {
        let ev = model.evaluate(th, grad)?;
        if ev.jitter > 0.0 {
            jitter_evals += 1;
            max_jitter = max_jitter.max(ev.jitter);
        }
        grad.iter_mut().for_each(|g| *g = -*g);
        Ok(-ev.log_likelihood)
    };
    let optimiser = lbfgs::minimize(objective, theta, cfg, &mut state, on_iter)?;
    Ok(FitReport { log_likelihood: -optimiser.f, optimiser, jitter_evals, max_jitter })
}
