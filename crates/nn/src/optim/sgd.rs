//! Vanilla stochastic gradient descent: `w ← w − lr·dw`.

use handgrad_tensor::ops::axpy;
use handgrad_tensor::{Matrix, Scalar};

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
}

impl<T: Scalar> Optimizer<T> for Sgd {
    type State = ();

    fn init_state(&self, _w: &Matrix<T>) {}

    #[track_caller]
    fn step(&self, w: &mut Matrix<T>, dw: &Matrix<T>, _state: &mut ()) {
        axpy(w, T::from_f64(-self.lr), dw);
    }
}
