//! [`FullyConnectedNet`]: the fully connected notebook's net (CS231n assignment 2, `fc_net.py`),
//! any number of hidden layers, optional batch normalisation and dropout:
//!
//! ```text
//! {affine → [batchnorm] → ReLU → [dropout]} × (L − 1) → affine → softmax
//! ```
//!
//! With `x: (N, D)`, hidden sizes `H_1 … H_{L−1}`, `W_l: (H_{l−1}, H_l)`, `b_l: (1, H_l)`,
//! batchnorm `γ_l, β_l: (1, H_l)`; loss = softmax cross-entropy + ½·reg·Σ_l ΣW_l² (weights only).
//! Weights start as N(0, weight_scale²), biases at 0, γ at 1, β at 0. Dropout is inverted dropout
//! that drops each hidden unit with probability `dropout` in train mode (identity in eval mode).
//!
//! The forward and backward passes are in `fc_net_pass.rs`; the net implements the Solver's
//! [`Model`](handgrad_nn::solver::Model) there, so `handgrad_nn::solver::Solver` trains it with any
//! update rule. Parameters are numbered in the order `W1, b1, [gamma1, beta1], W2, b2, …, WL, bL`.

use handgrad_nn::layers::batchnorm::{BatchNorm, BatchNormCache, BatchNormGrads};
use handgrad_nn::layers::dropout::{Dropout, DropoutCache};
use handgrad_tensor::init::randn;
use handgrad_tensor::{Matrix, Par, Scalar};
use rand::RngCore;
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

/// Which matrix a parameter index refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Weights of layer `l` (0-based).
    W(usize),
    /// Bias of layer `l`.
    B(usize),
    /// Batchnorm scale of hidden layer `l`.
    Gamma(usize),
    /// Batchnorm shift of hidden layer `l`.
    Beta(usize),
}

/// Forward buffers of one hidden layer, reused across steps.
#[derive(Debug)]
pub(crate) struct HiddenBufs<T: Scalar> {
    /// Affine output `(N, H_l)` (ReLU'd in place when there is no batchnorm).
    pub z: Matrix<T>,
    /// Batchnorm output `(N, H_l)` (ReLU'd in place), when batchnorm is on.
    pub zn: Matrix<T>,
    /// Dropout output `(N, H_l)`, when dropout is on.
    pub dropped: Matrix<T>,
    /// Batchnorm cache.
    pub bn_cache: BatchNormCache<T>,
    /// Dropout cache.
    pub drop_cache: DropoutCache<T>,
}

impl<T: Scalar> HiddenBufs<T> {
    fn new() -> Self {
        let e = || Matrix::zeros(0, 0);
        Self { z: e(), zn: e(), dropped: e(), bn_cache: BatchNormCache::default(), drop_cache: DropoutCache::default() }
    }

    /// The ReLU output (before dropout).
    pub fn relu_out(&self, batchnorm: bool) -> &Matrix<T> {
        if batchnorm { &self.zn } else { &self.z }
    }

    /// What the next layer reads.
    pub fn out(&self, batchnorm: bool, dropout: bool) -> &Matrix<T> {
        if dropout { &self.dropped } else { self.relu_out(batchnorm) }
    }
}

/// A fully connected net with its parameters, gradients and step buffers.
#[derive(Debug)]
pub struct FullyConnectedNet<T: Scalar> {
    pub(crate) config: FcConfig,
    /// Weights `W_l`, `l = 0 … L−1`.
    pub(crate) weights: Vec<Matrix<T>>,
    /// Biases `b_l`.
    pub(crate) biases: Vec<Matrix<T>>,
    /// Batchnorm layers of the hidden layers (empty without batchnorm).
    pub(crate) norms: Vec<BatchNorm<T>>,
    pub(crate) dropout: Option<Dropout>,
    pub(crate) w_grads: Vec<Matrix<T>>,
    pub(crate) b_grads: Vec<Matrix<T>>,
    pub(crate) bn_grads: Vec<BatchNormGrads<T>>,
    pub(crate) slots: Vec<Slot>,
    pub(crate) names: Vec<String>,
    pub(crate) bufs: Vec<HiddenBufs<T>>,
    /// Class scores `(N, C)`.
    pub(crate) scores: Matrix<T>,
    /// `dL/dscores`, `(N, C)`.
    pub(crate) dscores: Matrix<T>,
    /// Backward scratch: gradient flowing down, and a second buffer to ping-pong with.
    pub(crate) da: Matrix<T>,
    pub(crate) dtmp: Matrix<T>,
    /// GEMM parallelism.
    pub par: Par,
}

impl<T: Scalar> FullyConnectedNet<T> {
    /// A net with weights drawn from N(0, weight_scale²) (layer by layer, in order), zero biases,
    /// γ = 1 and β = 0.
    ///
    /// # Panics
    /// If a size is 0 or `dropout` is not in `[0, 1)`.
    #[track_caller]
    pub fn new<R: RngCore + ?Sized>(config: &FcConfig, rng: &mut R) -> Self {
        assert!(
            config.input_dim > 0 && config.num_classes > 0 && !config.hidden.contains(&0),
            "FullyConnectedNet: sizes must be positive: {config:?}"
        );
        assert!((0.0..1.0).contains(&config.dropout), "FullyConnectedNet: dropout {} not in [0, 1)", config.dropout);
        let dims: Vec<usize> = core::iter::once(config.input_dim)
            .chain(config.hidden.iter().copied())
            .chain([config.num_classes])
            .collect();
        let layers = dims.len() - 1;
        let weights: Vec<Matrix<T>> =
            (0..layers).map(|l| randn(dims[l], dims[l + 1], config.weight_scale, rng)).collect();
        let biases: Vec<Matrix<T>> = (0..layers).map(|l| Matrix::zeros(1, dims[l + 1])).collect();
        let norms: Vec<BatchNorm<T>> =
            if config.batchnorm { config.hidden.iter().map(|&h| BatchNorm::new(h)).collect() } else { Vec::new() };
        let (mut slots, mut names) = (Vec::new(), Vec::new());
        for l in 0..layers {
            slots.extend([Slot::W(l), Slot::B(l)]);
            names.extend([format!("W{}", l + 1), format!("b{}", l + 1)]);
            if config.batchnorm && l + 1 < layers {
                slots.extend([Slot::Gamma(l), Slot::Beta(l)]);
                names.extend([format!("gamma{}", l + 1), format!("beta{}", l + 1)]);
            }
        }
        Self {
            config: config.clone(),
            w_grads: weights.iter().map(|w| Matrix::zeros(w.rows(), w.cols())).collect(),
            b_grads: biases.iter().map(|b| Matrix::zeros(1, b.cols())).collect(),
            bn_grads: norms.iter().map(BatchNorm::zero_grads).collect(),
            weights,
            biases,
            norms,
            dropout: (config.dropout > 0.0).then(|| Dropout::new(1.0 - config.dropout)),
            slots,
            names,
            bufs: (0..layers - 1).map(|_| HiddenBufs::new()).collect(),
            scores: Matrix::zeros(0, 0),
            dscores: Matrix::zeros(0, 0),
            da: Matrix::zeros(0, 0),
            dtmp: Matrix::zeros(0, 0),
            par: Par::Seq,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &FcConfig {
        &self.config
    }

    /// Number of affine layers `L`.
    pub fn num_layers(&self) -> usize {
        self.weights.len()
    }

    /// Weights of affine layer `l` (0-based): `(H_{l−1}, H_l)`.
    pub fn weight(&self, l: usize) -> &Matrix<T> {
        &self.weights[l]
    }

    /// Weights `W_l`, mutable: set explicit values (tests, hand-built nets). Shapes must be kept.
    pub fn weights_mut(&mut self) -> &mut [Matrix<T>] {
        &mut self.weights
    }

    /// Biases `b_l`, mutable.
    pub fn biases_mut(&mut self) -> &mut [Matrix<T>] {
        &mut self.biases
    }

    /// Batchnorm layers, mutable (γ, β, running statistics).
    pub fn norms_mut(&mut self) -> &mut [BatchNorm<T>] {
        &mut self.norms
    }

    /// Batchnorm layers (running statistics included).
    pub fn norms(&self) -> &[BatchNorm<T>] {
        &self.norms
    }

    /// Parameter `i` by slot.
    pub(crate) fn slot(&self, i: usize) -> &Matrix<T> {
        match self.slots[i] {
            Slot::W(l) => &self.weights[l],
            Slot::B(l) => &self.biases[l],
            Slot::Gamma(l) => &self.norms[l].gamma,
            Slot::Beta(l) => &self.norms[l].beta,
        }
    }

    /// Parameter `i` by slot, mutable, and its gradient.
    pub(crate) fn slot_and_grad(&mut self, i: usize) -> (&mut Matrix<T>, &Matrix<T>) {
        match self.slots[i] {
            Slot::W(l) => (&mut self.weights[l], &self.w_grads[l]),
            Slot::B(l) => (&mut self.biases[l], &self.b_grads[l]),
            Slot::Gamma(l) => (&mut self.norms[l].gamma, &self.bn_grads[l].dgamma),
            Slot::Beta(l) => (&mut self.norms[l].beta, &self.bn_grads[l].dbeta),
        }
    }

    /// Gradient of parameter `i` from the last train-mode loss.
    pub fn grad(&self, i: usize) -> &Matrix<T> {
        match self.slots[i] {
            Slot::W(l) => &self.w_grads[l],
            Slot::B(l) => &self.b_grads[l],
            Slot::Gamma(l) => &self.bn_grads[l].dgamma,
            Slot::Beta(l) => &self.bn_grads[l].dbeta,
        }
    }

    /// Parameter `i`, mutable.
    pub(crate) fn slot_mut(&mut self, i: usize) -> &mut Matrix<T> {
        self.slot_and_grad(i).0
    }
}
