//! The layer contract: [`Layer`] and the [`Mode`] argument.
//!
//! Rows are samples. A layer maps `x: (n, d_in)` to `out: (n, d_out)`; its backward maps the
//! upstream gradient `dout = ∂L/∂out: (n, d_out)` to `dx = ∂L/∂x: (n, d_in)` and the parameter
//! gradients `∂L/∂θ` (chain rule, one layer at a time; CS231n "Backpropagation, Intuitions").
//!
//! ## Parameters and gradients share one type
//!
//! A layer value *is* its parameters (an [`Affine`](crate::layers::Affine) is `{ w, b }`), and its
//! gradient is another value of the same type ([`Params::zeros_like`] makes one), so tensor `i` of
//! the gradient belongs to tensor `i` of the parameters. Parameter-free layers
//! ([`Relu`](crate::layers::Relu), ...) are unit structs with no tensors.
//!
//! ## Gradient semantics: overwrite
//!
//! Every backward in handgrad **overwrites** its outputs: `dx` and every tensor of `grads` hold this
//! call's gradient afterwards, whatever they held before (`dw ← xᵀ·dout`, not `dw += …`). Calling
//! backward twice gives the same gradients. A parameter shared by two layers (the tied
//! autoencoders), or an extra term such as the L2 penalty, is added by the caller with the kernels'
//! explicit [`Accum`](handgrad_tensor::Accum) argument or [`crate::loss::l2::add_l2_grad`].
//!
//! ## Buffers and threads
//!
//! `forward_into` and `backward_into` write into caller-owned buffers and resize them as needed
//! ([`Matrix::resize`] keeps the allocation), so a training loop that keeps its buffers allocates
//! nothing after the first step. [`Layer::forward`] and [`Layer::backward`] are allocating
//! conveniences for tests and examples. The thread count of the products is always an argument
//! (`par: Par`, `Par::Seq` for one thread); no layer stores it.
//!
//! Models do not go through this trait in their hot path: they call the same free kernels
//! (`affine_forward`, `affine_relu_backward`, ...) on buffers they keep in their own named caches,
//! so that the first layer reads the batch in place instead of copying it into a cache.
//!
//! Layers whose forward needs more than `x` — [`Dropout`](crate::layers::Dropout) (an RNG
//! and the mode) and [`BatchNorm`](crate::layers::BatchNorm) (the mode, and it updates
//! running averages) — follow the same conventions with their own methods, taking [`Mode`] as an
//! argument.

use handgrad_tensor::{Matrix, Par, Scalar};

use crate::params::Params;

/// Training or evaluation: passed explicitly to every op whose behaviour depends on it
/// (dropout, batch normalisation). handgrad keeps no hidden train/eval flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Training: dropout drops, batchnorm uses batch statistics and updates its running averages.
    Train,
    /// Evaluation: dropout is the identity, batchnorm uses its running averages.
    Eval,
}

/// A differentiable layer `out = f(x; θ)` with a hand-written backward. The layer value holds `θ`;
/// its gradient is a value of the same type.
///
/// Contract (see the module docs): rows are samples; `forward` returns `(out, cache)`; `backward`
/// takes `(dout, cache)`, **overwrites** `grads` with `∂L/∂θ` and returns `dx = ∂L/∂x`. Shapes
/// are asserted on entry, with both shapes in the panic message. Backward takes the cache as
/// `&mut` only so that composite layers can keep scratch buffers in it (no allocation per step);
/// what forward saved is not modified.
pub trait Layer<T: Scalar>: Params<T> {
    /// What forward saves for backward: a named struct of owned buffers, reused across calls.
    type Cache: Default;

    /// Forward pass. `x: (n, d_in)`; `out` is resized to `(n, d_out)` and overwritten; `cache` is
    /// filled with what [`Layer::backward_into`] needs.
    fn forward_into(&self, x: &Matrix<T>, out: &mut Matrix<T>, cache: &mut Self::Cache, par: Par);

    /// Backward pass. `dout: (n, d_out)`; overwrites `grads` (same type and shapes as `self`); when
    /// `dx` is `Some`, resizes it to `(n, d_in)` and overwrites it with `∂L/∂x`. Pass `None` when the
    /// input gradient is not needed (the first layer of a network): layers skip that work.
    fn backward_into(
        &self,
        dout: &Matrix<T>,
        cache: &mut Self::Cache,
        grads: &mut Self,
        dx: Option<&mut Matrix<T>>,
        par: Par,
    );

    /// Allocating forward: `x: (n, d_in)` → `(out: (n, d_out), cache)`, one thread.
    fn forward(&self, x: &Matrix<T>) -> (Matrix<T>, Self::Cache) {
        let mut out = Matrix::zeros(0, 0);
        let mut cache = Self::Cache::default();
        self.forward_into(x, &mut out, &mut cache, Par::Seq);
        (out, cache)
    }

    /// Allocating backward: `dout: (n, d_out)` → `dx: (n, d_in)`; overwrites `grads`; one thread.
    fn backward(&self, dout: &Matrix<T>, cache: &mut Self::Cache, grads: &mut Self) -> Matrix<T> {
        let mut dx = Matrix::zeros(0, 0);
        self.backward_into(dout, cache, grads, Some(&mut dx), Par::Seq);
        dx
    }
}

/// Implements [`Params`] with no tensors for a parameter-free layer (a unit struct).
macro_rules! no_params {
    ($layer:ty) => {
        impl<T: handgrad_tensor::Scalar> crate::params::Params<T> for $layer {
            fn len(&self) -> usize {
                0
            }
            #[track_caller]
            fn get(&self, i: usize) -> &handgrad_tensor::Matrix<T> {
                panic!("{} has no parameters (asked for tensor {i})", stringify!($layer))
            }
            #[track_caller]
            fn get_mut(&mut self, i: usize) -> &mut handgrad_tensor::Matrix<T> {
                panic!("{} has no parameters (asked for tensor {i})", stringify!($layer))
            }
            fn name(&self, i: usize) -> alloc::string::String {
                panic!("{} has no parameters (asked for tensor {i})", stringify!($layer))
            }
            fn kind(&self, i: usize) -> crate::params::ParamKind {
                panic!("{} has no parameters (asked for tensor {i})", stringify!($layer))
            }
            fn zeros_like(&self) -> Self {
                *self
            }
        }
    };
}
pub(crate) use no_params;
