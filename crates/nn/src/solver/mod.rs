//! The Solver: minibatch training of any [`Model`] on any [`Dataset`], with the semantics of the
//! CS231n `Solver` (assignment 2):
//!
//! - each iteration draws `batch_size` row indices uniformly **with replacement** from the
//!   Solver's seeded [`Rng`], gathers them, asks the model for `(loss, gradients)` in train mode and
//!   applies the update rule to every parameter (one state per parameter);
//! - iterations per epoch = `max(n_train / batch_size, 1)`; at each epoch end the learning rate is
//!   multiplied by `lr_decay`;
//! - the loss of every iteration is recorded; at the first iteration, every epoch end and the last
//!   iteration a [`Check`] measures training accuracy (on `num_train_samples` = 1,000 rows drawn with
//!   replacement), validation accuracy and, when the model provides it, validation loss, evaluating
//!   in chunks of `eval_batch_size` rows with reused buffers;
//! - the parameters of the best check (highest validation accuracy; lowest validation loss for
//!   models without predictions) are kept and restored at the end;
//! - progress goes to a callback (the library prints nothing); a non-finite loss stops the run with
//!   [`SolverError::NonFiniteLoss`].
//!
//! The training step allocates nothing after the first iteration: batch, index and history buffers
//! are reserved up front; the model reuses its own buffers.
//!
//! ## Example: a softmax classifier (one affine layer) trained by the Solver
//!
//! ```
//! use handgrad_nn::layers::{Affine, AffineCache, AffineGrads};
//! use handgrad_nn::loss::softmax_loss_into;
//! use handgrad_nn::optim::{Sgd, UpdateRule};
//! use handgrad_nn::solver::{InMemory, Model, Solver, SolverConfig};
//! use handgrad_nn::{Layer, Matrix};
//! use handgrad_tensor::{init::Rng, ops::argmax_rows};
//!
//! struct Linear { fc: Affine<f64>, cache: AffineCache<f64>, g: AffineGrads<f64>, s: Matrix<f64>, ds: Matrix<f64> }
//!
//! impl Model<f64> for Linear {
//!     fn num_params(&self) -> usize { 2 }
//!     fn param_name(&self, i: usize) -> &str { ["W", "b"][i] }
//!     fn param(&self, i: usize) -> &Matrix<f64> { [&self.fc.w, &self.fc.b][i] }
//!     fn param_mut(&mut self, i: usize) -> &mut Matrix<f64> { self.param_and_grad(i).0 }
//!     fn param_and_grad(&mut self, i: usize) -> (&mut Matrix<f64>, &Matrix<f64>) {
//!         if i == 0 { (&mut self.fc.w, &self.g.dw) } else { (&mut self.fc.b, &self.g.db) }
//!     }
//!     fn loss_and_grads(&mut self, x: &Matrix<f64>, y: &[usize], _rng: &mut Rng) -> f64 {
//!         self.fc.forward_into(x, &mut self.s, &mut self.cache);
//!         let loss = softmax_loss_into(&self.s, y, &mut self.ds);
//!         self.fc.backward_into(&self.ds, &mut self.cache, &mut self.g, None);
//!         loss
//!     }
//!     fn predict(&mut self, x: &Matrix<f64>, out: &mut [usize]) -> bool {
//!         self.fc.forward_into(x, &mut self.s, &mut self.cache);
//!         argmax_rows(out, &self.s);
//!         true
//!     }
//! }
//!
//! // Two separable classes: the sign of the first feature.
//! let x = Matrix::from_rows(&[[1.0, 0.3], [2.0, -1.0], [-1.5, 0.2], [-0.5, 1.0]]);
//! let data = InMemory::labelled(x, vec![1, 1, 0, 0]);
//! let fc = Affine::new(Matrix::zeros(2, 2), Matrix::zeros(1, 2));
//! let g = fc.zero_grads();
//! let z = || Matrix::zeros(0, 0);
//! let mut model = Linear { fc, cache: AffineCache::default(), g, s: z(), ds: z() };
//!
//! let mut config = SolverConfig::new(UpdateRule::Sgd(Sgd::new(0.5)));
//! config.batch_size = 4;
//! config.num_epochs = 50;
//! let history = Solver::new(config).train(&mut model, &data, Some(&data), |_progress| {}).unwrap();
//! assert_eq!(history.best.unwrap().val_acc, Some(1.0));
//! assert!(history.loss[49] < history.loss[0]);
//! ```

mod config;
mod dataset;
mod error;
mod history;
mod model;

use alloc::vec::Vec;

use handgrad_tensor::init::{Rng, rng_from_seed};
use handgrad_tensor::{Matrix, Scalar};
use rand::Rng as _;

use crate::optim::{Optimizer, UpdateState};

pub use config::SolverConfig;
pub use dataset::{Dataset, InMemory};
pub use error::SolverError;
pub use history::{Check, History, Progress};
pub use model::Model;

/// Trains models with a [`SolverConfig`]. Owns the RNG (seeded from `config.seed`), the optimizer
/// states and the batch buffers.
#[derive(Debug)]
pub struct Solver<T: Scalar> {
    /// The hyperparameters (the learning rate inside `config.update` decays during [`Solver::train`]).
    pub config: SolverConfig,
    rng: Rng,
    states: Vec<UpdateState<T>>,
    best_params: Vec<Matrix<T>>,
    idx: Vec<usize>,
    batch_x: Matrix<T>,
    batch_y: Vec<usize>,
    pred: Vec<usize>,
}

/// Running totals of an evaluation over chunks.
struct Eval {
    correct: usize,
    rows: usize,
    loss_sum: f64,
    has_pred: bool,
    has_loss: bool,
}

impl<T: Scalar> Solver<T> {
    /// A Solver with the given configuration and an RNG seeded from `config.seed`.
    ///
    /// # Panics
    /// If `batch_size`, `eval_batch_size` or `report_every` is 0.
    #[track_caller]
    pub fn new(config: SolverConfig) -> Self {
        assert!(
            config.batch_size > 0 && config.eval_batch_size > 0 && config.report_every > 0,
            "SolverConfig: batch_size {}, eval_batch_size {} and report_every {} must all be ≥ 1",
            config.batch_size,
            config.eval_batch_size,
            config.report_every
        );
        Self {
            rng: rng_from_seed(config.seed),
            config,
            states: Vec::new(),
            best_params: Vec::new(),
            idx: Vec::new(),
            batch_x: Matrix::zeros(0, 0),
            batch_y: Vec::new(),
            pred: Vec::new(),
        }
    }

    /// Trains `model` on `train`, checking on `val` (if given); calls `progress` every
    /// `report_every` iterations and at every check. Restores the best parameters at the end.
    ///
    /// On error the model keeps the parameters of the failed iteration.
    ///
    /// # Errors
    /// [`SolverError::NonFiniteLoss`] when a batch loss is NaN or infinite;
    /// [`SolverError::EmptyTrainingSet`] when `train` has no rows.
    pub fn train<M, D, V>(
        &mut self,
        model: &mut M,
        train: &D,
        val: Option<&V>,
        mut progress: impl FnMut(&Progress<'_>),
    ) -> Result<History, SolverError>
    where
        M: Model<T> + ?Sized,
        D: Dataset<T> + ?Sized,
        V: Dataset<T> + ?Sized,
    {
        let n = train.len();
        if n == 0 {
            return Err(SolverError::EmptyTrainingSet);
        }
        let per_epoch = (n / self.config.batch_size).max(1);
        let total = self.config.num_iterations.unwrap_or(self.config.num_epochs * per_epoch);
        let mut history = History {
            loss: Vec::with_capacity(total),
            checks: Vec::with_capacity(total / per_epoch + 2),
            best: None,
            iterations_per_epoch: per_epoch,
        };
        self.best_params.clear();
        self.states = (0..model.num_params()).map(|i| self.config.update.init_state(model.param(i))).collect();
        let mut epoch = 0;
        for t in 0..total {
            let lr = self.config.update.learning_rate();
            let loss = self.step(model, train, t)?;
            history.loss.push(loss);
            let epoch_end = (t + 1) % per_epoch == 0;
            if epoch_end {
                epoch += 1;
                self.config.update.set_learning_rate(lr * self.config.lr_decay);
            }
            let mut check = None;
            if t == 0 || t + 1 == total || epoch_end {
                let c = self.check(model, train, val, t, epoch, lr);
                self.keep_if_best(model, &mut history.best, c);
                history.checks.push(c);
                check = history.checks.last();
            }
            if check.is_some() || t % self.config.report_every == 0 {
                let p = Progress { iteration: t, num_iterations: total, epoch, loss, learning_rate: lr, check };
                progress(&p);
            }
        }
        if history.best.is_some() {
            for (i, best) in self.best_params.iter().enumerate() {
                model.param_mut(i).copy_from(best);
            }
        }
        Ok(history)
    }

    /// One training iteration: sample, gather, loss and gradients, update. Returns the loss.
    fn step<M, D>(&mut self, model: &mut M, train: &D, t: usize) -> Result<f64, SolverError>
    where
        M: Model<T> + ?Sized,
        D: Dataset<T> + ?Sized,
    {
        let n = train.len();
        self.idx.clear();
        for _ in 0..self.config.batch_size {
            self.idx.push(self.rng.random_range(0..n));
        }
        train.gather(&self.idx, &mut self.batch_x, &mut self.batch_y);
        let loss = model.loss_and_grads(&self.batch_x, &self.batch_y, &mut self.rng).to_f64();
        if !loss.is_finite() {
            let learning_rate = self.config.update.learning_rate();
            return Err(SolverError::NonFiniteLoss { iteration: t, learning_rate, loss });
        }
        for (i, state) in self.states.iter_mut().enumerate() {
            let (w, dw) = model.param_and_grad(i);
            self.config.update.step(w, dw, state);
        }
        Ok(loss)
    }

    /// Training accuracy on a sample, validation accuracy and loss on `val`.
    fn check<M, D, V>(&mut self, model: &mut M, train: &D, val: Option<&V>, t: usize, epoch: usize, lr: f64) -> Check
    where
        M: Model<T> + ?Sized,
        D: Dataset<T> + ?Sized,
        V: Dataset<T> + ?Sized,
    {
        let (n, k) = (train.len(), self.config.num_train_samples);
        let train_eval = self.evaluate(model, train, if n > k { Some(k) } else { None }, false);
        let val_eval = val.map(|v| {
            let k = self.config.num_val_samples.filter(|&k| k < v.len());
            self.evaluate(model, v, k, true)
        });
        let acc = |e: &Eval| (e.has_pred && e.rows > 0).then(|| e.correct as f64 / e.rows as f64);
        Check {
            iteration: t,
            epoch,
            learning_rate: lr,
            train_acc: acc(&train_eval),
            val_acc: val_eval.as_ref().and_then(acc),
            val_loss: val_eval.as_ref().and_then(|e| (e.has_loss && e.rows > 0).then(|| e.loss_sum / e.rows as f64)),
        }
    }

    /// Evaluates `model` on `data` in chunks: all rows, or `sample` rows drawn with replacement.
    /// Computes accuracy when the model predicts and the data is labelled; the eval loss when
    /// `with_loss` and the model provides it.
    fn evaluate<M, D>(&mut self, model: &mut M, data: &D, sample: Option<usize>, with_loss: bool) -> Eval
    where
        M: Model<T> + ?Sized,
        D: Dataset<T> + ?Sized,
    {
        let rows = sample.unwrap_or(data.len());
        let mut e = Eval { correct: 0, rows: 0, loss_sum: 0.0, has_pred: true, has_loss: with_loss };
        let mut start = 0;
        while start < rows {
            let end = (start + self.config.eval_batch_size).min(rows);
            self.idx.clear();
            match sample {
                Some(_) => self.idx.extend((start..end).map(|_| self.rng.random_range(0..data.len()))),
                None => self.idx.extend(start..end),
            }
            data.gather(&self.idx, &mut self.batch_x, &mut self.batch_y);
            let m = end - start;
            if e.has_pred && self.batch_y.len() == m {
                self.pred.resize(m, 0);
                e.has_pred = model.predict(&self.batch_x, &mut self.pred);
                e.correct += self.pred.iter().zip(&self.batch_y).filter(|(p, y)| p == y).count();
            } else {
                e.has_pred = false;
            }
            if e.has_loss {
                match model.eval_loss(&self.batch_x, &self.batch_y) {
                    Some(l) => e.loss_sum += l.to_f64() * m as f64,
                    None => e.has_loss = false,
                }
            }
            e.rows += m;
            start = end;
        }
        e
    }

    /// Keeps a copy of the parameters if check `c` beats `best`.
    fn keep_if_best<M: Model<T> + ?Sized>(&mut self, model: &M, best: &mut Option<Check>, c: Check) {
        let better = match (best.as_ref(), c.val_acc, c.val_loss) {
            (_, None, None) => false,
            (None, _, _) => true,
            (Some(b), Some(acc), _) => b.val_acc.is_none_or(|best_acc| acc > best_acc),
            (Some(b), None, Some(loss)) => b.val_loss.is_none_or(|best_loss| loss < best_loss),
        };
        if !better {
            return;
        }
        *best = Some(c);
        if self.best_params.len() != model.num_params() {
            self.best_params = (0..model.num_params()).map(|i| model.param(i).clone()).collect();
        } else {
            for (i, b) in self.best_params.iter_mut().enumerate() {
                b.copy_from(model.param(i));
            }
        }
    }
}
