//! # handgrad-fcnet
//!
//! The nets of CS231n assignments 1 and 2 on CIFAR-10, with hand-written backprop:
//!
//! - [`TwoLayerNet`]: affine → ReLU → affine → softmax, L2 penalty ½·reg·ΣW², the notebook's
//!   SGD schedule ([`SgdSchedule`]); its training step allocates nothing after the first iteration.
//! - [`checkpoint`]: parameters + config in safetensors files, verified on load.
//! - [`FullyConnectedNet`]: any number of hidden layers, optional batchnorm and dropout, trained
//!   by `handgrad_nn::solver::Solver` with any update rule.
//! - [`Dataset`] (from `handgrad-nn`): the data interface of the training loops; [`CifarSplit`]
//!   gathers CIFAR-10 rows straight from the memory-mapped files, [`InMemory`] holds small data.
//!
//! ```
//! use handgrad_fcnet::{TwoLayerConfig, TwoLayerNet};
//! use handgrad_tensor::{Matrix, init::rng_from_seed};
//!
//! let config = TwoLayerConfig { input_dim: 4, hidden_dim: 5, num_classes: 3, std: 1e-1 };
//! let net = TwoLayerNet::<f64>::new(&config, &mut rng_from_seed(0));
//! let x = Matrix::from_rows(&[[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, -1.0, 2.0]]); // (2, 4)
//! let (loss, grads) = net.loss(&x, &[0, 2], 0.1);
//! // Small random weights: scores near zero, so the data loss is close to ln 3.
//! assert!((loss - 3f64.ln()).abs() < 0.1);
//! assert_eq!(grads.w1.shape(), (4, 5));
//! assert_eq!(net.predict(&x).len(), 2);
//! ```

pub mod checkpoint;
pub mod cifar_data;
pub mod eval;
pub mod fc_net;
mod fc_net_io;
mod fc_net_pass;
pub mod fused;
pub mod history;
pub mod step_gemms;
pub mod two_layer;
mod two_layer_io;
pub mod two_layer_train;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use cifar_data::CifarSplit;
pub use eval::{Classifier, accuracy};
pub use fc_net::{FcConfig, FullyConnectedNet};
pub use fc_net_io::FC_KIND;
pub use handgrad_nn::solver::{Dataset, InMemory};
pub use history::{EpochRecord, Progress, TrainHistory};
pub use step_gemms::StepGemms;
pub use two_layer::{TwoLayerCache, TwoLayerConfig, TwoLayerGrads, TwoLayerNet};
pub use two_layer_io::TWO_LAYER_KIND;
pub use two_layer_train::SgdSchedule;

/// Why a training run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The loss became NaN or infinite.
    #[error(
        "training diverged at iteration {iter}: loss {loss} with learning rate {learning_rate:e}; lower the learning rate (or the weight scale) and run again"
    )]
    Diverged {
        /// Iteration (0-based).
        iter: usize,
        /// Learning rate in force.
        learning_rate: f64,
        /// The non-finite loss.
        loss: f64,
    },
}
