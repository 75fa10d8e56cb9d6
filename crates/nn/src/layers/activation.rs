//! [`Activation`]: an elementwise nonlinearity chosen at run time (sigmoid, tanh, ReLU, identity),
//! dispatching to the layer kernels of this crate.
//!
//! | `f`        | `f(a)`              | `f'(a)`, read from the cache            | kernel                  |
//! |------------|---------------------|------------------------------------------|-------------------------|
//! | sigmoid    | `1 / (1 + e^{−a})`  | `y (1 − y)` with `y = f(a)` the output   | [`mod@crate::layers::sigmoid`] |
//! | tanh       | `tanh a`            | `1 − y²`                                 | [`crate::layers::tanh`]    |
//! | ReLU       | `max(0, a)`         | `1[a > 0]` (0 at the kink)               | [`crate::layers::relu`]    |
//! | identity   | `a`                 | `1`                                      | a copy                  |
//!
//! The backward reads the saved output (sigmoid, tanh) or either side (ReLU), so it never
//! recomputes an exponential. Source: the standard results, e.g. Goodfellow, Bengio & Courville,
//! *Deep Learning* (2016), §6.3. Shapes: `a, y, dout, dx: (n, d)`.

use handgrad_tensor::{Matrix, Scalar};

use crate::layers::relu::{relu_backward_inplace, relu_forward};
use crate::layers::sigmoid::{sigmoid_backward_inplace, sigmoid_forward};
use crate::layers::tanh::{tanh_backward_inplace, tanh_forward};

/// An elementwise nonlinearity `f: ℝ → ℝ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activation {
    /// `f(a) = 1 / (1 + e^{−a})` (computed without overflow, [`crate::layers::sigmoid::sigmoid`]).
    Sigmoid,
    /// `f(a) = tanh a`.
    Tanh,
    /// `f(a) = max(0, a)`.
    Relu,
    /// `f(a) = a`.
    Identity,
}

impl Activation {
    /// All four, in a fixed order (for tests and command-line listings).
    pub const ALL: [Activation; 4] = [Activation::Sigmoid, Activation::Tanh, Activation::Relu, Activation::Identity];

    /// The lower-case name (`"sigmoid"`, `"tanh"`, `"relu"`, `"identity"`).
    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::Identity => "identity",
        }
    }

    /// The activation called `name` (one of [`Activation::name`]'s values).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// `y = f(a)`, elementwise; `y` is resized to `a`'s shape.
    pub fn forward<T: Scalar>(self, a: &Matrix<T>, y: &mut Matrix<T>) {
        match self {
            Activation::Sigmoid => sigmoid_forward(a, y),
            Activation::Tanh => tanh_forward(a, y),
            Activation::Relu => relu_forward(a, y),
            Activation::Identity => {
                y.resize(a.rows(), a.cols());
                y.copy_from(a);
            }
        }
    }

    /// `d ← d ⊙ f'(a)` in place, with `a` the forward input and `y = f(a)` its output.
    ///
    /// # Panics
    /// If the shapes differ.
    #[track_caller]
    pub fn backward_inplace<T: Scalar>(self, d: &mut Matrix<T>, a: &Matrix<T>, y: &Matrix<T>) {
        handgrad_tensor::matrix::assert_same_shape("Activation::backward: a vs y", a, y);
        match self {
            Activation::Sigmoid => sigmoid_backward_inplace(d, y),
            Activation::Tanh => tanh_backward_inplace(d, y),
            Activation::Relu => relu_backward_inplace(d, a),
            Activation::Identity => handgrad_tensor::matrix::assert_same_shape("Activation::backward", d, a),
        }
    }
}
