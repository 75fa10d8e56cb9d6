#![doc = include_str!("../README.md")]
//!
//! ## Tour
//!
//! Tied autoencoders with hand-derived gradients, and the PCA oracle that says what the linear one
//! must converge to:
//!
//! - [`TiedLinearAe`]: loss `½‖WᵀW x − x‖²` averaged over a batch, gradient `W(x rᵀ + r xᵀ)` with
//!   `r = WᵀW x − x` (batched `W(XᵀR + RᵀX)/N`, computed with `(N, m)`/`(m, n)` GEMMs only); the
//!   two-path derivation is in [`linear`];
//! - [`TiedNonlinearAe`]: loss `½‖f(Wᵀ f(W x)) − x‖²` for `f` ∈ [`Activation`] (sigmoid, tanh,
//!   ReLU, identity), backward in exact reverse order of the forward ([`nonlinear`]);
//! - both are built from handgrad-nn's kernels (linear maps `x·Wᵀ` and `x·W`, activations, the
//!   squared error) and implement its `Model`: the parameters are the one matrix `W`, and so is
//!   the gradient;
//! - [`Pca`]: `C = XᵀX/N`, its eigen-decomposition (handgrad-tensor's PCA), the optimal loss `½Σ_{j>m} λ_j`, and
//!   [`Pca::compare`]: principal angles, `‖WWᵀ − I‖`, `eig(WCWᵀ)` against `λ_1..λ_m` ([`pca`]);
//! - [`fit`]: training against the PCA optimum with handgrad-nn's one loop (shuffled minibatches, a
//!   step learning-rate schedule, any update rule), the full-data loss every few iterations, and the
//!   full-batch polish at `1/(4λ₁)`.
//!
//! Shapes: rows are samples, `x: (n_samples, n)`, `W: (m, n)`.
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod fit;
pub mod linear;
mod model;
pub mod nonlinear;
pub mod pca;

pub use handgrad_nn::layers::Activation;
pub use linear::{LinearCache, TiedLinearAe};
pub use nonlinear::{NonlinearCache, TiedNonlinearAe};
pub use pca::{Pca, PcaComparison};

/// Numerical failures of the PCA oracle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PcaError {
    /// An iterative factorisation did not converge, or was given NaN/∞.
    #[error(
        "{what} of a ({rows}, {cols}) matrix failed (no convergence, or NaN/inf entries); check the data and weights \
         for NaN or infinite values"
    )]
    NoConvergence {
        /// Which factorisation.
        what: &'static str,
        /// Rows of the factorised matrix.
        rows: usize,
        /// Columns of the factorised matrix.
        cols: usize,
    },
}

impl From<handgrad_tensor::linalg::NoConvergence> for PcaError {
    fn from(e: handgrad_tensor::linalg::NoConvergence) -> Self {
        Self::NoConvergence { what: e.what, rows: e.rows, cols: e.cols }
    }
}
