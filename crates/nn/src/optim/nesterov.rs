//! Nesterov momentum, in the "look-ahead folded into the parameter" form of the CS231n notes
//! ("Neural Networks Part 3", Nesterov momentum; Sutskever et al. 2013):
//! `v_prev = v; v ← μ·v − lr·dw; w ← w − μ·v_prev + (1 + μ)·v`.

use handgrad_tensor::matrix::assert_same_shape;
use handgrad_tensor::{Matrix, Scalar};

use super::Optimizer;
use super::momentum::Velocity;

/// Nesterov momentum configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Nesterov {
    /// Learning rate.
    pub lr: f64,
    /// Momentum μ (default 0.9).
    pub momentum: f64,
}

impl Nesterov {
    /// Nesterov momentum with learning rate `lr` and μ = 0.9.
    pub fn new(lr: f64) -> Self {
        Self { lr, momentum: 0.9 }
    }
}

impl<T: Scalar> Optimizer<T> for Nesterov {
    type State = Velocity<T>;

    fn init_state(&self, w: &Matrix<T>) -> Velocity<T> {
        Velocity { v: Matrix::zeros(w.rows(), w.cols()) }
    }

    #[track_caller]
    fn step(&self, w: &mut Matrix<T>, dw: &Matrix<T>, state: &mut Velocity<T>) {
        assert_same_shape("Nesterov::step: w vs dw", w, dw);
        assert_same_shape("Nesterov::step: w vs v", w, &state.v);
        let (mu, lr) = (T::from_f64(self.momentum), T::from_f64(self.lr));
        let it = w.as_mut_slice().iter_mut().zip(state.v.as_mut_slice()).zip(dw.as_slice());
        for ((wi, vi), &gi) in it {
            let v_prev = *vi;
            *vi = mu * *vi - lr * gi;
            *wi += -mu * v_prev + (T::ONE + mu) * *vi;
        }
    }
}
