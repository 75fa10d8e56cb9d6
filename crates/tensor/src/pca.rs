//! Principal component analysis of data `X: (N, n)` used as given (Pearson 1901; Jolliffe 2002,
//! *Principal Component Analysis*, ch. 1):
//!
//! ```text
//! C = XᵀX / N                      (n, n) second-moment matrix; the covariance when X is centred
//! C = Σ_k λ_k·v_k·v_kᵀ,            λ_1 ≥ … ≥ λ_n, v_k unit eigenvectors
//! components  V_qᵀ = [v_1 … v_q]ᵀ  (q, n): the top-q eigenvectors as rows
//! scores      X·V_q                (N, q)
//! ```
//!
//! No centring happens here: centre first ([`crate::stats::center_columns`]) to get the
//! covariance. `C` is accumulated in `f64` over chunks of [`CHUNK_ROWS`] rows (each converted to
//! `f64`, then `C += chunkᵀ·chunk`), so `f32` data lose nothing and the temporary stays small. The
//! eigendecomposition is [`crate::linalg::sym_eigen`] (descending, deterministic signs).

use crate::gemm::{matmul_nt, matmul_tn};
use crate::linalg::{NoConvergence, SymEigen, sym_eigen};
use crate::{Accum, Matrix, Par, Scalar, ops};

/// Rows of `X` converted to `f64` at a time while accumulating `XᵀX` (bounds the temporary).
pub const CHUNK_ROWS: usize = 512;

/// The eigendecomposition of a data set's second-moment matrix `C = XᵀX / N`.
#[derive(Clone, Debug)]
pub struct Pca {
    /// `C`, `(n, n)`.
    second_moment: Matrix<f64>,
    /// Its eigenvalues (descending) and eigenvectors (rows).
    eigen: SymEigen,
}

impl Pca {
    /// Fits to `x: (N, n)` as given: `C = XᵀX / N` (accumulated in `f64`), then its
    /// eigendecomposition, on `par`.
    ///
    /// # Errors
    /// [`NoConvergence`] if the eigendecomposition fails (e.g. NaN in the data).
    ///
    /// # Panics
    /// If `x` has no rows.
    #[track_caller]
    pub fn fit<T: Scalar>(x: &Matrix<T>, par: Par) -> Result<Self, NoConvergence> {
        assert!(x.rows() > 0, "Pca::fit: empty data x{:?}", x.shape());
        let n = x.cols();
        let mut c = Matrix::<f64>::zeros(n, n);
        let mut chunk = Matrix::<f64>::zeros(0, n);
        for start in (0..x.rows()).step_by(CHUNK_ROWS) {
            let end = (start + CHUNK_ROWS).min(x.rows());
            chunk.resize(end - start, n);
            for (dst, &v) in chunk.as_mut_slice().iter_mut().zip(&x.as_slice()[start * n..end * n]) {
                *dst = v.to_f64();
            }
            matmul_tn(&mut c, &chunk, &chunk, Accum::Add, par);
        }
        ops::scale(&mut c, 1.0 / x.rows() as f64);
        Self::from_second_moment(c, par)
    }

    /// The PCA of a given symmetric positive semi-definite second-moment matrix `c: (n, n)`
    /// (row-major; its lower triangle is what the eigendecomposition reads), on `par`.
    ///
    /// # Errors
    /// [`NoConvergence`] if the eigendecomposition fails.
    ///
    /// # Panics
    /// If `c` is not square.
    #[track_caller]
    pub fn from_second_moment(c: Matrix<f64>, par: Par) -> Result<Self, NoConvergence> {
        assert!(c.rows() == c.cols(), "Pca::from_second_moment: c{:?} is not square", c.shape());
        let eigen = sym_eigen(&c, par)?;
        Ok(Self { second_moment: c, eigen })
    }

    /// The data dimension `n`.
    pub fn dim(&self) -> usize {
        self.eigen.values.len()
    }

    /// `λ_1 ≥ … ≥ λ_n`: `(n,)`.
    pub fn eigenvalues(&self) -> &[f64] {
        &self.eigen.values
    }

    /// All eigenvectors as rows (row `k` belongs to `λ_{k+1}`): `(n, n)`.
    pub fn eigenvectors(&self) -> &Matrix<f64> {
        &self.eigen.vectors
    }

    /// `C = XᵀX / N`: `(n, n)`.
    pub fn second_moment(&self) -> &Matrix<f64> {
        &self.second_moment
    }

    /// The top-`q` eigenvectors as rows: `(q, n)`.
    ///
    /// # Panics
    /// If `q > n`.
    #[track_caller]
    pub fn components(&self, q: usize) -> Matrix<f64> {
        assert!(q <= self.dim(), "Pca::components: q = {q} > n = {}", self.dim());
        let n = self.dim();
        Matrix::from_vec(q, n, self.eigen.vectors.as_slice()[..q * n].to_vec())
    }

    /// The scores `X·V_q: (N, q)` of `x: (N, n)` on the top `q` components, on `par`; `x` of
    /// any scalar type, converted to `f64` [`CHUNK_ROWS`] rows at a time (so `f32` data need no
    /// `f64` copy: a data set reduced to its principal components).
    ///
    /// # Panics
    /// If `x` does not have `n` columns, or `q > n`.
    #[track_caller]
    pub fn scores<T: Scalar>(&self, x: &Matrix<T>, q: usize, par: Par) -> Matrix<f64> {
        assert!(x.cols() == self.dim(), "Pca::scores: x{:?} does not have n = {} columns", x.shape(), self.dim());
        let (rows, n) = x.shape();
        let components = self.components(q);
        let mut out = Matrix::zeros(rows, q);
        let (mut chunk, mut chunk_out) = (Matrix::<f64>::zeros(0, n), Matrix::<f64>::zeros(0, q));
        for start in (0..rows).step_by(CHUNK_ROWS) {
            let end = (start + CHUNK_ROWS).min(rows);
            chunk.resize(end - start, n);
            chunk_out.resize(end - start, q);
            for (dst, &v) in chunk.as_mut_slice().iter_mut().zip(&x.as_slice()[start * n..end * n]) {
                *dst = v.to_f64();
            }
            matmul_nt(&mut chunk_out, &chunk, &components, Accum::Replace, par);
            out.as_mut_slice()[start * q..end * q].copy_from_slice(chunk_out.as_slice());
        }
        out
    }
}
