//! Batch normalisation over the rows of `x: (n, d)` (Ioffe & Szegedy 2015; CS231n assignment 2,
//! `batchnorm_forward` / `batchnorm_backward_alt`).
//!
//! Train mode, per feature `j`, with batch statistics:
//! - `μ_j = (1/n) Σ_i x_ij`, `σ²_j = (1/n) Σ_i (x_ij − μ_j)²` (biased), `r_j = 1/√(σ²_j + ε)`;
//! - `x̂_ij = (x_ij − μ_j)·r_j`, `out_ij = γ_j·x̂_ij + β_j`;
//! - running averages: `m ← ρ·m + (1 − ρ)·μ`, `v ← ρ·v + (1 − ρ)·σ²` (ρ = `momentum`, 0.9).
//!
//! Eval mode: the same with `μ, σ²` replaced by the running averages (which are left unchanged).
//!
//! Backward, with `g_ij = dout_ij·γ_j` (the gradient reaching `x̂`):
//! - `dβ_j = Σ_i dout_ij`, `dγ_j = Σ_i dout_ij·x̂_ij`;
//! - train: `dx_ij = (r_j / n)·(n·g_ij − Σ_k g_kj − x̂_ij·Σ_k g_kj·x̂_kj)` (μ and σ² depend on x);
//! - eval: `dx_ij = g_ij·r_j` (the statistics are constants).
//!
//! Shapes: `x, out, dout, dx: (n, d)`; `γ, β`, running mean and variance: `(1, d)`.

use handgrad_tensor::matrix::assert_shape;
use handgrad_tensor::{Matrix, Scalar};

use crate::layer::Mode;

/// A batch-normalisation layer: learned scale `γ` and shift `β`, and running statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNorm<T: Scalar> {
    /// Scale `γ: (1, d)` (learned).
    pub gamma: Matrix<T>,
    /// Shift `β: (1, d)` (learned).
    pub beta: Matrix<T>,
    /// Running mean `(1, d)` (used in eval mode).
    pub running_mean: Matrix<T>,
    /// Running (biased) variance `(1, d)` (used in eval mode).
    pub running_var: Matrix<T>,
    /// Weight ρ of the old value in the running averages (default 0.9).
    pub momentum: f64,
    /// ε added to the variance (default 1e-5).
    pub eps: f64,
}

/// What [`BatchNorm`]'s forward saves, plus backward's scratch.
#[derive(Clone, Debug)]
pub struct BatchNormCache<T: Scalar> {
    /// The mode of the forward pass.
    pub mode: Mode,
    /// Normalised input `x̂: (n, d)`.
    pub x_hat: Matrix<T>,
    /// The mean used, `(1, d)`: batch mean (train) or running mean (eval).
    pub mean: Matrix<T>,
    /// `r = 1/√(σ² + ε): (1, d)` for the variance used.
    pub inv_std: Matrix<T>,
    /// Scratch `(1, d)`: `Σ_k g_kj` in backward.
    pub sum_g: Matrix<T>,
    /// Scratch `(1, d)`: `Σ_k g_kj·x̂_kj` in backward.
    pub sum_gx: Matrix<T>,
}

impl<T: Scalar> Default for BatchNormCache<T> {
    fn default() -> Self {
        let z = || Matrix::zeros(0, 0);
        Self { mode: Mode::Eval, x_hat: z(), mean: z(), inv_std: z(), sum_g: z(), sum_gx: z() }
    }
}

/// Gradients of a [`BatchNorm`] layer.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNormGrads<T: Scalar> {
    /// `∂L/∂γ: (1, d)`.
    pub dgamma: Matrix<T>,
    /// `∂L/∂β: (1, d)`.
    pub dbeta: Matrix<T>,
}

impl<T: Scalar> BatchNorm<T> {
    /// Batch normalisation over `d` features: `γ = 1`, `β = 0`, running mean 0, running variance 1,
    /// momentum 0.9, ε = 1e-5.
    pub fn new(d: usize) -> Self {
        Self::from_params(Matrix::full(1, d, T::ONE), Matrix::zeros(1, d))
    }

    /// Batch normalisation with explicit `γ: (1, d)` and `β: (1, d)` (other fields as in [`Self::new`]).
    ///
    /// # Panics
    /// If the shapes differ or are not `(1, d)`.
    #[track_caller]
    pub fn from_params(gamma: Matrix<T>, beta: Matrix<T>) -> Self {
        let d = gamma.cols();
        assert_shape("BatchNorm: gamma", &gamma, (1, d));
        assert_shape("BatchNorm: beta", &beta, (1, d));
        Self {
            gamma,
            beta,
            running_mean: Matrix::zeros(1, d),
            running_var: Matrix::full(1, d, T::ONE),
            momentum: 0.9,
            eps: 1e-5,
        }
    }

    /// Zero-filled gradients `(1, d)`.
    pub fn zero_grads(&self) -> BatchNormGrads<T> {
        let d = self.gamma.cols();
        BatchNormGrads { dgamma: Matrix::zeros(1, d), dbeta: Matrix::zeros(1, d) }
    }

    /// Forward: `x: (n, d)` → `out: (n, d)` (resized). Train mode updates the running averages
    /// (hence `&mut self`); eval mode reads them.
    ///
    /// # Panics
    /// If `x.cols() != d`, or `n == 0` in train mode.
    #[track_caller]
    pub fn forward_into(&mut self, x: &Matrix<T>, out: &mut Matrix<T>, cache: &mut BatchNormCache<T>, mode: Mode) {
        let (n, d) = x.shape();
        assert_shape("BatchNorm::forward: gamma vs x", &self.gamma, (1, d));
        cache.mode = mode;
        cache.mean.resize(1, d);
        cache.inv_std.resize(1, d);
        match mode {
            Mode::Train => {
                assert!(n > 0, "BatchNorm::forward: empty batch x{:?} in train mode", x.shape());
                self.batch_statistics(x, cache);
            }
            Mode::Eval => {
                let eps = T::from_f64(self.eps);
                cache.mean.copy_from(&self.running_mean);
                handgrad_tensor::ops::map(&mut cache.inv_std, &self.running_var, |v| T::ONE / (v + eps).sqrt());
            }
        }
        cache.x_hat.resize(n, d);
        out.resize(n, d);
        let (mean, r) = (cache.mean.as_slice(), cache.inv_std.as_slice());
        let (g, b) = (self.gamma.as_slice(), self.beta.as_slice());
        for i in 0..n {
            let (xr, xh, o) = (x.row(i), cache.x_hat.row_mut(i), out.row_mut(i));
            for j in 0..d {
                xh[j] = (xr[j] - mean[j]) * r[j];
                o[j] = g[j] * xh[j] + b[j];
            }
        }
    }

    /// Batch mean and `1/√(σ² + ε)` into the cache; updates the running averages.
    fn batch_statistics(&mut self, x: &Matrix<T>, cache: &mut BatchNormCache<T>) {
        let (n, d) = x.shape();
        let inv_n = T::ONE / T::from_usize(n);
        let (rho, eps) = (T::from_f64(self.momentum), T::from_f64(self.eps));
        handgrad_tensor::ops::col_sums(&mut cache.mean, x, handgrad_tensor::Accum::Replace);
        handgrad_tensor::ops::scale(&mut cache.mean, inv_n);
        // Variance (two-pass, for accuracy), accumulated in inv_std, then turned into 1/√(σ² + ε).
        let var = cache.inv_std.as_mut_slice();
        var.fill(T::ZERO);
        let mean = cache.mean.as_slice();
        for row in x.row_iter() {
            for j in 0..d {
                let c = row[j] - mean[j];
                var[j] += c * c;
            }
        }
        let (rm, rv) = (self.running_mean.as_mut_slice(), self.running_var.as_mut_slice());
        for j in 0..d {
            var[j] *= inv_n;
            rm[j] = rho * rm[j] + (T::ONE - rho) * mean[j];
            rv[j] = rho * rv[j] + (T::ONE - rho) * var[j];
            var[j] = T::ONE / (var[j] + eps).sqrt();
        }
    }

    /// Backward: `dout: (n, d)`; overwrites `grads`; when `dx` is `Some`, resizes it to `(n, d)` and
    /// writes `∂L/∂x` (train or eval formula, per the cache's mode).
    ///
    /// # Panics
    /// If `dout` does not match the forward's shape.
    #[track_caller]
    pub fn backward_into(
        &self,
        dout: &Matrix<T>,
        cache: &mut BatchNormCache<T>,
        grads: &mut BatchNormGrads<T>,
        dx: Option<&mut Matrix<T>>,
    ) {
        let (n, d) = cache.x_hat.shape();
        assert_shape("BatchNorm::backward: dout", dout, (n, d));
        assert_shape("BatchNorm::backward: dgamma", &grads.dgamma, (1, d));
        handgrad_tensor::ops::col_sums(&mut grads.dbeta, dout, handgrad_tensor::Accum::Replace);
        let dgamma = grads.dgamma.as_mut_slice();
        dgamma.fill(T::ZERO);
        for i in 0..n {
            let (g, xh) = (dout.row(i), cache.x_hat.row(i));
            for j in 0..d {
                dgamma[j] += g[j] * xh[j];
            }
        }
        let Some(dx) = dx else { return };
        dx.resize(n, d);
        let (gamma, r) = (self.gamma.as_slice(), cache.inv_std.as_slice());
        if cache.mode == Mode::Eval {
            for i in 0..n {
                let (g, o) = (dout.row(i), dx.row_mut(i));
                for j in 0..d {
                    o[j] = g[j] * gamma[j] * r[j];
                }
            }
            return;
        }
        // Σ_k g_kj = γ_j·dβ_j and Σ_k g_kj·x̂_kj = γ_j·dγ_j, with g = dout·γ.
        cache.sum_g.resize(1, d);
        cache.sum_gx.resize(1, d);
        let (sg, sgx) = (cache.sum_g.as_mut_slice(), cache.sum_gx.as_mut_slice());
        let (db, dg) = (grads.dbeta.as_slice(), grads.dgamma.as_slice());
        for j in 0..d {
            sg[j] = gamma[j] * db[j];
            sgx[j] = gamma[j] * dg[j];
        }
        let nt = T::from_usize(n);
        for i in 0..n {
            let (g, xh, o) = (dout.row(i), cache.x_hat.row(i), dx.row_mut(i));
            for j in 0..d {
                o[j] = r[j] / nt * (nt * g[j] * gamma[j] - sg[j] - xh[j] * sgx[j]);
            }
        }
    }

    /// Allocating forward: `x: (n, d)` → `(out: (n, d), cache)`.
    #[track_caller]
    pub fn forward(&mut self, x: &Matrix<T>, mode: Mode) -> (Matrix<T>, BatchNormCache<T>) {
        let (mut out, mut cache) = (Matrix::zeros(0, 0), BatchNormCache::default());
        self.forward_into(x, &mut out, &mut cache, mode);
        (out, cache)
    }

    /// Allocating backward: `dout: (n, d)` → `dx: (n, d)`; overwrites `grads`.
    #[track_caller]
    pub fn backward(
        &self,
        dout: &Matrix<T>,
        cache: &mut BatchNormCache<T>,
        grads: &mut BatchNormGrads<T>,
    ) -> Matrix<T> {
        let mut dx = Matrix::zeros(0, 0);
        self.backward_into(dout, cache, grads, Some(&mut dx));
        dx
    }
}
