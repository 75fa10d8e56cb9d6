//! Vanilla stochastic gradient descent: `w ← w − lr·dw`.
//!
//! [`Sgd::step_with_weight_grad`] is the same step on an affine layer's weights, fused with the
//! weight gradient it follows: `dW = xᵀ·da + reg·W`, then `W ← W − lr·dW`, in one pass over `W`
//! where handgrad's f32 weight-gradient kernel applies ([`matmul_tn_sgd`]). It is exactly
//! [`linear_backward`](crate::layers::linear_backward) + [`add_l2_grad`](crate::loss::add_l2_grad) +
//! [`Optimizer::step`], and the two-layer net's test checks that.

use handgrad_tensor::gemm::{GradOut, matmul_tn_sgd};
use handgrad_tensor::ops::axpy;
use handgrad_tensor::{Matrix, Par, Scalar};

use super::Optimizer;

/// SGD configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd {
    /// Learning rate.
    pub lr: f64,
}

impl Sgd {
    /// SGD with learning rate `lr`.
    pub fn new(lr: f64) -> Self {
        Self { lr }
    }

    /// The SGD step of the weights `w: (d, m)` of an affine layer whose input was `x: (n, d)` and
    /// whose output gradient is `da: (n, m)`, with the L2 term `½·reg·ΣW²`: computes
    /// `dw = xᵀ·da + reg·w`, then updates `w ← w − lr·dw`, in one pass where the fused kernel applies.
    /// Returns `Σ w²` of the weights **before** the step (for the penalty's value). With
    /// [`GradOut::Keep`] `dw: (d, m)` holds the gradient afterwards; with [`GradOut::Discard`] it
    /// is scratch (the AVX2 kernel then skips storing it: a `(d, m)` array less to write).
    /// `w` ends with the same bits either way.
    ///
    /// # Panics
    /// If the shapes do not chain.
    #[track_caller]
    pub fn step_with_weight_grad<T: Scalar>(
        &self,
        w: &mut Matrix<T>,
        dw: &mut Matrix<T>,
        x: &Matrix<T>,
        da: &Matrix<T>,
        reg: T,
        grad: GradOut,
        par: Par,
    ) -> f64 {
        matmul_tn_sgd(dw, w, x, da, reg, T::from_f64(self.lr), grad, par)
    }
}

impl<T: Scalar> Optimizer<T> for Sgd {
    type State = ();

    fn init_state(&self, _w: &Matrix<T>) {}

    #[track_caller]
    fn step(&self, w: &mut Matrix<T>, dw: &Matrix<T>, _state: &mut ()) {
        axpy(w, T::from_f64(-self.lr), dw);
    }
}
