//! The singular value decomposition `A = U·diag(σ)·Vᵀ` (Golub & Van Loan 2013, §8.6: Householder
//! bidiagonalisation, then an iterative bidiagonal SVD; faer's `linalg::svd::svd`):
//!
//! - [`singular_values`]: `σ_1 ≥ … ≥ σ_min(r,c) ≥ 0`;
//! - [`column_basis`]: the thin SVD's `U: (r, c)` for `r ≥ c`, an orthonormal basis of the column
//!   span of `A` when `A` has full column rank (Björck & Golub 1973 compute principal angles from
//!   such bases).

use alloc::vec::Vec;

use faer::Mat;
use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{ComputeSvdVectors, svd, svd_scratch};

use super::NoConvergence;
use crate::{Matrix, Par};

/// What the SVD reports when it fails.
const WHAT: &str = "singular value decomposition";

/// The singular values of `a: (r, c)` (row-major), descending: `(min(r, c),)`. Runs on `par`.
///
/// # Errors
/// [`NoConvergence`] if the iteration does not converge (e.g. NaN in `a`).
pub fn singular_values(a: &Matrix<f64>, par: Par) -> Result<Vec<f64>, NoConvergence> {
    let (r, c) = a.shape();
    let mut s = Diag::<f64>::zeros(r.min(c));
    let req = svd_scratch::<f64>(r, c, ComputeSvdVectors::No, ComputeSvdVectors::No, par, Default::default());
    let mut mem = MemBuffer::new(req);
    let res = svd(a.as_faer(), s.as_mut(), None, None, par, MemStack::new(&mut mem), Default::default());
    crate::cpu::zero_upper();
    res.map_err(|_| NoConvergence { what: WHAT, rows: r, cols: c })?;
    Ok((0..r.min(c)).map(|k| s[k]).collect())
}

/// An orthonormal basis of a column span, from the thin SVD.
#[derive(Clone, Debug)]
pub struct ColumnBasis {
    /// The thin SVD's left singular vectors `U: (r, c)`, orthonormal columns (row-major storage).
    pub basis: Matrix<f64>,
    /// The singular values, descending `(c,)`: all positive exactly when `A` has full column rank,
    /// i.e. when `basis` spans the columns of `A`.
    pub singular_values: Vec<f64>,
}

/// The thin SVD's `U: (r, c)` and singular values of `a: (r, c)` (row-major) with `r ≥ c`, on `par`.
///
/// # Errors
/// [`NoConvergence`] if the iteration does not converge (e.g. NaN in `a`).
///
/// # Panics
/// If `a` has fewer rows than columns.
#[track_caller]
pub fn column_basis(a: &Matrix<f64>, par: Par) -> Result<ColumnBasis, NoConvergence> {
    let (r, c) = a.shape();
    assert!(r >= c, "column_basis: a{:?} must have at least as many rows as columns", a.shape());
    let mut s = Diag::<f64>::zeros(c);
    let mut u = Mat::<f64>::zeros(r, c);
    let mut v = Mat::<f64>::zeros(c, c);
    let req = svd_scratch::<f64>(r, c, ComputeSvdVectors::Thin, ComputeSvdVectors::Thin, par, Default::default());
    let mut mem = MemBuffer::new(req);
    let res = svd(
        a.as_faer(),
        s.as_mut(),
        Some(u.as_mut()),
        Some(v.as_mut()),
        par,
        MemStack::new(&mut mem),
        Default::default(),
    );
    crate::cpu::zero_upper();
    res.map_err(|_| NoConvergence { what: WHAT, rows: r, cols: c })?;
    Ok(ColumnBasis { basis: Matrix::from_faer(u.as_ref()), singular_values: (0..c).map(|k| s[k]).collect() })
}
