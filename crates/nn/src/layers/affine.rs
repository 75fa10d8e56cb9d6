//! Affine (fully connected) layer: `out = x·W + b`.
//!
//! Shapes: `x: (n, d)` (an input of any trailing shape arrives flattened, e.g. a 32×32×3 image as
//! 3,072 columns), `W: (d, m)`, `b: (1, m)`, `out: (n, m)`.
//!
//! Backward, for upstream `dout = ∂L/∂out: (n, m)` (CS231n assignment 1, `affine_backward`):
//! - `dx = dout · Wᵀ`            `(n, d)`  — one GEMM ([`matmul_nt`]), skippable;
//! - `dW = xᵀ · dout`            `(d, m)`  — one GEMM ([`matmul_tn`]);
//! - `db = Σ_rows dout`          `(1, m)`  — [`col_sums`].
//!
//! Forward is one GEMM ([`matmul`]) and a bias broadcast ([`add_row`]).
//!
//! Two ways to use it:
//! - the free kernels [`affine_forward`] / [`affine_backward`], which take `x` in both passes and
//!   copy nothing — for models that keep their activations in their own buffers (the hot path);
//! - the [`Affine`] layer ([`Layer`] impl), whose [`AffineCache`] keeps a copy of `x` (one `memcpy`
//!   of `n·d` elements per forward, no allocation once the cache is large enough).

use handgrad_tensor::gemm::{Accum, Par, matmul, matmul_nt, matmul_tn};
use handgrad_tensor::matrix::assert_shape;
use handgrad_tensor::ops::{add_row, col_sums};
use handgrad_tensor::{Matrix, Scalar};

use crate::layer::Layer;

/// `out = x·W + b`. `x: (n, d)`, `w: (d, m)`, `b: (1, m)`; `out` is resized to `(n, m)`.
///
/// # Panics
/// If `x.cols() != w.rows()` or `b` is not `(1, m)`.
#[track_caller]
pub fn affine_forward<T: Scalar>(x: &Matrix<T>, w: &Matrix<T>, b: &Matrix<T>, out: &mut Matrix<T>, par: Par) {
    assert!(x.cols() == w.rows(), "affine_forward: x{:?} · W{:?} does not chain", x.shape(), w.shape());
    assert_shape("affine_forward: b", b, (1, w.cols()));
    out.resize(x.rows(), w.cols());
    matmul(out, x, w, Accum::Replace, par);
    add_row(out, b);
}

/// Gradients of `out = x·W + b` (overwrite semantics).
///
/// `dout: (n, m)`, `x: (n, d)` (the forward input), `w: (d, m)`; writes `dw: (d, m) = xᵀ·dout`,
/// `db: (1, m) = Σ_rows dout`, and, when `dx` is `Some`, resizes it to `(n, d)` and writes
/// `dout·Wᵀ`. Pass `dx = None` for the first layer of a network to skip that GEMM.
///
/// # Panics
/// On any shape mismatch, naming the shapes.
#[track_caller]
pub fn affine_backward<T: Scalar>(
    dout: &Matrix<T>,
    x: &Matrix<T>,
    w: &Matrix<T>,
    dw: &mut Matrix<T>,
    db: &mut Matrix<T>,
    dx: Option<&mut Matrix<T>>,
    par: Par,
) {
    assert!(
        dout.shape() == (x.rows(), w.cols()) && x.cols() == w.rows(),
        "affine_backward: dout{:?} does not fit x{:?} · W{:?}",
        dout.shape(),
        x.shape(),
        w.shape()
    );
    assert_shape("affine_backward: dw", dw, w.shape());
    assert_shape("affine_backward: db", db, (1, w.cols()));
    matmul_tn(dw, x, dout, Accum::Replace, par);
    col_sums(db, dout, Accum::Replace);
    if let Some(dx) = dx {
        dx.resize(x.rows(), x.cols());
        matmul_nt(dx, dout, w, Accum::Replace, par);
    }
}

/// An affine layer with its parameters. Build it from explicit values with [`Affine::new`].
#[derive(Clone, Debug, PartialEq)]
pub struct Affine<T: Scalar> {
    /// Weights `W: (d, m)`.
    pub w: Matrix<T>,
    /// Bias `b: (1, m)`.
    pub b: Matrix<T>,
    /// Threads for the GEMMs (default `Par::Seq`).
    pub par: Par,
}

impl<T: Scalar> Affine<T> {
    /// An affine layer from explicit parameters, single-threaded.
    ///
    /// # Panics
    /// If `b` is not `(1, w.cols())`.
    #[track_caller]
    pub fn new(w: Matrix<T>, b: Matrix<T>) -> Self {
        assert_shape("Affine::new: b", &b, (1, w.cols()));
        Self { w, b, par: Par::Seq }
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

/// Gradients of an [`Affine`] layer.
#[derive(Clone, Debug, PartialEq)]
pub struct AffineGrads<T: Scalar> {
    /// `∂L/∂W: (d, m)`.
    pub dw: Matrix<T>,
    /// `∂L/∂b: (1, m)`.
    pub db: Matrix<T>,
}

impl<T: Scalar> Layer<T> for Affine<T> {
    type Cache = AffineCache<T>;
    type Grads = AffineGrads<T>;

    fn zero_grads(&self) -> AffineGrads<T> {
        AffineGrads { dw: Matrix::zeros(self.w.rows(), self.w.cols()), db: Matrix::zeros(1, self.w.cols()) }
    }

    #[track_caller]
    fn forward_into(&self, x: &Matrix<T>, out: &mut Matrix<T>, cache: &mut AffineCache<T>) {
        affine_forward(x, &self.w, &self.b, out, self.par);
        cache.x.resize(x.rows(), x.cols());
        cache.x.copy_from(x);
    }

    #[track_caller]
    fn backward_into(
        &self,
        dout: &Matrix<T>,
        cache: &mut AffineCache<T>,
        grads: &mut AffineGrads<T>,
        dx: Option<&mut Matrix<T>>,
    ) {
        affine_backward(dout, &cache.x, &self.w, &mut grads.dw, &mut grads.db, dx, self.par);
    }
}
