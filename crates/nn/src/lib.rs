#![doc = include_str!("../README.md")]
//!
//! ## Tour
//!
//! Hand-written backprop: the layer library every handgrad model is built from, the losses, the
//! optimizers, and the one training loop.
//!
//! - [`params`]: a model's learned tensors as a numbered list ([`Params`]); **the gradient is a
//!   value of the same type**;
//! - [`layer`]: the layer contract ([`Layer`]: `forward → (out, cache)`, `backward(dout, cache)`
//!   **overwrites** the gradient and returns `dx`), and the [`Mode`] argument;
//! - [`layers`]: affine, linear (`x·W`, `x·Wᵀ`), the affine–ReLU sandwich with fused bias+ReLU
//!   kernels, ReLU, sigmoid, tanh, Swish, [`Activation`](layers::Activation), inverted dropout and
//!   batch normalisation — each as free kernels writing into caller buffers (what models call) and
//!   a layer type;
//! - [`loss`]: softmax cross-entropy (optionally with label smoothing), multiclass SVM and the squared reconstruction error as
//!   `(scores, targets) → (loss, dscores)`, and the L2 penalty `½·reg·ΣW²` (weights only);
//! - [`optim`]: SGD (with its fused weight-gradient step), momentum, Nesterov, RMSProp, Adam, AdamW — a
//!   config value plus per-parameter state, `opt.step(&mut w, &dw, &mut state)`;
//!   [`optim::UpdateRule`] picks one at run time;
//! - [`solver`]: the [`Solver`](solver::Solver) — the training loop of every model in handgrad —
//!   with its [`Step`](solver::Step) (one iteration and its buffers, which the benchmarks run too),
//!   the [`Model`](solver::Model) and [`Dataset`](solver::Dataset) traits, the
//!   [`History`](solver::History) it records and the [`accuracy`](solver::accuracy) it measures.
//!
//! Rows are samples everywhere: `x: (n_samples, n_features)`. Everything is generic over
//! [`Scalar`] (`f32` for training, `f64` for gradient checks).
//!
//! `#![no_std]` + `alloc`; the `std` feature (default) turns on faer's fast GEMM kernels.
//!
//! ## Following one training step
//!
//! `cargo xtask train fcnet` → `handgrad_fcnet::train` builds a `TwoLayerNet` and a
//! [`SolverConfig::notebook`](solver::SolverConfig::notebook) → [`Solver::train`](solver::Solver::train)
//! calls [`Step::run`](solver::Step::run) every iteration → the data set's `gather` → the model's
//! [`Model::train_step`](solver::Model::train_step) → this crate's kernels
//! ([`layers::affine_relu_forward`], [`loss::softmax_loss_into`], [`layers::affine_backward`],
//! [`layers::relu_bias_backward_inplace`], [`optim::Sgd::step_with_weight_grad`]) → handgrad-tensor's
//! GEMMs.
//!
//! ## Glossary: one name per concept, in every crate and every command
//!
//! | concept | in code | flag |
//! |---|---|---|
//! | one optimizer step on one minibatch | iteration `t` (0-based); count `iters` | `--iters` |
//! | a pass over the training rows | `epochs`; [`iterations_per_epoch`](solver::iterations_per_epoch) `= max(n / batch_size, 1)` | `--epochs` |
//! | rows per minibatch | `batch_size` | `--batch-size` |
//! | learning rate | `lr` | `--lr` |
//! | learning-rate factor per epoch | `lr_decay` | `--lr-decay` |
//! | how the learning rate changes over the run | [`solver::LrSchedule`]; `schedule` (`step`: `lr_decay` per epoch, `cosine`) | `--schedule step\|cosine` |
//! | iterations of linear warm-up before the cosine | `warmup` ([`LrSchedule::Cosine`](solver::LrSchedule::Cosine)) | `--warmup` (in epochs) |
//! | decoupled weight decay (AdamW, weights only) | `weight_decay` ([`optim::AdamW`]) | `--weight-decay` |
//! | label smoothing `ε` of the softmax targets | `label_smoothing` ([`loss::softmax_smoothed_loss_into`]) | `--label-smoothing` |
//! | random crop (zero padding) and horizontal flip of training images | `augment` (`handgrad_cifar::Augment`) | `--augment none\|flip\|crop\|crop-flip`, `--pad` |
//! | L2 strength (`½·reg·ΣW²`) | `reg` | `--reg` |
//! | std of the initial weights, N(0, scale²) | `weight_scale` | `--weight-scale` |
//! | hidden layer sizes | `hidden` | `--hidden H1,H2,…` (one architecture) |
//! | update rule | `update` ([`optim::UpdateRule`], [`optim::UpdateKind`]) | `--update` |
//! | threads of the products | `par: Par`, always an argument | `--threads` |
//! | randomness | `rng: &mut Rng` (PCG-64), from `seed` | `--seed` |
//! | a dataset on disk | a path | `--data PATH` |
//! | a run's output folder | a path | `--out DIR` |
//! | parameters / their gradient | one type implementing [`Params`]; gradient buffers from [`Params::zeros_like`] | |
//! | non-learned state eval mode reads (batchnorm's running mean and variance) | running statistics, [`Model::running_stat`](solver::Model::running_stat) | |
//! | what forward keeps for backward | a named `…Cache` struct; a model's [`Model::Cache`](solver::Model::Cache) | |
//! | train or eval behaviour | [`Mode`] | |
//! | the training loop / one iteration | [`solver::Solver`] / [`solver::Step`] | |
//! | what a run records / reports | [`solver::History`] of [`solver::Check`]s / [`solver::Progress`] | |
//! | divergence | [`solver::TrainError::Diverged`] (iteration, learning rate, [`solver::Divergence`]; the last good parameters kept, [`solver::Guard`]) | |
//! | classification accuracy | [`solver::accuracy`] | |
//! | per-class accuracy, confusion matrix | [`solver::ConfusionMatrix`], [`solver::confusion_matrix`] | |
//! | a run's state between iterations (to save and resume) | [`solver::RunState`], [`solver::Solver::run`] | `--resume DIR` |
//!
//! ## Example: a layer and a loss from explicit parameters, and one optimizer step by hand
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod layer;
pub mod layers;
pub mod loss;
pub mod optim;
pub mod params;
pub mod solver;

pub use handgrad_tensor::{Matrix, Par, Scalar};
pub use layer::{Layer, Mode};
pub use params::{ParamKind, Params};
