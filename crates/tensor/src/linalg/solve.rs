//! Solves with a Cholesky factor `K = L·Lᵀ` (Golub & Van Loan 2013, §3.1 and §4.2), in place on a
//! right-hand side `B: (n, k)`:
//!
//! ```text
//! L⁻¹·B     forward substitution            (solve_lower_in_place)
//! L⁻ᵀ·B     back substitution with Lᵀ       (solve_lower_transpose_in_place)
//! K⁻¹·B  =  L⁻ᵀ·(L⁻¹·B)                     (solve_in_place)
//! ```
//!
//! faer's blocked triangular solves (`faer::linalg::triangular_solve`) do the work; the `K⁻¹·B`
//! order is that of faer's own `llt::solve`. Storage: the factor is column-major `(n, n)`, lower
//! triangle read only; `B` is column-major `(n, k)`, `k = b.len() / n` (see [`crate::linalg`]).

use faer::linalg::triangular_solve;

use super::{col_major, col_major_mut, rhs_cols};
use crate::Par;

/// `B ← L⁻¹·B`: forward substitution with the lower-triangular factor `l`.
///
/// `l`: column-major `(n, n)`, lower triangle read (e.g. from [`super::cholesky_in_place`]);
/// `b`: column-major `(n, k)` with `k = b.len() / n`.
///
/// # Panics
/// If `l.len() != n·n` or `b.len()` is not a multiple of `n`.
#[track_caller]
pub fn solve_lower_in_place(l: &[f64], n: usize, b: &mut [f64], par: Par) {
    let k = rhs_cols("solve_lower_in_place: b", n, b.len());
    let l = col_major("solve_lower_in_place: l", l, n, n);
    triangular_solve::solve_lower_triangular_in_place(l, col_major_mut("solve_lower_in_place: b", b, n, k), par);
    crate::cpu::zero_upper();
}

/// `B ← L⁻ᵀ·B`: back substitution with the transpose of the lower-triangular factor `l`.
///
/// `l`: column-major `(n, n)`, lower triangle read; `b`: column-major `(n, k)` with `k = b.len() / n`.
///
/// # Panics
/// If `l.len() != n·n` or `b.len()` is not a multiple of `n`.
#[track_caller]
pub fn solve_lower_transpose_in_place(l: &[f64], n: usize, b: &mut [f64], par: Par) {
    let k = rhs_cols("solve_lower_transpose_in_place: b", n, b.len());
    let lt = col_major("solve_lower_transpose_in_place: l", l, n, n).transpose();
    triangular_solve::solve_upper_triangular_in_place(
        lt,
        col_major_mut("solve_lower_transpose_in_place: b", b, n, k),
        par,
    );
    crate::cpu::zero_upper();
}

/// `B ← K⁻¹·B = L⁻ᵀ·(L⁻¹·B)` with the Cholesky factor `l` of `K`.
///
/// `l`: column-major `(n, n)`, lower triangle read; `b`: column-major `(n, k)` with `k = b.len() / n`.
///
/// # Panics
/// If `l.len() != n·n` or `b.len()` is not a multiple of `n`.
#[track_caller]
pub fn solve_in_place(l: &[f64], n: usize, b: &mut [f64], par: Par) {
    solve_lower_in_place(l, n, b, par);
    solve_lower_transpose_in_place(l, n, b, par);
}
