//! The Cholesky factorisation `K = L·Lᵀ` of a symmetric positive-definite `K: (n, n)`, in place,
//! and the log-determinant it gives (Golub & Van Loan 2013, *Matrix Computations*, §4.2):
//!
//! ```text
//! ln|K| = ln|L|² = 2·Σ_i ln L_ii
//! ```
//!
//! faer's blocked left-looking factorisation (`faer::linalg::cholesky::llt::factor`) does the work;
//! faer has no log-determinant, so it is summed here from the factor's diagonal.
//! Storage: column-major `(n, n)`, lower triangle only (see [`crate::linalg`]).

use faer::linalg::cholesky::llt::factor::{self, LltError};

use super::{NotPositiveDefinite, Workspace, col_major_mut};
use crate::Scalar;

/// Overwrites the lower triangle of the symmetric positive-definite `a` with its Cholesky factor
/// `L` (`K = L·Lᵀ`, `L` lower triangular with a positive diagonal). Runs on `ws.par()`.
///
/// `a`: column-major `(n, n)` (`a.len() == n·n`), element `(i, j)` at `j·n + i`; only the lower
/// triangle (`i ≥ j`) is read and written, the strict upper triangle is left as it was.
///
/// # Errors
/// [`NotPositiveDefinite`] with the index of the first pivot that is not positive (the matrix is
/// not positive definite, or holds NaN/∞). The lower triangle is then partly overwritten: refill
/// it before retrying (e.g. with jitter on the diagonal).
///
/// # Panics
/// If `a.len() != n·n` or `ws` serves matrices smaller than `n`.
#[track_caller]
pub fn cholesky_in_place(a: &mut [f64], n: usize, ws: &mut Workspace) -> Result<(), NotPositiveDefinite> {
    let par = ws.par();
    let view = col_major_mut("cholesky_in_place: a", a, n, n);
    let res =
        factor::cholesky_in_place(view, Default::default(), par, ws.stack("cholesky_in_place", n), Default::default());
    crate::cpu::zero_upper();
    match res {
        Ok(_) => Ok(()),
        Err(LltError::NonPositivePivot { index }) => Err(NotPositiveDefinite { n, pivot: index }),
    }
}

/// `ln|K| = 2·Σ_i ln L_ii` from the Cholesky factor `l` of `K` (as left by [`cholesky_in_place`]).
///
/// `l`: column-major `(n, n)`; only the diagonal is read. Returns 0 for `n = 0`.
///
/// # Panics
/// If `l.len() != n·n`.
#[track_caller]
pub fn log_det_from_factor(l: &[f64], n: usize) -> f64 {
    assert!(l.len() == n * n, "log_det_from_factor: {} elements cannot form an ({n}, {n}) factor", l.len());
    let half: f64 = (0..n).map(|i| Scalar::ln(l[i * n + i])).sum();
    2.0 * half
}
