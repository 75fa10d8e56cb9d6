//! The Solver: handgrad's one training loop, for any [`Model`] on any [`Dataset`].
//!
//! Each iteration `t` sets the learning rate of its [`LrSchedule`], runs one [`Step`] (draw the
//! minibatch's rows, gather them, [`Model::train_step`]), records the loss, makes a [`Check`] when
//! [`CheckAt`] says so (training accuracy per [`TrainAccuracy`], validation accuracy and — when the
//! model provides it — validation loss, in chunks of `eval_batch_size` rows), keeps a copy of the
//! best parameters when asked, and calls the progress callback, which may stop the run early. At
//! the end the best parameters are restored when they were kept.
//!
//! ## Divergence
//!
//! The run stops with [`TrainError::Diverged`] — naming the iteration, the learning rate and
//! what was seen ([`Divergence`]) — when a minibatch loss is NaN or ±∞, when it exceeds
//! [`Guard::loss_factor`] × the first iteration's loss (Adam at a huge learning rate keeps the loss
//! finite while the weights run away), or when a parameter holds NaN or ±∞ at a verification:
//! after every [`Guard::params_every`]-th iteration, at every check and after the last iteration
//! (a ReLU turns NaN inputs into 0, so NaN weights need not show in the loss). The model then gets
//! back the last parameters that passed a verification (the initial ones before the first), and
//! the error carries the history of the iterations before. A verification is one pass over the
//! parameters and, when they pass, one copy; the step itself is untouched (it allocates nothing
//! and is what the benchmarks time). Measured on AMD EPYC (Zen 3, AVX2, one thread, shared host;
//! `cargo bench -p handgrad-benches --bench step -- "guard|two_layer_step"`): one verification of
//! the two-layer net takes 63 µs at H = 50 and 147 µs at H = 100, beside 4.5 ms and 8.0 ms for one
//! training step (1.4 % and 1.8 % of a step, once per 100 steps by default: 0.02 % of the run), and
//! 1.3 ms at H = 300 (0.92 M parameters).
//!
//! Everything the loop carries between iterations besides the model is one [`RunState`] (the
//! iteration counter, the generator, the optimizer and sampler states, the best parameters, the
//! history): [`Solver::run`] continues a saved one in place, so an interrupted run resumes bit for
//! bit; [`Solver::train`] is `run` from a fresh state.
//!
//! Every training run in handgrad goes through this loop, configured by a [`SolverConfig`]:
//! - the CS231n `Solver` (assignment 2; [`SolverConfig::new`]): with-replacement minibatches,
//!   per-epoch decay after each epoch, checks after the first iteration, each epoch and the last,
//!   training accuracy on 1,000 sampled rows, best parameters restored;
//! - the two-layer notebook (assignment 1, `TwoLayerNet.train`; [`SolverConfig::notebook`]): plain
//!   SGD, checks and decay at `it % iterations_per_epoch == 0`, training accuracy on the current
//!   minibatch, final parameters kept;
//! - the autoencoders: shuffled or full batches, a step schedule, no checks (their callback measures
//!   the full-data loss against the PCA optimum).
//!
//! Randomness comes from the caller's RNG (minibatch rows, the data set's augmentations of them
//! — [`Dataset::gather_train`] —, sampled training rows, dropout masks), in that order within an
//! iteration, so a seed and a thread count fix the run. The loop prints
//! nothing. After the first iteration (and its check) it allocates nothing.
//!
//! ## Example: a softmax classifier (one affine layer) trained by the Solver
//!
//! ```
//! use handgrad_nn::layers::{Affine, affine_backward, affine_forward};
//! use handgrad_nn::loss::softmax_loss_into;
//! use handgrad_nn::optim::{Sgd, UpdateRule};
//! use handgrad_nn::solver::{InMemory, Model, Solver, SolverConfig};
//! use handgrad_nn::Matrix;
//! use std::ops::ControlFlow;
//! use handgrad_tensor::{Par, init::{Rng, rng_from_seed}, ops::argmax_rows};
//!
//! struct Linear { fc: Affine<f64> }
//! struct Scores { s: Matrix<f64>, ds: Matrix<f64> }
//!
//! impl Model<f64> for Linear {
//!     type Params = Affine<f64>;
//!     type Cache = Scores;
//!     fn params(&self) -> &Affine<f64> { &self.fc }
//!     fn params_mut(&mut self) -> &mut Affine<f64> { &mut self.fc }
//!     fn new_cache(&self) -> Scores { Scores { s: Matrix::zeros(0, 0), ds: Matrix::zeros(0, 0) } }
//!     fn loss_and_grads(&mut self, x: &Matrix<f64>, y: &[usize], c: &mut Scores, g: &mut Affine<f64>,
//!                       _rng: &mut Rng, par: Par) -> f64 {
//!         affine_forward(x, &self.fc, &mut c.s, par);
//!         let loss = softmax_loss_into(&c.s, y, &mut c.ds);
//!         affine_backward(&c.ds, x, &self.fc, g, None, par);
//!         loss
//!     }
//!     fn predict(&mut self, x: &Matrix<f64>, c: &mut Scores, out: &mut [usize], par: Par) -> bool {
//!         affine_forward(x, &self.fc, &mut c.s, par);
//!         argmax_rows(out, &c.s);
//!         true
//!     }
//! }
//!
//! // Two separable classes: the sign of the first feature.
//! let x = Matrix::from_rows(&[[1.0, 0.3], [2.0, -1.0], [-1.5, 0.2], [-0.5, 1.0]]);
//! let data = InMemory::labelled(x, vec![1, 1, 0, 0]);
//! let mut model = Linear { fc: Affine::zeros(2, 2) };
//!
//! let mut config = SolverConfig::new(UpdateRule::Sgd(Sgd::new(0.5)));
//! config.batch_size = 4;
//! config.epochs = 50;
//! let history = Solver::new(config)
//!     .train(&mut model, &data, Some(&data), &mut rng_from_seed(0), Par::Seq, |_, _| ControlFlow::Continue(()))
//!     .unwrap();
//! assert_eq!(history.best.unwrap().val_acc, Some(1.0));
//! assert!(history.loss[49] < history.loss[0]);
//! ```

mod config;
mod confusion;
mod dataset;
mod error;
mod eval;
mod guard;
mod history;
mod model;
mod sampler;
mod schedule;
mod state;
mod step;

use core::ops::ControlFlow;

use alloc::vec::Vec;

use handgrad_tensor::init::Rng;
use handgrad_tensor::{Par, Scalar};

pub use config::{CheckAt, Guard, MAX_ITERS, SolverConfig, TrainAccuracy, iterations_per_epoch};
pub use confusion::{ConfusionMatrix, confusion_matrix, predictions};
pub use dataset::{Dataset, InMemory};
pub use error::{Divergence, Kept, TrainError};
pub use eval::{EVAL_CHUNK, EvalBuffers, Evaluation, Rows, accuracy, count_correct};
pub use guard::{all_finite, first_non_finite};
pub use history::{Check, History, Progress};
pub use model::{Model, apply_update};
pub use sampler::{SamplerState, Sampling};
pub use schedule::LrSchedule;
pub use state::RunState;
pub use step::Step;

/// Trains models with a [`SolverConfig`].
#[derive(Clone, Copy, Debug)]
pub struct Solver {
    /// The run's hyperparameters.
    pub config: SolverConfig,
}

/// What a check needs besides the model: the step (its minibatch and cache), the evaluation
/// buffers, and the datasets.
struct CheckCtx<'a, T: Scalar, M: Model<T>, D: ?Sized, V: ?Sized> {
    step: &'a mut Step<T, M>,
    eval: &'a mut EvalBuffers<T>,
    train: &'a D,
    val: Option<&'a V>,
}

impl Solver {
    /// A Solver with the given configuration.
    ///
    /// # Panics
    /// If `batch_size` or `eval_batch_size` is 0.
    #[track_caller]
    pub fn new(config: SolverConfig) -> Self {
        assert!(
            config.batch_size > 0 && config.eval_batch_size > 0,
            "SolverConfig: batch_size {} and eval_batch_size {} must both be ≥ 1",
            config.batch_size,
            config.eval_batch_size
        );
        Self { config }
    }

    /// Trains `model` on `train`, checking on `val` (if given), drawing every random number from
    /// `rng` and running the products on `par`. `callback(progress, model)` runs after every
    /// iteration (it may evaluate the model, e.g. a full-data loss); returning
    /// [`ControlFlow::Break`] ends the run there (the history then holds the iterations run, and
    /// the model its current parameters). When the last iteration has run, the best parameters are
    /// restored if the configuration keeps them.
    ///
    /// This is [`Solver::run`] from a fresh [`RunState`] on `rng` (which is left as the loop left
    /// its copy).
    ///
    /// # Errors
    /// [`TrainError::Diverged`] when the run diverges (module docs: the model keeps the last
    /// verified parameters, the error carries the history); [`TrainError::NonFiniteStart`];
    /// [`TrainError::EmptyTrainingSet`].
    ///
    /// # Panics
    /// If the run has more than [`MAX_ITERS`] iterations.
    #[track_caller]
    pub fn train<T, M, D, V>(
        &self,
        model: &mut M,
        train: &D,
        val: Option<&V>,
        rng: &mut Rng,
        par: Par,
        mut callback: impl FnMut(&Progress<'_>, &mut M) -> ControlFlow<()>,
    ) -> Result<History, TrainError>
    where
        T: Scalar,
        M: Model<T>,
        D: Dataset<T> + ?Sized,
        V: Dataset<T> + ?Sized,
    {
        let mut state = RunState::new(rng.clone());
        let result = self.run(model, train, val, &mut state, par, |p, m, _| callback(p, m));
        *rng = state.rng;
        result.map(|()| state.history)
    }

    /// The training loop: continues `state` (a fresh [`RunState::new`] or one saved after any
    /// iteration of a run with this configuration, model and data) up to the configured number of
    /// iterations. `callback(progress, model, state)` runs after every iteration with the state as
    /// it stands then — everything needed, with the model, to save the run and resume it bit for
    /// bit — and may return [`ControlFlow::Break`] to stop there (the model keeps its current
    /// parameters). When the last iteration has run, the best parameters are restored if the
    /// configuration keeps them.
    ///
    /// # Errors
    /// [`TrainError::Diverged`] when a minibatch loss is NaN or infinite (the model keeps the
    /// parameters from before that iteration; `state` then is no point to resume from: the failed
    /// iteration has drawn its random numbers); [`TrainError::EmptyTrainingSet`];
    /// [`TrainError::Resume`] when `state` does not fit this run.
    pub fn run<T, M, D, V>(
        &self,
        model: &mut M,
        train: &D,
        val: Option<&V>,
        state: &mut RunState<T, M::Params>,
        par: Par,
        mut callback: impl FnMut(&Progress<'_>, &mut M, &RunState<T, M::Params>) -> ControlFlow<()>,
    ) -> Result<(), TrainError>
    where
        T: Scalar,
        M: Model<T>,
        D: Dataset<T> + ?Sized,
        V: Dataset<T> + ?Sized,
    {
        let c = &self.config;
        let n = train.len();
        if n == 0 {
            return Err(TrainError::EmptyTrainingSet);
        }
        let per_epoch = iterations_per_epoch(n, c.batch_size);
        let total = c.total_iters(n);
        assert!(total <= MAX_ITERS, "Solver::run: {total} iterations, more than MAX_ITERS = {MAX_ITERS}");
        let mut update = c.update;
        let lr0 = update.lr();
        let stat_shapes: Vec<(usize, usize)> =
            (0..model.running_stats_len()).map(|i| model.running_stat(i).shape()).collect();
        state.check_fits(model.params(), &stat_shapes, &update, per_epoch, total)?;
        if state.done == 0 {
            state.history = History {
                loss: Vec::with_capacity(total),
                checks: Vec::with_capacity(total / per_epoch + 2),
                best: None,
                iterations_per_epoch: per_epoch,
            };
        }
        let mut step = Step::new(model, &update, c.sampling, c.batch_size);
        if !state.states.is_empty() {
            core::mem::swap(&mut step.states, &mut state.states);
        }
        core::mem::swap(&mut step.sampler.state, &mut state.sampler);
        let mut eval = EvalBuffers::new(c.eval_batch_size);
        // The step holds the optimizer and sampler states while it runs; they are handed back to
        // `state` (two pointer swaps) whenever the callback sees it and when the loop ends.
        let hand_back = |step: &mut Step<T, M>, state: &mut RunState<T, M::Params>| {
            core::mem::swap(&mut step.states, &mut state.states);
            core::mem::swap(&mut step.sampler.state, &mut state.sampler);
        };
        // The divergence guard watches from the parameters this call starts with (a resumed run's
        // "initial" parameters are those of its checkpoint).
        let mut watch = guard::Watch::new(c.guard, model.params())?;
        for t in state.done..total {
            let lr = c.schedule.lr_at(lr0, t, per_epoch);
            update.set_lr(lr);
            let loss = match step.run(model, train, &update, &mut state.rng, par, t) {
                Ok(loss) => loss,
                Err(TrainError::Diverged { loss, cause, .. }) => {
                    hand_back(&mut step, state);
                    return Err(watch.fail(t, lr, loss, cause, model.params_mut(), state.history.clone()));
                }
                Err(e) => {
                    hand_back(&mut step, state);
                    return Err(e);
                }
            };
            let checked = c.check_at.is_check(t, per_epoch, total);
            let first = state.history.loss.first().copied().unwrap_or(loss);
            if let Some(cause) = watch.after(t, loss, first, checked || t + 1 == total, model.params()) {
                hand_back(&mut step, state);
                return Err(watch.fail(t, lr, loss, cause, model.params_mut(), state.history.clone()));
            }
            state.history.loss.push(loss);
            if checked {
                let mut ctx = CheckCtx { step: &mut step, eval: &mut eval, train, val };
                let check = self.check(model, &mut ctx, t, per_epoch, lr, &mut state.rng, par);
                if c.keep_best && is_better(state.history.best.as_ref(), &check) {
                    state.history.best = Some(check);
                    state.keep_best(model);
                }
                state.history.checks.push(check);
            }
            state.done = t + 1;
            hand_back(&mut step, state);
            let check = if checked { state.history.checks.last().copied() } else { None };
            let progress =
                Progress { iteration: t, iters: total, epoch: (t + 1) / per_epoch, loss, lr, check: check.as_ref() };
            let flow = callback(&progress, model, state);
            hand_back(&mut step, state);
            if flow.is_break() {
                break;
            }
        }
        hand_back(&mut step, state);
        if state.done == total {
            state.restore_best(model);
        }
        Ok(())
    }

    /// The measurements of iteration `t` (after its update).
    #[allow(clippy::too_many_arguments)]
    fn check<T, M, D, V>(
        &self,
        model: &mut M,
        ctx: &mut CheckCtx<'_, T, M, D, V>,
        t: usize,
        per_epoch: usize,
        lr: f64,
        rng: &mut Rng,
        par: Par,
    ) -> Check
    where
        T: Scalar,
        M: Model<T>,
        D: Dataset<T> + ?Sized,
        V: Dataset<T> + ?Sized,
    {
        let c = &self.config;
        let train_acc = match c.train_accuracy {
            TrainAccuracy::Batch => batch_accuracy(model, ctx, par),
            TrainAccuracy::Sample(k) => {
                let rows = if ctx.train.len() > k { Rows::Sample(k) } else { Rows::All };
                ctx.eval.evaluate(model, ctx.train, rows, false, &mut ctx.step.cache, rng, par).accuracy()
            }
        };
        let val_eval = ctx.val.map(|v| {
            let rows = c.val_rows.filter(|&k| k < v.len()).map_or(Rows::All, Rows::Sample);
            ctx.eval.evaluate(model, v, rows, true, &mut ctx.step.cache, rng, par)
        });
        Check {
            iteration: t,
            epoch: (t + 1) / per_epoch,
            lr,
            train_acc,
            val_acc: val_eval.as_ref().and_then(Evaluation::accuracy),
            val_loss: val_eval.as_ref().and_then(Evaluation::mean_loss),
        }
    }
}

/// Accuracy of the model (after this iteration's update) on the iteration's own minibatch.
fn batch_accuracy<T, M, D, V>(model: &mut M, ctx: &mut CheckCtx<'_, T, M, D, V>, par: Par) -> Option<f64>
where
    T: Scalar,
    M: Model<T>,
    D: Dataset<T> + ?Sized,
    V: ?Sized,
{
    let step = &mut *ctx.step;
    let (x, y) = step::pick(step.sampling(), ctx.train, &step.x, &step.y);
    step.pred.resize(y.len(), 0);
    let pred = &mut step.pred;
    (y.len() == x.rows() && model.predict(x, &mut step.cache, pred, par))
        .then(|| count_correct(pred, y) as f64 / y.len().max(1) as f64)
}

/// Whether `check` beats the best so far: higher validation accuracy, or for models without
/// predictions lower validation loss; a check without either never wins.
fn is_better(best: Option<&Check>, check: &Check) -> bool {
    match (best, check.val_acc, check.val_loss) {
        (_, None, None) => false,
        (None, _, _) => true,
        (Some(b), Some(acc), _) => b.val_acc.is_none_or(|best_acc| acc > best_acc),
        (Some(b), None, Some(loss)) => b.val_loss.is_none_or(|best_loss| loss < best_loss),
    }
}
