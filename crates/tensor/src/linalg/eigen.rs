//! The eigendecomposition of a symmetric matrix, `A = V·diag(λ)·Vᵀ` with `V` orthogonal
//! (Golub & Van Loan 2013, §8.3: Householder tridiagonalisation, then implicit QR on the
//! tridiagonal matrix; faer's `linalg::evd::self_adjoint_evd`).
//!
//! Returned in handgrad's order: eigenvalues **descending**, `λ_1 ≥ … ≥ λ_n` (faer sorts them
//! ascending), and each eigenvector with a deterministic sign — its largest-magnitude component
//! (the first one, on a tie) is made positive — so that PCA components, scores and the dual-PPCA
//! latent points do not flip from one platform or thread count to another.

use alloc::vec::Vec;

use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{ComputeEigenvectors, self_adjoint_evd, self_adjoint_evd_scratch};
use faer::{Mat, MatRef};

use super::NoConvergence;
use crate::{Matrix, Par};

/// The eigendecomposition `A = Σ_k λ_k·v_k·v_kᵀ` of a symmetric `(n, n)` matrix.
#[derive(Clone, Debug)]
pub struct SymEigen {
    /// `λ_1 ≥ … ≥ λ_n`: `(n,)`.
    pub values: Vec<f64>,
    /// Row `k` is the unit eigenvector `v_{k+1}` of `values[k]`, its largest-magnitude component
    /// positive: `(n, n)`.
    pub vectors: Matrix<f64>,
}

/// The eigendecomposition of the symmetric `a: (n, n)` (row-major; only its lower triangle is read),
/// on `par`. Allocates its result and faer's scratch.
///
/// # Errors
/// [`NoConvergence`] if the lower triangle of `a` holds NaN or ∞ (faer would return NaN
/// eigenvalues without complaint), or if the QR iteration does not converge.
///
/// # Panics
/// If `a` is not square.
#[track_caller]
pub fn sym_eigen(a: &Matrix<f64>, par: Par) -> Result<SymEigen, NoConvergence> {
    assert!(a.rows() == a.cols(), "sym_eigen: a{:?} is not square", a.shape());
    let n = a.rows();
    let failed = NoConvergence { what: "symmetric eigendecomposition", rows: n, cols: n };
    if !(0..n).all(|i| a.row(i)[..=i].iter().all(|v| v.is_finite())) {
        return Err(failed);
    }
    let mut s = Diag::<f64>::zeros(n);
    let mut u = Mat::<f64>::zeros(n, n);
    let mut mem = MemBuffer::new(self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::Yes, par, Default::default()));
    let res =
        self_adjoint_evd(a.as_faer(), s.as_mut(), Some(u.as_mut()), par, MemStack::new(&mut mem), Default::default());
    crate::cpu::zero_upper();
    res.map_err(|_| failed)?;
    let values = (0..n).rev().map(|k| s[k]).collect();
    let mut vectors = Matrix::zeros(n, n);
    for k in 0..n {
        copy_signed(vectors.row_mut(k), u.as_ref(), n - 1 - k);
    }
    Ok(SymEigen { values, vectors })
}

/// Copies column `col` of `u` into `dst`, negated if its largest-magnitude component is negative.
fn copy_signed(dst: &mut [f64], u: MatRef<'_, f64>, col: usize) {
    let big = (0..u.nrows()).map(|i| u[(i, col)]).fold(0.0, |b: f64, v| if v.abs() > b.abs() { v } else { b });
    let sign = if big < 0.0 { -1.0 } else { 1.0 };
    for (i, d) in dst.iter_mut().enumerate() {
        *d = sign * u[(i, col)];
    }
}
