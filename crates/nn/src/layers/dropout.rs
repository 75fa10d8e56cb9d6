//! Inverted dropout (Srivastava et al. 2014; CS231n assignment 2, `dropout_forward`).
//!
//! With keep probability `p` (note: the probability of *keeping* a unit):
//! - train: `mask_ij = 1[u_ij < p] / p` with `u_ij ~ U[0, 1)` from the caller's RNG;
//!   `out = x ⊙ mask`, so `E[out] = x` and nothing needs rescaling at test time;
//! - eval: `out = x` (identity).
//!
//! Backward: `dx = dout ⊙ mask` in train mode, `dx = dout` in eval mode.
//! Shapes: `x, out, dout, dx, mask: (n, d)`.

use handgrad_tensor::ops::zip_map;
use handgrad_tensor::{Matrix, Scalar};
use rand::RngExt as _;

use crate::layer::Mode;

/// Inverted dropout with keep probability `keep_prob ∈ (0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dropout {
    /// Probability of keeping a unit.
    pub keep_prob: f64,
}

/// What [`Dropout`]'s forward saves: the mode and the scaled mask.
#[derive(Clone, Debug)]
pub struct DropoutCache<T: Scalar> {
    /// The mode of the forward pass.
    pub mode: Mode,
    /// `1[u < p] / p: (n, d)` (train mode only; left unchanged in eval mode).
    pub mask: Matrix<T>,
}

impl<T: Scalar> Default for DropoutCache<T> {
    fn default() -> Self {
        Self { mode: Mode::Eval, mask: Matrix::zeros(0, 0) }
    }
}

impl Dropout {
    /// Dropout keeping each unit with probability `keep_prob`.
    ///
    /// # Panics
    /// Unless `0 < keep_prob ≤ 1`.
    #[track_caller]
    pub fn new(keep_prob: f64) -> Self {
        assert!(keep_prob > 0.0 && keep_prob <= 1.0, "Dropout::new: keep_prob {keep_prob} is not in (0, 1]");
        Self { keep_prob }
    }

    /// Forward: `x: (n, d)` → `out: (n, d)` (resized). Draws `n·d` uniforms from `rng` in train mode,
    /// none in eval mode.
    pub fn forward_into<T: Scalar, R: rand::Rng + ?Sized>(
        &self,
        x: &Matrix<T>,
        out: &mut Matrix<T>,
        cache: &mut DropoutCache<T>,
        mode: Mode,
        rng: &mut R,
    ) {
        out.resize(x.rows(), x.cols());
        cache.mode = mode;
        if mode == Mode::Eval {
            out.copy_from(x);
            return;
        }
        let scale = T::from_f64(1.0 / self.keep_prob);
        cache.mask.resize(x.rows(), x.cols());
        for m in cache.mask.as_mut_slice() {
            *m = if rng.random::<f64>() < self.keep_prob { scale } else { T::ZERO };
        }
        zip_map(out, x, &cache.mask, |v, m| v * m);
    }

    /// Backward: `dout: (n, d)` → `dx: (n, d)` (resized).
    ///
    /// # Panics
    /// If `dout` does not have the mask's shape (train mode).
    #[track_caller]
    pub fn backward_into<T: Scalar>(&self, dout: &Matrix<T>, cache: &DropoutCache<T>, dx: &mut Matrix<T>) {
        dx.resize(dout.rows(), dout.cols());
        match cache.mode {
            Mode::Eval => dx.copy_from(dout),
            Mode::Train => zip_map(dx, dout, &cache.mask, |g, m| g * m),
        }
    }

    /// Allocating forward: `x: (n, d)` → `(out: (n, d), cache)`.
    pub fn forward<T: Scalar, R: rand::Rng + ?Sized>(
        &self,
        x: &Matrix<T>,
        mode: Mode,
        rng: &mut R,
    ) -> (Matrix<T>, DropoutCache<T>) {
        let (mut out, mut cache) = (Matrix::zeros(0, 0), DropoutCache::default());
        self.forward_into(x, &mut out, &mut cache, mode, rng);
        (out, cache)
    }

    /// Allocating backward: `dout: (n, d)` → `dx: (n, d)`.
    #[track_caller]
    pub fn backward<T: Scalar>(&self, dout: &Matrix<T>, cache: &DropoutCache<T>) -> Matrix<T> {
        let mut dx = Matrix::zeros(0, 0);
        self.backward_into(dout, cache, &mut dx);
        dx
    }
}
