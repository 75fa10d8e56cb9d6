//! Fitting a tied autoencoder against its PCA optimum: the one training loop of handgrad-nn with
//! the autoencoders' schedule, the full-data loss measured every `eval_every` iterations, and the
//! full-batch polish that takes the linear model to the optimum to rounding.
//!
//! - [`FitConfig::minibatch`]: minibatches of shuffled rows (full batch when `batch_size ≥ N`), the
//!   given update rule, the learning rate multiplied by `lr_decay` every `decay_every` iterations.
//! - [`FitConfig::polish`]: full-batch gradient descent at `lr = 1/(4λ₁)`. Near the optimum the
//!   Hessian of the linear loss has largest eigenvalue about `4λ₁` (scaling `W` along itself), so
//!   this rate is stable; mini-batch Adam alone stalls at a noise floor of about 1e-6 relative.
//! - [`fit`] runs one phase and continues the record of the previous one (`prev`), so a polish
//!   extends the same curve. After every `eval_every` iterations (and the last) it evaluates the
//!   caller's full-data loss, records a [`Point`], notes when `(L − L*)/L* ≤ target_gap` is first
//!   met, and stops there when asked. Training time excludes the evaluations: the caller's clock
//!   is read around them.
//! - [`data_loss`]: the loss on every row, the evaluation of any autoencoder.

use core::ops::ControlFlow;

use alloc::vec::Vec;

use handgrad_nn::optim::{Sgd, UpdateRule};
use handgrad_nn::solver::{
    CheckAt, EVAL_CHUNK, EvalBuffers, InMemory, LrSchedule, Model, Rows, Sampling, Solver, SolverConfig, TrainError,
};
use handgrad_tensor::init::{Rng, rng_from_seed};
use handgrad_tensor::{Par, Scalar};

use crate::Pca;

/// One phase of a fit: the loop's configuration and what to measure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitConfig {
    /// The training loop (update rule, schedule, batch size and sampling, iterations).
    pub solver: SolverConfig,
    /// Evaluate the full-data loss every this many iterations (and after the last).
    pub eval_every: usize,
    /// The target relative gap `(L − L*)/L*`.
    pub target_gap: f64,
    /// Stop the phase as soon as the target gap is reached.
    pub stop_at_target: bool,
}

impl FitConfig {
    /// Minibatch training of `n_rows` rows: `iters` iterations of `update` on `batch_size` shuffled
    /// rows (all rows, in place, when `batch_size ≥ n_rows`), the learning rate times `lr_decay`
    /// every `decay_every` iterations.
    #[allow(clippy::too_many_arguments)]
    pub fn minibatch(
        update: UpdateRule,
        n_rows: usize,
        batch_size: usize,
        iters: usize,
        lr_decay: f64,
        decay_every: usize,
        eval_every: usize,
        target_gap: f64,
    ) -> Self {
        let full = batch_size >= n_rows;
        let mut solver = SolverConfig::new(update);
        solver.schedule = LrSchedule::Step { factor: lr_decay, every: decay_every };
        solver.batch_size = if full { n_rows.max(1) } else { batch_size };
        solver.sampling = if full { Sampling::FullBatch } else { Sampling::Shuffled };
        solver.iters = Some(iters);
        solver.check_at = CheckAt::Never;
        solver.keep_best = false;
        Self { solver, eval_every, target_gap, stop_at_target: false }
    }

    /// `iters` full-batch gradient-descent steps at `lr = 1/(4λ₁)` of `pca` (module docs), on
    /// `n_rows` rows, never stopping early.
    pub fn polish(pca: &Pca, n_rows: usize, iters: usize, eval_every: usize, target_gap: f64) -> Self {
        let lr = 0.25 / pca.eigenvalues()[0];
        let mut c =
            Self::minibatch(UpdateRule::Sgd(Sgd::new(lr)), n_rows, n_rows, iters, 1.0, 1, eval_every, target_gap);
        c.solver.schedule = LrSchedule::Constant;
        c
    }
}

/// One evaluation of the full-data loss.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Iterations taken so far (over every phase).
    pub iter: usize,
    /// Training time so far (seconds by the caller's clock, evaluations excluded).
    pub train_seconds: f64,
    /// Minibatch loss of the last iteration (NaN before the first).
    pub batch_loss: f64,
    /// The full-data loss.
    pub full_loss: f64,
    /// Learning rate of the last iteration (0 before the first).
    pub lr: f64,
}

/// The record of a fit: every evaluation, when the target was first met, the iterations taken.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fit {
    /// The evaluations, in order (the first is the starting point).
    pub points: Vec<Point>,
    /// The first evaluation with `(L − L*)/L* ≤ target_gap`.
    pub hit: Option<Point>,
    /// Iterations taken over every phase.
    pub steps: usize,
    /// Whether [`Measure::stop`] ended the fit early (e.g. Ctrl-C).
    pub stopped: bool,
}

/// What [`fit`] measures with: the optimum `L*`, the full-data loss of a model (the linear
/// model's from the PCA oracle, [`Pca::loss`]; any model's with [`data_loss`]), and a clock.
pub struct Measure<'a, M> {
    /// `L*`, the PCA optimum (the target's reference).
    pub optimum: f64,
    /// The full-data loss of the model.
    pub full_loss: &'a mut dyn FnMut(&mut M) -> f64,
    /// Seconds since any fixed origin (e.g. `Instant::elapsed`), read around each evaluation.
    pub clock: &'a dyn Fn() -> f64,
    /// Asked after every iteration: `true` ends the fit there (the last iteration is evaluated and
    /// recorded, and [`Fit::stopped`] is set).
    pub stop: &'a dyn Fn() -> bool,
}

/// The loss on every row of `data` (eval mode, in chunks of [`EVAL_CHUNK`] rows, the squares
/// summed in `f64`): `(1/2N) Σ_i ‖x̂_i − x_i‖²`. NaN for a model without an eval loss.
pub fn data_loss<T: Scalar, M: Model<T>>(model: &mut M, data: &InMemory<T>, par: Par) -> f64 {
    let mut cache = model.new_cache();
    let mut buffers = EvalBuffers::new(EVAL_CHUNK);
    // `Rows::All` draws nothing; the generator only satisfies the signature.
    let e = buffers.evaluate(model, data, Rows::All, true, &mut cache, &mut rng_from_seed(0), par);
    e.mean_loss().unwrap_or(f64::NAN)
}

/// Trains `model` on `data` for one phase, continuing `prev` (empty for the first phase);
/// `on_point` sees each new evaluation and the model as it was evaluated (to save it). A stopped
/// `prev` runs nothing.
///
/// # Errors
/// [`TrainError::Diverged`] when a minibatch loss is not finite (the model keeps the last good
/// parameters).
#[allow(clippy::too_many_arguments)]
pub fn fit<T: Scalar, M: Model<T>>(
    model: &mut M,
    data: &InMemory<T>,
    config: &FitConfig,
    measure: &mut Measure<'_, M>,
    prev: Fit,
    rng: &mut Rng,
    par: Par,
    mut on_point: impl FnMut(&Point, &M),
) -> Result<Fit, TrainError> {
    if prev.stopped {
        return Ok(prev);
    }
    let Fit { mut points, mut hit, steps: offset, .. } = prev;
    let mut train_seconds = points.last().map_or(0.0, |p| p.train_seconds);
    if points.is_empty() {
        let p = Point { iter: 0, train_seconds, batch_loss: f64::NAN, full_loss: (measure.full_loss)(model), lr: 0.0 };
        on_point(&p, model);
        points.push(p);
    }
    let iters = config.solver.total_iters(data.x.rows());
    let mut last = (measure.clock)();
    let mut stopped = false;
    let history = Solver::new(config.solver).train(model, data, None::<&InMemory<T>>, rng, par, |p, m| {
        train_seconds += (measure.clock)() - last;
        let done = p.iteration + 1;
        let mut flow = ControlFlow::Continue(());
        stopped = (measure.stop)();
        if stopped || done.is_multiple_of(config.eval_every.max(1)) || done == iters {
            let full_loss = (measure.full_loss)(m);
            let point = Point { iter: offset + done, train_seconds, batch_loss: p.loss, full_loss, lr: p.lr };
            on_point(&point, m);
            points.push(point);
            if (full_loss - measure.optimum) / measure.optimum <= config.target_gap && hit.is_none() {
                hit = Some(point);
                if config.stop_at_target {
                    flow = ControlFlow::Break(());
                }
            }
        }
        if stopped {
            flow = ControlFlow::Break(());
        }
        last = (measure.clock)();
        flow
    })?;
    Ok(Fit { points, hit, steps: offset + history.loss.len(), stopped })
}
