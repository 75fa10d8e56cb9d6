//! The typed errors of [`crate::linalg`]: what the matrix was, what failed, what to try next.

/// A Cholesky factorisation met a pivot that is not positive (the matrix is not symmetric positive
/// definite, or holds NaN/∞).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the ({n}, {n}) matrix is not positive definite: its Cholesky factorisation met a non-positive pivot at \
     index {pivot}; add a small multiple of the identity (jitter) to its diagonal, or check it for NaN/inf"
)]
pub struct NotPositiveDefinite {
    /// Size of the matrix.
    pub n: usize,
    /// Index (0-based) of the first pivot that was not positive.
    pub pivot: usize,
}

/// An iterative decomposition (symmetric eigendecomposition, SVD) did not converge, or was given a
/// matrix holding NaN or ∞.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the {what} of a ({rows}, {cols}) matrix failed (no convergence, or NaN/inf entries); check the matrix for NaN \
     or infinite values"
)]
pub struct NoConvergence {
    /// Which decomposition.
    pub what: &'static str,
    /// Rows of the decomposed matrix.
    pub rows: usize,
    /// Columns of the decomposed matrix.
    pub cols: usize,
}
