//! The GP-LVM objective over the joint parameter vector `θ = [vec(X); ln h]` (Lawrence 2005):
//! `L(θ) = ln p(Y | K(X, h))`, with `X: (n, q)` stored row-major first, then the kernel's
//! log-hyperparameters. Its gradient chains [`crate::gp`] (`∂L/∂K`) into the kernel's backward.
//!
//! Forward: `x ← θ[..n·q]`, `h ← exp(θ[n·q..])`, `K ← kernel.forward(x)`, `L, G ← gp(K, Y)`.
//! Backward (reverse order): `∂L/∂X, ∂L/∂ln h ← kernel.backward(G)`, written into `grad`.

use alloc::vec;
use alloc::vec::Vec;

use handgrad_tensor::{Matrix, Par};

use crate::GplvmError;
use crate::gp::{GpEval, GpWorkspace, JitterConfig};
use crate::kernel::Kernel;

/// A GP-LVM for data `y: (n, d)` with `q` latent dimensions and kernel `K`, with its buffers.
pub struct Gplvm<K: Kernel> {
    y: Matrix<f64>,
    q: usize,
    kernel: K,
    n_hyper: usize,
    ws: GpWorkspace,
    cache: K::Cache,
    x: Matrix<f64>,
    dx: Matrix<f64>,
}

impl<K: Kernel> Gplvm<K> {
    /// A model of `y: (n, d)` (used as given: centre it first if you want a zero-mean GP) with
    /// `q` latent dimensions; `kernel` fixes the kernel type (its values are only a template).
    ///
    /// # Panics
    /// If `y` is empty or `q == 0`.
    #[track_caller]
    pub fn new(y: Matrix<f64>, q: usize, kernel: K, par: Par) -> Self {
        assert!(!y.is_empty() && q > 0, "Gplvm::new: need data and q > 0, got y {:?}, q = {q}", y.shape());
        let (n, d) = y.shape();
        let n_hyper = kernel.hyper_names().len();
        let cache = kernel.new_cache(n);
        Self {
            y,
            q,
            kernel,
            n_hyper,
            ws: GpWorkspace::new(n, d, par),
            cache,
            x: Matrix::zeros(n, q),
            dx: Matrix::zeros(n, q),
        }
    }

    /// Replaces the jitter schedule of the Cholesky retries.
    pub fn set_jitter(&mut self, jitter: JitterConfig) {
        self.ws.set_jitter(jitter);
    }

    /// Number of points n.
    pub fn n(&self) -> usize {
        self.y.rows()
    }

    /// Latent dimension q.
    pub fn q(&self) -> usize {
        self.q
    }

    /// The data `(n, d)`.
    pub fn y(&self) -> &Matrix<f64> {
        &self.y
    }

    /// Length of θ: `n·q + number of hyperparameters`.
    pub fn n_params(&self) -> usize {
        self.n() * self.q + self.n_hyper
    }

    /// θ from latent points `x: (n, q)` and a kernel.
    ///
    /// # Panics
    /// If `x` is not `(n, q)`.
    #[track_caller]
    pub fn pack(&self, x: &Matrix<f64>, kernel: &K) -> Vec<f64> {
        handgrad_tensor::matrix::assert_shape("Gplvm::pack: x", x, (self.n(), self.q));
        let mut theta = vec![0.0; self.n_params()];
        theta[..x.len()].copy_from_slice(x.as_slice());
        kernel.log_hypers(&mut theta[x.len()..]);
        theta
    }

    /// Latent points `(n, q)` and kernel from θ.
    #[track_caller]
    pub fn unpack(&self, theta: &[f64]) -> (Matrix<f64>, K) {
        self.check_len("Gplvm::unpack: theta", theta.len());
        let nq = self.n() * self.q;
        let mut kernel = self.kernel.clone();
        kernel.set_log_hypers(&theta[nq..]);
        (Matrix::from_vec(self.n(), self.q, theta[..nq].to_vec()), kernel)
    }

    /// `L(θ)` and `∂L/∂θ` (written into `grad`, same length as θ). No allocation.
    ///
    /// # Panics
    /// If `theta` or `grad` has the wrong length.
    #[track_caller]
    pub fn evaluate(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<GpEval, GplvmError> {
        self.check_len("Gplvm::evaluate: theta", theta.len());
        self.check_len("Gplvm::evaluate: grad", grad.len());
        let nq = self.n() * self.q;
        // Forward.
        self.x.as_mut_slice().copy_from_slice(&theta[..nq]);
        self.kernel.set_log_hypers(&theta[nq..]);
        let (kernel, x, cache) = (&self.kernel, &self.x, &mut self.cache);
        let ev = self.ws.evaluate(&self.y, |k| kernel.forward(x, k, cache))?;
        // Backward.
        self.kernel.backward(self.ws.grad_k(), &self.x, &self.cache, &mut self.dx, &mut grad[nq..]);
        grad[..nq].copy_from_slice(self.dx.as_slice());
        Ok(ev)
    }

    /// `L(θ)` only (still computes the gradient internally; use for reporting).
    pub fn log_likelihood(&mut self, theta: &[f64]) -> Result<f64, GplvmError> {
        let mut grad = vec![0.0; theta.len()];
        Ok(self.evaluate(theta, &mut grad)?.log_likelihood)
    }

    #[track_caller]
    fn check_len(&self, what: &str, len: usize) {
        assert!(len == self.n_params(), "{what}: length {len}, expected n·q + hypers = {}", self.n_params());
    }
}
