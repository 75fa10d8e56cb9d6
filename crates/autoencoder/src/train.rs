//! A seeded mini-batch training loop for the tied autoencoders, with handgrad-nn's optimizers.
//!
//! Each iteration draws the next mini-batch of rows from a per-epoch random permutation
//! (Fisher–Yates on the caller's [`Rng`]), runs forward and backward, and applies one
//! [`UpdateRule`] step `W ← update(W, ∂L/∂W, state)`. Every `decay_every` iterations the learning
//! rate is multiplied by `lr_decay` (a step schedule). After each step the caller's callback sees the
//! model and may stop the run (e.g. when the full-data loss is within 1 % of the PCA optimum).
//!
//! With `batch_size ≥ N` the whole data set is used every step (full-batch gradient descent) and
//! no rows are copied.

use core::ops::ControlFlow;

use alloc::vec::Vec;
use handgrad_nn::optim::{Optimizer, UpdateRule};
use handgrad_tensor::init::Rng;
use handgrad_tensor::{Matrix, Scalar};
use rand::Rng as _;

use crate::{LinearCache, LinearGrads, NonlinearCache, NonlinearGrads, TiedLinearAe, TiedNonlinearAe};

/// Hyperparameters of [`train`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainConfig {
    /// The update rule and its (initial) learning rate.
    pub rule: UpdateRule,
    /// Rows per mini-batch; `≥ N` means full batch.
    pub batch_size: usize,
    /// Number of optimiser steps.
    pub iters: usize,
    /// Learning-rate factor applied every `decay_every` steps (1.0: constant).
    pub lr_decay: f64,
    /// Steps between learning-rate decays (must be ≥ 1).
    pub decay_every: usize,
}

/// What the callback of [`train`] sees after each step.
#[derive(Clone, Copy, Debug)]
pub struct StepInfo {
    /// Steps taken so far (1 after the first).
    pub iter: usize,
    /// The mini-batch loss before this step's update.
    pub batch_loss: f64,
    /// The learning rate used for this step.
    pub lr: f64,
}

/// A tied autoencoder the loop can train: one loss-and-gradient call on a batch, and its weights.
pub trait TiedAutoencoder<T: Scalar> {
    /// Reused forward/backward buffers.
    type Buffers;
    /// Fresh buffers.
    fn buffers(&self) -> Self::Buffers;
    /// The batch loss; leaves `∂L/∂W` in the buffers. `x: (N, n)`.
    fn loss_and_gradient(&self, x: &Matrix<T>, buffers: &mut Self::Buffers) -> T;
    /// `∂L/∂W` from the last [`loss_and_gradient`](Self::loss_and_gradient), `(m, n)`.
    fn gradient(buffers: &Self::Buffers) -> &Matrix<T>;
    /// The tied weights `W`, `(m, n)`.
    fn weights_mut(&mut self) -> &mut Matrix<T>;
}

impl<T: Scalar> TiedAutoencoder<T> for TiedLinearAe<T> {
    type Buffers = (LinearCache<T>, LinearGrads<T>);
    fn buffers(&self) -> Self::Buffers {
        (LinearCache::new(), LinearGrads::new(self.w.rows(), self.w.cols()))
    }
    fn loss_and_gradient(&self, x: &Matrix<T>, (cache, grads): &mut Self::Buffers) -> T {
        let loss = self.forward_into(x, cache);
        self.backward(x, cache, grads);
        loss
    }
    fn gradient(buffers: &Self::Buffers) -> &Matrix<T> {
        &buffers.1.dw
    }
    fn weights_mut(&mut self) -> &mut Matrix<T> {
        &mut self.w
    }
}

impl<T: Scalar> TiedAutoencoder<T> for TiedNonlinearAe<T> {
    type Buffers = (NonlinearCache<T>, NonlinearGrads<T>);
    fn buffers(&self) -> Self::Buffers {
        (NonlinearCache::new(), NonlinearGrads::new(self.w.rows(), self.w.cols()))
    }
    fn loss_and_gradient(&self, x: &Matrix<T>, (cache, grads): &mut Self::Buffers) -> T {
        let loss = self.forward_into(x, cache);
        self.backward(x, cache, grads);
        loss
    }
    fn gradient(buffers: &Self::Buffers) -> &Matrix<T> {
        &buffers.1.dw
    }
    fn weights_mut(&mut self) -> &mut Matrix<T> {
        &mut self.w
    }
}

/// Trains `model` on the rows of `x: (N, n)`; returns the number of steps taken.
///
/// `on_step(&model, info)` runs after every step; returning `ControlFlow::Break(())` stops early.
///
/// # Panics
/// If `x` is empty, `batch_size` or `decay_every` is 0, or `x` does not fit the model.
#[track_caller]
pub fn train<T: Scalar, M: TiedAutoencoder<T>>(
    model: &mut M,
    x: &Matrix<T>,
    config: &TrainConfig,
    rng: &mut Rng,
    mut on_step: impl FnMut(&M, StepInfo) -> ControlFlow<()>,
) -> usize {
    assert!(x.rows() > 0, "train: empty data x{:?}", x.shape());
    assert!(config.batch_size > 0 && config.decay_every > 0, "train: batch_size and decay_every must be ≥ 1");
    let mut rule = config.rule;
    let mut state = rule.init_state(model.weights_mut());
    let mut buffers = model.buffers();
    let mut sampler = BatchSampler::new(x.rows(), config.batch_size.min(x.rows()));
    let full_batch = config.batch_size >= x.rows();
    let mut batch = Matrix::zeros(0, x.cols());
    for iter in 1..=config.iters {
        let batch_loss = if full_batch {
            model.loss_and_gradient(x, &mut buffers)
        } else {
            sampler.next_batch(x, &mut batch, rng);
            model.loss_and_gradient(&batch, &mut buffers)
        };
        let lr = rule.learning_rate();
        rule.step(model.weights_mut(), M::gradient(&buffers), &mut state);
        if iter % config.decay_every == 0 {
            rule.set_learning_rate(lr * config.lr_decay);
        }
        if on_step(model, StepInfo { iter, batch_loss: batch_loss.to_f64(), lr }).is_break() {
            return iter;
        }
    }
    config.iters
}

/// Mini-batches of rows without replacement within an epoch, reshuffled every epoch.
struct BatchSampler {
    order: Vec<usize>,
    next: usize,
    batch_size: usize,
}

impl BatchSampler {
    fn new(n_rows: usize, batch_size: usize) -> Self {
        Self { order: (0..n_rows).collect(), next: n_rows, batch_size }
    }

    /// Copies the next `batch_size` rows of `x` into `batch` (resized to `(batch_size, n)`).
    fn next_batch<T: Scalar>(&mut self, x: &Matrix<T>, batch: &mut Matrix<T>, rng: &mut Rng) {
        if self.next + self.batch_size > self.order.len() {
            // Fisher–Yates: a uniform permutation from the caller's generator.
            for i in (1..self.order.len()).rev() {
                self.order.swap(i, rng.random_range(0..=i));
            }
            self.next = 0;
        }
        batch.resize(self.batch_size, x.cols());
        for (k, &row) in self.order[self.next..self.next + self.batch_size].iter().enumerate() {
            batch.row_mut(k).copy_from_slice(x.row(row));
        }
        self.next += self.batch_size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use handgrad_nn::optim::{Adam, Sgd};
    use handgrad_tensor::init::{randn, rng_from_seed};

    /// Same seed ⇒ same weights; every row is visited once per epoch.
    #[test]
    fn seeded_runs_repeat_and_sampler_covers_epochs() {
        let mut rng = rng_from_seed(1);
        let x: Matrix<f64> = randn(30, 4, 1.0, &mut rng);
        let config = TrainConfig {
            rule: UpdateRule::Adam(Adam::new(1e-2)),
            batch_size: 7,
            iters: 50,
            lr_decay: 0.5,
            decay_every: 20,
        };
        let run = |seed| {
            let mut ae = TiedLinearAe::new(randn(2, 4, 0.1, &mut rng_from_seed(seed)));
            let mut lrs = Vec::new();
            train(&mut ae, &x, &config, &mut rng_from_seed(seed), |_, s| {
                lrs.push(s.lr);
                ControlFlow::Continue(())
            });
            (ae.w, lrs)
        };
        let (w1, lrs) = run(5);
        assert_eq!(w1, run(5).0);
        assert_ne!(w1, run(6).0);
        assert_eq!((lrs[19], lrs[20], lrs[40]), (1e-2, 5e-3, 2.5e-3));

        let mut sampler = BatchSampler::new(30, 7);
        let mut seen = [0usize; 30];
        let mut batch = Matrix::zeros(0, 1);
        let ids = Matrix::from_fn(30, 1, |i, _| i as f64);
        for _ in 0..4 {
            sampler.next_batch(&ids, &mut batch, &mut rng);
            batch.as_slice().iter().for_each(|&i| seen[i as usize] += 1);
        }
        // 4 batches of 7 within the first epoch of 30: 28 distinct rows, none twice.
        assert!(seen.iter().all(|&c| c <= 1) && seen.iter().sum::<usize>() == 28, "{seen:?}");
    }

    /// Full-batch SGD on the nonlinear model lowers the loss; early stop returns the step count.
    #[test]
    fn early_stop_and_nonlinear_training() {
        let mut rng = rng_from_seed(2);
        let x: Matrix<f64> = randn(20, 5, 0.3, &mut rng);
        let mut ae = TiedNonlinearAe::new(randn(5, 5, 0.5, &mut rng), crate::Activation::Tanh);
        let start = ae.forward(&x).0;
        let config = TrainConfig {
            rule: UpdateRule::Sgd(Sgd::new(0.5)),
            batch_size: 100,
            iters: 500,
            lr_decay: 1.0,
            decay_every: 1,
        };
        let steps = train(&mut ae, &x, &config, &mut rng, |m, _| {
            if m.forward(&x).0 < 0.2 * start { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        });
        assert!(steps < 500 && ae.forward(&x).0 < 0.2 * start, "{steps} steps");
    }
}
