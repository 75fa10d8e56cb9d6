//! The symmetric rank-k update of a lower triangle (BLAS `dsyrk`, lower, no transpose):
//!
//! ```text
//! C ← C + α·A·Aᵀ,   C: (n, n) symmetric,  A: (n, k)
//! ```
//!
//! Only the lower triangle of `C` is computed (half the flops of the full product): faer's
//! triangular matrix product (`faer::linalg::matmul::triangular::matmul`) with a lower-triangular
//! destination. The GP-LVM forms `∂L/∂K = ½·(A·Aᵀ − D·K⁻¹)` this way without ever building `Y·Yᵀ`.
//! Storage: column-major, see [`crate::linalg`].

use faer::Accum;
use faer::linalg::matmul::triangular::{BlockStructure, matmul};

use super::{col_major, col_major_mut, rhs_cols};
use crate::Par;

/// `C ← C + α·A·Aᵀ` on the lower triangle of `c`.
///
/// `c`: column-major `(n, n)`; its lower triangle (`i ≥ j`) is read and updated, its strict upper
/// triangle is left as it was. `a`: column-major `(n, k)` with `k = a.len() / n`.
///
/// # Panics
/// If `c.len() != n·n` or `a.len()` is not a multiple of `n`.
#[track_caller]
pub fn rank_k_update_lower(c: &mut [f64], n: usize, a: &[f64], alpha: f64, par: Par) {
    let k = rhs_cols("rank_k_update_lower: a", n, a.len());
    let a = col_major("rank_k_update_lower: a", a, n, k);
    let c = col_major_mut("rank_k_update_lower: c", c, n, n);
    matmul(
        c,
        BlockStructure::TriangularLower,
        Accum::Add,
        a,
        BlockStructure::Rectangular,
        a.transpose(),
        BlockStructure::Rectangular,
        alpha,
        par,
    );
    crate::cpu::zero_upper();
}
