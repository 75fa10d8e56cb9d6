//! Forward and backward passes of [`FullyConnectedNet`], and its [`Model`] implementation.
//!
//! Forward, hidden layer `l` (input `a_{l−1}`, with `a_0 = x`):
//! `z = a·W_l + b_l`; `[z ← γ_l·x̂(z) + β_l]`; `h = max(0, z)`; `[a_l = h ⊙ mask / keep]`.
//! Without batchnorm the affine map and the ReLU are one fused kernel (`affine_relu_forward`).
//! Output: `s = a_{L−1}·W_L + b_L`; `L = softmax_cross_entropy(s, q) + ½·reg·Σ_l ΣW_l²` with the
//! targets `q = (1 − ε)·onehot(y) + ε / C` (label smoothing `ε`, 0 by default: `q = onehot(y)`).
//!
//! Backward, in exact reverse order: `ds = (softmax(s) − q) / N`;
//! `dW_L = a_{L−1}ᵀ·ds`, `db_L = Σ ds`, `da = ds·W_Lᵀ`; then for `l = L−1 … 1`:
//! `[da ← da ⊙ mask / keep]`; `dz = da ⊙ [h > 0]`; `[dz ← batchnorm_backward(dz)]`;
//! `dW_l = a_{l−1}ᵀ·dz`, `db_l = Σ dz`, `da = dz·W_lᵀ` (skipped for `l = 1`: nobody needs `dx`).
//! Finally `dW_l += reg·W_l` for every layer.

use handgrad_nn::Mode;
use handgrad_nn::layers::{affine_backward, affine_forward, affine_relu_backward, affine_relu_forward};
use handgrad_nn::layers::{relu_backward_inplace, relu_inplace};
use handgrad_nn::loss::{add_l2_grads, l2_penalty_of_params, softmax_loss_into, softmax_smoothed_loss_into};
use handgrad_nn::solver::Model;
use handgrad_tensor::init::{Rng, rng_from_seed};
use handgrad_tensor::ops::argmax_rows;
use handgrad_tensor::{Matrix, Par, Scalar};

use crate::fc_net::{FcCache, FcParams, FullyConnectedNet, HiddenCache};

impl<T: Scalar> FullyConnectedNet<T> {
    /// Forward pass of `x: (N, D)` in `mode`; leaves the scores `(N, C)` in `cache.scores`.
    /// `rng` draws the dropout masks (train mode only).
    #[track_caller]
    pub fn forward(&mut self, x: &Matrix<T>, mode: Mode, cache: &mut FcCache<T>, rng: &mut Rng, par: Par) {
        let (bn, dp) = (self.config.batchnorm, self.dropout.is_some());
        let nh = self.params.hidden.len();
        cache.hidden.resize_with(nh, HiddenCache::default);
        for l in 0..nh {
            let (prev, rest) = cache.hidden.split_at_mut(l);
            let input = if l == 0 { x } else { prev[l - 1].out(bn, dp) };
            let HiddenCache { z, zn, dropped, bn: bn_cache, drop } = &mut rest[0];
            let layer = &self.params.hidden[l];
            let act = match &layer.norm {
                None => {
                    affine_relu_forward(input, &layer.affine, z, par);
                    z
                }
                Some(norm) => {
                    affine_forward(input, &layer.affine, z, par);
                    norm.forward_into(&mut self.norm_states[l], z, zn, bn_cache, mode);
                    relu_inplace(zn);
                    zn
                }
            };
            if let Some(d) = &self.dropout {
                d.forward_into(act, dropped, drop, mode, rng);
            }
        }
        let input = if nh == 0 { x } else { cache.hidden[nh - 1].out(bn, dp) };
        affine_forward(input, &self.params.output, &mut cache.scores, par);
    }

    /// Backward pass after a train-mode [`forward`](Self::forward) of the same `x`, with
    /// `cache.dscores` holding `dL/dscores`. Overwrites every tensor of `grads` (L2 term included).
    fn backward(&self, x: &Matrix<T>, cache: &mut FcCache<T>, grads: &mut FcParams<T>, par: Par) {
        let (bn, dp) = (self.config.batchnorm, self.dropout.is_some());
        let nh = self.params.hidden.len();
        let FcCache { hidden, dscores, da, dtmp, .. } = cache;
        let input = if nh == 0 { x } else { hidden[nh - 1].out(bn, dp) };
        let dx = if nh > 0 { Some(&mut *da) } else { None };
        affine_backward(dscores, input, &self.params.output, &mut grads.output, dx, par);
        for l in (0..nh).rev() {
            let (prev, rest) = hidden.split_at_mut(l);
            let cur = &mut rest[0];
            let input = if l == 0 { x } else { prev[l - 1].out(bn, dp) };
            if let Some(d) = &self.dropout {
                d.backward_into(da, &cur.drop, dtmp);
                core::mem::swap(da, dtmp);
            }
            let (layer, g) = (&self.params.hidden[l], &mut grads.hidden[l]);
            match (&layer.norm, &mut g.norm) {
                (None, _) => {
                    let dx = if l > 0 { Some(&mut *dtmp) } else { None };
                    affine_relu_backward(da, input, &cur.z, &layer.affine, &mut g.affine, dx, par);
                }
                (Some(norm), g_norm) => {
                    relu_backward_inplace(da, &cur.zn);
                    let g_norm = g_norm.as_mut().expect("the gradient has the parameters' batchnorm");
                    norm.backward_into(da, &mut cur.bn, g_norm, Some(dtmp));
                    core::mem::swap(da, dtmp);
                    let dx = if l > 0 { Some(&mut *dtmp) } else { None };
                    affine_backward(da, input, &layer.affine, &mut g.affine, dx, par);
                }
            }
            core::mem::swap(da, dtmp);
        }
        add_l2_grads(grads, &self.params, T::from_f64(self.config.reg));
    }
}

impl<T: Scalar> Model<T> for FullyConnectedNet<T> {
    type Params = FcParams<T>;
    type Cache = FcCache<T>;

    fn params(&self) -> &FcParams<T> {
        &self.params
    }

    fn params_mut(&mut self) -> &mut FcParams<T> {
        &mut self.params
    }

    /// Two per batchnorm layer: `2l` is layer `l`'s running mean, `2l + 1` its running variance
    /// (the checkpoint's order).
    fn running_stats_len(&self) -> usize {
        2 * self.norm_states.len()
    }

    fn running_stat(&self, i: usize) -> &Matrix<T> {
        let s = &self.norm_states[i / 2];
        if i.is_multiple_of(2) { &s.running_mean } else { &s.running_var }
    }

    fn running_stat_mut(&mut self, i: usize) -> &mut Matrix<T> {
        let s = &mut self.norm_states[i / 2];
        if i.is_multiple_of(2) { &mut s.running_mean } else { &mut s.running_var }
    }

    fn new_cache(&self) -> FcCache<T> {
        FcCache::default()
    }

    /// Train mode; `rng` draws the dropout masks.
    fn loss_and_grads(
        &mut self,
        x: &Matrix<T>,
        y: &[usize],
        cache: &mut FcCache<T>,
        grads: &mut FcParams<T>,
        rng: &mut Rng,
        par: Par,
    ) -> f64 {
        self.forward(x, Mode::Train, cache, rng, par);
        let data_loss = if self.label_smoothing > 0.0 {
            softmax_smoothed_loss_into(&cache.scores, y, self.label_smoothing, &mut cache.dscores)
        } else {
            softmax_loss_into(&cache.scores, y, &mut cache.dscores)
        };
        let loss = data_loss + l2_penalty_of_params(&self.params, T::from_f64(self.config.reg));
        self.backward(x, cache, grads, par);
        loss
    }

    fn predict(&mut self, x: &Matrix<T>, cache: &mut FcCache<T>, out: &mut [usize], par: Par) -> bool {
        // Eval mode draws no random numbers; the generator only satisfies the signature.
        self.forward(x, Mode::Eval, cache, &mut rng_from_seed(0), par);
        argmax_rows(out, &cache.scores);
        true
    }
}
