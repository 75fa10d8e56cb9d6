//! Layers, one per file. Each module's header gives the forward and backward equations.
//!
//! Every layer offers free kernels that write into caller buffers (`*_forward`, `*_backward`) —
//! what the models call — and a layer type whose value is its parameters (the gradient is another
//! value of the same type). [`Dropout`] and [`BatchNorm`] take the [`Mode`](crate::Mode) as an
//! argument and have their own `forward`/`backward` methods (dropout needs an RNG, batchnorm
//! updates running averages in train mode).

pub mod activation;
pub mod affine;
pub mod affine_relu;
pub mod batchnorm;
pub mod dropout;
pub mod elementwise;
pub mod linear;
pub mod relu;
pub mod sigmoid;
pub mod swish;
pub mod tanh;

pub use activation::Activation;
pub use affine::{Affine, AffineCache, affine_backward, affine_forward};
pub use affine_relu::{
    AffineRelu, AffineReluCache, affine_relu_backward, affine_relu_forward, bias_relu_inplace,
    relu_bias_backward_inplace,
};
pub use batchnorm::{BatchNorm, BatchNormCache, BatchNormState};
pub use dropout::{Dropout, DropoutCache};
pub use linear::{linear_backward, linear_forward, linear_t_backward, linear_t_forward};
pub use relu::{Relu, ReluCache, relu_backward, relu_backward_inplace, relu_forward, relu_inplace};
pub use sigmoid::{Sigmoid, SigmoidCache, sigmoid, sigmoid_backward, sigmoid_backward_inplace, sigmoid_forward};
pub use swish::{Swish, SwishCache, swish_backward, swish_forward};
pub use tanh::{Tanh, TanhCache, tanh_backward, tanh_backward_inplace, tanh_forward};
