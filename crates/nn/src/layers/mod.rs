//! Layers, one per file. Each module's header gives the forward and backward equations.
//!
//! Every layer offers free kernels that write into caller buffers (`*_forward`, `*_backward`) and a
//! layer type with a named cache. [`Dropout`] and [`BatchNorm`] take the [`Mode`](crate::Mode)
//! as an argument and have their own `forward`/`backward` methods (dropout needs an RNG,
//! batchnorm updates running averages in train mode).

pub mod affine;
pub mod affine_relu;
pub mod batchnorm;
pub mod dropout;
pub mod relu;
pub mod sigmoid;
pub mod swish;
pub mod tanh;

pub use affine::{Affine, AffineCache, AffineGrads, affine_backward, affine_forward};
pub use affine_relu::{AffineRelu, AffineReluCache};
pub use batchnorm::{BatchNorm, BatchNormCache, BatchNormGrads};
pub use dropout::{Dropout, DropoutCache};
pub use relu::{Relu, ReluCache, relu_backward, relu_backward_inplace, relu_forward, relu_inplace};
pub use sigmoid::{Sigmoid, SigmoidCache, sigmoid, sigmoid_backward, sigmoid_forward};
pub use swish::{Swish, SwishCache, swish_backward, swish_forward};
pub use tanh::{Tanh, TanhCache, tanh_backward, tanh_forward};
