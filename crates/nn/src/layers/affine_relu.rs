//! The affine–ReLU sandwich: `out = max(0, x·W + b)`.
//!
//! Forward: `a = x·W + b` ([`affine_forward`]), `out = max(0, a)`.
//! Backward, in exact reverse order: `da = dout ⊙ 1[a > 0]`, then the affine backward of `da`
//! (`dW = xᵀ·da`, `db = Σ_rows da`, `dx = da·Wᵀ`). CS231n assignment 2, `affine_relu_backward`.
//!
//! Shapes: `x: (n, d)`, `W: (d, m)`, `b: (1, m)`, `out, dout: (n, m)`, `dx: (n, d)`.

use handgrad_tensor::{Matrix, Scalar};

use crate::layer::Layer;
use crate::layers::affine::{Affine, AffineGrads, affine_backward, affine_forward};
use crate::layers::relu::{relu_backward, relu_forward};

/// An affine layer followed by a ReLU, fused into one layer with one cache.
#[derive(Clone, Debug, PartialEq)]
pub struct AffineRelu<T: Scalar> {
    /// The affine part (`W: (d, m)`, `b: (1, m)`).
    pub affine: Affine<T>,
}

impl<T: Scalar> AffineRelu<T> {
    /// An affine–ReLU layer from explicit parameters `w: (d, m)`, `b: (1, m)`.
    #[track_caller]
    pub fn new(w: Matrix<T>, b: Matrix<T>) -> Self {
        Self { affine: Affine::new(w, b) }
    }
}

/// What [`AffineRelu`]'s forward saves, plus backward's scratch buffer.
#[derive(Clone, Debug)]
pub struct AffineReluCache<T: Scalar> {
    /// The forward input `x: (n, d)` (a copy).
    pub x: Matrix<T>,
    /// The pre-activation `a = x·W + b: (n, m)`.
    pub a: Matrix<T>,
    /// Scratch for `da = dout ⊙ 1[a > 0]: (n, m)`, reused by backward.
    pub da: Matrix<T>,
}

impl<T: Scalar> Default for AffineReluCache<T> {
    fn default() -> Self {
        Self { x: Matrix::zeros(0, 0), a: Matrix::zeros(0, 0), da: Matrix::zeros(0, 0) }
    }
}

impl<T: Scalar> Layer<T> for AffineRelu<T> {
    type Cache = AffineReluCache<T>;
    type Grads = AffineGrads<T>;

    fn zero_grads(&self) -> AffineGrads<T> {
        self.affine.zero_grads()
    }

    #[track_caller]
    fn forward_into(&self, x: &Matrix<T>, out: &mut Matrix<T>, cache: &mut AffineReluCache<T>) {
        affine_forward(x, &self.affine.w, &self.affine.b, &mut cache.a, self.affine.par);
        relu_forward(&cache.a, out);
        cache.x.resize(x.rows(), x.cols());
        cache.x.copy_from(x);
    }

    #[track_caller]
    fn backward_into(
        &self,
        dout: &Matrix<T>,
        cache: &mut AffineReluCache<T>,
        grads: &mut AffineGrads<T>,
        dx: Option<&mut Matrix<T>>,
    ) {
        relu_backward(dout, &cache.a, &mut cache.da);
        let a = &self.affine;
        affine_backward(&cache.da, &cache.x, &a.w, &mut grads.dw, &mut grads.db, dx, a.par);
    }
}
