//! `inv`, `det` and `logdet` of a general square matrix, from one LU factorisation with partial
//! pivoting (`PA = LU`; Golub & Van Loan, *Matrix Computations*, 4th ed., §3.4): faer's kernels on
//! the caller's `Par`, `zero_upper()` after each call.
//!
//! - `det A = (−1)^t · Π U_ii` with `t` the number of row transpositions;
//! - `logdet A = Σ ln |U_ii|` when `det A > 0`, `−∞` when `det A = 0`, NaN when `det A < 0`
//!   (no real logarithm; the judge then draws another point);
//! - `inv A = U⁻¹ L⁻¹ P` (a singular `A` gives non-finite entries, never a panic).
//!
//! Each call factors afresh and allocates (used for small matrices, e.g. by the gradient checker;
//! symmetric positive-definite systems go through [`super::cholesky`]). Rows are samples:
//! `a: (n, n)` row-major.

use alloc::vec;
use alloc::vec::Vec;

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::lu::partial_pivoting::{factor, inverse};
use faer::{Mat, Par};

use crate::Matrix;
use crate::cpu::zero_upper;

/// `P·A = L·U` of a square matrix, in faer's packed form.
struct Lu {
    factors: Mat<f64>,
    fwd: Vec<usize>,
    bwd: Vec<usize>,
    transpositions: usize,
}

/// Factors `a: (n, n)`.
///
/// # Panics
/// If `a` is not square (the shape checker rules that out).
fn lu(a: &Matrix<f64>, par: Par) -> Lu {
    let n = a.rows();
    assert_eq!(a.rows(), a.cols(), "LU of a non-square {}×{} matrix", a.rows(), a.cols());
    let mut factors = Mat::from_fn(n, n, |i, j| a.get(i, j));
    let (mut fwd, mut bwd) = (vec![0usize; n], vec![0usize; n]);
    let req = factor::lu_in_place_scratch::<usize, f64>(n, n, par, Default::default());
    let mut mem = MemBuffer::new(req);
    let (info, _) =
        factor::lu_in_place(factors.as_mut(), &mut fwd, &mut bwd, par, MemStack::new(&mut mem), Default::default());
    zero_upper();
    Lu { factors, fwd, bwd, transpositions: info.transposition_count }
}

/// `det a` for `a: (n, n)` (1 for `n = 0`).
///
/// # Panics
/// If `a` is not square.
#[track_caller]
pub fn det(a: &Matrix<f64>, par: Par) -> f64 {
    let f = lu(a, par);
    let prod: f64 = (0..a.rows()).map(|i| f.factors[(i, i)]).product();
    if f.transpositions.is_multiple_of(2) { prod } else { -prod }
}

/// `ln det a` for `a: (n, n)`: NaN when `det a < 0`, `−∞` when `a` is singular.
///
/// # Panics
/// If `a` is not square.
#[track_caller]
pub fn logdet(a: &Matrix<f64>, par: Par) -> f64 {
    let f = lu(a, par);
    let mut negative = !f.transpositions.is_multiple_of(2);
    let mut sum = 0.0;
    for i in 0..a.rows() {
        let u = f.factors[(i, i)];
        negative ^= u < 0.0;
        sum += crate::Scalar::ln(u.abs());
    }
    if negative && sum > f64::NEG_INFINITY { f64::NAN } else { sum }
}

/// `a⁻¹` for `a: (n, n)`; non-finite entries when `a` is singular.
///
/// # Panics
/// If `a` is not square.
#[track_caller]
pub fn inv(a: &Matrix<f64>, par: Par) -> Matrix<f64> {
    let n = a.rows();
    let f = lu(a, par);
    let perm = faer::perm::PermRef::new_checked(&f.fwd, &f.bwd, n);
    let mut out = Mat::<f64>::zeros(n, n);
    let mut mem = MemBuffer::new(StackReq::any_of(&[inverse::inverse_scratch::<usize, f64>(n, par)]));
    inverse::inverse(out.as_mut(), f.factors.as_ref(), f.factors.as_ref(), perm, par, MemStack::new(&mut mem));
    zero_upper();
    Matrix::from_fn(n, n, |i, j| out[(i, j)])
}
