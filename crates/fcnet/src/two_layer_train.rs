//! The two-layer notebook's training schedule for [`TwoLayerNet`] (CS231n assignment 1,
//! `TwoLayerNet.train`):
//!
//! ```text
//! iters_per_epoch = max(N_train / batch, 1)
//! for it in 0..num_iters:
//!     draw `batch` row indices uniformly WITH replacement; gather them
//!     loss, grads = net.loss(X_batch, y_batch, reg);  θ ← θ − lr·dθ       (vanilla SGD;
//!                                                    TwoLayerNet::train_step, fused)
//!     if it % iters_per_epoch == 0:                                      (so also at it = 0)
//!         record train accuracy on X_batch, validation accuracy on the whole X_val
//!         lr ← lr · learning_rate_decay
//! ```
//!
//! One difference from the notebook: `iters_per_epoch` is an integer (the notebook divides floats;
//! for 49,000 / 200 both give 245). A non-finite loss stops the run with [`TrainError::Diverged`].
//!
//! [`TwoLayerNet::train_step`] is [`TwoLayerNet::loss_into`] followed by
//! [`TwoLayerNet::sgd_step`], with the first layer's weight gradient, its L2 term, the penalty's
//! value and the update of `W1` done in one pass ([`matmul_tn_sgd`]): `W1` is the largest array
//! of the step after the batch, and this saves two passes over it. A test checks it against the
//! two unfused calls.

use handgrad_nn::loss::softmax::softmax_loss_into;
use handgrad_nn::solver::Dataset;
use handgrad_tensor::gemm::matmul_tn_sgd;
use handgrad_tensor::init::Rng;
use handgrad_tensor::ops::{argmax_rows, sum_squares};
use handgrad_tensor::{Matrix, Par, Scalar};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::TrainError;
use crate::eval::{Classifier, accuracy, batch_accuracy};
use crate::history::{EpochRecord, Progress, TrainHistory};
use crate::two_layer::{TwoLayerCache, TwoLayerGrads, TwoLayerNet};

/// Hyperparameters of the notebook's SGD schedule.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SgdSchedule {
    /// Initial learning rate.
    pub learning_rate: f64,
    /// Factor applied to the learning rate at each epoch boundary.
    pub learning_rate_decay: f64,
    /// L2 strength: the loss adds ½·reg·(ΣW1² + ΣW2²).
    pub reg: f64,
    /// Number of SGD iterations.
    pub num_iters: usize,
    /// Minibatch size.
    pub batch_size: usize,
}

impl SgdSchedule {
    /// The notebook's first run: lr 1e-4, decay 0.95, reg 0.25, 1,000 iterations, batch 200.
    pub fn notebook() -> Self {
        Self { learning_rate: 1e-4, learning_rate_decay: 0.95, reg: 0.25, num_iters: 1000, batch_size: 200 }
    }

    /// Iterations per epoch for `n` training rows: `max(n / batch, 1)`.
    pub fn iters_per_epoch(&self, n: usize) -> usize {
        (n / self.batch_size.max(1)).max(1)
    }
}

impl<T: Scalar> Classifier<T> for TwoLayerNet<T> {
    fn predict_into(&mut self, x: &Matrix<T>, out: &mut [usize]) {
        let mut cache = TwoLayerCache::new(self, x.rows());
        self.forward(x, &mut cache, Par::Seq);
        argmax_rows(out, &cache.scores);
    }
}

impl<T: Scalar> TwoLayerNet<T> {
    /// One SGD step on a batch `x: (N, D)`, `y: (N,)`: the loss and gradients of
    /// [`loss_into`](Self::loss_into), then `θ ← θ − lr·dθ` as in [`sgd_step`](Self::sgd_step),
    /// with `dW1 = xᵀ·dh + reg·W1`, `ΣW1²` and `W1 ← W1 − lr·dW1` fused into one pass.
    /// Returns the loss *before* the step; `grads` holds the gradients. When the data loss is not
    /// finite it returns it at once and leaves the net untouched (the caller reports divergence).
    #[allow(clippy::too_many_arguments)]
    #[track_caller]
    pub fn train_step(
        &mut self,
        x: &Matrix<T>,
        y: &[usize],
        reg: T,
        lr: T,
        cache: &mut TwoLayerCache<T>,
        grads: &mut TwoLayerGrads<T>,
        par: Par,
    ) -> f64 {
        self.forward(x, cache, par);
        let data_loss = softmax_loss_into(&cache.scores, y, &mut cache.dscores).to_f64();
        if !data_loss.is_finite() {
            return data_loss;
        }
        let w2_sq = sum_squares(&self.w2).to_f64();
        self.backward_to_hidden(reg, cache, grads, par);
        // dW1 = xᵀ·dh + reg·W1, then W1 ← W1 − lr·dW1; returns ΣW1² from before the step.
        let w1_sq = matmul_tn_sgd(&mut grads.w1, &mut self.w1, x, &cache.dhidden, reg, lr, par);
        self.sgd_step_except_w1(grads, lr);
        data_loss + 0.5 * reg.to_f64() * (w1_sq + w2_sq)
    }

    /// Trains with [`SgdSchedule`] on `train`, measuring validation accuracy on `val` at each epoch
    /// boundary; `on_progress` sees every iteration. Same seed (rng state) and `par` ⇒ same history.
    ///
    /// # Errors
    /// [`TrainError::Diverged`] when a loss is not finite.
    ///
    /// # Panics
    /// If `train` is empty, the batch size is 0, or the data's `dim` differs from the net's input.
    pub fn train<S: Dataset<T> + ?Sized, V: Dataset<T> + ?Sized>(
        &mut self,
        train: &S,
        val: &V,
        schedule: &SgdSchedule,
        rng: &mut Rng,
        par: Par,
        mut on_progress: impl FnMut(&Progress<'_>),
    ) -> Result<TrainHistory, TrainError> {
        let (n, batch) = (train.len(), schedule.batch_size);
        assert!(n > 0 && batch > 0, "TwoLayerNet::train: {n} training rows, batch {batch}");
        assert_eq!(train.n_features(), self.input_dim(), "TwoLayerNet::train: data dim vs net input");
        let per_epoch = schedule.iters_per_epoch(n);
        let mut lr = schedule.learning_rate;
        let reg = T::from_f64(schedule.reg);
        // Every buffer of the step, allocated once.
        let mut x = Matrix::zeros(batch, self.input_dim());
        let (mut y, mut idx, mut pred) = (Vec::with_capacity(batch), vec![0usize; batch], vec![0usize; batch]);
        let mut cache = TwoLayerCache::new(self, batch);
        let mut grads = TwoLayerGrads::zeros_like(self);
        let mut history = TrainHistory { loss: Vec::with_capacity(schedule.num_iters), epochs: Vec::new() };
        for it in 0..schedule.num_iters {
            for i in idx.iter_mut() {
                *i = rng.random_range(0..n);
            }
            train.gather(&idx, &mut x, &mut y);
            let loss = self.train_step(&x, &y, reg, T::from_f64(lr), &mut cache, &mut grads, par);
            if !loss.is_finite() {
                return Err(TrainError::Diverged { iter: it, learning_rate: lr, loss });
            }
            history.loss.push(loss);
            let mut record = None;
            if it % per_epoch == 0 {
                self.forward(&x, &mut cache, par);
                argmax_rows(&mut pred, &cache.scores);
                let train_acc = batch_accuracy(&pred, &y);
                let val_acc = accuracy(self, val);
                history.epochs.push(EpochRecord {
                    iter: it,
                    epoch: it / per_epoch,
                    train_acc,
                    val_acc,
                    learning_rate: lr,
                });
                record = history.epochs.last();
                lr *= schedule.learning_rate_decay;
            }
            on_progress(&Progress { iter: it, iters: schedule.num_iters, loss, record });
        }
        Ok(history)
    }
}
