//! [`Sampling`]: how a training step picks the rows of its minibatch.
//!
//! - [`WithReplacement`](Sampling::WithReplacement): `batch_size` indices drawn uniformly from
//!   `0..n`, independently (`rng.random_range(0..n)` each) — the CS231n `Solver` and the two-layer
//!   notebook (`np.random.choice(num_train, batch_size)`).
//! - [`Shuffled`](Sampling::Shuffled): consecutive slices of a random permutation of `0..n`
//!   (Fisher–Yates on the caller's RNG), reshuffled when fewer than `batch_size` rows are left —
//!   every row once per epoch (PyTorch's `DataLoader(shuffle=True, drop_last=True)`).
//! - [`FullBatch`](Sampling::FullBatch): every row, every step (full-batch gradient descent; data
//!   held in memory is used in place, not copied).

use alloc::vec::Vec;

use handgrad_tensor::init::Rng;
use rand::RngExt as _;

/// How minibatch rows are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sampling {
    /// Independent uniform draws (with replacement).
    WithReplacement,
    /// Slices of a reshuffled permutation (without replacement within an epoch).
    Shuffled,
    /// All rows.
    FullBatch,
}

/// Where a [`Shuffled`](Sampling::Shuffled) sampler stands: its current permutation of the rows
/// and the position of the next minibatch in it (empty for the other samplings, which keep no
/// state). Part of a [`RunState`](crate::solver::RunState).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SamplerState {
    /// The permutation of `0..n` being consumed (empty until the first shuffled draw).
    pub order: Vec<usize>,
    /// Index in `order` of the next minibatch's first row.
    pub next: usize,
}

/// The index-drawing state of a [`Sampling`].
#[derive(Clone, Debug)]
pub(crate) struct Sampler {
    sampling: Sampling,
    pub(crate) state: SamplerState,
}

impl Sampler {
    pub(crate) fn new(sampling: Sampling) -> Self {
        Self { sampling, state: SamplerState::default() }
    }

    pub(crate) fn sampling(&self) -> Sampling {
        self.sampling
    }

    /// Writes the next minibatch's row indices (of `0..n`) into `idx` (cleared first):
    /// `batch_size` of them, or all `n` for a full batch.
    pub(crate) fn draw(&mut self, n: usize, batch_size: usize, idx: &mut Vec<usize>, rng: &mut Rng) {
        idx.clear();
        match self.sampling {
            Sampling::WithReplacement => {
                for _ in 0..batch_size {
                    idx.push(rng.random_range(0..n));
                }
            }
            Sampling::Shuffled => {
                let (b, s) = (batch_size.min(n), &mut self.state);
                if s.order.len() != n {
                    s.order.clear();
                    s.order.extend(0..n);
                    s.next = n;
                }
                if s.next + b > n {
                    for i in (1..n).rev() {
                        s.order.swap(i, rng.random_range(0..=i));
                    }
                    s.next = 0;
                }
                idx.extend_from_slice(&s.order[s.next..s.next + b]);
                s.next += b;
            }
            Sampling::FullBatch => idx.extend(0..n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use handgrad_tensor::init::rng_from_seed;

    #[test]
    fn shuffled_covers_each_epoch_once() {
        let (mut s, mut idx, mut rng) = (Sampler::new(Sampling::Shuffled), Vec::new(), rng_from_seed(1));
        let mut seen = [0usize; 30];
        for _ in 0..4 {
            s.draw(30, 7, &mut idx, &mut rng);
            idx.iter().for_each(|&i| seen[i] += 1);
        }
        // 4 batches of 7 within the first epoch of 30: 28 distinct rows, none twice.
        assert!(seen.iter().all(|&c| c <= 1) && seen.iter().sum::<usize>() == 28, "{seen:?}");
    }

    #[test]
    fn with_replacement_and_full_batch() {
        let (mut idx, mut rng) = (Vec::new(), rng_from_seed(2));
        Sampler::new(Sampling::WithReplacement).draw(5, 12, &mut idx, &mut rng);
        assert!(idx.len() == 12 && idx.iter().all(|&i| i < 5));
        Sampler::new(Sampling::FullBatch).draw(5, 2, &mut idx, &mut rng);
        assert_eq!(idx, [0, 1, 2, 3, 4]);
    }
}
