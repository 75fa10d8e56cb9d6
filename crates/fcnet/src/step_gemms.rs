//! [`StepGemms`]: the five matrix products of one [`TwoLayerNet`] training
//! step, alone — the floor that benchmarks compare the whole step against.
//!
//! With `x: (N, D)`, `W1: (D, H)`, `W2: (H, C)` they are, in the order the step runs them:
//!
//! ```text
//! h   = x·W1        (N, H)      forward, first layer
//! s   = h·W2        (N, C)      forward, second layer
//! dW2 = hᵀ·s        (H, C)      weight gradient, second layer
//! dh  = s·W2ᵀ       (N, H)      input gradient of the second layer
//! dW1 = xᵀ·dh       (D, H)      weight gradient, first layer (the step never computes dx)
//! ```
//!
//! Only the shapes and the products match the step; the values are whatever is in the buffers.

use handgrad_tensor::gemm::{gemm_flops, matmul, matmul_nt, matmul_tn};
use handgrad_tensor::{Accum, Matrix, Par, Scalar};

use crate::TwoLayerNet;

/// Buffers of the step's shapes and the five products on them.
#[derive(Debug, Clone)]
pub struct StepGemms<T: Scalar> {
    hidden: Matrix<T>,
    scores: Matrix<T>,
    dhidden: Matrix<T>,
    dw1: Matrix<T>,
    dw2: Matrix<T>,
}

impl<T: Scalar> StepGemms<T> {
    /// Buffers for batches of `batch` rows of `net`.
    pub fn new(net: &TwoLayerNet<T>, batch: usize) -> Self {
        let (d, h, c) = (net.config.input_dim, net.config.hidden, net.config.num_classes);
        Self {
            hidden: Matrix::zeros(batch, h),
            scores: Matrix::zeros(batch, c),
            dhidden: Matrix::zeros(batch, h),
            dw1: Matrix::zeros(d, h),
            dw2: Matrix::zeros(h, c),
        }
    }

    /// Runs the five products for the batch `x: (batch, D)` with `net`'s weights.
    ///
    /// # Panics
    /// If `x` does not have the shape the buffers were made for (the message names the shapes).
    #[track_caller]
    pub fn run(&mut self, net: &TwoLayerNet<T>, x: &Matrix<T>, par: Par) {
        let (w1, w2) = (&net.params.fc1.w, &net.params.fc2.w);
        matmul(&mut self.hidden, x, w1, Accum::Replace, par);
        matmul(&mut self.scores, &self.hidden, w2, Accum::Replace, par);
        matmul_tn(&mut self.dw2, &self.hidden, &self.scores, Accum::Replace, par);
        matmul_nt(&mut self.dhidden, &self.scores, w2, Accum::Replace, par);
        matmul_tn(&mut self.dw1, x, &self.dhidden, Accum::Replace, par);
    }

    /// Floating-point operations of [`run`](Self::run) for `batch` rows of `net`.
    pub fn flops(net: &TwoLayerNet<T>, batch: usize) -> u64 {
        let (n, d, h, c) = (batch, net.config.input_dim, net.config.hidden, net.config.num_classes);
        gemm_flops(n, d, h) + gemm_flops(n, h, c) + gemm_flops(h, n, c) + gemm_flops(n, c, h) + gemm_flops(d, n, h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TwoLayerConfig;
    use handgrad_tensor::init::{randn, rng_from_seed};

    #[test]
    fn flops_of_the_cifar_step() {
        let net = TwoLayerNet::<f32>::new(&TwoLayerConfig::cifar(50, 0.0), &mut rng_from_seed(0));
        // 2·200·3072·50 twice (forward, dW1) + 2·200·50·10 three times (forward, dW2, dh).
        assert_eq!(StepGemms::flops(&net, 200), 2 * 61_440_000 + 3 * 200_000);
    }

    #[test]
    fn first_products_are_the_forward_pass() {
        let mut rng = rng_from_seed(1);
        let config = TwoLayerConfig { input_dim: 6, hidden: 4, num_classes: 3, weight_scale: 1.0, reg: 0.0 };
        let net = TwoLayerNet::<f64>::new(&config, &mut rng);
        let x: Matrix<f64> = randn(5, 6, 1.0, &mut rng);
        let mut gemms = StepGemms::new(&net, 5);
        gemms.run(&net, &x, Par::Seq);
        let mut h = Matrix::zeros(5, 4);
        matmul(&mut h, &x, &net.params.fc1.w, Accum::Replace, Par::Seq);
        let mut s = Matrix::zeros(5, 3);
        matmul(&mut s, &h, &net.params.fc2.w, Accum::Replace, Par::Seq);
        assert_eq!((gemms.hidden, gemms.scores), (h, s));
    }
}
