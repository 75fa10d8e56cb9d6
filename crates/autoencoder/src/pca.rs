//! The PCA oracle: what a perfectly trained tied linear autoencoder must reach.
//!
//! For data `X: (N, n)` let `C = XᵀX / N` be its second-moment matrix (the covariance when `X` is
//! centred) with eigenvalues `λ_1 ≥ … ≥ λ_n` and unit eigenvectors `u_1, …, u_n`. The tied linear
//! loss is `L(W) = ½ tr((WᵀW − I) C (WᵀW − I))`, and its global minimum over `W: (m, n)` is reached
//! exactly when `WᵀW` is the orthogonal projector onto `span(u_1..u_m)` (Baldi & Hornik 1989;
//! Eckart–Young), i.e. `W = Q U_mᵀ` with `Q` orthogonal. Then
//!
//! - the loss is `L* = ½ Σ_{j>m} λ_j`;
//! - `row-span(W) = span(u_1..u_m)`: every principal angle between them is 0;
//! - `W Wᵀ = I_m`;
//! - the eigenvalues of `W C Wᵀ` are `λ_1..λ_m`.
//!
//! [`Pca::compare`] measures all four for a trained `W`. Principal angles follow Björck & Golub
//! (1973) and Knyazev & Argentati (2002): with orthonormal bases `Q_W` of row-span(W) and `U_m`,
//! the cosines are the singular values of `U_mᵀ Q_W` and the sines those of `Q_W − U_m U_mᵀ Q_W`;
//! `θ = atan2(sin, cos)` stays accurate for tiny angles, where `acos` of a cosine near 1 does not.
//!
//! `C`, its eigendecomposition and the components are handgrad-tensor's one PCA
//! ([`handgrad_tensor::pca::Pca`]); the SVDs and eigensolves here are [`handgrad_tensor::linalg`].

use alloc::vec::Vec;
use core::fmt;

use handgrad_tensor::gemm::{matmul, matmul_nt, matmul_tn};
use handgrad_tensor::linalg::{column_basis, singular_values, sym_eigen};
use handgrad_tensor::{Accum, Matrix, Par, Scalar, ops};

use crate::PcaError;

/// The PCA oracle of a data set: the eigendecomposition of its second-moment matrix `C = XᵀX / N`
/// (handgrad-tensor's [`handgrad_tensor::pca::Pca`]) and the measurements of a trained `W` against it.
#[derive(Clone, Debug)]
pub struct Pca {
    /// `C`, `λ_1 ≥ … ≥ λ_n` and the eigenvectors.
    pca: handgrad_tensor::pca::Pca,
    /// Threads for the factorisations and products.
    par: Par,
}

/// How a trained `W` compares with the PCA optimum (see the module docs).
#[derive(Clone, Debug)]
pub struct PcaComparison {
    /// `L(W) = ½ tr((WᵀW − I) C (WᵀW − I))`: the loss on the whole data the oracle was fitted to.
    pub loss: f64,
    /// `L* = ½ Σ_{j>m} λ_j`.
    pub optimal_loss: f64,
    /// The principal angles between row-span(W) and `span(u_1..u_m)`, ascending, in radians.
    pub principal_angles: Vec<f64>,
    /// `‖W Wᵀ − I‖_F`.
    pub orthonormality_error: f64,
    /// Eigenvalues of `W C Wᵀ`, descending.
    pub wcw_eigenvalues: Vec<f64>,
    /// `λ_1..λ_m`.
    pub top_eigenvalues: Vec<f64>,
}

impl PcaComparison {
    /// `(L − L*) / L*` (∞ or NaN when `L* = 0`).
    pub fn relative_gap(&self) -> f64 {
        (self.loss - self.optimal_loss) / self.optimal_loss
    }

    /// The largest principal angle, in radians.
    pub fn max_angle(&self) -> f64 {
        self.principal_angles.iter().copied().fold(0.0, f64::max)
    }

    /// `max_k |μ_k − λ_k| / λ_1` with `μ` the eigenvalues of `W C Wᵀ`.
    pub fn eigenvalue_error(&self) -> f64 {
        let scale = self.top_eigenvalues.first().copied().unwrap_or(1.0).abs().max(f64::MIN_POSITIVE);
        self.wcw_eigenvalues.iter().zip(&self.top_eigenvalues).map(|(a, b)| (a - b).abs() / scale).fold(0.0, f64::max)
    }
}

impl fmt::Display for PcaComparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "loss            {:.10e}", self.loss)?;
        writeln!(f, "PCA optimum     {:.10e}  (relative gap {:.3e})", self.optimal_loss, self.relative_gap())?;
        writeln!(f, "max angle       {:.3e} rad", self.max_angle())?;
        writeln!(f, "‖WWᵀ − I‖_F     {:.3e}", self.orthonormality_error)?;
        write!(f, "eig(WCWᵀ) vs λ  max |μ−λ|/λ₁ = {:.3e}", self.eigenvalue_error())
    }
}

impl Pca {
    /// Fits the oracle to the data `x: (N, n)` exactly as fed to the autoencoder: `C = XᵀX / N`
    /// (no centring here; centre `x` first if you want the covariance). Accumulates in `f64`
    /// ([`handgrad_tensor::pca::Pca::fit`]).
    ///
    /// # Panics
    /// If `x` has no rows.
    ///
    /// # Errors
    /// [`PcaError::NoConvergence`] if the eigensolver fails (e.g. NaN in the data).
    #[track_caller]
    pub fn fit<T: Scalar>(x: &Matrix<T>, par: Par) -> Result<Self, PcaError> {
        Ok(Self { pca: handgrad_tensor::pca::Pca::fit(x, par)?, par })
    }

    /// The oracle for a given symmetric positive semi-definite `c: (n, n)`.
    ///
    /// # Errors
    /// [`PcaError::NoConvergence`] if the eigensolver fails.
    #[track_caller]
    pub fn from_second_moment(c: Matrix<f64>, par: Par) -> Result<Self, PcaError> {
        Ok(Self { pca: handgrad_tensor::pca::Pca::from_second_moment(c, par)?, par })
    }

    /// Data dimension `n`.
    pub fn dim(&self) -> usize {
        self.pca.dim()
    }

    /// `λ_1 ≥ … ≥ λ_n`.
    pub fn eigenvalues(&self) -> &[f64] {
        self.pca.eigenvalues()
    }

    /// `C = XᵀX / N`, `(n, n)`.
    pub fn second_moment(&self) -> &Matrix<f64> {
        self.pca.second_moment()
    }

    /// The top-`m` eigenvectors as rows, `(m, n)`: an optimal `W` (each with its largest-magnitude
    /// component positive).
    #[track_caller]
    pub fn components(&self, m: usize) -> Matrix<f64> {
        self.pca.components(m)
    }

    /// The optimal loss with `m` code units: `½ Σ_{j>m} λ_j`.
    #[track_caller]
    pub fn optimal_loss(&self, m: usize) -> f64 {
        assert!(m <= self.dim(), "Pca::optimal_loss: m = {m} > n = {}", self.dim());
        0.5 * self.eigenvalues()[m..].iter().sum::<f64>()
    }

    /// The loss of `w: (m, n)` on the fitted data, from `C` alone (no pass over `X`):
    /// `½ tr C − tr(W C Wᵀ) + ½ tr((W Wᵀ)(W C Wᵀ))`, which expands `½ tr((WᵀW − I) C (WᵀW − I))`.
    #[track_caller]
    pub fn loss<T: Scalar>(&self, w: &Matrix<T>) -> f64 {
        let w = self.checked_w64("Pca::loss", w);
        let (wcw, wwt) = self.wcw_and_wwt(&w);
        let tr_c: f64 = (0..self.dim()).map(|i| self.second_moment().get(i, i)).sum();
        let tr_wcw: f64 = (0..w.rows()).map(|i| wcw.get(i, i)).sum();
        0.5 * tr_c - tr_wcw + 0.5 * ops::dot(&wwt, &wcw)
    }

    /// Measures `w: (m, n)` against the optimum: loss, principal angles, `‖WWᵀ − I‖_F`, and the
    /// eigenvalues of `W C Wᵀ` against `λ_1..λ_m`.
    ///
    /// # Errors
    /// [`PcaError::NoConvergence`] if an SVD or eigensolve fails (e.g. NaN in `w`).
    #[track_caller]
    pub fn compare<T: Scalar>(&self, w: &Matrix<T>) -> Result<PcaComparison, PcaError> {
        let w64 = self.checked_w64("Pca::compare", w);
        let m = w64.rows();
        let (wcw, mut wwt) = self.wcw_and_wwt(&w64);
        for i in 0..m {
            wwt.set(i, i, wwt.get(i, i) - 1.0);
        }
        let wcw_eigenvalues = sym_eigen(&wcw, self.par)?.values;
        Ok(PcaComparison {
            loss: self.loss(&w64),
            optimal_loss: self.optimal_loss(m),
            principal_angles: self.principal_angles(&w64)?,
            orthonormality_error: ops::sum_squares(&wwt).sqrt(),
            wcw_eigenvalues,
            top_eigenvalues: self.eigenvalues()[..m].to_vec(),
        })
    }

    /// Principal angles between row-span(`w`) and the top-`m` eigenvectors, ascending (module docs).
    fn principal_angles(&self, w: &Matrix<f64>) -> Result<Vec<f64>, PcaError> {
        let m = w.rows();
        let top = self.components(m); // U_mᵀ: (m, n)
        let qw = column_basis(&w.transpose(), self.par)?.basis; // Q_W: (n, m)
        let mut cross = Matrix::zeros(m, m); // U_mᵀ Q_W
        matmul(&mut cross, &top, &qw, Accum::Replace, self.par);
        let mut resid = qw.clone(); // Q_W − U_m (U_mᵀ Q_W)
        let mut proj = Matrix::zeros(qw.rows(), m);
        matmul_tn(&mut proj, &top, &cross, Accum::Replace, self.par);
        ops::axpy(&mut resid, -1.0, &proj);
        let cosines = singular_values(&cross, self.par)?; // descending
        let sines = singular_values(&resid, self.par)?; // descending
        Ok(cosines.iter().zip(sines.iter().rev()).map(|(&c, &s)| libm::atan2(s, c)).collect())
    }

    /// `(W C Wᵀ, W Wᵀ)`, both `(m, m)`.
    fn wcw_and_wwt(&self, w: &Matrix<f64>) -> (Matrix<f64>, Matrix<f64>) {
        let (m, n) = w.shape();
        let mut wc = Matrix::zeros(m, n);
        matmul(&mut wc, w, self.second_moment(), Accum::Replace, self.par);
        let mut wcw = Matrix::zeros(m, m);
        matmul_nt(&mut wcw, &wc, w, Accum::Replace, self.par);
        let mut wwt = Matrix::zeros(m, m);
        matmul_nt(&mut wwt, w, w, Accum::Replace, self.par);
        (wcw, wwt)
    }

    #[track_caller]
    fn checked_w64<T: Scalar>(&self, what: &str, w: &Matrix<T>) -> Matrix<f64> {
        assert!(
            w.cols() == self.dim() && w.rows() <= self.dim(),
            "{what}: W{:?} does not fit data of dimension {}",
            w.shape(),
            self.dim()
        );
        w.cast()
    }
}
