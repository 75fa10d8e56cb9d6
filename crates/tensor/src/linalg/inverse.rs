//! `K⁻¹` from the Cholesky factor `K = L·Lᵀ` (Golub & Van Loan 2013, §4.2; LAPACK's `dpotri`):
//!
//! ```text
//! K⁻¹ = L⁻ᵀ·L⁻¹
//! ```
//!
//! faer's `llt::inverse` inverts `L` (a triangular inverse, ≈ n³/3 flops) and forms the lower
//! triangle of `L⁻ᵀ·L⁻¹` with a triangular product (≈ n³/3 flops): about a third of the work of
//! solving against the identity. Storage: column-major `(n, n)`, lower triangles only (see
//! [`crate::linalg`]).

use faer::linalg::cholesky::llt::inverse;

use super::{Workspace, col_major, col_major_mut};

/// Writes the lower triangle of `K⁻¹` into `out`, from the Cholesky factor `l` of `K`. Runs on
/// `ws.par()`; its `(n, n)` temporary comes from `ws`.
///
/// `l`: column-major `(n, n)`, lower triangle read (e.g. from [`super::cholesky_in_place`]);
/// `out`: column-major `(n, n)`; its lower triangle (`i ≥ j`) is overwritten, its strict upper
/// triangle is left as it was.
///
/// # Panics
/// If `l` or `out` is not `n·n` long, or `ws` serves matrices smaller than `n`.
#[track_caller]
pub fn inverse_from_factor(l: &[f64], n: usize, out: &mut [f64], ws: &mut Workspace) {
    let par = ws.par();
    let l = col_major("inverse_from_factor: l", l, n, n);
    let out = col_major_mut("inverse_from_factor: out", out, n, n);
    inverse::inverse(out, l, par, ws.stack("inverse_from_factor", n));
    crate::cpu::zero_upper();
}
