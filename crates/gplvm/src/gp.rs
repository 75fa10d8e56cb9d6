//! The Gaussian-process marginal likelihood of the data given a kernel matrix, and its gradient
//! with respect to that matrix (Lawrence 2005, JMLR 6, eq. 4; Rasmussen & Williams 2006, §5.4.1).
//!
//! With data `Y: (N, D)` (D independent output columns sharing one kernel matrix `K: (N, N)`):
//!
//! ```text
//! L      = −(N·D/2)·ln 2π − (D/2)·ln|K| − ½·tr(K⁻¹·Y·Yᵀ)
//! ∂L/∂K  = ½·(K⁻¹·Y·Yᵀ·K⁻¹ − D·K⁻¹) = ½·(A·Aᵀ − D·K⁻¹),   A = K⁻¹·Y : (N, D)
//! ```
//!
//! Derivation: d ln|K| = tr(K⁻¹ dK) and d K⁻¹ = −K⁻¹ dK K⁻¹, so
//! dL = −(D/2)·tr(K⁻¹ dK) + ½·tr(K⁻¹ dK K⁻¹ Y Yᵀ) = tr(G dK) with G as above (G is symmetric).
//!
//! Everything goes through the Cholesky factor `K = L·Lᵀ` ([`handgrad_tensor::linalg`], on faer):
//! `ln|K| = 2·Σ ln L_ii`, `A` from two triangular solves, `tr(K⁻¹YYᵀ) = Σ Y ⊙ A`, and `K⁻¹` from
//! the factor (`L⁻¹` then `L⁻ᵀ·L⁻¹`, lower triangle only). `Y·Yᵀ` is never formed: `A·Aᵀ` is a
//! rank-D update of the lower triangle. All `(N, N)` buffers are column-major, and only their lower
//! triangles (`i ≥ j`, element `(i, j)` at `j·N + i`) are read or written.
//!
//! A failed factorisation is retried on `K + εI` with ε = 10⁻⁶·mean(diag K), growing ×10 per try
//! (like GPy's `jitchol`); the jitter used is reported, and when the last try fails the caller gets
//! [`GplvmError::NotPositiveDefinite`].

use alloc::vec;
use alloc::vec::Vec;

use handgrad_tensor::linalg::{self, NotPositiveDefinite, Workspace};
use handgrad_tensor::matrix::assert_shape;
use handgrad_tensor::{Matrix, Par, Scalar};

use crate::GplvmError;

/// How hard to retry a failed Cholesky factorisation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JitterConfig {
    /// First jitter, relative to the mean of diag K.
    pub initial_relative: f64,
    /// Growth factor per retry.
    pub growth: f64,
    /// Number of retries after the first (jitter-free) attempt.
    pub max_retries: usize,
}

impl Default for JitterConfig {
    fn default() -> Self {
        Self { initial_relative: 1e-6, growth: 10.0, max_retries: 6 }
    }
}

/// The result of one evaluation of the marginal likelihood.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GpEval {
    /// L = ln p(Y | K).
    pub log_likelihood: f64,
    /// Jitter added to diag K to make it factorise (0 when none was needed).
    pub jitter: f64,
}

/// Buffers for evaluating `L` and `∂L/∂K` for `N` points and `D` output columns, reused across
/// evaluations (no allocation per evaluation).
pub struct GpWorkspace {
    n: usize,
    d: usize,
    /// K, then its Cholesky factor (lower triangle), column-major `(n, n)`.
    factor: Vec<f64>,
    /// K⁻¹, then G = ∂L/∂K (lower triangle), column-major `(n, n)`.
    grad_k: Vec<f64>,
    /// A = K⁻¹·Y, column-major `(n, d)`.
    a: Vec<f64>,
    /// Scratch of the factorisation and inverse, and the threads everything runs on.
    linalg: Workspace,
    jitter: JitterConfig,
}

impl GpWorkspace {
    /// Buffers for `n` points and `d` output columns; the linear algebra runs on `par`
    /// (default `Par::Seq`).
    pub fn new(n: usize, d: usize, par: Par) -> Self {
        Self {
            n,
            d,
            factor: vec![0.0; n * n],
            grad_k: vec![0.0; n * n],
            a: vec![0.0; n * d],
            linalg: Workspace::new(n, par),
            jitter: JitterConfig::default(),
        }
    }

    /// Replaces the jitter schedule.
    pub fn set_jitter(&mut self, jitter: JitterConfig) {
        self.jitter = jitter;
    }

    /// Number of points N.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Evaluates `L` and `G = ∂L/∂K`.
    ///
    /// `fill` must write K's lower triangle into the column-major `(n, n)` slice it is given
    /// (it is called again for every jitter retry). `y: (n, d)`. Afterwards [`Self::grad_k`] holds G.
    ///
    /// # Panics
    /// If `y` is not `(n, d)`.
    #[track_caller]
    pub fn evaluate(&mut self, y: &Matrix<f64>, fill: impl FnMut(&mut [f64])) -> Result<GpEval, GplvmError> {
        assert_shape("GpWorkspace::evaluate: y", y, (self.n, self.d));
        let jitter = self.factorise(fill)?;
        let log_likelihood = self.log_likelihood_from_factor(y);
        if !log_likelihood.is_finite() {
            return Err(GplvmError::NonFinite { value: log_likelihood });
        }
        self.gradient_from_factor();
        Ok(GpEval { log_likelihood, jitter })
    }

    /// G = ∂L/∂K after [`Self::evaluate`]: lower triangle, column-major `(n, n)`.
    pub fn grad_k(&self) -> &[f64] {
        &self.grad_k
    }

    /// The Cholesky factor `L` after [`Self::evaluate`]: lower triangle, column-major `(n, n)`
    /// (element `(i, j)` at `j·n + i`; the strict upper triangle holds whatever `fill` left there).
    pub fn cholesky_factor(&self) -> &[f64] {
        &self.factor
    }

    /// Factorises K (as written by `fill`) in place, retrying with growing jitter. Returns the jitter.
    fn factorise(&mut self, mut fill: impl FnMut(&mut [f64])) -> Result<f64, GplvmError> {
        let n = self.n;
        let mut jitter = 0.0;
        let mut base = 0.0;
        let mut last_pivot = 0;
        for attempt in 0..=self.jitter.max_retries {
            fill(&mut self.factor);
            if attempt == 0 {
                base = (0..n).map(|i| self.factor[i * n + i]).sum::<f64>() / n.max(1) as f64;
                if !base.is_finite() || base <= 0.0 {
                    base = 1.0;
                }
            } else {
                jitter = if attempt == 1 { base * self.jitter.initial_relative } else { jitter * self.jitter.growth };
                for i in 0..n {
                    self.factor[i * n + i] += jitter;
                }
            }
            match linalg::cholesky_in_place(&mut self.factor, n, &mut self.linalg) {
                Ok(()) => return Ok(jitter),
                Err(NotPositiveDefinite { pivot, .. }) => last_pivot = pivot,
            }
        }
        Err(GplvmError::NotPositiveDefinite { n, pivot: last_pivot, max_jitter: jitter })
    }

    /// L from the factor: −(ND/2) ln 2π − (D/2)·ln|K| − ½ Σ Y ⊙ K⁻¹Y. Leaves A = K⁻¹Y in `self.a`.
    fn log_likelihood_from_factor(&mut self, y: &Matrix<f64>) -> f64 {
        let (n, d) = (self.n, self.d);
        let log_det = linalg::log_det_from_factor(&self.factor, n);
        for (i, row) in y.row_iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                self.a[j * n + i] = v;
            }
        }
        linalg::solve_in_place(&self.factor, n, &mut self.a, self.linalg.par());
        let mut quad = 0.0;
        for (i, row) in y.row_iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                quad += v * self.a[j * n + i];
            }
        }
        let (nf, df) = (n as f64, d as f64);
        -0.5 * nf * df * Scalar::ln(2.0 * core::f64::consts::PI) - 0.5 * df * log_det - 0.5 * quad
    }

    /// G = ½(A·Aᵀ − D·K⁻¹) into `self.grad_k` (lower triangle).
    fn gradient_from_factor(&mut self) {
        let (n, d) = (self.n, self.d);
        linalg::inverse_from_factor(&self.factor, n, &mut self.grad_k, &mut self.linalg);
        let half_d = 0.5 * d as f64;
        for j in 0..n {
            for v in &mut self.grad_k[j * n + j..(j + 1) * n] {
                *v *= -half_d;
            }
        }
        linalg::rank_k_update_lower(&mut self.grad_k, n, &self.a, 0.5, self.linalg.par());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use handgrad_tensor::{gradcheck, init, tol};

    /// Writes the lower triangle of a full row-major symmetric matrix into a column-major buffer.
    fn fill_from(k: &Matrix<f64>) -> impl FnMut(&mut [f64]) + '_ {
        move |buf: &mut [f64]| {
            let n = k.rows();
            for j in 0..n {
                for i in j..n {
                    buf[j * n + i] = k.get(i, j);
                }
            }
        }
    }

    fn spd(n: usize, seed: u64) -> Matrix<f64> {
        let mut rng = init::rng_from_seed(seed);
        let b: Matrix<f64> = init::randn(n, n, 1.0, &mut rng);
        Matrix::from_fn(n, n, |i, j| {
            let s: f64 = (0..n).map(|k| b.get(i, k) * b.get(j, k)).sum();
            s / n as f64 + if i == j { 0.5 } else { 0.0 }
        })
    }

    /// Golden test: a 2×2 kernel and one output column, L from the explicit 2×2 inverse and determinant.
    #[test]
    fn two_by_two_matches_hand_formula() {
        let k = Matrix::from_rows(&[[2.0, 0.5], [0.5, 1.0]]);
        let y = Matrix::from_rows(&[[1.0], [-2.0]]);
        let det: f64 = 2.0 * 1.0 - 0.25;
        // K⁻¹ = [[1, −0.5], [−0.5, 2]] / det; yᵀK⁻¹y = (1·1 + 2·(−0.5)·1·(−2) + 4·2) / det.
        let quad = (1.0 + 2.0 + 8.0) / det;
        let expected = -(2.0 * std::f64::consts::PI).ln() - 0.5 * det.ln() - 0.5 * quad;
        let mut ws = GpWorkspace::new(2, 1, Par::Seq);
        let ev = ws.evaluate(&y, fill_from(&k)).unwrap();
        assert!((ev.log_likelihood - expected).abs() < 1e-12, "{} vs {expected}", ev.log_likelihood);
        assert_eq!(ev.jitter, 0.0);
    }

    /// ∂L/∂K against central differences, perturbing K symmetrically (so an off-diagonal pair moves
    /// together and its derivative is 2·G_ij, the diagonal G_ii).
    #[test]
    fn grad_k_matches_finite_differences() {
        let (n, d) = (6, 3);
        let k0 = spd(n, 1);
        let mut rng = init::rng_from_seed(2);
        let y: Matrix<f64> = init::randn(n, d, 1.0, &mut rng);
        let mut ws = GpWorkspace::new(n, d, Par::Seq);
        ws.evaluate(&y, fill_from(&k0)).unwrap();
        let g = ws.grad_k().to_vec();
        // Parameterise by the lower triangle only: symmetric perturbation.
        let analytic = Matrix::from_fn(n, n, |i, j| {
            if i < j {
                0.0
            } else if i == j {
                g[j * n + i]
            } else {
                2.0 * g[j * n + i]
            }
        });
        let mut ws2 = GpWorkspace::new(n, d, Par::Seq);
        let numeric = gradcheck::numeric_gradient(
            |p| {
                let k = Matrix::from_fn(n, n, |i, j| if i >= j { p.get(i, j) } else { p.get(j, i) });
                ws2.evaluate(&y, fill_from(&k)).unwrap().log_likelihood
            },
            &Matrix::from_fn(n, n, |i, j| if i >= j { k0.get(i, j) } else { 0.0 }),
            tol::FD_STEP,
        );
        gradcheck::assert_gradient("dL/dK", &analytic, &numeric, tol::GRAD_GP);
    }

    #[test]
    fn singular_matrix_is_rescued_by_jitter_and_reported() {
        // Rank-one K: the second pivot is exactly zero.
        let k = Matrix::from_rows(&[[1.0, 1.0], [1.0, 1.0]]);
        let y = Matrix::from_rows(&[[0.1], [0.2]]);
        let mut ws = GpWorkspace::new(2, 1, Par::Seq);
        let ev = ws.evaluate(&y, fill_from(&k)).unwrap();
        assert!(ev.jitter > 0.0 && ev.jitter < 1e-3, "jitter {}", ev.jitter);
    }

    #[test]
    fn indefinite_matrix_gives_typed_error() {
        let k = Matrix::from_rows(&[[1.0, 0.0], [0.0, -5.0]]);
        let y = Matrix::from_rows(&[[0.1], [0.2]]);
        let mut ws = GpWorkspace::new(2, 1, Par::Seq);
        let err = ws.evaluate(&y, fill_from(&k)).unwrap_err();
        assert!(matches!(err, GplvmError::NotPositiveDefinite { n: 2, pivot: 1, .. }), "{err:?}");
        let msg = alloc::format!("{err}");
        assert!(msg.contains("not positive definite") && msg.contains("noise variance"), "{msg}");
    }
}
