//! RBF + bias + white kernel, Lawrence's setup for the oil-flow data (Lawrence 2005, §6):
//!
//! ```text
//! k(x_i, x_j) = α·exp(−γ/2·‖x_i − x_j‖²) + b + β⁻¹·δ_ij,      f_ij := α·exp(−γ/2·r²_ij)
//! ```
//!
//! Gradients, with `G = ∂L/∂K` symmetric, `dL = Σ_ij G_ij dK_ij` and `W_ij = G_ij·f_ij`:
//!
//! ```text
//! ∂f_ij/∂x_i = −γ·f_ij·(x_i − x_j)   ⇒  ∂L/∂x_i  = Σ_j (G_ij + G_ji)·∂f_ij/∂x_i
//!                                                 = −2γ·Σ_j W_ij·(x_i − x_j)
//! ∂f/∂α = f/α                        ⇒  ∂L/∂ln α = Σ_ij W_ij
//! ∂f/∂γ = −½·r²·f                    ⇒  ∂L/∂ln γ = −(γ/2)·Σ_ij W_ij·r²_ij
//! ∂K/∂b = 1 (all entries)            ⇒  ∂L/∂ln b = b·Σ_ij G_ij
//! ∂K/∂β = −β⁻²·I                     ⇒  ∂L/∂ln β = −β⁻¹·tr G
//! ```
//!
//! The sums over all `(i, j)` are taken over the lower triangle: the diagonal once, each `i > j`
//! pair twice (`r²_ii = 0`, so the diagonal adds nothing to ∂L/∂X or ∂L/∂ln γ). The backward is one
//! pass over the lower triangle with no `(n, n, q)` temporaries; the forward caches `f` and evaluates
//! the exponentials with the crate's private `fastexp::exp` (vectorisable, within a few ulp of `f64::exp`).

use alloc::vec;
use alloc::vec::Vec;

use handgrad_tensor::Matrix;
use handgrad_tensor::Scalar;
use handgrad_tensor::matrix::assert_shape;

use crate::fastexp;
use crate::kernel::Kernel;

/// `k(x_i, x_j) = α·exp(−γ/2·‖x_i − x_j‖²) + b + β⁻¹·δ_ij`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RbfKernel {
    /// RBF variance α > 0.
    pub alpha: f64,
    /// Inverse squared length scale γ > 0.
    pub gamma: f64,
    /// Bias variance b > 0.
    pub bias: f64,
    /// Noise precision β > 0 (white-noise variance β⁻¹).
    pub beta: f64,
}

impl Default for RbfKernel {
    /// GPy's defaults: unit variances and length scale, noise variance 1.
    fn default() -> Self {
        Self { alpha: 1.0, gamma: 1.0, bias: 1.0, beta: 1.0 }
    }
}

/// The forward pass's cache: the RBF part `f_ij` (lower triangle, column-major `(n, n)`), and the
/// latent points transposed, `(q, n)` row-major, so that each coordinate is contiguous.
#[derive(Clone, Debug)]
pub struct RbfCache {
    f: Vec<f64>,
    xt: Vec<f64>,
}

/// One hyperparameter in GPy's parameterisation beside Lawrence's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NamedHyper {
    /// GPy's name (`rbf.variance`, `rbf.lengthscale`, `bias.variance`, `Gaussian_noise.variance`).
    pub gpy_name: &'static str,
    /// Its value in GPy's parameterisation.
    pub gpy_value: f64,
    /// Lawrence's name (`alpha`, `gamma`, `bias`, `beta`).
    pub lawrence_name: &'static str,
    /// Its value in Lawrence's parameterisation.
    pub lawrence_value: f64,
}

impl RbfKernel {
    /// The hyperparameters as GPy names them: `rbf.variance = α`, `rbf.lengthscale = γ^(−1/2)`
    /// (GPy's `k = σ²·exp(−r²/(2ℓ²))`), `bias.variance = b`, `Gaussian_noise.variance = β⁻¹`,
    /// each beside Lawrence's value.
    pub fn gpy_table(&self) -> [NamedHyper; 4] {
        let row = |gpy_name, gpy_value, lawrence_name, lawrence_value| NamedHyper {
            gpy_name,
            gpy_value,
            lawrence_name,
            lawrence_value,
        };
        [
            row("rbf.variance", self.alpha, "alpha", self.alpha),
            row("rbf.lengthscale", 1.0 / Scalar::sqrt(self.gamma), "gamma", self.gamma),
            row("bias.variance", self.bias, "bias", self.bias),
            row("Gaussian_noise.variance", 1.0 / self.beta, "beta", self.beta),
        ]
    }
}

impl Kernel for RbfKernel {
    type Cache = RbfCache;
    const NAME: &'static str = "rbf";

    fn hyper_names(&self) -> &'static [&'static str] {
        &["alpha", "gamma", "bias", "beta"]
    }

    fn log_hypers(&self, out: &mut [f64]) {
        out[0] = Scalar::ln(self.alpha);
        out[1] = Scalar::ln(self.gamma);
        out[2] = Scalar::ln(self.bias);
        out[3] = Scalar::ln(self.beta);
    }

    fn set_log_hypers(&mut self, log: &[f64]) {
        self.alpha = Scalar::exp(log[0]);
        self.gamma = Scalar::exp(log[1]);
        self.bias = Scalar::exp(log[2]);
        self.beta = Scalar::exp(log[3]);
    }

    fn new_cache(&self, n: usize) -> RbfCache {
        RbfCache { f: vec![0.0; n * n], xt: Vec::new() }
    }

    fn forward(&self, x: &Matrix<f64>, k: &mut [f64], cache: &mut RbfCache) {
        let (n, q) = x.shape();
        assert_eq!(k.len(), n * n, "RbfKernel::forward: k has {} elements, x is {:?}", k.len(), x.shape());
        cache.f.resize(n * n, 0.0);
        cache.xt.resize(n * q, 0.0);
        for (i, row) in x.row_iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                cache.xt[c * n + i] = v;
            }
        }
        let (noise, half_gamma) = (1.0 / self.beta, 0.5 * self.gamma);
        for j in 0..n {
            cache.f[j * n + j] = self.alpha;
            k[j * n + j] = self.alpha + self.bias + noise;
            // Two passes over column j below the diagonal, each a plain loop over contiguous slices
            // (which the compiler vectorises): squared distances into the cache, then
            // f = α·exp(−γ/2·r²) in place and K = f + b.
            let f_col = &mut cache.f[j * n + j + 1..(j + 1) * n];
            f_col.fill(0.0);
            for c in 0..q {
                let coord = &cache.xt[c * n..(c + 1) * n];
                let xjc = coord[j];
                for (f, &xic) in f_col.iter_mut().zip(&coord[j + 1..]) {
                    *f += (xic - xjc) * (xic - xjc);
                }
            }
            let k_col = &mut k[j * n + j + 1..(j + 1) * n];
            for (f, kij) in f_col.iter_mut().zip(k_col.iter_mut()) {
                *f = self.alpha * fastexp::exp(-half_gamma * *f);
                *kij = *f + self.bias;
            }
        }
    }

    fn backward(&self, g: &[f64], x: &Matrix<f64>, cache: &RbfCache, dx: &mut Matrix<f64>, dlog: &mut [f64]) {
        let (n, q) = x.shape();
        assert_shape("RbfKernel::backward: dx", dx, (n, q));
        assert_eq!(g.len(), n * n, "RbfKernel::backward: g has {} elements, x is {:?}", g.len(), x.shape());
        let xs = x.as_slice();
        let d = dx.as_mut_slice();
        d.fill(0.0);
        let (mut trace_g, mut sum_g_off, mut sum_w, mut sum_w_r2) = (0.0, 0.0, 0.0, 0.0);
        let two_gamma = 2.0 * self.gamma;
        for j in 0..n {
            let gjj = g[j * n + j];
            trace_g += gjj;
            sum_w += gjj * cache.f[j * n + j];
            for i in j + 1..n {
                let gij = g[j * n + i];
                let w = gij * cache.f[j * n + i];
                sum_g_off += gij;
                sum_w += 2.0 * w;
                let mut r2 = 0.0;
                for c in 0..q {
                    let diff = xs[i * q + c] - xs[j * q + c];
                    r2 += diff * diff;
                    let step = two_gamma * w * diff;
                    d[i * q + c] -= step;
                    d[j * q + c] += step;
                }
                sum_w_r2 += 2.0 * w * r2;
            }
        }
        dlog[0] = sum_w;
        dlog[1] = -0.5 * self.gamma * sum_w_r2;
        dlog[2] = self.bias * (trace_g + 2.0 * sum_g_off);
        dlog[3] = -trace_g / self.beta;
    }
}
