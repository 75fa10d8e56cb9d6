#![doc = include_str!("../README.md")]
//!
//! ## Tour
//!
//! The nets of CS231n assignments 1 and 2 on CIFAR-10, built from handgrad-nn's layers and trained
//! by its one loop:
//!
//! - [`TwoLayerNet`] (`two_layer.rs`): affine–ReLU → affine → softmax, L2 penalty ½·reg·ΣW²,
//!   forward and backward in exact reverse order, and its fused SGD step beside them;
//! - [`FullyConnectedNet`] (`fc_net.rs`, `fc_net_pass.rs`): any number of hidden layers, optional
//!   batchnorm and dropout, any update rule;
//! - both implement [`Model`](handgrad_nn::solver::Model): parameters in a struct whose gradient is
//!   the same type, caches owned by the caller's [`Step`](handgrad_nn::solver::Step);
//! - [`Recipe`] and [`train`](train()): a whole CIFAR-10 run from one resolved configuration (the
//!   defaults table of each model is [`Recipe::defaults`], the best fc recipe [`Recipe::best`]:
//!   augmentation, label smoothing, AdamW, the cosine schedule); [`SearchSpace`]: the notebook's
//!   random or grid search as a list of recipes; [`CifarData`] / [`CifarSplit`] gather rows
//!   straight from the memory-mapped files (the training split through a random crop and flip
//!   when the recipe augments);
//! - [`checkpoint`]: parameters + config in safetensors files, verified on load; [`InputSpec`]:
//!   the preprocessing and class names stored with them (a checkpoint classifies images alone);
//!   [`resume`] / [`run_file`]: the loop state stored with them, so that [`train_from`] continues
//!   an interrupted run bit for bit;
//! - [`StepGemms`]: the five products of a two-layer step alone, the floor the benchmarks compare
//!   the step against.

pub mod checkpoint;
pub mod cifar_data;
pub mod fc_net;
mod fc_net_io;
mod fc_net_pass;
pub mod input_spec;
pub mod limits;
pub mod recipe;
pub mod resume;
pub mod run_file;
pub mod search;
pub mod step_gemms;
pub mod train;
pub mod two_layer;
mod two_layer_io;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use cifar_data::{CifarData, CifarSplit};
pub use fc_net::{FcCache, FcConfig, FcParams, FullyConnectedNet, HiddenParams};
pub use fc_net_io::FC_KIND;
pub use input_spec::InputSpec;
pub use recipe::{BEST, BestRecipe, ModelKind, Recipe, RecipeError, Schedule};
pub use search::SearchSpace;
pub use step_gemms::StepGemms;
pub use train::{Live, Outcome, Resumed, SavedState, Trained, train, train_from};
pub use two_layer::{TwoLayerCache, TwoLayerConfig, TwoLayerNet, TwoLayerParams};
pub use two_layer_io::TWO_LAYER_KIND;
