//! # handgrad-nn
//!
//! Hand-written backprop: layers with readable backward passes, losses, optimizers, and a Solver.
//!
//! - [`layer`]: the layer contract ([`Layer`]: `forward → (out, cache)`, `backward(dout, cache)`
//!   **overwrites** the parameter gradients and returns `dx`), and the [`Mode`] argument;
//! - [`layers`]: affine, ReLU, the affine–ReLU sandwich (each with free, copy-free kernels);
//! - [`loss`]: softmax cross-entropy and multiclass SVM as `(scores, labels) → (loss, dscores)`,
//!   and the L2 penalty `½·reg·ΣW²` (weights only).
//!
//! Rows are samples everywhere: `x: (n_samples, n_features)`. Everything is generic over
//! [`Scalar`] (`f32` for training, `f64` for gradient checks).
//!
//! `#![no_std]` + `alloc`; the `std` feature (default) turns on faer's fast GEMM kernels.
//!
//! ## Example: a layer and a loss from explicit parameters, and one update by hand
//!
//! ```
//! use handgrad_nn::{Layer, layers::Affine, loss::softmax_loss};
//! use handgrad_tensor::{Matrix, ops::axpy};
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
//! // Plain gradient descent, W ← W − lr·dW, by hand; the loss goes down.
//! axpy(&mut fc.w, -0.5, &grads.dw);
//! axpy(&mut fc.b, -0.5, &grads.db);
//! let (scores, _) = fc.forward(&x);
//! assert!(softmax_loss(&scores, &y).0 < loss);
//! ```
#![no_std]

#[allow(unused_extern_crates)] // used once the Solver lands
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod layer;
pub mod layers;
pub mod loss;

pub use handgrad_tensor::{Matrix, Scalar};
pub use layer::{Layer, Mode};
