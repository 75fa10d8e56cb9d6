//! Dense linear algebra on faer, the one place handgrad calls faer's factorisations.
//!
//! - [`cholesky`]: `K = L·Lᵀ` in place, with a typed error on a non-positive pivot, and
//!   `ln|K| = 2·Σ ln L_ii` (faer has no log-determinant);
//! - [`solve`]: with the factor, `K⁻¹·B`, `L⁻¹·B` and `L⁻ᵀ·B` in place;
//! - [`inverse`]: `K⁻¹` (lower triangle) from the factor;
//! - [`rank_update`]: the symmetric rank-k update `C += α·A·Aᵀ` of a lower triangle;
//! - [`eigen`]: the symmetric eigendecomposition (eigenvalues descending, deterministic signs);
//! - [`svd`]: singular values and the thin-SVD basis of a column span;
//! - [`lu`]: `det`, `ln det` and the inverse of a general square matrix (partial pivoting);
//! - [`Workspace`]: faer's scratch memory and the thread choice, reused across calls.
//!
//! **Storage.** The Cholesky routines work on faer's native layout, so that the GP-LVM hands its
//! buffers over without a copy: an `(n, n)` matrix is a slice of length `n·n` in column-major order
//! (element `(i, j)` at `j·n + i`), of which only the lower triangle (`i ≥ j`) is read or written;
//! a right-hand side `B: (n, k)` is a column-major slice of length `n·k`. For a symmetric matrix the
//! lower triangle in column-major order is the upper triangle in row-major order, element for
//! element. The decompositions ([`eigen`], [`svd`]) take and return row-major [`crate::Matrix`]es:
//! they are not on a hot path and copy their input anyway.
//!
//! **Threads.** Every routine runs on an explicit [`Par`](crate::Par) (never faer's global setting): an
//! argument, or the [`Workspace`]'s for the routines that need scratch memory.
//!
//! **Vector state.** Every faer call is followed by [`crate::cpu::zero_upper`]: faer's kernels leave
//! the upper halves of the vector registers dirty, and the SSE code after them pays for it.
//!
//! Everything here is `f64`.
//!
//! ```
//! use handgrad_tensor::Par;
//! use handgrad_tensor::linalg::{Workspace, cholesky_in_place, log_det_from_factor, solve_in_place};
//!
//! // K = [[4, 2], [2, 3]] (column-major lower triangle; the upper element is not read), b = K·[1, 1].
//! let mut k = vec![4.0, 2.0, f64::NAN, 3.0];
//! let mut b = vec![6.0, 5.0];
//! let mut ws = Workspace::new(2, Par::Seq);
//! cholesky_in_place(&mut k, 2, &mut ws).unwrap();
//! assert!((log_det_from_factor(&k, 2) - 8.0f64.ln()).abs() < 1e-14);
//! solve_in_place(&k, 2, &mut b, Par::Seq);
//! assert!((b[0] - 1.0).abs() < 1e-14 && (b[1] - 1.0).abs() < 1e-14);
//! ```

pub mod cholesky;
pub mod eigen;
mod error;
pub mod inverse;
pub mod lu;
pub mod rank_update;
pub mod solve;
pub mod svd;
mod workspace;

pub use cholesky::{cholesky_in_place, log_det_from_factor};
pub use eigen::{SymEigen, sym_eigen};
pub use error::{NoConvergence, NotPositiveDefinite};
pub use inverse::inverse_from_factor;
pub use lu::{det, inv, logdet};
pub use rank_update::rank_k_update_lower;
pub use solve::{solve_in_place, solve_lower_in_place, solve_lower_transpose_in_place};
pub use svd::{ColumnBasis, column_basis, singular_values};
pub use workspace::Workspace;

use faer::{MatMut, MatRef};

/// A column-major `(rows, cols)` view of `data`.
///
/// # Panics
/// If `data.len() != rows · cols`; `what` names the caller and the argument.
#[track_caller]
fn col_major<'a>(what: &str, data: &'a [f64], rows: usize, cols: usize) -> MatRef<'a, f64> {
    assert!(data.len() == rows * cols, "{what}: {} elements cannot form a ({rows}, {cols}) matrix", data.len());
    MatRef::from_column_major_slice(data, rows, cols)
}

/// A mutable column-major `(rows, cols)` view of `data`.
///
/// # Panics
/// If `data.len() != rows · cols`; `what` names the caller and the argument.
#[track_caller]
fn col_major_mut<'a>(what: &str, data: &'a mut [f64], rows: usize, cols: usize) -> MatMut<'a, f64> {
    assert!(data.len() == rows * cols, "{what}: {} elements cannot form a ({rows}, {cols}) matrix", data.len());
    MatMut::from_column_major_slice_mut(data, rows, cols)
}

/// The number of columns `k` of a column-major right-hand side `(n, k)` stored in `len` elements.
///
/// # Panics
/// If `len` is not a multiple of `n` (and, for `n = 0`, unless `len = 0`).
#[track_caller]
fn rhs_cols(what: &str, n: usize, len: usize) -> usize {
    if n == 0 {
        assert!(len == 0, "{what}: a right-hand side of {len} elements does not fit a (0, 0) factor");
        return 0;
    }
    assert!(len.is_multiple_of(n), "{what}: a right-hand side of {len} elements is not (n, k) with n = {n}");
    len / n
}
