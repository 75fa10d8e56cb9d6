//! RMSProp (Tieleman & Hinton 2012; CS231n assignment 2, `rmsprop`):
//! `a ← ρ·a + (1 − ρ)·dw²; w ← w − lr·dw / (√a + ε)`.

use handgrad_tensor::matrix::assert_same_shape;
use handgrad_tensor::{Matrix, Scalar};

use super::Optimizer;

/// RMSProp configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmsProp {
    /// Learning rate.
    pub lr: f64,
    /// Decay rate ρ of the squared-gradient average (default 0.99).
    pub decay_rate: f64,
    /// ε added to the root (default 1e-8).
    pub eps: f64,
}

impl RmsProp {
    /// RMSProp with learning rate `lr`, ρ = 0.99, ε = 1e-8.
    pub fn new(lr: f64) -> Self {
        Self { lr, decay_rate: 0.99, eps: 1e-8 }
    }
}

/// RMSProp's running average of squared gradients `a`, shaped like its parameter (starts at zero).
#[derive(Clone, Debug, PartialEq)]
pub struct RmsPropState<T: Scalar> {
    /// `a`, same shape as the parameter.
    pub cache: Matrix<T>,
}

impl<T: Scalar> Optimizer<T> for RmsProp {
    type State = RmsPropState<T>;

    fn init_state(&self, w: &Matrix<T>) -> RmsPropState<T> {
        RmsPropState { cache: Matrix::zeros(w.rows(), w.cols()) }
    }

    #[track_caller]
    fn step(&self, w: &mut Matrix<T>, dw: &Matrix<T>, state: &mut RmsPropState<T>) {
        assert_same_shape("RmsProp::step: w vs dw", w, dw);
        assert_same_shape("RmsProp::step: w vs cache", w, &state.cache);
        let (rho, lr, eps) = (T::from_f64(self.decay_rate), T::from_f64(self.lr), T::from_f64(self.eps));
        let it = w.as_mut_slice().iter_mut().zip(state.cache.as_mut_slice()).zip(dw.as_slice());
        for ((wi, ai), &gi) in it {
            *ai = rho * *ai + (T::ONE - rho) * gi * gi;
            *wi -= lr * gi / (ai.sqrt() + eps);
        }
    }
}
