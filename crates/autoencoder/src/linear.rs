//! The tied linear autoencoder: encode `z = W x`, decode `x̂ = Wᵀ z`, loss `½‖WᵀW x − x‖²`.
//!
//! Shapes (rows are samples): `x: (n_samples, n)`, `W: (m, n)` with `m ≤ n` the code size.
//!
//! # Loss
//! Over a batch `X: (N, n)` the loss is the average
//! `L(W) = (1/2N) Σ_i ‖WᵀW x_i − x_i‖² = (1/2N) ‖R‖²_F` with `R = X WᵀW − X: (N, n)`.
//!
//! # Gradient (derivation)
//! One sample, `r = WᵀW x − x = Wᵀ z − x` with `z = W x`, `L = ½ rᵀr`, so `dL = rᵀ dr`.
//! `W` reaches `r` along **two paths**: as the decoder `Wᵀ` and as the encoder inside `z`:
//! `dr = dWᵀ z + Wᵀ dz` with `dz = dW x`. By the law of total derivatives the two contributions add:
//!
//! - decoder path (`z` held fixed): `rᵀ dWᵀ z = tr(z rᵀ dWᵀ) = ⟨z rᵀ, dW⟩`, so `∂L/∂W = z rᵀ = W x rᵀ`;
//! - encoder path (`Wᵀ` held fixed): `rᵀ Wᵀ dW x = tr(x rᵀ Wᵀ dW) = ⟨W r xᵀ, dW⟩`, so `∂L/∂W = W r xᵀ`;
//! - total: **`∇_W L = W (x rᵀ + r xᵀ)`**.
//!
//! The two terms are transposes of each other inside the bracket but not equal (so
//! `2W(WᵀW − I) x xᵀ` is wrong), and dropping either one (e.g. `W r xᵀ` alone) is wrong too;
//! `cargo xtask check-gradient autoencoder` shows both failing against finite differences. At
//! `W = 0` both terms vanish: `W = 0` is a stationary point (a saddle) of `L`.
//!
//! Batched, with rows as samples, `Σ_i x_i r_iᵀ = XᵀR` and `Σ_i r_i x_iᵀ = RᵀX`:
//! `∇_W L = W (XᵀR + RᵀX) / N`. Never form the `(n, n)` bracket: with `Z = X Wᵀ: (N, m)`,
//! `W XᵀR = (X Wᵀ)ᵀ R = Zᵀ R` and `W RᵀX = (R Wᵀ)ᵀ X`, so
//! **`∇_W L = (Zᵀ R + (R Wᵀ)ᵀ X) / N`**, four `(N·m·n)`-sized GEMMs plus the forward's two
//! (`Z = X Wᵀ`, `R = Z W − X`), and no temporary larger than `(N, n)`.
//!
//! Sources: Baldi & Hornik (1989), "Neural networks and principal component analysis"; the matrix
//! calculus is the trace-differential method of Magnus & Neudecker, *Matrix Differential Calculus*.

use handgrad_tensor::gemm::{matmul, matmul_nt, matmul_tn};
use handgrad_tensor::matrix::assert_shape;
use handgrad_tensor::{Accum, Matrix, Par, Scalar, ops};

/// A tied linear autoencoder with weights `w: (m, n)`: code `z = W x`, reconstruction `Wᵀ z`.
#[derive(Clone, Debug)]
pub struct TiedLinearAe<T: Scalar> {
    /// The tied weights, `(m, n)`: row `k` is the `k`-th encoding direction.
    pub w: Matrix<T>,
    /// Threads for the GEMMs (`Par::Seq` by default).
    pub par: Par,
}

/// What [`TiedLinearAe::forward`] keeps for the backward pass.
#[derive(Clone, Debug)]
pub struct LinearCache<T: Scalar> {
    /// The codes `Z = X Wᵀ`, `(N, m)`.
    pub z: Matrix<T>,
    /// The residuals `R = Z W − X = X WᵀW − X`, `(N, n)`.
    pub r: Matrix<T>,
}

/// The gradient of [`TiedLinearAe`], with the backward pass's one scratch buffer.
#[derive(Clone, Debug)]
pub struct LinearGrads<T: Scalar> {
    /// `∂L/∂W`, `(m, n)`: overwritten by every backward call.
    pub dw: Matrix<T>,
    /// Scratch `R Wᵀ`, `(N, m)`, resized to the batch.
    rwt: Matrix<T>,
}

impl<T: Scalar> LinearCache<T> {
    /// Empty buffers; [`TiedLinearAe::forward_into`] sizes them to the batch.
    pub fn new() -> Self {
        Self { z: Matrix::zeros(0, 0), r: Matrix::zeros(0, 0) }
    }
}

impl<T: Scalar> Default for LinearCache<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Scalar> LinearGrads<T> {
    /// Zero gradient for weights of shape `(m, n)`.
    pub fn new(m: usize, n: usize) -> Self {
        Self { dw: Matrix::zeros(m, n), rwt: Matrix::zeros(0, m) }
    }
}

impl<T: Scalar> TiedLinearAe<T> {
    /// Wraps weights `w: (m, n)`, single-threaded.
    pub fn new(w: Matrix<T>) -> Self {
        Self { w, par: Par::Seq }
    }

    /// Code size `m`.
    pub fn code_dim(&self) -> usize {
        self.w.rows()
    }

    /// Data dimension `n`.
    pub fn input_dim(&self) -> usize {
        self.w.cols()
    }

    /// The batch loss `(1/2N)‖X WᵀW − X‖²` and the cache for [`backward`](Self::backward).
    /// `x: (N, n)`. Allocates the cache; training loops use [`forward_into`](Self::forward_into).
    #[track_caller]
    pub fn forward(&self, x: &Matrix<T>) -> (T, LinearCache<T>) {
        let mut cache = LinearCache::new();
        let loss = self.forward_into(x, &mut cache);
        (loss, cache)
    }

    /// Like [`forward`](Self::forward), reusing `cache`'s buffers. `x: (N, n)` with `N ≥ 1`.
    ///
    /// # Panics
    /// If `x` has no rows or `x.cols() != n`.
    #[track_caller]
    pub fn forward_into(&self, x: &Matrix<T>, cache: &mut LinearCache<T>) -> T {
        let (m, n) = self.w.shape();
        assert!(x.cols() == n, "TiedLinearAe::forward: x{:?} does not fit W{:?}", x.shape(), self.w.shape());
        assert!(x.rows() > 0, "TiedLinearAe::forward: empty batch x{:?}", x.shape());
        let n_samples = x.rows();
        cache.z.resize(n_samples, m);
        cache.r.resize(n_samples, n);
        // Z = X Wᵀ: (N, m).
        matmul_nt(&mut cache.z, x, &self.w, Accum::Replace, self.par);
        // R = Z W − X: (N, n).
        cache.r.copy_from(x);
        ops::scale(&mut cache.r, -T::ONE);
        matmul(&mut cache.r, &cache.z, &self.w, Accum::Add, self.par);
        // L = ‖R‖² / 2N.
        ops::sum_squares(&cache.r) / T::from_usize(2 * n_samples)
    }

    /// `∂L/∂W = (Zᵀ R + (R Wᵀ)ᵀ X) / N` into `grads.dw` (overwritten), for the loss of the
    /// [`forward`](Self::forward) call on the same `x: (N, n)` that produced `cache`.
    ///
    /// Reverse order of the forward: the loss `‖R‖²/2N` gives `dR = R/N`; `R = Z W − X` gives the
    /// decoder-path term `Zᵀ dR` and `dZ = dR Wᵀ`; `Z = X Wᵀ` gives the encoder-path term `dZᵀ X`.
    ///
    /// # Panics
    /// If the shapes of `x`, `cache` or `grads` do not match the forward's.
    #[track_caller]
    pub fn backward(&self, x: &Matrix<T>, cache: &LinearCache<T>, grads: &mut LinearGrads<T>) {
        let (m, n) = self.w.shape();
        let n_samples = x.rows();
        assert_shape("TiedLinearAe::backward: x", x, (cache.r.rows(), n));
        assert_shape("TiedLinearAe::backward: cache.z", &cache.z, (n_samples, m));
        assert_shape("TiedLinearAe::backward: grads.dw", &grads.dw, (m, n));
        // Decoder path: dW = Zᵀ R.
        matmul_tn(&mut grads.dw, &cache.z, &cache.r, Accum::Replace, self.par);
        // dZ ∝ R Wᵀ: (N, m).
        grads.rwt.resize(n_samples, m);
        matmul_nt(&mut grads.rwt, &cache.r, &self.w, Accum::Replace, self.par);
        // Encoder path: dW += (R Wᵀ)ᵀ X.
        matmul_tn(&mut grads.dw, &grads.rwt, x, Accum::Add, self.par);
        // The 1/N of the batch average, applied once to the (m, n) result.
        ops::scale(&mut grads.dw, T::ONE / T::from_usize(n_samples));
    }

    /// The reconstructions `X WᵀW`, `(N, n)`, for `x: (N, n)`.
    #[track_caller]
    pub fn reconstruct(&self, x: &Matrix<T>) -> Matrix<T> {
        let (_, cache) = self.forward(x);
        let mut out = cache.r;
        ops::axpy(&mut out, T::ONE, x);
        out
    }
}
