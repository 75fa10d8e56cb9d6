//! The tied nonlinear autoencoder: loss `½‖f(Wᵀ f(W x)) − x‖²` for an elementwise `f`
//! ([`Activation`]: sigmoid, tanh, ReLU, identity), built from handgrad-nn's kernels.
//!
//! Shapes (rows are samples): `x: (N, n)`, `W: (m, n)`.
//!
//! # Forward (batched, rows are samples)
//! ```text
//! A1 = X Wᵀ        (N, m)   encoder pre-activation           linear_t_forward
//! H  = f(A1)       (N, m)   code                             Activation::forward
//! A2 = H W         (N, n)   decoder pre-activation (tied)    linear_forward
//! Y  = f(A2)       (N, n)   reconstruction                   Activation::forward
//! L  = ‖Y − X‖² / 2N                                         squared_error_loss_into
//! ```
//!
//! # Backward (exact reverse order)
//! ```text
//! dY  = (Y − X) / N                                          (from the loss)
//! dA2 = dY ⊙ f'(A2)                                          Activation::backward_inplace
//! dW  = Hᵀ dA2,  dH = dA2 Wᵀ   decoder path (A2 = H W)       linear_backward
//! dA1 = dH ⊙ f'(A1)                                          Activation::backward_inplace
//! dW += dA1ᵀ X                 encoder path (A1 = X Wᵀ)      linear_t_backward, Accum::Add
//! ```
//! As in the linear model ([`crate::linear`]), `W` reaches the loss along two paths and their
//! gradients add (law of total derivatives). With `f` = identity this is exactly
//! `W (XᵀR + RᵀX) / N`. Source: backpropagation as in Rumelhart, Hinton & Williams (1986); the
//! tied-weight architecture as in Vincent et al. (2010), "Stacked denoising autoencoders".

use handgrad_nn::layers::{Activation, linear_backward, linear_forward, linear_t_backward, linear_t_forward};
use handgrad_nn::loss::squared_error_loss_into;
use handgrad_tensor::matrix::assert_shape;
use handgrad_tensor::{Accum, Matrix, Par, Scalar};

/// A tied autoencoder `x ↦ f(Wᵀ f(W x))` with weights `w: (m, n)`; its parameters are `W`, the
/// gradient a matrix of the same shape.
#[derive(Clone, Debug, PartialEq)]
pub struct TiedNonlinearAe<T: Scalar> {
    /// The tied weights, `(m, n)`.
    pub w: Matrix<T>,
    /// The nonlinearity applied after the encoder and after the decoder.
    pub activation: Activation,
}

/// What [`TiedNonlinearAe::forward_into`] keeps for the backward pass (sized to the batch on use).
#[derive(Clone, Debug, Default)]
pub struct NonlinearCache<T: Scalar> {
    /// `A1 = X Wᵀ`, `(N, m)`.
    pub a1: Matrix<T>,
    /// `H = f(A1)`, `(N, m)`.
    pub h: Matrix<T>,
    /// `A2 = H W`, `(N, n)`.
    pub a2: Matrix<T>,
    /// `Y = f(A2)`, the reconstructions, `(N, n)`.
    pub y: Matrix<T>,
    /// `dY = (Y − X)/N`, then `dA2` in place, `(N, n)`.
    pub dy: Matrix<T>,
    /// Backward scratch `dH`, then `dA1` in place, `(N, m)`.
    pub dh: Matrix<T>,
}

impl<T: Scalar> TiedNonlinearAe<T> {
    /// Wraps weights `w: (m, n)` and a nonlinearity.
    pub fn new(w: Matrix<T>, activation: Activation) -> Self {
        Self { w, activation }
    }

    /// The batch loss `‖f(f(X Wᵀ) W) − X‖² / 2N` and the cache for [`backward`](Self::backward), one
    /// thread. `x: (N, n)`. Allocates the cache; training loops use [`forward_into`](Self::forward_into).
    #[track_caller]
    pub fn forward(&self, x: &Matrix<T>) -> (f64, NonlinearCache<T>) {
        let mut cache = NonlinearCache::default();
        let loss = self.forward_into(x, &mut cache, Par::Seq);
        (loss, cache)
    }

    /// Like [`forward`](Self::forward), reusing `cache`'s buffers. `x: (N, n)` with `N ≥ 1`.
    ///
    /// # Panics
    /// If `x` has no rows or `x.cols() != n`.
    #[track_caller]
    pub fn forward_into(&self, x: &Matrix<T>, cache: &mut NonlinearCache<T>, par: Par) -> f64 {
        self.reconstruct_into(x, cache, par);
        squared_error_loss_into(&cache.y, x, &mut cache.dy) // L = ‖Y − X‖²/2N, dY = (Y − X)/N
    }

    /// The forward pass up to the reconstructions `cache.y = f(f(X Wᵀ) W)`, which it returns.
    #[track_caller]
    pub fn reconstruct_into<'c>(&self, x: &Matrix<T>, cache: &'c mut NonlinearCache<T>, par: Par) -> &'c Matrix<T> {
        let f = self.activation;
        assert!(
            x.cols() == self.w.cols(),
            "TiedNonlinearAe::forward: x{:?} does not fit W{:?}",
            x.shape(),
            self.w.shape()
        );
        linear_t_forward(x, &self.w, &mut cache.a1, par); // A1 = X Wᵀ
        f.forward(&cache.a1, &mut cache.h); // H = f(A1)
        linear_forward(&cache.h, &self.w, &mut cache.a2, par); // A2 = H W
        f.forward(&cache.a2, &mut cache.y); // Y = f(A2)
        &cache.y
    }

    /// `∂L/∂W` into `dw: (m, n)` (overwritten), for the [`forward_into`](Self::forward_into) call on
    /// the same `x: (N, n)` that filled `cache`. Steps in exact reverse order of the forward (module
    /// docs).
    ///
    /// # Panics
    /// If the shapes of `x`, `cache` or `dw` do not match the forward's.
    #[track_caller]
    pub fn backward(&self, x: &Matrix<T>, cache: &mut NonlinearCache<T>, dw: &mut Matrix<T>, par: Par) {
        assert_shape("TiedNonlinearAe::backward: x", x, cache.dy.shape());
        let f = self.activation;
        let NonlinearCache { a1, h, a2, y, dy, dh } = cache;
        f.backward_inplace(dy, a2, y); // dA2 = dY ⊙ f'(A2)
        linear_backward(dy, h, &self.w, dw, Accum::Replace, Some(dh), par); // decoder: dW = Hᵀ dA2, dH = dA2 Wᵀ
        f.backward_inplace(dh, a1, h); // dA1 = dH ⊙ f'(A1)
        linear_t_backward(dh, x, &self.w, dw, Accum::Add, None, par); // encoder: dW += dA1ᵀ X
    }

    /// The reconstructions `f(f(X Wᵀ) W)`, `(N, n)`, for `x: (N, n)`.
    #[track_caller]
    pub fn reconstruct(&self, x: &Matrix<T>) -> Matrix<T> {
        let mut cache = NonlinearCache::default();
        self.reconstruct_into(x, &mut cache, Par::Seq);
        cache.y
    }
}

crate::model::tied_model!(TiedNonlinearAe, NonlinearCache);
