//! The cross-covariance of the RBF + bias kernel between data points and inducing inputs, for the
//! sparse GP-LVM ([`crate::sparse`]). The white-noise part of [`RbfKernel`] is zero off the
//! diagonal of `K(X, X)`, so it has no cross term:
//!
//! ```text
//! K_nm = k(x_n, z_m) = f_nm + b,      f_nm = α·exp(−γ/2·‖x_n − z_m‖²)
//! ```
//!
//! Gradients, with `G = ∂F/∂K_NM : (N, M)` (not symmetric: every entry is its own variable),
//! `dF = Σ_nm G_nm dK_nm` and `W_nm = G_nm·f_nm`:
//!
//! ```text
//! ∂f_nm/∂x_n = −γ·f_nm·(x_n − z_m)   ⇒  ∂F/∂x_n  = −γ·Σ_m W_nm·(x_n − z_m)
//! ∂f_nm/∂z_m = +γ·f_nm·(x_n − z_m)   ⇒  ∂F/∂z_m  = +γ·Σ_n W_nm·(x_n − z_m)
//! ∂f/∂α = f/α                        ⇒  ∂F/∂ln α = Σ_nm W_nm
//! ∂f/∂γ = −½·r²·f                    ⇒  ∂F/∂ln γ = −(γ/2)·Σ_nm W_nm·r²_nm
//! ∂K/∂b = 1 (all entries)            ⇒  ∂F/∂ln b = b·Σ_nm G_nm
//! ```
//!
//! Unlike the symmetric `K(X, X)` of [`crate::rbf`], no pair is counted twice. One pass over the
//! `(N, M)` entries, O(N·M·q); the forward caches `f` (row-major `(N, M)`) and evaluates the
//! exponentials with the crate's private `fastexp::exp`.

use handgrad_tensor::Matrix;
use handgrad_tensor::matrix::assert_shape;

use crate::fastexp;
use crate::rbf::RbfKernel;

/// What [`RbfKernel::cross_forward`] keeps for [`RbfKernel::cross_backward`]: `f_nm`, row-major `(N, M)`.
#[derive(Clone, Debug)]
pub struct RbfCrossCache {
    f: Matrix<f64>,
}

impl RbfCrossCache {
    /// An empty cache for `n` points and `m` inducing inputs.
    pub fn new(n: usize, m: usize) -> Self {
        Self { f: Matrix::zeros(n, m) }
    }
}

impl RbfKernel {
    /// Writes `K_NM = k(X, Z)` (RBF + bias, no noise) into `knm: (N, M)` row-major, from
    /// `x: (N, q)` and `z: (M, q)`, and `f` into `cache`.
    ///
    /// # Panics
    /// If the shapes do not agree.
    #[track_caller]
    pub fn cross_forward(&self, x: &Matrix<f64>, z: &Matrix<f64>, knm: &mut Matrix<f64>, cache: &mut RbfCrossCache) {
        let (n, q) = x.shape();
        let m = z.rows();
        assert_shape("RbfKernel::cross_forward: z", z, (m, q));
        assert_shape("RbfKernel::cross_forward: knm", knm, (n, m));
        assert_shape("RbfKernel::cross_forward: cache", &cache.f, (n, m));
        let half_gamma = 0.5 * self.gamma;
        for i in 0..n {
            let xi = x.row(i);
            let f_row = cache.f.row_mut(i);
            for (j, f) in f_row.iter_mut().enumerate() {
                let r2: f64 = xi.iter().zip(z.row(j)).map(|(a, b)| (a - b) * (a - b)).sum();
                *f = self.alpha * fastexp::exp(-half_gamma * r2);
            }
            for (k, &f) in knm.row_mut(i).iter_mut().zip(cache.f.row(i)) {
                *k = f + self.bias;
            }
        }
    }

    /// Given `g = ∂F/∂K_NM : (N, M)`, writes `dx = ∂F/∂X : (N, q)`, **adds** `∂F/∂Z` to
    /// `dz: (M, q)`, and writes `∂F/∂(ln α, ln γ, ln b)` into `dlog[..3]`.
    ///
    /// # Panics
    /// If the shapes do not agree.
    #[track_caller]
    pub fn cross_backward(
        &self,
        g: &Matrix<f64>,
        x: &Matrix<f64>,
        z: &Matrix<f64>,
        cache: &RbfCrossCache,
        dx: &mut Matrix<f64>,
        dz: &mut Matrix<f64>,
        dlog: &mut [f64],
    ) {
        let (n, q) = x.shape();
        let m = z.rows();
        assert_shape("RbfKernel::cross_backward: g", g, (n, m));
        assert_shape("RbfKernel::cross_backward: dx", dx, (n, q));
        assert_shape("RbfKernel::cross_backward: dz", dz, (m, q));
        let (mut sum_g, mut sum_w, mut sum_w_r2) = (0.0, 0.0, 0.0);
        for i in 0..n {
            let (xi, gi, fi) = (x.row(i), g.row(i), cache.f.row(i));
            let dxi = dx.row_mut(i);
            dxi.fill(0.0);
            for j in 0..m {
                let w = gi[j] * fi[j];
                sum_g += gi[j];
                sum_w += w;
                let zj = z.row(j);
                let dzj = &mut dz.as_mut_slice()[j * q..(j + 1) * q];
                let mut r2 = 0.0;
                for c in 0..q {
                    let diff = xi[c] - zj[c];
                    r2 += diff * diff;
                    dxi[c] -= self.gamma * w * diff;
                    dzj[c] += self.gamma * w * diff;
                }
                sum_w_r2 += w * r2;
            }
        }
        dlog[0] = sum_w;
        dlog[1] = -0.5 * self.gamma * sum_w_r2;
        dlog[2] = self.bias * sum_g;
    }
}
