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
}

impl LrSchedule {
    /// The learning rate of iteration `t` (0-based) for initial rate `lr0` and `per_epoch`
    /// iterations per epoch.
    ///
    /// # Panics
    /// If `per_epoch` or a step's `every` is 0.
    #[track_caller]
    pub fn lr_at(&self, lr0: f64, t: usize, per_epoch: usize) -> f64 {
        assert!(per_epoch > 0, "LrSchedule::lr_at: 0 iterations per epoch");
        let (factor, decays) = match *self {
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
