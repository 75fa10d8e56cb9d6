//! Losses as functions `(scores, labels) → (mean loss, dscores)`, and the L2 penalty.
//!
//! Losses are not layers: they end the forward pass and start the backward pass.

pub mod l2;
pub mod softmax;
pub mod svm;

pub use l2::{add_l2_grad, l2_penalty};
pub use softmax::{softmax_loss, softmax_loss_into};
pub use svm::{svm_loss, svm_loss_into};
