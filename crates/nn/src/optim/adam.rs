//! Adam (Kingma & Ba 2015, Algorithm 1; CS231n assignment 2, `adam`). With `t` incremented first:
//! `t ← t + 1; m ← β₁·m + (1 − β₁)·dw; v ← β₂·v + (1 − β₂)·dw²;`
//! `m̂ = m / (1 − β₁ᵗ); v̂ = v / (1 − β₂ᵗ); w ← w − lr·m̂ / (√v̂ + ε)`.
//!
//! `β₁ᵗ` and `β₂ᵗ` are kept in the state as running products (exact in `f64`, no `powi` needed
//! without `std`).

use handgrad_tensor::matrix::assert_same_shape;
use handgrad_tensor::{Matrix, Scalar};

use super::Optimizer;

/// Adam configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adam {
    /// Learning rate.
    pub lr: f64,
    /// Decay β₁ of the first-moment estimate (default 0.9).
    pub beta1: f64,
    /// Decay β₂ of the second-moment estimate (default 0.999).
    pub beta2: f64,
    /// ε added to the root (default 1e-8).
    pub eps: f64,
}

impl Adam {
    /// Adam with learning rate `lr`, β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    pub fn new(lr: f64) -> Self {
        Self { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 }
    }
}

/// Adam's per-parameter state.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamState<T: Scalar> {
    /// First moment `m`, same shape as the parameter.
    pub m: Matrix<T>,
    /// Second moment `v`, same shape as the parameter.
    pub v: Matrix<T>,
    /// Steps taken so far, `t`.
    pub t: u64,
    /// `β₁ᵗ`.
    pub beta1_t: f64,
    /// `β₂ᵗ`.
    pub beta2_t: f64,
}

impl<T: Scalar> Optimizer<T> for Adam {
    type State = AdamState<T>;

    fn init_state(&self, w: &Matrix<T>) -> AdamState<T> {
        let z = Matrix::zeros(w.rows(), w.cols());
        AdamState { m: z.clone(), v: z, t: 0, beta1_t: 1.0, beta2_t: 1.0 }
    }

    #[track_caller]
    fn step(&self, w: &mut Matrix<T>, dw: &Matrix<T>, s: &mut AdamState<T>) {
        assert_same_shape("Adam::step: w vs dw", w, dw);
        assert_same_shape("Adam::step: w vs m", w, &s.m);
        s.t += 1;
        s.beta1_t *= self.beta1;
        s.beta2_t *= self.beta2;
        let (b1, b2) = (T::from_f64(self.beta1), T::from_f64(self.beta2));
        let (c1, c2) = (T::from_f64(1.0 - s.beta1_t), T::from_f64(1.0 - s.beta2_t));
        let (lr, eps) = (T::from_f64(self.lr), T::from_f64(self.eps));
        let it = w.as_mut_slice().iter_mut().zip(s.m.as_mut_slice()).zip(s.v.as_mut_slice()).zip(dw.as_slice());
        for (((wi, mi), vi), &gi) in it {
            *mi = b1 * *mi + (T::ONE - b1) * gi;
            *vi = b2 * *vi + (T::ONE - b2) * gi * gi;
            let (m_hat, v_hat) = (*mi / c1, *vi / c2);
            *wi -= lr * m_hat / (v_hat.sqrt() + eps);
        }
    }
}
