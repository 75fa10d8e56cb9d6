//! # handgrad-nn
//!
//! Hand-written backprop: layers with readable backward passes, losses, optimizers, and a Solver.
//!
//! - [`layer`]: the layer contract ([`Layer`]: `forward → (out, cache)`, `backward(dout, cache)`
//!   **overwrites** the parameter gradients and returns `dx`), and the [`Mode`] argument;
//! - [`layers`]: affine, ReLU, the affine–ReLU sandwich, sigmoid, tanh, Swish, inverted dropout and
//!   batch normalisation (each with free kernels writing into caller buffers);
//! - [`loss`]: softmax cross-entropy and multiclass SVM as `(scores, labels) → (loss, dscores)`,
//!   and the L2 penalty `½·reg·ΣW²` (weights only);
//! - [`optim`]: SGD, momentum, Nesterov, RMSProp, Adam — a config value plus per-parameter state,
//!   `opt.step(&mut w, &dw, &mut state)`; [`optim::UpdateRule`] picks one at run time;
//! - [`solver`]: the CS231n-style [`Solver`](solver::Solver) that trains any
//!   [`Model`](solver::Model) on any [`Dataset`](solver::Dataset), reporting through a callback.
//!
//! Rows are samples everywhere: `x: (n_samples, n_features)`. Everything is generic over
//! [`Scalar`] (`f32` for training, `f64` for gradient checks).
//!
//! `#![no_std]` + `alloc`; the `std` feature (default) turns on faer's fast GEMM kernels.
//!
//! ## Example: a layer and a loss from explicit parameters, and one optimizer step by hand
//!
//! ```
//! use handgrad_nn::optim::{Adam, Optimizer};
//! use handgrad_nn::{Layer, Matrix, layers::Affine, loss::softmax_loss};
//!
//! // A 2-feature, 3-class linear classifier with chosen weights.
//! let mut fc = Affine::new(
//!     Matrix::from_rows(&[[0.1, -0.2, 0.0], [0.3, 0.1, -0.1]]), // W: (2, 3)
//!     Matrix::from_rows(&[[0.0, 0.1, -0.1]]),                  // b: (1, 3)
//! );
//! let x = Matrix::from_rows(&[[1.0, 2.0], [-1.0, 0.5]]); // (2, 2)
//! let y = [2, 0];
//!
//! let (scores, mut cache) = fc.forward(&x);
//! let (loss, dscores) = softmax_loss(&scores, &y);
//! let mut grads = fc.zero_grads();
//! let dx = fc.backward(&dscores, &mut cache, &mut grads);
//! assert_eq!(dx.shape(), (2, 2));
//!
//! // One Adam step on each parameter, with its own state created from the parameter.
//! let adam = Adam::new(0.1); // the learning rate is always explicit
//! let (mut sw, mut sb) = (adam.init_state(&fc.w), adam.init_state(&fc.b));
//! adam.step(&mut fc.w, &grads.dw, &mut sw);
//! adam.step(&mut fc.b, &grads.db, &mut sb);
//! let (scores, _) = fc.forward(&x);
//! assert!(softmax_loss(&scores, &y).0 < loss);
//! ```
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod layer;
pub mod layers;
pub mod loss;
pub mod optim;
pub mod solver;

pub use handgrad_tensor::{Matrix, Scalar};
pub use layer::{Layer, Mode};
