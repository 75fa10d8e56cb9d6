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

use alloc::string::String;

use handgrad_tensor::matrix::assert_shape;
use handgrad_tensor::{Matrix, Scalar};

use crate::layer::Mode;
use crate::params::{ParamKind, Params};

/// The learned parameters of a batch-normalisation layer — and, as a gradient, `∂L/∂γ`, `∂L/∂β`.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNorm<T: Scalar> {
    /// Scale `γ: (1, d)`.
    pub gamma: Matrix<T>,
    /// Shift `β: (1, d)`.
    pub beta: Matrix<T>,
}

/// What a batch-normalisation layer keeps besides its parameters: the running statistics used in
/// eval mode (not learned, not part of the gradient), and the constants of their update.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNormState<T: Scalar> {
    /// Running mean `(1, d)` (starts at 0).
    pub running_mean: Matrix<T>,
    /// Running (biased) variance `(1, d)` (starts at 1).
    pub running_var: Matrix<T>,
    /// Weight ρ of the old value in the running averages (default 0.9).
    pub momentum: f64,
    /// ε added to the variance (default 1e-5).
    pub eps: f64,
}

impl<T: Scalar> BatchNormState<T> {
    /// Running mean 0, running variance 1, momentum 0.9, ε = 1e-5, for `d` features.
    pub fn new(d: usize) -> Self {
        Self { running_mean: Matrix::zeros(1, d), running_var: Matrix::full(1, d, T::ONE), momentum: 0.9, eps: 1e-5 }
    }
}

impl<T: Scalar> Params<T> for BatchNorm<T> {
    fn len(&self) -> usize {
        2
    }

    #[track_caller]
    fn get(&self, i: usize) -> &Matrix<T> {
        match i {
            0 => &self.gamma,
            1 => &self.beta,
            _ => panic!("BatchNorm has 2 parameter tensors (gamma, beta), not {}", i + 1),
        }
    }

    #[track_caller]
    fn get_mut(&mut self, i: usize) -> &mut Matrix<T> {
        match i {
            0 => &mut self.gamma,
            1 => &mut self.beta,
            _ => panic!("BatchNorm has 2 parameter tensors (gamma, beta), not {}", i + 1),
        }
    }

    fn name(&self, i: usize) -> String {
        String::from(if i == 0 { "gamma" } else { "beta" })
    }

    fn kind(&self, i: usize) -> ParamKind {
        if i == 0 { ParamKind::Scale } else { ParamKind::Shift }
    }

    fn zeros_like(&self) -> Self {
        let d = self.gamma.cols();
        Self { gamma: Matrix::zeros(1, d), beta: Matrix::zeros(1, d) }
    }
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

impl<T: Scalar> BatchNorm<T> {
    /// Batch normalisation over `d` features with `γ = 1`, `β = 0`.
    pub fn new(d: usize) -> Self {
        Self::from_params(Matrix::full(1, d, T::ONE), Matrix::zeros(1, d))
    }

    /// Batch normalisation with explicit `γ: (1, d)` and `β: (1, d)`.
    ///
    /// # Panics
    /// If the shapes differ or are not `(1, d)`.
    #[track_caller]
    pub fn from_params(gamma: Matrix<T>, beta: Matrix<T>) -> Self {
        let d = gamma.cols();
        assert_shape("BatchNorm: gamma", &gamma, (1, d));
        assert_shape("BatchNorm: beta", &beta, (1, d));
        Self { gamma, beta }
    }

    /// Forward: `x: (n, d)` → `out: (n, d)` (resized). Train mode normalises with the batch
    /// statistics and updates the running averages in `state`; eval mode uses them.
    ///
    /// # Panics
    /// If `x.cols() != d`, or `n == 0` in train mode.
    #[track_caller]
    pub fn forward_into(
        &self,
        state: &mut BatchNormState<T>,
        x: &Matrix<T>,
        out: &mut Matrix<T>,
        cache: &mut BatchNormCache<T>,
        mode: Mode,
    ) {
        let (n, d) = x.shape();
        assert_shape("BatchNorm::forward: gamma vs x", &self.gamma, (1, d));
        cache.mode = mode;
        cache.mean.resize(1, d);
        cache.inv_std.resize(1, d);
        match mode {
            Mode::Train => {
                assert!(n > 0, "BatchNorm::forward: empty batch x{:?} in train mode", x.shape());
                batch_statistics(state, x, cache);
            }
            Mode::Eval => {
                let eps = T::from_f64(state.eps);
                cache.mean.copy_from(&state.running_mean);
                handgrad_tensor::ops::map(&mut cache.inv_std, &state.running_var, |v| T::ONE / (v + eps).sqrt());
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
        grads: &mut BatchNorm<T>,
        dx: Option<&mut Matrix<T>>,
    ) {
        let (n, d) = cache.x_hat.shape();
        assert_shape("BatchNorm::backward: dout", dout, (n, d));
        assert_shape("BatchNorm::backward: dgamma", &grads.gamma, (1, d));
        handgrad_tensor::ops::col_sums(&mut grads.beta, dout, handgrad_tensor::Accum::Replace);
        let dgamma = grads.gamma.as_mut_slice();
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
        let (db, dg) = (grads.beta.as_slice(), grads.gamma.as_slice());
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
    pub fn forward(&self, state: &mut BatchNormState<T>, x: &Matrix<T>, mode: Mode) -> (Matrix<T>, BatchNormCache<T>) {
        let (mut out, mut cache) = (Matrix::zeros(0, 0), BatchNormCache::default());
        self.forward_into(state, x, &mut out, &mut cache, mode);
        (out, cache)
    }

    /// Allocating backward: `dout: (n, d)` → `dx: (n, d)`; overwrites `grads`.
    #[track_caller]
    pub fn backward(&self, dout: &Matrix<T>, cache: &mut BatchNormCache<T>, grads: &mut BatchNorm<T>) -> Matrix<T> {
        let mut dx = Matrix::zeros(0, 0);
        self.backward_into(dout, cache, grads, Some(&mut dx));
        dx
    }
}

/// Batch mean and `1/√(σ² + ε)` into the cache; updates the running averages.
fn batch_statistics<T: Scalar>(state: &mut BatchNormState<T>, x: &Matrix<T>, cache: &mut BatchNormCache<T>) {
    let (n, d) = x.shape();
    let inv_n = T::ONE / T::from_usize(n);
    let (rho, eps) = (T::from_f64(state.momentum), T::from_f64(state.eps));
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
    let (rm, rv) = (state.running_mean.as_mut_slice(), state.running_var.as_mut_slice());
    for j in 0..d {
        var[j] *= inv_n;
        rm[j] = rho * rm[j] + (T::ONE - rho) * mean[j];
        rv[j] = rho * rv[j] + (T::ONE - rho) * var[j];
        var[j] = T::ONE / (var[j] + eps).sqrt();
    }
}
