//! The elementwise nonlinearities `f` of the nonlinear autoencoder, and their derivatives.
//!
//! | `f`        | `f(a)`              | `f'(a)` written with `y = f(a)` |
//! |------------|---------------------|----------------------------------|
//! | sigmoid    | `1 / (1 + e^{−a})`  | `y (1 − y)`                      |
//! | tanh       | `tanh a`            | `1 − y²`                         |
//! | ReLU       | `max(0, a)`         | `1 if a > 0 else 0` (0 at the kink) |
//! | identity   | `a`                 | `1`                              |
//!
//! The derivative is evaluated from the cached pre-activation `a` and output `y`, so the backward
//! pass never recomputes an exponential. Source: the standard results, e.g. Goodfellow, Bengio &
//! Courville, *Deep Learning* (2016), §6.3.

use handgrad_tensor::Scalar;

/// An elementwise nonlinearity `f: ℝ → ℝ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activation {
    /// `f(a) = 1 / (1 + e^{−a})`.
    Sigmoid,
    /// `f(a) = tanh a`.
    Tanh,
    /// `f(a) = max(0, a)`.
    Relu,
    /// `f(a) = a`: the nonlinear model then equals the tied linear one.
    Identity,
}

impl Activation {
    /// All four, in a fixed order (for tests and command-line listings).
    pub const ALL: [Activation; 4] = [Activation::Sigmoid, Activation::Tanh, Activation::Relu, Activation::Identity];

    /// `f(a)`.
    #[inline]
    pub fn apply<T: Scalar>(self, a: T) -> T {
        match self {
            Activation::Sigmoid => T::ONE / (T::ONE + (-a).exp()),
            Activation::Tanh => a.tanh(),
            Activation::Relu => a.max(T::ZERO),
            Activation::Identity => a,
        }
    }

    /// `f'(a)`, given the pre-activation `a` and the output `y = f(a)`.
    #[inline]
    pub fn derivative<T: Scalar>(self, a: T, y: T) -> T {
        match self {
            Activation::Sigmoid => y * (T::ONE - y),
            Activation::Tanh => T::ONE - y * y,
            Activation::Relu => {
                if a > T::ZERO {
                    T::ONE
                } else {
                    T::ZERO
                }
            }
            Activation::Identity => T::ONE,
        }
    }

    /// The lower-case name (`"sigmoid"`, `"tanh"`, `"relu"`, `"identity"`).
    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::Identity => "identity",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each derivative against a central difference of `apply`, away from ReLU's kink.
    #[test]
    fn derivatives_match_central_differences() {
        let h = handgrad_tensor::tol::FD_STEP;
        for f in Activation::ALL {
            for &a in &[-1.7_f64, -0.3, 0.4, 2.1] {
                let numeric = (f.apply(a + h) - f.apply(a - h)) / (2.0 * h);
                let analytic = f.derivative(a, f.apply(a));
                let err = handgrad_tensor::gradcheck::rel_error_scalar(analytic, numeric);
                assert!(err < handgrad_tensor::tol::GRAD_SMOOTH, "{}: f'({a}) = {analytic} vs {numeric}", f.name());
            }
        }
    }

    #[test]
    fn values_at_known_points() {
        assert_eq!(Activation::Sigmoid.apply(0.0_f64), 0.5);
        assert_eq!(Activation::Tanh.apply(0.0_f64), 0.0);
        assert_eq!(Activation::Relu.apply(-3.0_f64), 0.0);
        assert_eq!(Activation::Relu.apply(3.0_f64), 3.0);
        assert_eq!(Activation::Identity.apply(-3.0_f64), -3.0);
        assert_eq!(Activation::Relu.derivative(0.0_f64, 0.0), 0.0);
    }
}
