//! Losses as functions `(scores, labels) → (mean loss, dscores)`, and the L2 penalty.
//!
//! Losses are not layers: they end the forward pass and start the backward pass.

pub mod l2;
pub mod label_smoothing;
pub mod softmax;
pub mod squared_error;
pub mod svm;

pub use l2::{add_l2_grad, add_l2_grads, l2_penalty, l2_penalty_of_params, l2_penalty_of_sum_squares};
pub use label_smoothing::softmax_smoothed_loss_into;
pub use softmax::{softmax_loss, softmax_loss_into};
pub use squared_error::{squared_error_loss, squared_error_loss_into};
pub use svm::{svm_loss, svm_loss_into};
