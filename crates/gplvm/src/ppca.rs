//! PCA (the GP-LVM's initialisation) and the closed-form optimum of the linear GP-LVM, dual
//! probabilistic PCA (Lawrence 2005, §3.2; Tipping & Bishop 1999).
//!
//! **PCA init** (GPy's `initialize_latent('PCA')`): centre `Y: (n, d)`, take the top `q`
//! eigenvectors `V_q` of `YcᵀYc/n`, scores `X = Yc·V_q`, each column scaled to unit variance.
//!
//! **Dual PPCA.** For `K = α·XXᵀ + β⁻¹·I`, let `S = Y·Yᵀ/D` have eigenvalues `λ₁ ≥ … ≥ λ_n` and
//! eigenvectors `U`. The likelihood is maximised (with α = 1) by
//!
//! ```text
//! σ² = β⁻¹ = Σ_{j>q} λ_j / (n − q),      X = U_q·(Λ_q − σ²·I)^{1/2}   (up to a rotation)
//! ```
//!
//! so `K` has eigenvalues `λ_1..λ_q` and `σ²` (n − q times), `tr(K⁻¹S) = n`, and
//!
//! ```text
//! L* = −(D/2)·( n·ln 2π + Σ_{j≤q} ln λ_j + (n − q)·ln σ² + n ).
//! ```

use alloc::vec::Vec;

use handgrad_tensor::gemm::matmul_nt;
use handgrad_tensor::linalg::sym_eigen;
use handgrad_tensor::pca::Pca;
use handgrad_tensor::stats::{center_columns, scale_columns};
use handgrad_tensor::{Accum, Matrix, Par, Scalar, ops};

use crate::GplvmError;
use crate::linear::LinearKernel;

/// PCA scores `(n, q)` of `y: (n, d)` after centring it (a copy), and the variances along the top
/// `q` directions `(q,)`: [`handgrad_tensor::pca::Pca`] of the centred data, on one thread.
///
/// # Errors
/// [`GplvmError::EigenFailed`] if the eigendecomposition fails (NaN/∞ in `y`).
///
/// # Panics
/// If `q > d` or `y` has no rows.
#[track_caller]
pub fn pca(y: &Matrix<f64>, q: usize) -> Result<(Matrix<f64>, Vec<f64>), GplvmError> {
    assert!(q <= y.cols(), "pca: q = {q} exceeds the data dimension of y {:?}", y.shape());
    let mut yc = y.clone();
    center_columns(&mut yc);
    let fitted = Pca::fit(&yc, Par::Seq).map_err(|_| GplvmError::EigenFailed)?;
    Ok((fitted.scores(&yc, q, Par::Seq), fitted.eigenvalues()[..q].to_vec()))
}

/// The GP-LVM's starting point: PCA scores `(n, q)` of `y: (n, d)` ([`pca`]) with each column
/// scaled to unit variance.
///
/// # Errors
/// As [`pca`].
pub fn pca_init(y: &Matrix<f64>, q: usize) -> Result<Matrix<f64>, GplvmError> {
    let (mut x, _) = pca(y, q)?;
    scale_columns(&mut x);
    Ok(x)
}

/// The closed-form maximum of the linear GP-LVM.
#[derive(Clone, Debug)]
pub struct DualPpca {
    /// Optimal latent points `(n, q)` (for α = 1).
    pub x: Matrix<f64>,
    /// The optimal kernel: α = 1, β = 1/σ².
    pub kernel: LinearKernel,
    /// The maximum log-likelihood L*.
    pub log_likelihood: f64,
    /// All eigenvalues of `Y·Yᵀ/D`, descending `(n,)`.
    pub eigenvalues: Vec<f64>,
}

/// Dual PPCA of `y: (n, d)` (used as given; centre it to match a zero-mean GP) with `q` latent
/// dimensions, from the eigendecomposition of `Y·Yᵀ/D` (`(n, n)`, O(n³), on one thread).
///
/// # Errors
/// [`GplvmError::EigenFailed`] if the eigendecomposition fails (NaN/∞ in `y`);
/// [`GplvmError::RankTooLow`] if a leading eigenvalue does not exceed the noise variance.
///
/// # Panics
/// If `q >= n`.
#[track_caller]
pub fn dual_ppca(y: &Matrix<f64>, q: usize) -> Result<DualPpca, GplvmError> {
    let (n, d) = y.shape();
    assert!(q < n, "dual_ppca: q = {q} must be below the number of points of y {:?}", y.shape());
    let mut s = Matrix::zeros(n, n);
    matmul_nt(&mut s, y, y, Accum::Replace, Par::Seq);
    ops::scale(&mut s, 1.0 / d as f64);
    let eigen = sym_eigen(&s, Par::Seq).map_err(|_| GplvmError::EigenFailed)?;
    let (lambda, u) = (eigen.values, eigen.vectors); // row c of u: eigenvector c
    let sigma2 = lambda[q..].iter().map(|v| v.max(0.0)).sum::<f64>() / (n - q) as f64;
    for (index, &value) in lambda[..q].iter().enumerate() {
        if value <= sigma2 {
            return Err(GplvmError::RankTooLow { q, sigma2, index, value });
        }
    }
    let x = Matrix::from_fn(n, q, |i, c| u.get(c, i) * Scalar::sqrt(lambda[c] - sigma2));
    let (nf, df) = (n as f64, d as f64);
    let log_det: f64 = lambda[..q].iter().map(|v| Scalar::ln(*v)).sum::<f64>() + (nf - q as f64) * Scalar::ln(sigma2);
    let log_likelihood = -0.5 * df * (nf * Scalar::ln(2.0 * core::f64::consts::PI) + log_det + nf);
    Ok(DualPpca { x, kernel: LinearKernel { alpha: 1.0, beta: 1.0 / sigma2 }, log_likelihood, eigenvalues: lambda })
}
