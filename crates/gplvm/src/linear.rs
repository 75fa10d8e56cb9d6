//! The linear kernel `K = α·X·Xᵀ + β⁻¹·I` (dual probabilistic PCA; Lawrence 2005, §3).
//!
//! With `G = ∂L/∂K` symmetric and `dL = tr(G dK)`:
//!
//! ```text
//! dK = α(dX·Xᵀ + X·dXᵀ)      ⇒  ∂L/∂X     = 2α·G·X = α(K⁻¹YYᵀK⁻¹ − D·K⁻¹)·X
//! ∂K/∂α = X·Xᵀ               ⇒  ∂L/∂ln α  = α·tr(Xᵀ·G·X)
//! ∂K/∂β = −β⁻²·I             ⇒  ∂L/∂ln β  = −β⁻¹·tr G
//! ```
//!
//! `G·X` is computed from the lower triangle of `G` in one pass (no symmetrised copy):
//! for `i > j`, `(GX)_i += G_ij·x_j` and `(GX)_j += G_ij·x_i`.

use handgrad_tensor::Matrix;
use handgrad_tensor::Scalar;
use handgrad_tensor::matrix::assert_shape;

use crate::kernel::Kernel;

/// `k(x_i, x_j) = α·x_iᵀx_j + β⁻¹·δ_ij`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearKernel {
    /// Signal variance α > 0.
    pub alpha: f64,
    /// Noise precision β > 0 (noise variance β⁻¹).
    pub beta: f64,
}

/// The linear kernel needs no cache: the backward reads `X` and `G`.
#[derive(Clone, Copy, Debug, Default)]
pub struct LinearCache;

impl Kernel for LinearKernel {
    type Cache = LinearCache;
    const NAME: &'static str = "linear";

    fn hyper_names(&self) -> &'static [&'static str] {
        &["alpha", "beta"]
    }

    fn log_hypers(&self, out: &mut [f64]) {
        out[0] = Scalar::ln(self.alpha);
        out[1] = Scalar::ln(self.beta);
    }

    fn set_log_hypers(&mut self, log: &[f64]) {
        self.alpha = Scalar::exp(log[0]);
        self.beta = Scalar::exp(log[1]);
    }

    fn new_cache(&self, _n: usize) -> LinearCache {
        LinearCache
    }

    fn forward(&self, x: &Matrix<f64>, k: &mut [f64], _cache: &mut LinearCache) {
        let n = x.rows();
        assert_eq!(k.len(), n * n, "LinearKernel::forward: k has {} elements, x is {:?}", k.len(), x.shape());
        let noise = 1.0 / self.beta;
        for j in 0..n {
            let xj = x.row(j);
            for i in j..n {
                let dot: f64 = x.row(i).iter().zip(xj).map(|(a, b)| a * b).sum();
                k[j * n + i] = self.alpha * dot + if i == j { noise } else { 0.0 };
            }
        }
    }

    fn backward(&self, g: &[f64], x: &Matrix<f64>, _cache: &LinearCache, dx: &mut Matrix<f64>, dlog: &mut [f64]) {
        let (n, q) = x.shape();
        assert_shape("LinearKernel::backward: dx", dx, (n, q));
        assert_eq!(g.len(), n * n, "LinearKernel::backward: g has {} elements, x is {:?}", g.len(), x.shape());
        // dx ← G·X (symmetric G from its lower triangle).
        let xs = x.as_slice();
        let d = dx.as_mut_slice();
        d.fill(0.0);
        let mut trace_g = 0.0;
        for j in 0..n {
            let gjj = g[j * n + j];
            trace_g += gjj;
            for c in 0..q {
                d[j * q + c] += gjj * xs[j * q + c];
            }
            for i in j + 1..n {
                let gij = g[j * n + i];
                for c in 0..q {
                    d[i * q + c] += gij * xs[j * q + c];
                    d[j * q + c] += gij * xs[i * q + c];
                }
            }
        }
        // tr(XᵀGX) = Σ_i x_i·(GX)_i, then scale dx by 2α.
        let xgx: f64 = x.as_slice().iter().zip(dx.as_slice()).map(|(a, b)| a * b).sum();
        for v in dx.as_mut_slice() {
            *v *= 2.0 * self.alpha;
        }
        dlog[0] = self.alpha * xgx;
        dlog[1] = -trace_g / self.beta;
    }
}
