//! The kernel interface of the GP-LVM: `K(X)` forward, and `∂L/∂K` carried back to `X` and to
//! the log-hyperparameters.
//!
//! Storage: `x: (n, q)` row-major (rows are latent points); `K` and `G = ∂L/∂K` are column-major
//! `(n, n)` buffers of which only the lower triangle (`i ≥ j`, index `j·n + i`) is meaningful.
//! Because `G` is symmetric, `dL = Σ_ij G_ij dK_ij` counts every off-diagonal pair twice; the
//! backward passes loop over `i > j` and double.
//!
//! For speed the forward pass writes into caller buffers (`k`, and its named cache) instead of
//! returning fresh ones; the backward pass reads that cache. The backward overwrites its outputs.

use handgrad_tensor::Matrix;

/// A covariance function with hyperparameters optimised in log space.
pub trait Kernel: Clone {
    /// What the forward pass keeps for the backward pass.
    type Cache;

    /// Short name (for reports).
    const NAME: &'static str;

    /// Names of the hyperparameters, in the order of [`Kernel::log_hypers`].
    fn hyper_names(&self) -> &'static [&'static str];

    /// The log-hyperparameters `θ_h = ln h` (length `hyper_names().len()`).
    fn log_hypers(&self, out: &mut [f64]);

    /// Sets the hyperparameters from their logs.
    fn set_log_hypers(&mut self, log: &[f64]);

    /// An empty cache for `n` points.
    fn new_cache(&self, n: usize) -> Self::Cache;

    /// Writes the lower triangle of `K(x)` into `k` (column-major `(n, n)`); `x: (n, q)`.
    fn forward(&self, x: &Matrix<f64>, k: &mut [f64], cache: &mut Self::Cache);

    /// Given `g`, the lower triangle of `G = ∂L/∂K` (column-major `(n, n)`), writes
    /// `dx = ∂L/∂X : (n, q)` and `dlog = ∂L/∂(ln h)` (one per hyperparameter). Overwrites both.
    fn backward(&self, g: &[f64], x: &Matrix<f64>, cache: &Self::Cache, dx: &mut Matrix<f64>, dlog: &mut [f64]);
}
