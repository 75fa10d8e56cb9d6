//! [`LrSchedule`]: the learning rate of every iteration, as a function of the iteration.
//!
//! With `lr₀` the update rule's learning rate, `P` the iterations per epoch and `t` the 0-based
//! iteration, the learning rate of iteration `t` is `lr₀·factorᵏ` where `k` counts the decays that
//! happened before it:
//!
//! | schedule                   | decays after iteration `t` when | `k` for iteration `t` | used by |
//! |----------------------------|---------------------------------|-----------------------|---------|
//! | [`Constant`](LrSchedule::Constant)     | never               | 0                     | |
//! | [`EpochEnd`](LrSchedule::EpochEnd)     | `(t + 1) % P == 0`  | `⌊t / P⌋`             | CS231n `Solver` (`lr_decay` per epoch) |
//! | [`EpochStart`](LrSchedule::EpochStart) | `t % P == 0`        | `⌈t / P⌉`             | the two-layer notebook (`TwoLayerNet.train`) |
//! | [`Step`](LrSchedule::Step)             | `(t + 1) % every == 0` | `⌊t / every⌋`      | the autoencoders' step schedule |
//!
//! [`Cosine`](LrSchedule::Cosine) is not a decay by factors but a curve over the run's `total`
//! iterations, with `warmup` iterations of linear warm-up first (Loshchilov & Hutter 2017, SGDR
//! without restarts; Goyal et al. 2017 for the warm-up), per iteration:
//!
//! - `t < warmup`: `lr = lr₀·(t + 1) / warmup` (the first iteration already trains, the last
//!   warm-up iteration reaches `lr₀`);
//! - `t ≥ warmup`: `lr = lr₀·½·(1 + cos(π·(t − warmup) / (total − warmup)))`, from `lr₀` down to
//!   (almost) 0 at the last iteration `t = total − 1`.
//!
//! The cosine is `libm`'s (the same bits with and without `std`, so a resumed run agrees).
//!
//! The notebook decays right after recording its accuracies at `it % iterations_per_epoch == 0`,
//! so its first decay follows iteration 0. `lr₀·factorᵏ` is computed as `k` successive
//! multiplications, exactly as a loop that decays its learning rate in place would (so a run and a
//! resumed run agree to the bit).

/// How the learning rate changes from iteration to iteration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LrSchedule {
    /// `lr₀` throughout.
    Constant,
    /// `× factor` after the last iteration of every epoch.
    EpochEnd {
        /// Multiplier per epoch (1.0: constant).
        factor: f64,
    },
    /// `× factor` after the first iteration of every epoch (the two-layer notebook).
    EpochStart {
        /// Multiplier per epoch.
        factor: f64,
    },
    /// `× factor` after every `every` iterations.
    Step {
        /// Multiplier per step.
        factor: f64,
        /// Iterations between decays (≥ 1).
        every: usize,
    },
    /// Linear warm-up over `warmup` iterations, then a half cosine down to 0 over the rest of the
    /// `total` iterations (module docs).
    Cosine {
        /// Iterations of linear warm-up (0: none).
        warmup: usize,
        /// Iterations of the whole run (> `warmup`).
        total: usize,
    },
}

impl LrSchedule {
    /// The learning rate of iteration `t` (0-based) for initial rate `lr0` and `per_epoch`
    /// iterations per epoch.
    ///
    /// # Panics
    /// If `per_epoch` or a step's `every` is 0, or a cosine's `total` is not above its `warmup`.
    #[track_caller]
    pub fn lr_at(&self, lr0: f64, t: usize, per_epoch: usize) -> f64 {
        assert!(per_epoch > 0, "LrSchedule::lr_at: 0 iterations per epoch");
        let (factor, decays) = match *self {
            LrSchedule::Cosine { warmup, total } => return cosine(lr0, t, warmup, total),
            LrSchedule::Constant => (1.0, 0),
            LrSchedule::EpochEnd { factor } => (factor, t / per_epoch),
            LrSchedule::EpochStart { factor } => (factor, t.div_ceil(per_epoch)),
            LrSchedule::Step { factor, every } => {
                assert!(every > 0, "LrSchedule::Step: every must be ≥ 1");
                (factor, t / every)
            }
        };
        let mut lr = lr0;
        for _ in 0..decays {
            lr *= factor;
        }
        lr
    }
}

/// [`LrSchedule::Cosine`]'s rate at iteration `t`.
#[track_caller]
fn cosine(lr0: f64, t: usize, warmup: usize, total: usize) -> f64 {
    assert!(total > warmup, "LrSchedule::Cosine: total {total} must exceed warmup {warmup}");
    if t < warmup {
        return lr0 * (t + 1) as f64 / warmup as f64;
    }
    let progress = (t - warmup) as f64 / (total - warmup) as f64;
    lr0 * 0.5 * (1.0 + libm::cos(core::f64::consts::PI * progress))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decays_follow_the_table() {
        let p = 3;
        let lrs = |s: LrSchedule| -> alloc::vec::Vec<f64> { (0..7).map(|t| s.lr_at(1.0, t, p)).collect() };
        assert_eq!(lrs(LrSchedule::Constant), [1.0; 7]);
        assert_eq!(lrs(LrSchedule::EpochEnd { factor: 0.5 }), [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]);
        assert_eq!(lrs(LrSchedule::EpochStart { factor: 0.5 }), [1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]);
        assert_eq!(lrs(LrSchedule::Step { factor: 0.5, every: 2 }), [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125]);
    }

    /// Golden values: warm-up 4 of 12 iterations, lr₀ = 1 — ¼, ½, ¾, 1, then ½(1 + cos(πk/8)).
    #[test]
    fn cosine_warms_up_linearly_then_follows_the_half_cosine() {
        let s = LrSchedule::Cosine { warmup: 4, total: 12 };
        let lrs: alloc::vec::Vec<f64> = (0..12).map(|t| s.lr_at(1.0, t, 5)).collect();
        assert_eq!(&lrs[..5], [0.25, 0.5, 0.75, 1.0, 1.0]);
        // cos(π/4) = √2/2: iteration 6 is k = 2 of 8.
        assert!((lrs[6] - 0.5 * (1.0 + core::f64::consts::FRAC_1_SQRT_2)).abs() < 1e-15, "{}", lrs[6]);
        assert!((lrs[8] - 0.5).abs() < 1e-15, "midpoint {}", lrs[8]);
        assert!(lrs[11] > 0.0 && lrs[11] < 0.04, "last {}", lrs[11]);
        assert!(lrs[4..].windows(2).all(|w| w[1] < w[0]), "decreasing after the warm-up: {lrs:?}");
        let no_warmup = LrSchedule::Cosine { warmup: 0, total: 10 };
        assert_eq!(no_warmup.lr_at(2e-3, 0, 5), 2e-3);
        assert!((no_warmup.lr_at(2e-3, 5, 5) - 1e-3).abs() < 1e-18);
    }

    #[test]
    #[should_panic(expected = "total 4 must exceed warmup 4")]
    fn cosine_without_iterations_after_the_warm_up_panics() {
        LrSchedule::Cosine { warmup: 4, total: 4 }.lr_at(1.0, 0, 1);
    }

    #[test]
    fn equals_repeated_in_place_decay() {
        let (lr0, factor, p) = (1e-3, 0.95, 245);
        let mut lr = lr0;
        for t in 0..30 * p {
            assert_eq!(LrSchedule::EpochStart { factor }.lr_at(lr0, t, p).to_bits(), lr.to_bits(), "t = {t}");
            if t % p == 0 {
                lr *= factor;
            }
        }
    }
}
