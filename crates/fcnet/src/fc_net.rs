//! [`FullyConnectedNet`]: the fully connected notebook's net (CS231n assignment 2, `fc_net.py`),
//! any number of hidden layers, optional batch normalisation and dropout, built from handgrad-nn's
//! layer kernels:
//!
//! ```text
//! {affine → [batchnorm] → ReLU → [dropout]} × (L − 1) → affine → softmax
//! ```
//!
//! With `x: (N, D)`, hidden sizes `H_1 … H_{L−1}`, `W_l: (H_{l−1}, H_l)`, `b_l: (1, H_l)`,
//! batchnorm `γ_l, β_l: (1, H_l)`; loss = softmax cross-entropy + ½·reg·Σ_l ΣW_l² (weights only).
//! Weights start as N(0, weight_scale²), drawn layer by layer in order, biases at 0, γ at 1, β at
//! 0. Dropout is inverted dropout that drops each hidden unit with probability `dropout` in train
//! mode (identity in eval mode).
//!
//! This file holds the types (configuration, parameters — the gradient has the same type —, the
//! forward cache); the forward and backward passes are in `fc_net_pass.rs`, written in exact
//! reverse order of each other. Parameters are numbered `W1, b1, [gamma1, beta1], W2, b2, …, WL,
//! bL`, the order of checkpoints.

use handgrad_nn::layers::{Affine, BatchNorm, BatchNormCache, BatchNormState, Dropout, DropoutCache};
use handgrad_nn::params::{ParamKind, Params};
use handgrad_tensor::init::randn;
use handgrad_tensor::{Matrix, Scalar};
use serde::{Deserialize, Serialize};

/// The architecture and regularisation of a [`FullyConnectedNet`] (stored in checkpoints).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FcConfig {
    /// Input features `D`.
    pub input_dim: usize,
    /// Hidden layer sizes `H_1 … H_{L−1}` (may be empty: a linear softmax classifier).
    pub hidden: Vec<usize>,
    /// Classes `C`.
    pub num_classes: usize,
    /// Standard deviation of the initial weights.
    pub weight_scale: f64,
    /// L2 strength: the loss adds ½·reg·ΣW² over all weight matrices.
    pub reg: f64,
    /// Probability of dropping a hidden unit in train mode (0: no dropout layers).
    pub dropout: f64,
    /// Batch normalisation after every hidden affine layer.
    pub batchnorm: bool,
}

/// The parameters of one hidden layer: its affine map and, with batchnorm, `γ` and `β`.
#[derive(Clone, Debug, PartialEq)]
pub struct HiddenParams<T: Scalar> {
    /// `W_l: (H_{l−1}, H_l)`, `b_l: (1, H_l)`.
    pub affine: Affine<T>,
    /// `γ_l, β_l: (1, H_l)` when the net has batchnorm.
    pub norm: Option<BatchNorm<T>>,
}

/// The parameters of a [`FullyConnectedNet`] — and its gradient (the same type).
#[derive(Clone, Debug, PartialEq)]
pub struct FcParams<T: Scalar> {
    /// The hidden layers, first to last.
    pub hidden: Vec<HiddenParams<T>>,
    /// The output layer `W_L: (H_{L−1}, C)`, `b_L: (1, C)`.
    pub output: Affine<T>,
}

impl<T: Scalar> FcParams<T> {
    /// Tensors per hidden layer (`W, b`, and `γ, β` with batchnorm).
    fn per_hidden(&self) -> usize {
        if self.hidden.first().is_some_and(|h| h.norm.is_some()) { 4 } else { 2 }
    }

    /// Layer `l` (0-based; `hidden.len()` is the output layer) and the tensor within it.
    #[track_caller]
    fn locate(&self, i: usize) -> (usize, usize) {
        let k = self.per_hidden();
        let hidden = k * self.hidden.len();
        assert!(i < hidden + 2, "FcParams has {} tensors, not {}", hidden + 2, i + 1);
        if i < hidden { (i / k, i % k) } else { (self.hidden.len(), i - hidden) }
    }
}

impl<T: Scalar> Params<T> for FcParams<T> {
    fn len(&self) -> usize {
        self.per_hidden() * self.hidden.len() + 2
    }

    #[track_caller]
    fn get(&self, i: usize) -> &Matrix<T> {
        match self.locate(i) {
            (l, j) if l == self.hidden.len() => self.output.get(j),
            (l, j @ (0 | 1)) => self.hidden[l].affine.get(j),
            (l, j) => self.hidden[l].norm.as_ref().expect("a 4-tensor layer has batchnorm").get(j - 2),
        }
    }

    #[track_caller]
    fn get_mut(&mut self, i: usize) -> &mut Matrix<T> {
        let out = self.hidden.len();
        match self.locate(i) {
            (l, j) if l == out => self.output.get_mut(j),
            (l, j @ (0 | 1)) => self.hidden[l].affine.get_mut(j),
            (l, j) => self.hidden[l].norm.as_mut().expect("a 4-tensor layer has batchnorm").get_mut(j - 2),
        }
    }

    fn name(&self, i: usize) -> String {
        let (l, j) = self.locate(i);
        format!("{}{}", ["W", "b", "gamma", "beta"][j], l + 1)
    }

    fn kind(&self, i: usize) -> ParamKind {
        [ParamKind::Weight, ParamKind::Bias, ParamKind::Scale, ParamKind::Shift][self.locate(i).1]
    }

    fn zeros_like(&self) -> Self {
        let hidden = self
            .hidden
            .iter()
            .map(|h| HiddenParams { affine: h.affine.zeros_like(), norm: h.norm.as_ref().map(BatchNorm::zeros_like) })
            .collect();
        Self { hidden, output: self.output.zeros_like() }
    }
}

/// What the forward pass of one hidden layer keeps for the backward pass, reused across steps.
#[derive(Debug)]
pub struct HiddenCache<T: Scalar> {
    /// Affine output `(N, H_l)` (ReLU'd in place when there is no batchnorm).
    pub z: Matrix<T>,
    /// Batchnorm output `(N, H_l)` (ReLU'd in place), when batchnorm is on.
    pub zn: Matrix<T>,
    /// Dropout output `(N, H_l)`, when dropout is on.
    pub dropped: Matrix<T>,
    /// Batchnorm's cache.
    pub bn: BatchNormCache<T>,
    /// Dropout's cache (its mask).
    pub drop: DropoutCache<T>,
}

impl<T: Scalar> Default for HiddenCache<T> {
    fn default() -> Self {
        let e = || Matrix::zeros(0, 0);
        Self { z: e(), zn: e(), dropped: e(), bn: BatchNormCache::default(), drop: DropoutCache::default() }
    }
}

impl<T: Scalar> HiddenCache<T> {
    /// The ReLU output (before dropout).
    pub fn relu_out(&self, batchnorm: bool) -> &Matrix<T> {
        if batchnorm { &self.zn } else { &self.z }
    }

    /// What the next layer reads.
    pub fn out(&self, batchnorm: bool, dropout: bool) -> &Matrix<T> {
        if dropout { &self.dropped } else { self.relu_out(batchnorm) }
    }
}

/// The forward cache of a [`FullyConnectedNet`] and its backward scratch.
#[derive(Debug, Default)]
pub struct FcCache<T: Scalar> {
    /// One per hidden layer.
    pub hidden: Vec<HiddenCache<T>>,
    /// Class scores `(N, C)`.
    pub scores: Matrix<T>,
    /// `dL/dscores: (N, C)`.
    pub dscores: Matrix<T>,
    /// The gradient flowing down, `(N, H_l)`.
    pub da: Matrix<T>,
    /// A second buffer to ping-pong with `da`.
    pub dtmp: Matrix<T>,
}

/// A fully connected net: configuration, parameters and the non-learned state (batchnorm's running
/// statistics, the dropout layer).
#[derive(Clone, Debug)]
pub struct FullyConnectedNet<T: Scalar> {
    pub(crate) config: FcConfig,
    /// The learned tensors.
    pub params: FcParams<T>,
    /// Batchnorm's running statistics, one per hidden layer (empty without batchnorm).
    pub norm_states: Vec<BatchNormState<T>>,
    pub(crate) dropout: Option<Dropout>,
}

impl<T: Scalar> FullyConnectedNet<T> {
    /// A net with weights drawn from N(0, weight_scale²) (layer by layer, in order), zero biases,
    /// γ = 1 and β = 0.
    ///
    /// # Panics
    /// If a size is 0 or `dropout` is not in `[0, 1)`.
    #[track_caller]
    pub fn new<R: rand::Rng + ?Sized>(config: &FcConfig, rng: &mut R) -> Self {
        assert!(
            config.input_dim > 0 && config.num_classes > 0 && !config.hidden.contains(&0),
            "FullyConnectedNet: sizes must be positive: {config:?}"
        );
        assert!((0.0..1.0).contains(&config.dropout), "FullyConnectedNet: dropout {} not in [0, 1)", config.dropout);
        let dims: Vec<usize> = core::iter::once(config.input_dim)
            .chain(config.hidden.iter().copied())
            .chain([config.num_classes])
            .collect();
        let mut affines: Vec<Affine<T>> = (0..dims.len() - 1)
            .map(|l| Affine::new(randn(dims[l], dims[l + 1], config.weight_scale, rng), Matrix::zeros(1, dims[l + 1])))
            .collect();
        let output = affines.pop().expect("at least the output layer");
        let hidden = affines
            .into_iter()
            .map(|affine| {
                let norm = config.batchnorm.then(|| BatchNorm::new(affine.d_out()));
                HiddenParams { affine, norm }
            })
            .collect();
        let norm_states =
            if config.batchnorm { config.hidden.iter().map(|&h| BatchNormState::new(h)).collect() } else { Vec::new() };
        Self {
            config: config.clone(),
            params: FcParams { hidden, output },
            norm_states,
            dropout: (config.dropout > 0.0).then(|| Dropout::new(1.0 - config.dropout)),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &FcConfig {
        &self.config
    }

    /// Number of affine layers `L`.
    pub fn num_layers(&self) -> usize {
        self.params.hidden.len() + 1
    }

    /// Weights of affine layer `l` (0-based): `(H_{l−1}, H_l)`.
    pub fn weight(&self, l: usize) -> &Matrix<T> {
        match self.params.hidden.get(l) {
            Some(h) => &h.affine.w,
            None => &self.params.output.w,
        }
    }
}
