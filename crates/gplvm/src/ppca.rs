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

use faer::{Accum, Mat, Par, Side};
use handgrad_tensor::{Matrix, Scalar};

use crate::GplvmError;
use crate::linear::LinearKernel;

/// Subtracts each column's mean; returns the means `(d,)`.
pub fn center_columns(y: &mut Matrix<f64>) -> Vec<f64> {
    let (n, d) = y.shape();
    let mut means = alloc::vec![0.0; d];
    for row in y.row_iter() {
        means.iter_mut().zip(row).for_each(|(m, v)| *m += v);
    }
    means.iter_mut().for_each(|m| *m /= n.max(1) as f64);
    for i in 0..n {
        y.row_mut(i).iter_mut().zip(&means).for_each(|(v, m)| *v -= m);
    }
    means
}

/// Divides each column by its (population) standard deviation; constant columns are left alone.
/// Returns the standard deviations `(d,)`. Centre first.
pub fn scale_columns(y: &mut Matrix<f64>) -> Vec<f64> {
    let (n, d) = y.shape();
    let mut sd = alloc::vec![0.0; d];
    for row in y.row_iter() {
        sd.iter_mut().zip(row).for_each(|(s, v)| *s += v * v);
    }
    sd.iter_mut().for_each(|s| *s = Scalar::sqrt(*s / n.max(1) as f64));
    for i in 0..n {
        y.row_mut(i).iter_mut().zip(&sd).for_each(|(v, s)| *v /= if *s > 0.0 { *s } else { 1.0 });
    }
    sd
}

/// Top-`q` eigenpairs (descending) of the symmetric `m`, eigenvectors with their largest-magnitude
/// component made positive (a deterministic sign).
fn top_eigen(m: &Mat<f64>, q: usize) -> Result<(Vec<f64>, Mat<f64>), GplvmError> {
    let evd = m.self_adjoint_eigen(Side::Lower).map_err(|_| GplvmError::EigenFailed)?;
    let n = m.nrows();
    let s = evd.S().column_vector();
    let u = evd.U();
    let values: Vec<f64> = (0..n).rev().map(|i| s[i]).collect();
    let mut vectors = Mat::zeros(n, q);
    for c in 0..q {
        let src = n - 1 - c;
        let big = (0..n).map(|i| u[(i, src)]).fold(0.0, |b: f64, v| if v.abs() > b.abs() { v } else { b });
        let sign = if big < 0.0 { -1.0 } else { 1.0 };
        for i in 0..n {
            vectors[(i, c)] = sign * u[(i, src)];
        }
    }
    Ok((values, vectors))
}

/// PCA scores `(n, q)` of the centred `y: (n, d)` and the variances along the top `q` directions.
///
/// # Panics
/// If `q > d`.
#[track_caller]
pub fn pca(y: &Matrix<f64>, q: usize) -> Result<(Matrix<f64>, Vec<f64>), GplvmError> {
    let (n, d) = y.shape();
    assert!(q <= d, "pca: q = {q} exceeds the data dimension of y {:?}", y.shape());
    let mut yc = y.clone();
    center_columns(&mut yc);
    let mut cov = Mat::zeros(d, d);
    faer::linalg::matmul::matmul(
        cov.as_mut(),
        Accum::Replace,
        yc.as_faer().transpose(),
        yc.as_faer(),
        1.0 / n as f64,
        Par::Seq,
    );
    let (values, v) = top_eigen(&cov, q)?;
    let mut scores = Matrix::zeros(n, q);
    faer::linalg::matmul::matmul(scores.as_faer_mut(), Accum::Replace, yc.as_faer(), v.as_ref(), 1.0, Par::Seq);
    Ok((scores, values[..q].to_vec()))
}

/// The GP-LVM's starting point: PCA scores of `y: (n, d)` with each column scaled to unit variance.
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
/// dimensions, from the eigendecomposition of `Y·Yᵀ/D` (`(n, n)`, O(n³)).
///
/// # Panics
/// If `q >= n`.
#[track_caller]
pub fn dual_ppca(y: &Matrix<f64>, q: usize) -> Result<DualPpca, GplvmError> {
    let (n, d) = y.shape();
    assert!(q < n, "dual_ppca: q = {q} must be below the number of points of y {:?}", y.shape());
    let mut s = Mat::zeros(n, n);
    faer::linalg::matmul::matmul(
        s.as_mut(),
        Accum::Replace,
        y.as_faer(),
        y.as_faer().transpose(),
        1.0 / d as f64,
        Par::Seq,
    );
    let (lambda, u) = top_eigen(&s, q)?;
    let sigma2 = lambda[q..].iter().map(|v| v.max(0.0)).sum::<f64>() / (n - q) as f64;
    for (index, &value) in lambda[..q].iter().enumerate() {
        if value <= sigma2 {
            return Err(GplvmError::RankTooLow { q, sigma2, index, value });
        }
    }
    let x = Matrix::from_fn(n, q, |i, c| u[(i, c)] * Scalar::sqrt(lambda[c] - sigma2));
    let (nf, df) = (n as f64, d as f64);
    let log_det: f64 = lambda[..q].iter().map(|v| Scalar::ln(*v)).sum::<f64>() + (nf - q as f64) * Scalar::ln(sigma2);
    let log_likelihood = -0.5 * df * (nf * Scalar::ln(2.0 * core::f64::consts::PI) + log_det + nf);
    Ok(DualPpca { x, kernel: LinearKernel { alpha: 1.0, beta: 1.0 / sigma2 }, log_likelihood, eigenvalues: lambda })
}
