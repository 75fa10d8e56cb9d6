//! The layer contract: [`Layer`] and the [`Mode`] argument.
//!
//! Rows are samples. A layer maps `x: (n, d_in)` to `out: (n, d_out)`; its backward maps the
//! upstream gradient `dout = ∂L/∂out: (n, d_out)` to `dx = ∂L/∂x: (n, d_in)` and the parameter
//! gradients `∂L/∂θ` (chain rule, one layer at a time; CS231n "Backpropagation, Intuitions").
//!
//! ## Gradient semantics: overwrite
//!
//! Every backward in handgrad **overwrites** its outputs: `dx` and every buffer in the layer's
//! `Grads` hold this call's gradient afterwards, whatever they held before (`dw ← xᵀ·dout`, not
//! `dw += …`). Calling backward twice gives the same gradients. A parameter shared by two layers, or
//! an extra term such as the L2 penalty, must be added by the caller after the backward
//! ([`crate::loss::l2::add_l2_grad`]).
//!
//! ## Buffers
//!
//! `forward_into` and `backward_into` write into caller-owned buffers and resize them as needed
//! ([`Matrix::resize`] keeps the allocation), so a training loop that keeps its buffers allocates
//! nothing after the first step. [`Layer::forward`] and [`Layer::backward`] are allocating
//! conveniences for tests and examples.
//!
//! Layers whose forward needs more than `x` — [`Dropout`](crate::layers::Dropout) (an RNG
//! and the mode) and [`BatchNorm`](crate::layers::BatchNorm) (the mode, and it updates
//! running averages) — follow the same conventions with their own methods, taking [`Mode`] as an
//! argument.

use handgrad_tensor::{Matrix, Scalar};

/// Training or evaluation: passed explicitly to every op whose behaviour depends on it
/// (dropout, batch normalisation). handgrad keeps no hidden train/eval flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Training: dropout drops, batchnorm uses batch statistics and updates its running averages.
    Train,
    /// Evaluation: dropout is the identity, batchnorm uses its running averages.
    Eval,
}

/// A differentiable layer `out = f(x; θ)` with a hand-written backward.
///
/// Contract (see the module docs): rows are samples; `forward` returns `(out, cache)`; `backward`
/// takes `(dout, cache)`, **overwrites** `grads` with `∂L/∂θ` and returns `dx = ∂L/∂x`. Shapes
/// are asserted on entry, with both shapes in the panic message. Backward takes the cache as
/// `&mut` only so that composite layers can keep scratch buffers in it (no allocation per step);
/// what forward saved is not modified.
pub trait Layer<T: Scalar> {
    /// What forward saves for backward: a named struct of owned buffers, reused across calls.
    type Cache: Default;
    /// The parameter gradients, one buffer per parameter, same shapes as the parameters
    /// (`()` for layers without parameters).
    type Grads;

    /// Zero-filled gradient buffers with the parameters' shapes.
    fn zero_grads(&self) -> Self::Grads;

    /// Forward pass. `x: (n, d_in)`; `out` is resized to `(n, d_out)` and overwritten; `cache` is
    /// filled with what [`Layer::backward_into`] needs.
    fn forward_into(&self, x: &Matrix<T>, out: &mut Matrix<T>, cache: &mut Self::Cache);

    /// Backward pass. `dout: (n, d_out)`; overwrites `grads`; when `dx` is `Some`, resizes it to
    /// `(n, d_in)` and overwrites it with `∂L/∂x`. Pass `None` when the input gradient is not needed
    /// (the first layer of a network): layers skip that work.
    fn backward_into(
        &self,
        dout: &Matrix<T>,
        cache: &mut Self::Cache,
        grads: &mut Self::Grads,
        dx: Option<&mut Matrix<T>>,
    );

    /// Allocating forward: `x: (n, d_in)` → `(out: (n, d_out), cache)`.
    fn forward(&self, x: &Matrix<T>) -> (Matrix<T>, Self::Cache) {
        let mut out = Matrix::zeros(0, 0);
        let mut cache = Self::Cache::default();
        self.forward_into(x, &mut out, &mut cache);
        (out, cache)
    }

    /// Allocating backward: `dout: (n, d_out)` → `dx: (n, d_in)`; overwrites `grads`.
    fn backward(&self, dout: &Matrix<T>, cache: &mut Self::Cache, grads: &mut Self::Grads) -> Matrix<T> {
        let mut dx = Matrix::zeros(0, 0);
        self.backward_into(dout, cache, grads, Some(&mut dx));
        dx
    }
}
