//! [`TwoLayerNet`]: the two-layer notebook's net (CS231n assignment 1, `neural_net.py`).
//!
//! With `x: (N, D)`, `W1: (D, H)`, `b1: (1, H)`, `W2: (H, C)`, `b2: (1, C)`, labels `y: (N,)`:
//!
//! ```text
//! forward:   h = max(0, x·W1 + b1)            (N, H)
//!            s = h·W2 + b2                    (N, C)
//!            L = (1/N) Σ_i [log Σ_j e^{s_ij} − s_{i,y_i}] + ½·reg·(ΣW1² + ΣW2²)
//! backward:  ds  = (softmax(s) − onehot(y)) / N
//!            dW2 = hᵀ·ds + reg·W2,   db2 = Σ_i ds_i
//!            dh  = ds·W2ᵀ ⊙ [h > 0],  db1 = Σ_i dh_i
//!            dW1 = xᵀ·dh + reg·W1     (the input gradient dx is never needed, so never computed)
//! ```
//!
//! Weights start as N(0, std²) (std = 1e-4 in the notebook), biases at zero. The training loop with
//! the notebook's schedule is in [`crate::two_layer_train`]. Every buffer of a step lives in a
//! [`TwoLayerCache`] and a [`TwoLayerGrads`] that the caller keeps, so steps after the first allocate
//! nothing.

use handgrad_tensor::gemm::{matmul, matmul_nt, matmul_tn, matmul_tn_axpy};
use handgrad_tensor::init::randn;
use handgrad_tensor::matrix::assert_shape;
use handgrad_tensor::ops::{add_row, argmax_rows, axpy, col_sums, sum_squares};
use handgrad_tensor::{Accum, Matrix, Par, Scalar};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use handgrad_nn::loss::softmax::softmax_loss_into;

use crate::fused::{bias_relu_inplace, relu_backward_bias_grad};

/// The architecture of a [`TwoLayerNet`] (stored in checkpoints).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TwoLayerConfig {
    /// Input features `D` (3,072 for CIFAR-10).
    pub input_dim: usize,
    /// Hidden units `H`.
    pub hidden_dim: usize,
    /// Classes `C`.
    pub num_classes: usize,
    /// Standard deviation of the initial weights (the notebook uses 1e-4).
    pub std: f64,
}

impl TwoLayerConfig {
    /// The notebook's CIFAR-10 net: `3072 → hidden → 10`, std 1e-4.
    pub fn cifar(hidden_dim: usize) -> Self {
        Self { input_dim: 3072, hidden_dim, num_classes: 10, std: 1e-4 }
    }
}

/// Parameters of the two-layer net. Public fields: build one from explicit values with
/// [`TwoLayerNet::from_params`].
#[derive(Clone, Debug, PartialEq)]
pub struct TwoLayerNet<T: Scalar> {
    /// First-layer weights, `(D, H)`.
    pub w1: Matrix<T>,
    /// First-layer bias, `(1, H)`.
    pub b1: Matrix<T>,
    /// Second-layer weights, `(H, C)`.
    pub w2: Matrix<T>,
    /// Second-layer bias, `(1, C)`.
    pub b2: Matrix<T>,
}

/// Gradients of the loss, one per parameter, same shapes (overwritten by each backward).
#[derive(Clone, Debug, PartialEq)]
pub struct TwoLayerGrads<T: Scalar> {
    /// `dL/dW1`, `(D, H)`.
    pub w1: Matrix<T>,
    /// `dL/db1`, `(1, H)`.
    pub b1: Matrix<T>,
    /// `dL/dW2`, `(H, C)`.
    pub w2: Matrix<T>,
    /// `dL/db2`, `(1, C)`.
    pub b2: Matrix<T>,
}

/// The forward cache of one batch, reused across steps (resized without reallocating when the
/// batch does not grow).
#[derive(Clone, Debug)]
pub struct TwoLayerCache<T: Scalar> {
    /// Hidden activations after ReLU, `(N, H)`.
    pub hidden: Matrix<T>,
    /// Class scores `(N, C)`.
    pub scores: Matrix<T>,
    /// `dL/dscores`, `(N, C)`.
    pub(crate) dscores: Matrix<T>,
    /// Gradient buffer for the hidden layer, `(N, H)`.
    pub(crate) dhidden: Matrix<T>,
}

impl<T: Scalar> TwoLayerCache<T> {
    /// Buffers for batches of up to `n` rows of `net`.
    pub fn new(net: &TwoLayerNet<T>, n: usize) -> Self {
        let (h, c) = (net.hidden_dim(), net.num_classes());
        Self {
            hidden: Matrix::zeros(n, h),
            scores: Matrix::zeros(n, c),
            dscores: Matrix::zeros(n, c),
            dhidden: Matrix::zeros(n, h),
        }
    }

    fn resize(&mut self, n: usize, h: usize, c: usize) {
        self.hidden.resize(n, h);
        self.scores.resize(n, c);
        self.dscores.resize(n, c);
        self.dhidden.resize(n, h);
    }
}

impl<T: Scalar> TwoLayerGrads<T> {
    /// Zero gradients shaped like `net`'s parameters.
    pub fn zeros_like(net: &TwoLayerNet<T>) -> Self {
        Self {
            w1: Matrix::zeros(net.w1.rows(), net.w1.cols()),
            b1: Matrix::zeros(1, net.b1.cols()),
            w2: Matrix::zeros(net.w2.rows(), net.w2.cols()),
            b2: Matrix::zeros(1, net.b2.cols()),
        }
    }
}

impl<T: Scalar> TwoLayerNet<T> {
    /// A net with weights drawn from N(0, `config.std`²) and zero biases.
    pub fn new<R: RngCore + ?Sized>(config: &TwoLayerConfig, rng: &mut R) -> Self {
        let (d, h, c) = (config.input_dim, config.hidden_dim, config.num_classes);
        let w1 = randn(d, h, config.std, rng);
        let w2 = randn(h, c, config.std, rng);
        Self { w1, b1: Matrix::zeros(1, h), w2, b2: Matrix::zeros(1, c) }
    }

    /// A net from explicit parameters `w1: (D, H)`, `b1: (1, H)`, `w2: (H, C)`, `b2: (1, C)`.
    ///
    /// # Panics
    /// If the shapes do not chain.
    #[track_caller]
    pub fn from_params(w1: Matrix<T>, b1: Matrix<T>, w2: Matrix<T>, b2: Matrix<T>) -> Self {
        assert_shape("TwoLayerNet: b1", &b1, (1, w1.cols()));
        assert!(w2.rows() == w1.cols(), "TwoLayerNet: w1{:?} does not chain with w2{:?}", w1.shape(), w2.shape());
        assert_shape("TwoLayerNet: b2", &b2, (1, w2.cols()));
        Self { w1, b1, w2, b2 }
    }

    /// Input features `D`.
    pub fn input_dim(&self) -> usize {
        self.w1.rows()
    }

    /// Hidden units `H`.
    pub fn hidden_dim(&self) -> usize {
        self.w1.cols()
    }

    /// Classes `C`.
    pub fn num_classes(&self) -> usize {
        self.w2.cols()
    }

    /// The parameters by name, in the order `W1, b1, W2, b2` (checkpoint tensor names).
    pub fn named_params(&self) -> [(&'static str, &Matrix<T>); 4] {
        [("W1", &self.w1), ("b1", &self.b1), ("W2", &self.w2), ("b2", &self.b2)]
    }

    /// Forward pass of a batch `x: (N, D)`: fills `cache.hidden` `(N, H)` and `cache.scores` `(N, C)`.
    #[track_caller]
    pub fn forward(&self, x: &Matrix<T>, cache: &mut TwoLayerCache<T>, par: Par) {
        assert!(x.cols() == self.input_dim(), "TwoLayerNet: x{:?} for w1{:?}", x.shape(), self.w1.shape());
        cache.resize(x.rows(), self.hidden_dim(), self.num_classes());
        matmul(&mut cache.hidden, x, &self.w1, Accum::Replace, par);
        bias_relu_inplace(&mut cache.hidden, &self.b1);
        matmul(&mut cache.scores, &cache.hidden, &self.w2, Accum::Replace, par);
        add_row(&mut cache.scores, &self.b2);
    }

    /// Loss and gradients of a batch `x: (N, D)`, `y: (N,)` with L2 strength `reg`, written into
    /// the caller's `cache` and `grads` (no allocation once they are sized). Returns the loss.
    #[track_caller]
    pub fn loss_into(
        &self,
        x: &Matrix<T>,
        y: &[usize],
        reg: T,
        cache: &mut TwoLayerCache<T>,
        grads: &mut TwoLayerGrads<T>,
        par: Par,
    ) -> f64 {
        self.forward(x, cache, par);
        let data_loss = softmax_loss_into(&cache.scores, y, &mut cache.dscores).to_f64();
        let reg_loss = 0.5 * reg.to_f64() * (sum_squares(&self.w1).to_f64() + sum_squares(&self.w2).to_f64());
        self.backward(x, reg, cache, grads, par);
        data_loss + reg_loss
    }

    /// Backward pass, in exact reverse order of [`forward`](Self::forward) and the loss:
    /// `cache.dscores` must hold `dL/dscores`. Overwrites `grads`; skips the input gradient.
    fn backward(&self, x: &Matrix<T>, reg: T, cache: &mut TwoLayerCache<T>, grads: &mut TwoLayerGrads<T>, par: Par) {
        self.backward_to_hidden(reg, cache, grads, par);
        // First affine weights, dW1 = xᵀ·dh + reg·W1 in one pass (dx skipped: nothing upstream needs it).
        matmul_tn_axpy(&mut grads.w1, x, &cache.dhidden, reg, &self.w1, par);
    }

    /// The backward pass down to `cache.dhidden` = dL/d(x·W1 + b1): `grads.w2`, `grads.b2` and
    /// `grads.b1` written; `grads.w1` is left to the caller (plain, or fused with the SGD step).
    pub(crate) fn backward_to_hidden(
        &self,
        reg: T,
        cache: &mut TwoLayerCache<T>,
        grads: &mut TwoLayerGrads<T>,
        par: Par,
    ) {
        // Second affine: s = h·W2 + b2.
        matmul_tn(&mut grads.w2, &cache.hidden, &cache.dscores, Accum::Replace, par);
        axpy(&mut grads.w2, reg, &self.w2);
        col_sums(&mut grads.b2, &cache.dscores, Accum::Replace);
        matmul_nt(&mut cache.dhidden, &cache.dscores, &self.w2, Accum::Replace, par);
        // ReLU and first bias: h = max(0, x·W1 + b1).
        relu_backward_bias_grad(&mut cache.dhidden, &cache.hidden, &mut grads.b1);
    }

    /// Convenience form of [`loss_into`](Self::loss_into) that allocates its buffers:
    /// `x: (N, D)`, `y: (N,)` → `(loss, gradients)`.
    #[track_caller]
    pub fn loss(&self, x: &Matrix<T>, y: &[usize], reg: f64) -> (f64, TwoLayerGrads<T>) {
        let mut cache = TwoLayerCache::new(self, x.rows());
        let mut grads = TwoLayerGrads::zeros_like(self);
        let loss = self.loss_into(x, y, T::from_f64(reg), &mut cache, &mut grads, Par::Seq);
        (loss, grads)
    }

    /// Class scores of `x: (N, D)`: `(N, C)` (allocates).
    pub fn scores(&self, x: &Matrix<T>) -> Matrix<T> {
        let mut cache = TwoLayerCache::new(self, x.rows());
        self.forward(x, &mut cache, Par::Seq);
        cache.scores
    }

    /// Predicted labels of `x: (N, D)`: `(N,)` (allocates).
    pub fn predict(&self, x: &Matrix<T>) -> Vec<usize> {
        let scores = self.scores(x);
        let mut out = vec![0; x.rows()];
        argmax_rows(&mut out, &scores);
        out
    }

    /// One vanilla SGD step: `θ ← θ − lr·dθ` for every parameter.
    pub fn sgd_step(&mut self, grads: &TwoLayerGrads<T>, lr: T) {
        axpy(&mut self.w1, T::ZERO - lr, &grads.w1);
        self.sgd_step_except_w1(grads, lr);
    }

    /// The SGD step on every parameter but `W1` (which `train_step` updates inside its product).
    pub(crate) fn sgd_step_except_w1(&mut self, grads: &TwoLayerGrads<T>, lr: T) {
        let minus = T::ZERO - lr;
        axpy(&mut self.b1, minus, &grads.b1);
        axpy(&mut self.w2, minus, &grads.w2);
        axpy(&mut self.b2, minus, &grads.b2);
    }
}
