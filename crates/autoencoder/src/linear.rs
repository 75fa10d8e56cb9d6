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
//! **`∇_W L = Zᵀ (R/N) + ((R/N) Wᵀ)ᵀ X`**, three `(N·m·n)`-sized GEMMs plus the forward's two, and no
//! temporary larger than `(N, n)`.
//!
//! # Built from the layer library, in exact reverse order
//! The forward is an encoder `Z = X·Wᵀ` ([`linear_t_forward`]), a decoder `X̂ = Z·W`
//! ([`linear_forward`]) and the squared error `L = ‖X̂ − X‖²/2N`
//! ([`squared_error_loss_into`], which also gives `dX̂ = R/N`). The backward runs them in reverse:
//! the decoder's [`linear_backward`] gives the decoder-path term `dW = Zᵀ·dX̂` and `dZ = dX̂·Wᵀ`;
//! the encoder's [`linear_t_backward`] adds the encoder-path term `dW += dZᵀ·X = (R Wᵀ)ᵀX/N`. The
//! tied weight receives both paths: the second call accumulates (`Accum::Add`), which is the `+`
//! of the formula above.
//!
//! Sources: Baldi & Hornik (1989), "Neural networks and principal component analysis"; the matrix
//! calculus is the trace-differential method of Magnus & Neudecker, *Matrix Differential Calculus*.

use handgrad_nn::layers::{linear_backward, linear_forward, linear_t_backward, linear_t_forward};
use handgrad_nn::loss::squared_error_loss_into;
use handgrad_tensor::matrix::assert_shape;
use handgrad_tensor::{Accum, Matrix, Par, Scalar};

/// A tied linear autoencoder with weights `w: (m, n)`: code `z = W x`, reconstruction `Wᵀ z`.
/// Its parameters are the one matrix `W`; the gradient is a matrix of the same shape.
#[derive(Clone, Debug, PartialEq)]
pub struct TiedLinearAe<T: Scalar> {
    /// The tied weights, `(m, n)`: row `k` is the `k`-th encoding direction.
    pub w: Matrix<T>,
}

/// What [`TiedLinearAe::forward_into`] keeps for the backward pass (sized to the batch on use).
#[derive(Clone, Debug, Default)]
pub struct LinearCache<T: Scalar> {
    /// The codes `Z = X Wᵀ`, `(N, m)`.
    pub z: Matrix<T>,
    /// The reconstructions `X̂ = Z W = X WᵀW`, `(N, n)`.
    pub xhat: Matrix<T>,
    /// `dL/dX̂ = R/N` with `R = X̂ − X`, `(N, n)`.
    pub dxhat: Matrix<T>,
    /// Backward scratch `dL/dZ = dX̂·Wᵀ`, `(N, m)`.
    pub dz: Matrix<T>,
}

impl<T: Scalar> TiedLinearAe<T> {
    /// Wraps weights `w: (m, n)`.
    pub fn new(w: Matrix<T>) -> Self {
        Self { w }
    }

    /// Code size `m`.
    pub fn code_dim(&self) -> usize {
        self.w.rows()
    }

    /// Data dimension `n`.
    pub fn input_dim(&self) -> usize {
        self.w.cols()
    }

    /// The batch loss `(1/2N)‖X WᵀW − X‖²` and the cache for [`backward`](Self::backward), one
    /// thread. `x: (N, n)`. Allocates the cache; training loops use [`forward_into`](Self::forward_into).
    #[track_caller]
    pub fn forward(&self, x: &Matrix<T>) -> (f64, LinearCache<T>) {
        let mut cache = LinearCache::default();
        let loss = self.forward_into(x, &mut cache, Par::Seq);
        (loss, cache)
    }

    /// Like [`forward`](Self::forward), reusing `cache`'s buffers. `x: (N, n)` with `N ≥ 1`.
    ///
    /// # Panics
    /// If `x` has no rows or `x.cols() != n`.
    #[track_caller]
    pub fn forward_into(&self, x: &Matrix<T>, cache: &mut LinearCache<T>, par: Par) -> f64 {
        assert!(
            x.cols() == self.w.cols(),
            "TiedLinearAe::forward: x{:?} does not fit W{:?}",
            x.shape(),
            self.w.shape()
        );
        self.reconstruct_into(x, cache, par);
        squared_error_loss_into(&cache.xhat, x, &mut cache.dxhat) // L = ‖X̂ − X‖²/2N, dX̂ = R/N
    }

    /// The forward pass up to the reconstructions `cache.xhat = X WᵀW`, which it returns.
    #[track_caller]
    pub fn reconstruct_into<'c>(&self, x: &Matrix<T>, cache: &'c mut LinearCache<T>, par: Par) -> &'c Matrix<T> {
        assert!(
            x.cols() == self.w.cols(),
            "TiedLinearAe::forward: x{:?} does not fit W{:?}",
            x.shape(),
            self.w.shape()
        );
        linear_t_forward(x, &self.w, &mut cache.z, par); // encoder Z = X Wᵀ
        linear_forward(&cache.z, &self.w, &mut cache.xhat, par); // decoder X̂ = Z W
        &cache.xhat
    }

    /// `∂L/∂W = Zᵀ (R/N) + ((R/N) Wᵀ)ᵀ X` into `dw: (m, n)` (overwritten), for the
    /// [`forward_into`](Self::forward_into) call on the same `x: (N, n)` that filled `cache`:
    /// the decoder's backward, then the encoder's (module docs).
    ///
    /// # Panics
    /// If the shapes of `x`, `cache` or `dw` do not match the forward's.
    #[track_caller]
    pub fn backward(&self, x: &Matrix<T>, cache: &mut LinearCache<T>, dw: &mut Matrix<T>, par: Par) {
        assert_shape("TiedLinearAe::backward: x", x, cache.dxhat.shape());
        let LinearCache { z, dxhat, dz, .. } = cache;
        // Decoder path, X̂ = Z W: dW = Zᵀ dX̂, dZ = dX̂ Wᵀ.
        linear_backward(dxhat, z, &self.w, dw, Accum::Replace, Some(dz), par);
        // Encoder path, Z = X Wᵀ: dW += dZᵀ X (the input gradient is not needed).
        linear_t_backward(dz, x, &self.w, dw, Accum::Add, None, par);
    }

    /// The reconstructions `X WᵀW`, `(N, n)`, for `x: (N, n)`.
    #[track_caller]
    pub fn reconstruct(&self, x: &Matrix<T>) -> Matrix<T> {
        self.forward(x).1.xhat
    }
}

crate::model::tied_model!(TiedLinearAe, LinearCache);
