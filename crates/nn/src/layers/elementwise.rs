//! The [`Layer`](crate::Layer) plumbing of the parameter-free elementwise layers (ReLU, sigmoid,
//! tanh, Swish), written once: forward runs the layer's kernel and saves one tensor — the output
//! for ReLU, sigmoid and tanh, whose derivatives read it, the input for Swish —, and backward runs
//! the kernel's backward on it (skipped when no `dx` is wanted). The equations are in each layer's
//! own module.

use handgrad_tensor::{Matrix, Scalar};

/// What an elementwise layer's forward saves: its output or its input (per the layer), `(n, d)`.
#[derive(Clone, Debug, Default)]
pub struct Saved<T: Scalar> {
    /// The saved tensor `(n, d)`.
    pub saved: Matrix<T>,
}

/// Implements `Layer<T>` (and its empty `Params`) for the unit struct `$layer` with forward kernel
/// `$forward(x, out)` and backward kernel `$backward(dout, saved, dx)`, saving the `output` or the
/// `input` of the forward pass.
macro_rules! elementwise_layer {
    ($layer:ident, $forward:ident, $backward:ident, $saves:ident) => {
        crate::layer::no_params!($layer);

        impl<T: handgrad_tensor::Scalar> crate::layer::Layer<T> for $layer {
            type Cache = crate::layers::elementwise::Saved<T>;

            fn forward_into(
                &self,
                x: &handgrad_tensor::Matrix<T>,
                out: &mut handgrad_tensor::Matrix<T>,
                cache: &mut Self::Cache,
                _par: handgrad_tensor::Par,
            ) {
                $forward(x, out);
                let saved = crate::layers::elementwise::elementwise_layer!(@pick $saves, x, out);
                cache.saved.resize(saved.rows(), saved.cols());
                cache.saved.copy_from(saved);
            }

            #[track_caller]
            fn backward_into(
                &self,
                dout: &handgrad_tensor::Matrix<T>,
                cache: &mut Self::Cache,
                _grads: &mut $layer,
                dx: Option<&mut handgrad_tensor::Matrix<T>>,
                _par: handgrad_tensor::Par,
            ) {
                if let Some(dx) = dx {
                    $backward(dout, &cache.saved, dx);
                }
            }
        }
    };
    (@pick output, $x:ident, $out:ident) => {
        &*$out
    };
    (@pick input, $x:ident, $out:ident) => {
        $x
    };
}
pub(crate) use elementwise_layer;
