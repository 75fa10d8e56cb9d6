//! [`TwoLayerNet`]: the two-layer notebook's net (CS231n assignment 1, `neural_net.py`), built from
//! handgrad-nn's layer kernels, with its fused SGD step beside the plain backward it must equal.
//!
//! With `x: (N, D)`, `W1: (D, H)`, `b1: (1, H)`, `W2: (H, C)`, `b2: (1, C)`, labels `y: (N,)`:
//!
//! ```text
//! forward:   h = max(0, x·W1 + b1)             (N, H)   affine_relu_forward
//!            s = h·W2 + b2                     (N, C)   affine_forward
//!            L = (1/N) Σ_i [log Σ_j e^{s_ij} − s_{i,y_i}] + ½·reg·(ΣW1² + ΣW2²)
//!                                                       softmax_loss_into, l2_penalty
//! backward:  ds  = (softmax(s) − onehot(y)) / N         (from the loss)
//!            dW2 = hᵀ·ds,  db2 = Σ_i ds_i,  dh = ds·W2ᵀ  affine_backward
//!            dW2 += reg·W2                              add_l2_grad
//!            da1 = dh ⊙ [h > 0],  db1 = Σ_i da1_i       affine_relu_backward (fused mask + bias)
//!            dW1 = xᵀ·da1                               (the input gradient dx is never needed)
//!            dW1 += reg·W1                              add_l2_grad
//! ```
//!
//! **The fused SGD step** ([`TwoLayerNet::sgd_step`], what training runs with plain SGD) is the
//! same backward followed by `θ ← θ − lr·dθ` on every parameter ([`Sgd::step`]), except that
//! `dW1 = xᵀ·da1 + reg·W1`, `ΣW1²` and `W1 ← W1 − lr·dW1` are one pass over `W1`
//! ([`Sgd::step_with_weight_grad`]): `W1` is the largest array of the step after the batch, and
//! this saves two passes over it; `dW1` itself is not kept (nothing reads it after the step),
//! which saves writing a third `W1`-sized array: `train fcnet --iters 1000` (H = 300, one
//! thread) went from 22.0 / 23.1 / 22.1 to 21.1 / 20.6 / 21.1 ms per iteration, three alternating
//! pairs on the 2-core AMD EPYC (Zen 3, AVX2 + FMA, no AVX-512), the same `loss.csv`.
//! `tests/train_step.rs` checks it against [`Model::loss_and_grads`] followed by [`Sgd::step`] on
//! every tensor.
//!
//! Weights start as N(0, weight_scale²) (1e-4 in the notebook), `W1` then `W2` from the caller's
//! RNG, biases at zero. The notebook's training schedule is
//! [`SolverConfig::notebook`](handgrad_nn::solver::SolverConfig::notebook).

use handgrad_nn::layers::relu_bias_backward_inplace;
use handgrad_nn::layers::{Affine, affine_backward, affine_forward, affine_relu_backward, affine_relu_forward};
use handgrad_nn::loss::{add_l2_grad, l2_penalty, l2_penalty_of_sum_squares, softmax_loss_into};
use handgrad_nn::optim::{Optimizer, Sgd, UpdateRule, UpdateState};
use handgrad_nn::params::{ParamKind, Params};
use handgrad_nn::solver::{Model, apply_update};
use handgrad_tensor::gemm::GradOut;
use handgrad_tensor::init::{Rng, randn};
use handgrad_tensor::matrix::assert_shape;
use handgrad_tensor::ops::{argmax_rows, sum_squares};
use handgrad_tensor::{Matrix, Par, Scalar};
use serde::{Deserialize, Serialize};

/// The architecture and regularisation of a [`TwoLayerNet`] (stored in checkpoints).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TwoLayerConfig {
    /// Input features `D` (3,072 for CIFAR-10).
    pub input_dim: usize,
    /// Hidden units `H`.
    #[serde(alias = "hidden_dim")]
    pub hidden: usize,
    /// Classes `C`.
    pub num_classes: usize,
    /// Standard deviation of the initial weights (the notebook uses 1e-4).
    #[serde(alias = "std")]
    pub weight_scale: f64,
    /// L2 strength: the loss adds ½·reg·(ΣW1² + ΣW2²). (Checkpoints written before this field
    /// existed read as 0.)
    #[serde(default)]
    pub reg: f64,
}

impl TwoLayerConfig {
    /// The notebook's CIFAR-10 net: `3072 → hidden → 10`, weight scale 1e-4, L2 strength `reg`.
    pub fn cifar(hidden: usize, reg: f64) -> Self {
        Self { input_dim: 3072, hidden, num_classes: 10, weight_scale: 1e-4, reg }
    }
}

/// The parameters of a [`TwoLayerNet`] — and its gradient (the same type).
#[derive(Clone, Debug, PartialEq)]
pub struct TwoLayerParams<T: Scalar> {
    /// First affine layer: `W1: (D, H)`, `b1: (1, H)`.
    pub fc1: Affine<T>,
    /// Second affine layer: `W2: (H, C)`, `b2: (1, C)`.
    pub fc2: Affine<T>,
}

impl<T: Scalar> Params<T> for TwoLayerParams<T> {
    fn len(&self) -> usize {
        4
    }

    #[track_caller]
    fn get(&self, i: usize) -> &Matrix<T> {
        match i {
            0 | 1 => self.fc1.get(i),
            2 | 3 => self.fc2.get(i - 2),
            _ => panic!("TwoLayerParams has 4 tensors (W1, b1, W2, b2), not {}", i + 1),
        }
    }

    #[track_caller]
    fn get_mut(&mut self, i: usize) -> &mut Matrix<T> {
        match i {
            0 | 1 => self.fc1.get_mut(i),
            2 | 3 => self.fc2.get_mut(i - 2),
            _ => panic!("TwoLayerParams has 4 tensors (W1, b1, W2, b2), not {}", i + 1),
        }
    }

    fn name(&self, i: usize) -> String {
        ["W1", "b1", "W2", "b2"][i].to_string()
    }

    fn kind(&self, i: usize) -> ParamKind {
        if i.is_multiple_of(2) { ParamKind::Weight } else { ParamKind::Bias }
    }

    fn zeros_like(&self) -> Self {
        Self { fc1: self.fc1.zeros_like(), fc2: self.fc2.zeros_like() }
    }
}

/// What the forward pass of one batch keeps for the backward pass, reused across steps (resized
/// without reallocating when the batch does not grow).
#[derive(Clone, Debug)]
pub struct TwoLayerCache<T: Scalar> {
    /// Hidden activations after ReLU, `h: (N, H)`.
    pub hidden: Matrix<T>,
    /// Class scores `s: (N, C)`.
    pub scores: Matrix<T>,
    /// `dL/ds: (N, C)`, from the loss.
    pub dscores: Matrix<T>,
    /// `dL/dh`, then `da1 = dh ⊙ [h > 0]` in place: `(N, H)`.
    pub dhidden: Matrix<T>,
}

impl<T: Scalar> Default for TwoLayerCache<T> {
    fn default() -> Self {
        let z = || Matrix::zeros(0, 0);
        Self { hidden: z(), scores: z(), dscores: z(), dhidden: z() }
    }
}

/// The two-layer net: its configuration and parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct TwoLayerNet<T: Scalar> {
    /// Architecture and L2 strength.
    pub config: TwoLayerConfig,
    /// `W1, b1, W2, b2`.
    pub params: TwoLayerParams<T>,
}

impl<T: Scalar> TwoLayerNet<T> {
    /// A net with weights drawn from N(0, `config.weight_scale`²) (`W1`, then `W2`) and zero biases.
    pub fn new<R: rand::Rng + ?Sized>(config: &TwoLayerConfig, rng: &mut R) -> Self {
        let (d, h, c) = (config.input_dim, config.hidden, config.num_classes);
        let w1 = randn(d, h, config.weight_scale, rng);
        let w2 = randn(h, c, config.weight_scale, rng);
        let params =
            TwoLayerParams { fc1: Affine::new(w1, Matrix::zeros(1, h)), fc2: Affine::new(w2, Matrix::zeros(1, c)) };
        Self { config: *config, params }
    }

    /// A net from explicit parameters (`config` gives the L2 strength and must match the shapes).
    ///
    /// # Panics
    /// If the shapes do not chain or do not match `config`.
    #[track_caller]
    pub fn from_params(config: TwoLayerConfig, params: TwoLayerParams<T>) -> Self {
        let (d, h, c) = (config.input_dim, config.hidden, config.num_classes);
        assert_shape("TwoLayerNet: W1", &params.fc1.w, (d, h));
        assert_shape("TwoLayerNet: b1", &params.fc1.b, (1, h));
        assert_shape("TwoLayerNet: W2", &params.fc2.w, (h, c));
        assert_shape("TwoLayerNet: b2", &params.fc2.b, (1, c));
        Self { config, params }
    }

    /// Forward pass of a batch `x: (N, D)`: fills `cache.hidden` `(N, H)` and `cache.scores` `(N, C)`.
    ///
    /// # Panics
    /// If `x` does not have `D` columns.
    #[track_caller]
    pub fn forward(&self, x: &Matrix<T>, cache: &mut TwoLayerCache<T>, par: Par) {
        let p = &self.params;
        affine_relu_forward(x, &p.fc1, &mut cache.hidden, par);
        affine_forward(&cache.hidden, &p.fc2, &mut cache.scores, par);
    }

    /// The loss of the scores in `cache` against `y: (N,)`, L2 penalty included; leaves `dL/ds` in
    /// `cache.dscores`.
    fn loss_of_scores(&self, y: &[usize], cache: &mut TwoLayerCache<T>) -> f64 {
        let data_loss = softmax_loss_into(&cache.scores, y, &mut cache.dscores);
        let p = &self.params;
        data_loss + l2_penalty(&[&p.fc1.w, &p.fc2.w], self.reg())
    }

    /// Backward pass, in exact reverse order of [`forward`](Self::forward) and the loss:
    /// `cache.dscores` must hold `dL/ds`. Overwrites every tensor of `grads`; skips `dx`.
    fn backward(&self, x: &Matrix<T>, cache: &mut TwoLayerCache<T>, grads: &mut TwoLayerParams<T>, par: Par) {
        let (p, reg) = (&self.params, self.reg());
        // s = h·W2 + b2, and its L2 term.
        affine_backward(&cache.dscores, &cache.hidden, &p.fc2, &mut grads.fc2, Some(&mut cache.dhidden), par);
        add_l2_grad(&mut grads.fc2.w, &p.fc2.w, reg);
        // h = max(0, x·W1 + b1), and its L2 term (dx: nothing upstream needs it).
        affine_relu_backward(&mut cache.dhidden, x, &cache.hidden, &p.fc1, &mut grads.fc1, None, par);
        add_l2_grad(&mut grads.fc1.w, &p.fc1.w, reg);
    }

    /// One plain-SGD training step on the batch `x: (N, D)`, `y: (N,)`, fused: the same as
    /// [`Model::loss_and_grads`] followed by `sgd.step` on every tensor, with
    /// `dW1 = xᵀ·da1 + reg·W1`, `ΣW1²` and `W1 ← W1 − lr·dW1` in one pass (module docs). Returns the
    /// loss *before* the step; `grads` holds the gradients of `b1`, `W2` and `b2`, while
    /// `grads.fc1.w` is scratch: `dW1` is applied as it is computed and not stored
    /// ([`GradOut::Discard`]; call [`Model::loss_and_grads`] for it). When the data loss is not
    /// finite it returns it at once and leaves the net untouched.
    #[track_caller]
    pub fn sgd_step(
        &mut self,
        x: &Matrix<T>,
        y: &[usize],
        sgd: &Sgd,
        cache: &mut TwoLayerCache<T>,
        grads: &mut TwoLayerParams<T>,
        par: Par,
    ) -> f64 {
        self.forward(x, cache, par);
        let data_loss = softmax_loss_into(&cache.scores, y, &mut cache.dscores);
        if !data_loss.is_finite() {
            return data_loss;
        }
        let reg = self.reg();
        let p = &mut self.params;
        let w2_sq = sum_squares(&p.fc2.w).to_f64();
        // The backward above, down to da1 = dh ⊙ [h > 0] and db1.
        affine_backward(&cache.dscores, &cache.hidden, &p.fc2, &mut grads.fc2, Some(&mut cache.dhidden), par);
        add_l2_grad(&mut grads.fc2.w, &p.fc2.w, reg);
        relu_bias_backward_inplace(&mut cache.dhidden, &cache.hidden, &mut grads.fc1.b);
        // dW1 = xᵀ·da1 + reg·W1 and W1 ← W1 − lr·dW1 in one pass; ΣW1² from before the step.
        // Nothing reads dW1 after the step: discarding it saves writing a W1-sized array.
        let w1_sq =
            sgd.step_with_weight_grad(&mut p.fc1.w, &mut grads.fc1.w, x, &cache.dhidden, reg, GradOut::Discard, par);
        sgd.step(&mut p.fc1.b, &grads.fc1.b, &mut ());
        sgd.step(&mut p.fc2.w, &grads.fc2.w, &mut ());
        sgd.step(&mut p.fc2.b, &grads.fc2.b, &mut ());
        data_loss + l2_penalty_of_sum_squares(w1_sq + w2_sq, reg)
    }

    /// Loss and gradients of a batch `x: (N, D)`, `y: (N,)`, allocating the buffers (for tests and
    /// examples; training keeps them in a [`Step`](handgrad_nn::solver::Step)).
    #[track_caller]
    pub fn loss(&self, x: &Matrix<T>, y: &[usize]) -> (f64, TwoLayerParams<T>) {
        let (mut cache, mut grads) = (TwoLayerCache::default(), self.params.zeros_like());
        self.forward(x, &mut cache, Par::Seq);
        let loss = self.loss_of_scores(y, &mut cache);
        self.backward(x, &mut cache, &mut grads, Par::Seq);
        (loss, grads)
    }

    /// Class scores of `x: (N, D)`: `(N, C)` (allocates).
    pub fn scores(&self, x: &Matrix<T>) -> Matrix<T> {
        let mut cache = TwoLayerCache::default();
        self.forward(x, &mut cache, Par::Seq);
        cache.scores
    }

    /// The L2 strength in the parameters' scalar type.
    fn reg(&self) -> T {
        T::from_f64(self.config.reg)
    }
}

impl<T: Scalar> Model<T> for TwoLayerNet<T> {
    type Params = TwoLayerParams<T>;
    type Cache = TwoLayerCache<T>;

    fn params(&self) -> &TwoLayerParams<T> {
        &self.params
    }

    fn params_mut(&mut self) -> &mut TwoLayerParams<T> {
        &mut self.params
    }

    fn new_cache(&self) -> TwoLayerCache<T> {
        TwoLayerCache::default()
    }

    fn loss_and_grads(
        &mut self,
        x: &Matrix<T>,
        y: &[usize],
        cache: &mut TwoLayerCache<T>,
        grads: &mut TwoLayerParams<T>,
        _rng: &mut Rng,
        par: Par,
    ) -> f64 {
        self.forward(x, cache, par);
        let loss = self.loss_of_scores(y, cache);
        self.backward(x, cache, grads, par);
        loss
    }

    /// Plain SGD runs the fused [`sgd_step`](TwoLayerNet::sgd_step); other rules the unfused step.
    fn train_step(
        &mut self,
        x: &Matrix<T>,
        y: &[usize],
        cache: &mut TwoLayerCache<T>,
        grads: &mut TwoLayerParams<T>,
        update: &UpdateRule,
        states: &mut [UpdateState<T>],
        rng: &mut Rng,
        par: Par,
    ) -> f64 {
        if let UpdateRule::Sgd(sgd) = update {
            return self.sgd_step(x, y, sgd, cache, grads, par);
        }
        let loss = self.loss_and_grads(x, y, cache, grads, rng, par);
        if loss.is_finite() {
            apply_update(update, &mut self.params, grads, states);
        }
        loss
    }

    fn predict(&mut self, x: &Matrix<T>, cache: &mut TwoLayerCache<T>, out: &mut [usize], par: Par) -> bool {
        self.forward(x, cache, par);
        argmax_rows(out, &cache.scores);
        true
    }
}
