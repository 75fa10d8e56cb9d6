//! [`Params`]: a model's learned tensors, seen as a numbered list — and its gradient, which has
//! the same type.
//!
//! Every model and layer in handgrad keeps its parameters in a plain struct (an [`Affine`] is
//! `{ w, b }`, a two-layer net is `{ fc1, fc2 }`), and its gradient is **a value of that same type**
//! whose tensors hold `∂L/∂θ` (as in JAX, where the gradient of a pytree is a pytree of the same
//! shape, or llm.c's `ParameterTensors params, grads`). Nothing maps a gradient back to its
//! parameter through a side table: tensor `i` of the gradient belongs to tensor `i` of the
//! parameters.
//!
//! The optimizers and the training loop only need to walk the tensors in a fixed order:
//! [`Params::len`] and [`Params::get`] / [`Params::get_mut`] (no allocation), plus a
//! [`name`](Params::name) for checkpoints and messages and a [`kind`](Params::kind) that says which
//! tensors are weights (the L2 penalty and weight decay apply to weights only).
//!
//! [`Affine`]: crate::layers::Affine

use alloc::string::String;
use alloc::vec::Vec;

use handgrad_tensor::{Matrix, Scalar};

/// What a parameter tensor is, for rules that treat them differently (L2 on weights only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// A weight matrix `W` (penalised by L2 / weight decay).
    Weight,
    /// A bias row `b: (1, m)`.
    Bias,
    /// A normalisation scale `γ: (1, m)`.
    Scale,
    /// A normalisation shift `β: (1, m)`.
    Shift,
}

/// A fixed, ordered set of parameter tensors. The gradient of a `P: Params` is another `P`.
pub trait Params<T: Scalar>: Clone {
    /// Number of tensors.
    fn len(&self) -> usize;

    /// `true` when there are no tensors.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Tensor `i`, `0 ≤ i < len()`.
    ///
    /// # Panics
    /// If `i ≥ len()`.
    fn get(&self, i: usize) -> &Matrix<T>;

    /// Tensor `i`, mutable.
    ///
    /// # Panics
    /// If `i ≥ len()`.
    fn get_mut(&mut self, i: usize) -> &mut Matrix<T>;

    /// Name of tensor `i` (e.g. `"W1"`, `"b1"`, `"gamma1"`), as in checkpoints.
    fn name(&self, i: usize) -> String;

    /// What tensor `i` is.
    fn kind(&self, i: usize) -> ParamKind;

    /// A zero-filled value of the same shapes: the gradient buffer.
    fn zeros_like(&self) -> Self;

    /// Copies every tensor of `other` (same shapes) into `self`, in place.
    ///
    /// # Panics
    /// If a tensor's shape differs (naming both shapes).
    #[track_caller]
    fn copy_all_from(&mut self, other: &Self) {
        for i in 0..self.len() {
            self.get_mut(i).copy_from(other.get(i));
        }
    }

    /// The shapes of every tensor, in order.
    fn shapes(&self) -> Vec<(usize, usize)> {
        (0..self.len()).map(|i| self.get(i).shape()).collect()
    }

    /// Total number of scalars.
    fn num_scalars(&self) -> usize {
        (0..self.len()).map(|i| self.get(i).len()).sum()
    }
}

/// A single weight matrix is a parameter set of one tensor, named `"W"` (the tied autoencoders).
impl<T: Scalar> Params<T> for Matrix<T> {
    fn len(&self) -> usize {
        1
    }

    #[track_caller]
    fn get(&self, i: usize) -> &Matrix<T> {
        assert_eq!(i, 0, "a single matrix has one parameter tensor, not {}", i + 1);
        self
    }

    #[track_caller]
    fn get_mut(&mut self, i: usize) -> &mut Matrix<T> {
        assert_eq!(i, 0, "a single matrix has one parameter tensor, not {}", i + 1);
        self
    }

    fn name(&self, _i: usize) -> String {
        String::from("W")
    }

    fn kind(&self, _i: usize) -> ParamKind {
        ParamKind::Weight
    }

    fn zeros_like(&self) -> Self {
        Matrix::zeros(self.rows(), self.cols())
    }
}
