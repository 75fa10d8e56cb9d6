#![doc = include_str!("../README.md")]
//!
//! ## Tour
//!
//! The Gaussian-process latent variable model (Lawrence 2005, *Probabilistic non-linear principal
//! component analysis with Gaussian process latent variable models*, JMLR 6) with hand-derived
//! gradients:
//!
//! - [`gp`]: `L = −(ND/2) ln 2π − (D/2) ln|K| − ½ tr(K⁻¹YYᵀ)` and `∂L/∂K = ½(K⁻¹YYᵀK⁻¹ − D·K⁻¹)`
//!   through a Cholesky factor (`handgrad_tensor::linalg`), with jitter retries and a typed error;
//! - [`kernel`]: the kernel interface; [`linear`] (`αXXᵀ + β⁻¹I`) and [`rbf`] (RBF + bias + white),
//!   each with `∂L/∂X` and `∂L/∂ln h` derived in its module header; [`rbf_cross`] (`k(X, Z)`);
//! - [`sparse`]: the sparse GP-LVM, Titsias's collapsed bound with M inducing inputs, O(NM²) a
//!   step and never an N×N matrix;
//! - [`model`]: the joint objective over `θ = [vec(X); ln h]`;
//! - [`ppca`]: PCA initialisation and the closed-form linear optimum (dual PPCA), an oracle;
//! - [`lbfgs`]: L-BFGS with a strong-Wolfe line search, evaluation budget and convergence tests;
//! - `fastexp` (private): a vectorisable `eˣ` for the RBF kernel's forward pass (called with `x ≤ 0` only);
//! - [`infer`]: new points placed in a fitted model's latent space (`infer_new_x`), full or sparse;
//! - [`model_file`] (`std`): a fitted model saved and loaded atomically in safetensors;
//! - [`knn`]: leave-one-out 1-nearest-neighbour errors (the oil-flow benchmark's metric) and 1-NN
//!   labels of new points, through a k-d tree (no N×N matrix);
//!
//! The oil-flow data are loaded by `handgrad_data::oil`.
//!
//! Math is `f64`; all linear algebra goes through `handgrad_tensor` (no direct faer calls).
//! `#![no_std]` + `alloc`; the `std` feature (default) turns on faer's fast kernels.
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod error;
mod fastexp;
pub mod fit;
pub mod gp;
pub mod infer;
pub mod kernel;
pub mod knn;
pub mod lbfgs;
pub mod linear;
pub mod model;
#[cfg(feature = "std")]
pub mod model_file;
pub mod ppca;
pub mod rbf;
pub mod rbf_cross;
pub mod sparse;

pub use error::GplvmError;
pub use fit::{FitReport, LatentModel, fit};
pub use gp::{GpEval, GpWorkspace, JitterConfig};
pub use infer::{NewPoint, Predictor, nearest_rows};
pub use kernel::Kernel;
pub use knn::{KdTree, loo_1nn_errors, nearest_labels};
pub use lbfgs::{IterInfo, LbfgsConfig, LbfgsReport, LbfgsState, StopReason};
pub use linear::LinearKernel;
pub use model::Gplvm;
#[cfg(feature = "std")]
pub use model_file::{ModelFileError, SavedModel};
pub use ppca::{DualPpca, dual_ppca, pca, pca_init};
pub use rbf::{NamedHyper, RbfKernel};
pub use rbf_cross::RbfCrossCache;
pub use sparse::SparseGplvm;
