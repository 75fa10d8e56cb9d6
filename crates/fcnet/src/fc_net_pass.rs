//! Forward and backward passes of [`FullyConnectedNet`], and its [`Model`] implementation.
//!
//! Forward, hidden layer `l` (input `a_{l−1}`, with `a_0 = x`):
//! `z = a·W_l + b_l`; `[z ← γ_l·x̂(z) + β_l]`; `h = max(0, z)`; `[a_l = h ⊙ mask / keep]`.
//! Output: `s = a_{L−1}·W_L + b_L`; `L = softmax_cross_entropy(s, y) + ½·reg·Σ_l ΣW_l²`.
//!
//! Backward, in exact reverse order: `ds = (softmax(s) − onehot(y)) / N`;
//! `dW_L = a_{L−1}ᵀ·ds`, `db_L = Σ ds`, `da = ds·W_Lᵀ`; then for `l = L−1 … 1`:
//! `[da ← da ⊙ mask / keep]`; `dz = da ⊙ [h > 0]`; `[dz ← batchnorm_backward(dz)]`;
//! `dW_l = a_{l−1}ᵀ·dz`, `db_l = Σ dz`, `da = dz·W_lᵀ` (skipped for `l = 1`: nobody needs `dx`).
//! Finally `dW_l += reg·W_l` for every layer.

use handgrad_nn::Mode;
use handgrad_nn::layers::affine::{affine_backward, affine_forward};
use handgrad_nn::layers::relu::{relu_backward_inplace, relu_inplace};
use handgrad_nn::loss::l2::{add_l2_grad, l2_penalty};
use handgrad_nn::loss::softmax::softmax_loss_into;
use handgrad_nn::solver::Model;
use handgrad_tensor::init::{Rng, rng_from_seed};
use handgrad_tensor::ops::argmax_rows;
use handgrad_tensor::{Matrix, Scalar};

use crate::eval::Classifier;
use crate::fc_net::{FullyConnectedNet, HiddenBufs};

impl<T: Scalar> FullyConnectedNet<T> {
    /// Forward pass of `x: (N, D)` in `mode`; leaves the scores `(N, C)` in `self.scores`.
    /// `rng` draws the dropout masks (train mode only).
    #[track_caller]
    pub fn forward(&mut self, x: &Matrix<T>, mode: Mode, rng: &mut Rng) -> &Matrix<T> {
        let (bn, dp) = (self.config.batchnorm, self.dropout.is_some());
        let nh = self.bufs.len();
        for l in 0..nh {
            let (prev, rest) = self.bufs.split_at_mut(l);
            let input = if l == 0 { x } else { prev[l - 1].out(bn, dp) };
            let HiddenBufs { z, zn, dropped, bn_cache, drop_cache } = &mut rest[0];
            affine_forward(input, &self.weights[l], &self.biases[l], z, self.par);
            let act = if bn {
                self.norms[l].forward_into(z, zn, bn_cache, mode);
                zn
            } else {
                z
            };
            relu_inplace(act);
            if let Some(d) = &self.dropout {
                d.forward_into(act, dropped, drop_cache, mode, rng);
            }
        }
        let input = if nh == 0 { x } else { self.bufs[nh - 1].out(bn, dp) };
        affine_forward(input, &self.weights[nh], &self.biases[nh], &mut self.scores, self.par);
        &self.scores
    }

    /// Backward pass after a train-mode [`forward`](Self::forward) of the same `x`, with
    /// `self.dscores` holding `dL/dscores`. Overwrites every gradient (L2 term included).
    fn backward(&mut self, x: &Matrix<T>) {
        let (bn, dp) = (self.config.batchnorm, self.dropout.is_some());
        let nh = self.bufs.len();
        let input = if nh == 0 { x } else { self.bufs[nh - 1].out(bn, dp) };
        let dx = if nh > 0 { Some(&mut self.da) } else { None };
        affine_backward(
            &self.dscores,
            input,
            &self.weights[nh],
            &mut self.w_grads[nh],
            &mut self.b_grads[nh],
            dx,
            self.par,
        );
        for l in (0..nh).rev() {
            let (prev, rest) = self.bufs.split_at_mut(l);
            let cur = &mut rest[0];
            if let Some(d) = &self.dropout {
                d.backward_into(&self.da, &cur.drop_cache, &mut self.dtmp);
                core::mem::swap(&mut self.da, &mut self.dtmp);
            }
            relu_backward_inplace(&mut self.da, cur.relu_out(bn));
            if bn {
                self.norms[l].backward_into(&self.da, &mut cur.bn_cache, &mut self.bn_grads[l], Some(&mut self.dtmp));
                core::mem::swap(&mut self.da, &mut self.dtmp);
            }
            let input = if l == 0 { x } else { prev[l - 1].out(bn, dp) };
            let dx = if l > 0 { Some(&mut self.dtmp) } else { None };
            affine_backward(
                &self.da,
                input,
                &self.weights[l],
                &mut self.w_grads[l],
                &mut self.b_grads[l],
                dx,
                self.par,
            );
            core::mem::swap(&mut self.da, &mut self.dtmp);
        }
        let reg = T::from_f64(self.config.reg);
        for (dw, w) in self.w_grads.iter_mut().zip(&self.weights) {
            add_l2_grad(dw, w, reg);
        }
    }

    /// Train-mode loss of `x: (N, D)`, `y: (N,)` with gradients left in the net (see
    /// [`grad`](Self::grad)); `rng` draws the dropout masks. Returns the loss in `f64`.
    pub fn loss(&mut self, x: &Matrix<T>, y: &[usize], rng: &mut Rng) -> f64 {
        self.forward(x, Mode::Train, rng);
        let data_loss = softmax_loss_into(&self.scores, y, &mut self.dscores).to_f64();
        let reg = T::from_f64(self.config.reg);
        let reg_loss: f64 = self.weights.iter().map(|w| l2_penalty(w, reg).to_f64()).sum();
        self.backward(x);
        data_loss + reg_loss
    }

    /// Eval-mode class predictions of `x: (N, D)` into `out: (N,)`.
    pub fn predict_into(&mut self, x: &Matrix<T>, out: &mut [usize]) {
        // Eval mode draws no random numbers; the generator is only there to satisfy the signature.
        let mut unused = rng_from_seed(0);
        self.forward(x, Mode::Eval, &mut unused);
        argmax_rows(out, &self.scores);
    }
}

impl<T: Scalar> Model<T> for FullyConnectedNet<T> {
    fn num_params(&self) -> usize {
        self.slots.len()
    }

    fn param_name(&self, i: usize) -> &str {
        &self.names[i]
    }

    fn param(&self, i: usize) -> &Matrix<T> {
        self.slot(i)
    }

    fn param_mut(&mut self, i: usize) -> &mut Matrix<T> {
        self.slot_mut(i)
    }

    fn param_and_grad(&mut self, i: usize) -> (&mut Matrix<T>, &Matrix<T>) {
        self.slot_and_grad(i)
    }

    fn loss_and_grads(&mut self, x: &Matrix<T>, y: &[usize], rng: &mut Rng) -> T {
        T::from_f64(self.loss(x, y, rng))
    }

    fn predict(&mut self, x: &Matrix<T>, out: &mut [usize]) -> bool {
        self.predict_into(x, out);
        true
    }
}

impl<T: Scalar> Classifier<T> for FullyConnectedNet<T> {
    fn predict_into(&mut self, x: &Matrix<T>, out: &mut [usize]) {
        FullyConnectedNet::predict_into(self, x, out);
    }
}
