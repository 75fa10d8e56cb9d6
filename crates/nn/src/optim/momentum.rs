//! SGD with momentum: `v ← μ·v − lr·dw; w ← w + v` (CS231n assignment 2, `sgd_momentum`).

use handgrad_tensor::matrix::assert_same_shape;
use handgrad_tensor::{Matrix, Scalar};

use super::Optimizer;

/// Momentum configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Momentum {
    /// Learning rate.
    pub lr: f64,
    /// Momentum μ (default 0.9).
    pub momentum: f64,
}

impl Momentum {
    /// Momentum with learning rate `lr` and μ = 0.9.
    pub fn new(lr: f64) -> Self {
        Self { lr, momentum: 0.9 }
    }
}

/// The velocity `v` of a momentum rule, shaped like its parameter (starts at zero).
#[derive(Clone, Debug, PartialEq)]
pub struct Velocity<T: Scalar> {
    /// `v`, same shape as the parameter.
    pub v: Matrix<T>,
}

impl<T: Scalar> Optimizer<T> for Momentum {
    type State = Velocity<T>;

    fn init_state(&self, w: &Matrix<T>) -> Velocity<T> {
        Velocity { v: Matrix::zeros(w.rows(), w.cols()) }
    }

    #[track_caller]
    fn step(&self, w: &mut Matrix<T>, dw: &Matrix<T>, state: &mut Velocity<T>) {
        assert_same_shape("Momentum::step: w vs dw", w, dw);
        assert_same_shape("Momentum::step: w vs v", w, &state.v);
        let (mu, lr) = (T::from_f64(self.momentum), T::from_f64(self.lr));
        let it = w.as_mut_slice().iter_mut().zip(state.v.as_mut_slice()).zip(dw.as_slice());
        for ((wi, vi), &gi) in it {
            *vi = mu * *vi - lr * gi;
            *wi += *vi;
        }
    }
}
