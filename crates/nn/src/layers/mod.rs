//! Layers, one per file. Each module's header gives the forward and backward equations.

pub mod affine;
pub mod affine_relu;
pub mod relu;

pub use affine::{Affine, AffineCache, AffineGrads, affine_backward, affine_forward};
pub use affine_relu::{AffineRelu, AffineReluCache};
pub use relu::{Relu, ReluCache, relu_backward, relu_backward_inplace, relu_forward, relu_inplace};
