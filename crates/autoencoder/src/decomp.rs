//! Thin wrappers over faer's symmetric eigendecomposition and SVD with an explicit [`Par`].
//!
//! `Mat::self_adjoint_eigen` / `Mat::thin_svd` read faer's *global* thread setting; these call the
//! same routines (`faer::linalg::evd::self_adjoint_evd`, `faer::linalg::svd::svd`) with the caller's
//! `Par`, so the oracle's thread count is explicit like everything else in handgrad.

use alloc::vec::Vec;

use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{ComputeEigenvectors, self_adjoint_evd, self_adjoint_evd_scratch};
use faer::linalg::svd::{ComputeSvdVectors, svd, svd_scratch};
use faer::{Mat, MatRef, Par};

use crate::PcaError;

/// Eigen-decomposition of the symmetric `a: (n, n)` (only its lower triangle is read).
/// Returns the eigenvalues in **descending** order and the matching unit eigenvectors as the
/// columns of an `(n, n)` matrix.
pub(crate) fn sym_eigen_desc(a: MatRef<'_, f64>, par: Par) -> Result<(Vec<f64>, Mat<f64>), PcaError> {
    let n = a.nrows();
    let mut s = Diag::<f64>::zeros(n);
    let mut u = Mat::<f64>::zeros(n, n);
    let req = self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::Yes, par, Default::default());
    let mut mem = MemBuffer::new(req);
    self_adjoint_evd(a, s.as_mut(), Some(u.as_mut()), par, MemStack::new(&mut mem), Default::default())
        .map_err(|_| PcaError::NoConvergence { what: "symmetric eigendecomposition", rows: n, cols: n })?;
    // faer sorts ascending; reverse both.
    let values: Vec<f64> = (0..n).rev().map(|k| s[k]).collect();
    let vectors = Mat::from_fn(n, n, |i, k| u[(i, n - 1 - k)]);
    Ok((values, vectors))
}

/// Singular values of `a: (r, c)`, descending.
pub(crate) fn singular_values(a: MatRef<'_, f64>, par: Par) -> Result<Vec<f64>, PcaError> {
    let (r, c) = a.shape();
    let mut s = Diag::<f64>::zeros(r.min(c));
    let req = svd_scratch::<f64>(r, c, ComputeSvdVectors::No, ComputeSvdVectors::No, par, Default::default());
    let mut mem = MemBuffer::new(req);
    svd(a, s.as_mut(), None, None, par, MemStack::new(&mut mem), Default::default())
        .map_err(|_| PcaError::NoConvergence { what: "singular value decomposition", rows: r, cols: c })?;
    Ok((0..r.min(c)).map(|k| s[k]).collect())
}

/// An orthonormal basis of the column span of `a: (r, c)` with `r ≥ c`: the thin SVD's `U`, `(r, c)`,
/// and the singular values (descending), which tell whether `a` has full column rank.
pub(crate) fn column_basis(a: MatRef<'_, f64>, par: Par) -> Result<(Mat<f64>, Vec<f64>), PcaError> {
    let (r, c) = a.shape();
    assert!(r >= c, "column_basis: a ({r}, {c}) must have at least as many rows as columns");
    let mut s = Diag::<f64>::zeros(c);
    let mut u = Mat::<f64>::zeros(r, c);
    let mut v = Mat::<f64>::zeros(c, c);
    let req = svd_scratch::<f64>(r, c, ComputeSvdVectors::Thin, ComputeSvdVectors::Thin, par, Default::default());
    let mut mem = MemBuffer::new(req);
    svd(a, s.as_mut(), Some(u.as_mut()), Some(v.as_mut()), par, MemStack::new(&mut mem), Default::default())
        .map_err(|_| PcaError::NoConvergence { what: "singular value decomposition", rows: r, cols: c })?;
    Ok((u, (0..c).map(|k| s[k]).collect()))
}
