//! The tied nonlinear autoencoder: loss `½‖f(Wᵀ f(W x)) − x‖²` for an elementwise `f`
//! ([`Activation`]: sigmoid, tanh, ReLU, identity).
//!
//! Shapes (rows are samples): `x: (N, n)`, `W: (m, n)`.
//!
//! # Forward (batched, rows are samples)
//! ```text
//! A1 = X Wᵀ        (N, m)   encoder pre-activation
//! H  = f(A1)       (N, m)   code
//! A2 = H W         (N, n)   decoder pre-activation (the tied weights, transposed)
//! Y  = f(A2)       (N, n)   reconstruction
//! L  = ‖Y − X‖² / 2N
//! ```
//!
//! # Backward (exact reverse order)
//! ```text
//! dY  = (Y − X) / N
//! dA2 = dY ⊙ f'(A2)
//! dW  = Hᵀ dA2              decoder path (A2 = H W)
//! dH  = dA2 Wᵀ
//! dA1 = dH ⊙ f'(A1)
//! dW += dA1ᵀ X              encoder path (A1 = X Wᵀ)
//! ```
//! As in the linear model ([`crate::linear`]), `W` reaches the loss along two paths and their
//! gradients add (law of total derivatives). With `f` = identity this is exactly
//! `W (XᵀR + RᵀX) / N`. Source: backpropagation as in Rumelhart, Hinton & Williams (1986); the
//! tied-weight architecture as in Vincent et al. (2010), "Stacked denoising autoencoders".

use handgrad_tensor::gemm::{matmul, matmul_nt, matmul_tn};
use handgrad_tensor::matrix::assert_shape;
use handgrad_tensor::{Accum, Matrix, Par, Scalar, ops};

use crate::Activation;

/// A tied autoencoder `x ↦ f(Wᵀ f(W x))` with weights `w: (m, n)`.
#[derive(Clone, Debug)]
pub struct TiedNonlinearAe<T: Scalar> {
    /// The tied weights, `(m, n)`.
    pub w: Matrix<T>,
    /// The nonlinearity applied after the encoder and after the decoder.
    pub activation: Activation,
    /// Threads for the GEMMs (`Par::Seq` by default).
    pub par: Par,
}

/// What [`TiedNonlinearAe::forward`] keeps for the backward pass.
#[derive(Clone, Debug)]
pub struct NonlinearCache<T: Scalar> {
    /// `A1 = X Wᵀ`, `(N, m)`.
    pub a1: Matrix<T>,
    /// `H = f(A1)`, `(N, m)`.
    pub h: Matrix<T>,
    /// `A2 = H W`, `(N, n)`.
    pub a2: Matrix<T>,
    /// `Y = f(A2)`, the reconstructions, `(N, n)`.
    pub y: Matrix<T>,
}

/// The gradient of [`TiedNonlinearAe`], with the backward pass's scratch buffers.
#[derive(Clone, Debug)]
pub struct NonlinearGrads<T: Scalar> {
    /// `∂L/∂W`, `(m, n)`: overwritten by every backward call.
    pub dw: Matrix<T>,
    /// Scratch `dA2`, `(N, n)`.
    da2: Matrix<T>,
    /// Scratch `dH`, then `dA1` in place, `(N, m)`.
    da1: Matrix<T>,
}

impl<T: Scalar> NonlinearCache<T> {
    /// Empty buffers; [`TiedNonlinearAe::forward_into`] sizes them to the batch.
    pub fn new() -> Self {
        Self { a1: Matrix::zeros(0, 0), h: Matrix::zeros(0, 0), a2: Matrix::zeros(0, 0), y: Matrix::zeros(0, 0) }
    }
}

impl<T: Scalar> Default for NonlinearCache<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Scalar> NonlinearGrads<T> {
    /// Zero gradient for weights of shape `(m, n)`.
    pub fn new(m: usize, n: usize) -> Self {
        Self { dw: Matrix::zeros(m, n), da2: Matrix::zeros(0, n), da1: Matrix::zeros(0, m) }
    }
}

impl<T: Scalar> TiedNonlinearAe<T> {
    /// Wraps weights `w: (m, n)` and a nonlinearity, single-threaded.
    pub fn new(w: Matrix<T>, activation: Activation) -> Self {
        Self { w, activation, par: Par::Seq }
    }

    /// The batch loss `‖f(f(X Wᵀ) W) − X‖² / 2N` and the cache for [`backward`](Self::backward).
    /// `x: (N, n)`. Allocates the cache; training loops use [`forward_into`](Self::forward_into).
    #[track_caller]
    pub fn forward(&self, x: &Matrix<T>) -> (T, NonlinearCache<T>) {
        let mut cache = NonlinearCache::new();
        let loss = self.forward_into(x, &mut cache);
        (loss, cache)
    }

    /// Like [`forward`](Self::forward), reusing `cache`'s buffers. `x: (N, n)` with `N ≥ 1`.
    ///
    /// # Panics
    /// If `x` has no rows or `x.cols() != n`.
    #[track_caller]
    pub fn forward_into(&self, x: &Matrix<T>, cache: &mut NonlinearCache<T>) -> T {
        let (m, n) = self.w.shape();
        assert!(x.cols() == n, "TiedNonlinearAe::forward: x{:?} does not fit W{:?}", x.shape(), self.w.shape());
        assert!(x.rows() > 0, "TiedNonlinearAe::forward: empty batch x{:?}", x.shape());
        let n_samples = x.rows();
        let f = self.activation;
        cache.a1.resize(n_samples, m);
        cache.h.resize(n_samples, m);
        cache.a2.resize(n_samples, n);
        cache.y.resize(n_samples, n);
        matmul_nt(&mut cache.a1, x, &self.w, Accum::Replace, self.par); // A1 = X Wᵀ
        ops::map(&mut cache.h, &cache.a1, |a| f.apply(a)); // H = f(A1)
        matmul(&mut cache.a2, &cache.h, &self.w, Accum::Replace, self.par); // A2 = H W
        ops::map(&mut cache.y, &cache.a2, |a| f.apply(a)); // Y = f(A2)
        let sq: T = cache.y.as_slice().iter().zip(x.as_slice()).map(|(&y, &x)| (y - x) * (y - x)).sum();
        sq / T::from_usize(2 * n_samples)
    }

    /// `∂L/∂W` into `grads.dw` (overwritten), for the [`forward`](Self::forward) call on the same
    /// `x: (N, n)` that produced `cache`. Steps in exact reverse order of the forward (module docs).
    ///
    /// # Panics
    /// If the shapes of `x`, `cache` or `grads` do not match the forward's.
    #[track_caller]
    pub fn backward(&self, x: &Matrix<T>, cache: &NonlinearCache<T>, grads: &mut NonlinearGrads<T>) {
        let (m, n) = self.w.shape();
        let n_samples = x.rows();
        assert_shape("TiedNonlinearAe::backward: x", x, (cache.y.rows(), n));
        assert_shape("TiedNonlinearAe::backward: cache.a1", &cache.a1, (n_samples, m));
        assert_shape("TiedNonlinearAe::backward: grads.dw", &grads.dw, (m, n));
        let f = self.activation;
        let inv_n = T::ONE / T::from_usize(n_samples);
        grads.da2.resize(n_samples, n);
        grads.da1.resize(n_samples, m);
        // dY = (Y − X)/N, then dA2 = dY ⊙ f'(A2): one pass.
        for (((d, &a), &y), &xv) in
            grads.da2.as_mut_slice().iter_mut().zip(cache.a2.as_slice()).zip(cache.y.as_slice()).zip(x.as_slice())
        {
            *d = (y - xv) * inv_n * f.derivative(a, y);
        }
        // Decoder path, A2 = H W: dW = Hᵀ dA2.
        matmul_tn(&mut grads.dw, &cache.h, &grads.da2, Accum::Replace, self.par);
        // dH = dA2 Wᵀ.
        matmul_nt(&mut grads.da1, &grads.da2, &self.w, Accum::Replace, self.par);
        // dA1 = dH ⊙ f'(A1), in place.
        for ((d, &a), &h) in grads.da1.as_mut_slice().iter_mut().zip(cache.a1.as_slice()).zip(cache.h.as_slice()) {
            *d *= f.derivative(a, h);
        }
        // Encoder path, A1 = X Wᵀ: dW += dA1ᵀ X.
        matmul_tn(&mut grads.dw, &grads.da1, x, Accum::Add, self.par);
    }
}
