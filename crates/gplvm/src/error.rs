//! Typed errors of the GP-LVM: numerical failures the caller can act on.
//!
//! Each message says what happened and ends with what to try next.

/// What can go wrong while evaluating or fitting a GP-LVM.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GplvmError {
    /// The kernel matrix stayed non-positive-definite even after adding the largest jitter.
    #[error(
        "the ({n}, {n}) kernel matrix is not positive definite: its Cholesky factorisation failed at pivot {pivot} \
         even with jitter {max_jitter:.3e} added to the diagonal; start from a larger noise variance (smaller beta), \
         a smaller inverse length scale gamma, or check the latent points and data for NaN/inf"
    )]
    NotPositiveDefinite {
        /// Size of the kernel matrix.
        n: usize,
        /// Index of the pivot where the last attempt failed.
        pivot: usize,
        /// Largest jitter tried.
        max_jitter: f64,
    },
    /// The likelihood came out NaN or infinite although the factorisation succeeded.
    #[error(
        "the log-likelihood is not finite ({value}); the hyperparameters have probably overflowed: \
         restart from smaller log-hyperparameters or a smaller step budget"
    )]
    NonFinite {
        /// The value obtained.
        value: f64,
    },
    /// An eigendecomposition (PCA of the data, or `Y·Yᵀ/D` for dual PPCA) failed: no convergence,
    /// or NaN/∞ in the data.
    #[error(
        "the eigendecomposition behind PCA or dual PPCA failed (no convergence, or NaN/inf in the data); \
         check the data for NaN/inf values"
    )]
    EigenFailed,
    /// The closed-form solution needs more data than latent dimensions.
    #[error(
        "dual PPCA with {q} latent dimensions needs the {q} leading eigenvalues of Y·Yᵀ/D to exceed the noise \
         variance {sigma2:.3e}, but eigenvalue {index} is {value:.3e}; use fewer latent dimensions"
    )]
    RankTooLow {
        /// Requested latent dimension.
        q: usize,
        /// Estimated noise variance.
        sigma2: f64,
        /// Index (0-based, descending order) of the offending eigenvalue.
        index: usize,
        /// Its value.
        value: f64,
    },
}
