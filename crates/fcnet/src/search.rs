//! [`SearchSpace`]: the notebook's hyperparameter search as a list of [`Recipe`]s to train.
//!
//! Random search ([`SearchSpace::random`]) draws, per trial and in this order from a generator
//! seeded with the search's seed: the learning rate and the L2 strength log-uniformly between the
//! smallest and the largest value given (`exp(U[ln lo, ln hi])`; a list whose smallest value is 0,
//! or with one value, gives its largest), then one architecture, one length in epochs and one
//! learning-rate decay uniformly from their lists. Grid search ([`SearchSpace::grid`]) lists every
//! combination, architectures outermost. Every candidate starts from the same base recipe (the
//! model's defaults with the command's fixed flags) and trains with the base recipe's seed.

use handgrad_tensor::init::{Rng, rng_from_seed};
use rand::RngExt as _;

use crate::Recipe;

/// The values a search may try.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchSpace {
    /// Learning rates (random: the range of these).
    pub lr: Vec<f64>,
    /// L2 strengths (random: the range of these).
    pub reg: Vec<f64>,
    /// Architectures (hidden layer sizes of each).
    pub hidden: Vec<Vec<usize>>,
    /// Training lengths in epochs.
    pub epochs: Vec<f64>,
    /// Learning-rate decays per epoch.
    pub lr_decay: Vec<f64>,
}

impl SearchSpace {
    /// `trials` random candidates around `base` (module docs), drawn from `seed`.
    ///
    /// # Panics
    /// If a list is empty.
    #[track_caller]
    pub fn random(&self, base: &Recipe, trials: usize, seed: u64) -> Vec<Recipe> {
        self.check();
        let mut rng = rng_from_seed(seed);
        (0..trials)
            .map(|_| {
                let lr = log_uniform(&mut rng, &self.lr);
                let reg = log_uniform(&mut rng, &self.reg);
                let hidden = self.hidden[rng.random_range(0..self.hidden.len())].clone();
                let epochs = self.epochs[rng.random_range(0..self.epochs.len())];
                let decay = self.lr_decay[rng.random_range(0..self.lr_decay.len())];
                candidate(base, hidden, lr, reg, epochs, decay)
            })
            .collect()
    }

    /// Every combination around `base`: architectures, then learning rates, L2 strengths, epochs
    /// and decays.
    ///
    /// # Panics
    /// If a list is empty.
    #[track_caller]
    pub fn grid(&self, base: &Recipe) -> Vec<Recipe> {
        self.check();
        let mut out = Vec::new();
        for h in &self.hidden {
            for &lr in &self.lr {
                for &reg in &self.reg {
                    for &e in &self.epochs {
                        for &d in &self.lr_decay {
                            out.push(candidate(base, h.clone(), lr, reg, e, d));
                        }
                    }
                }
            }
        }
        out
    }

    #[track_caller]
    fn check(&self) {
        assert!(
            !(self.lr.is_empty()
                || self.reg.is_empty()
                || self.hidden.is_empty()
                || self.epochs.is_empty()
                || self.lr_decay.is_empty()),
            "SearchSpace: every list needs at least one value: {self:?}"
        );
    }
}

fn candidate(base: &Recipe, hidden: Vec<usize>, lr: f64, reg: f64, epochs: f64, lr_decay: f64) -> Recipe {
    let mut r = base.clone();
    (r.hidden, r.lr, r.reg, r.lr_decay) = (hidden, lr, reg, lr_decay);
    r.set_epochs(epochs);
    r
}

/// A draw between the smallest and largest of `v`, uniform in log space (a list whose smallest
/// value is 0, or with one value, gives its largest).
fn log_uniform(rng: &mut Rng, v: &[f64]) -> f64 {
    let (lo, hi) = v.iter().fold((f64::INFINITY, 0.0f64), |(l, h), &x| (l.min(x), h.max(x)));
    if lo <= 0.0 || hi <= lo {
        return hi;
    }
    (lo.ln() + (hi.ln() - lo.ln()) * rng.random::<f64>()).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ModelKind;

    fn space() -> SearchSpace {
        SearchSpace {
            lr: vec![1e-4, 1e-2],
            reg: vec![0.0, 0.5],
            hidden: vec![vec![50], vec![100]],
            epochs: vec![1.0, 2.0],
            lr_decay: vec![0.9],
        }
    }

    #[test]
    fn random_draws_stay_in_range_and_repeat_with_the_seed() {
        let base = Recipe::defaults(ModelKind::TwoLayer);
        let a = space().random(&base, 50, 3);
        assert_eq!(a, space().random(&base, 50, 3));
        for r in &a {
            assert!((1e-4..=1e-2).contains(&r.lr), "{}", r.lr);
            assert_eq!(r.reg, 0.5, "a range from 0 gives its largest value");
            assert!(r.hidden == [50] || r.hidden == [100]);
            assert!(r.iters == base.iters_per_epoch() || r.iters == 2 * base.iters_per_epoch());
        }
    }

    #[test]
    fn grid_lists_every_combination() {
        let g = space().grid(&Recipe::defaults(ModelKind::TwoLayer));
        assert_eq!(g.len(), 2 * 2 * 2 * 2);
        assert_eq!((g[0].hidden.as_slice(), g[0].lr, g[0].reg), (&[50][..], 1e-4, 0.0));
    }
}
