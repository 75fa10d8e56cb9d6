//! Affine (fully connected) layer: `out = x·W + b`.
//!
//! Shapes: `x: (n, d)` (an input of any trailing shape arrives flattened, e.g. a 32×32×3 image as
//! 3,072 columns), `W: (d, m)`, `b: (1, m)`, `out: (n, m)`.
//!
//! Backward, for upstream `dout = ∂L/∂out: (n, m)` (CS231n assignment 1, `affine_backward`):
//! - `dW = xᵀ · dout`            `(d, m)`  — one GEMM, [`linear_backward`];
//! - `db = Σ_rows dout`          `(1, m)`  — [`col_sums`];
//! - `dx = dout · Wᵀ`            `(n, d)`  — one GEMM, skippable (the first layer needs no `dx`).
//!
//! Forward is one GEMM ([`linear_forward`]) and a bias broadcast ([`add_row`]).
//!
//! Two ways to use it:
//! - the free kernels [`affine_forward`] / [`affine_backward`], which take `x` in both passes and
//!   copy nothing — what the models do, keeping their activations in their own caches;
//! - the [`Layer`] impl of [`Affine`], whose [`AffineCache`] keeps a copy of `x` (one `memcpy`
//!   of `n·d` elements per forward, no allocation once the cache is large enough).

use alloc::string::String;

use handgrad_tensor::matrix::assert_shape;
use handgrad_tensor::ops::{add_row, col_sums};
use handgrad_tensor::{Accum, Matrix, Par, Scalar};

use crate::layer::Layer;
use crate::layers::linear::{linear_backward, linear_forward};
use crate::params::{ParamKind, Params};

/// The parameters of an affine layer — and, as a gradient, `∂L/∂W` and `∂L/∂b`.
#[derive(Clone, Debug, PartialEq)]
pub struct Affine<T: Scalar> {
    /// Weights `W: (d, m)`.
    pub w: Matrix<T>,
    /// Bias `b: (1, m)`.
    pub b: Matrix<T>,
}

impl<T: Scalar> Affine<T> {
    /// An affine layer from explicit parameters.
    ///
    /// # Panics
    /// If `b` is not `(1, w.cols())`.
    #[track_caller]
    pub fn new(w: Matrix<T>, b: Matrix<T>) -> Self {
        assert_shape("Affine::new: b", &b, (1, w.cols()));
        Self { w, b }
    }

    /// An affine layer `d → m` with zero weights and bias.
    pub fn zeros(d: usize, m: usize) -> Self {
        Self { w: Matrix::zeros(d, m), b: Matrix::zeros(1, m) }
    }

    /// Input width `d`.
    pub fn d_in(&self) -> usize {
        self.w.rows()
    }

    /// Output width `m`.
    pub fn d_out(&self) -> usize {
        self.w.cols()
    }
}

impl<T: Scalar> Params<T> for Affine<T> {
    fn len(&self) -> usize {
        2
    }

    #[track_caller]
    fn get(&self, i: usize) -> &Matrix<T> {
        match i {
            0 => &self.w,
            1 => &self.b,
            _ => panic!("Affine has 2 parameter tensors (W, b), not {}", i + 1),
        }
    }

    #[track_caller]
    fn get_mut(&mut self, i: usize) -> &mut Matrix<T> {
        match i {
            0 => &mut self.w,
            1 => &mut self.b,
            _ => panic!("Affine has 2 parameter tensors (W, b), not {}", i + 1),
        }
    }

    fn name(&self, i: usize) -> String {
        String::from(if i == 0 { "W" } else { "b" })
    }

    fn kind(&self, i: usize) -> ParamKind {
        if i == 0 { ParamKind::Weight } else { ParamKind::Bias }
    }

    fn zeros_like(&self) -> Self {
        Self::zeros(self.d_in(), self.d_out())
    }
}

/// `out = x·W + b`. `x: (n, d)`, `p.w: (d, m)`, `p.b: (1, m)`; `out` is resized to `(n, m)`.
///
/// # Panics
/// If `x.cols() != d`.
#[track_caller]
pub fn affine_forward<T: Scalar>(x: &Matrix<T>, p: &Affine<T>, out: &mut Matrix<T>, par: Par) {
    linear_forward(x, &p.w, out, par);
    add_row(out, &p.b);
}

/// Gradients of `out = x·W + b` (overwrite semantics).
///
/// `dout: (n, m)`, `x: (n, d)` (the forward input), `p` the parameters; writes `grads.w: (d, m) =
/// xᵀ·dout`, `grads.b: (1, m) = Σ_rows dout`, and, when `dx` is `Some`, resizes it to `(n, d)` and
/// writes `dout·Wᵀ`. Pass `dx = None` for the first layer of a network to skip that GEMM.
///
/// # Panics
/// On any shape mismatch, naming the shapes.
#[track_caller]
pub fn affine_backward<T: Scalar>(
    dout: &Matrix<T>,
    x: &Matrix<T>,
    p: &Affine<T>,
    grads: &mut Affine<T>,
    dx: Option<&mut Matrix<T>>,
    par: Par,
) {
    linear_backward(dout, x, &p.w, &mut grads.w, Accum::Replace, dx, par);
    col_sums(&mut grads.b, dout, Accum::Replace);
}

/// What [`Affine`]'s forward saves: a copy of its input.
#[derive(Clone, Debug)]
pub struct AffineCache<T: Scalar> {
    /// The forward input `x: (n, d)`.
    pub x: Matrix<T>,
}

impl<T: Scalar> Default for AffineCache<T> {
    fn default() -> Self {
        Self { x: Matrix::zeros(0, 0) }
    }
}

impl<T: Scalar> Layer<T> for Affine<T> {
    type Cache = AffineCache<T>;

    #[track_caller]
    fn forward_into(&self, x: &Matrix<T>, out: &mut Matrix<T>, cache: &mut AffineCache<T>, par: Par) {
        affine_forward(x, self, out, par);
        cache.x.resize(x.rows(), x.cols());
        cache.x.copy_from(x);
    }

    #[track_caller]
    fn backward_into(
        &self,
        dout: &Matrix<T>,
        cache: &mut AffineCache<T>,
        grads: &mut Affine<T>,
        dx: Option<&mut Matrix<T>>,
        par: Par,
    ) {
        affine_backward(dout, &cache.x, self, grads, dx, par);
    }
}
