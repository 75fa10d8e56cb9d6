//! Labelled samples as the training loops see them: anything that can copy chosen rows into a
//! caller's batch buffer.
//!
//! The training hot path never materialises a whole split: each step draws `batch` row indices and
//! asks the [`Samples`] to write exactly those rows into a reused `(batch, dim)` matrix. For
//! CIFAR-10 that gather reads straight from the memory-mapped bytes (see `handgrad-cifar`); for tests
//! and small data, [`InMemory`] keeps the rows in a [`Matrix`].

use handgrad_tensor::{Matrix, Scalar};

/// A labelled set of `len()` samples of `dim()` features each, with labels in `0..classes`.
pub trait Samples<T: Scalar> {
    /// Number of samples.
    fn len(&self) -> usize;

    /// `true` when there are no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Features per sample.
    fn dim(&self) -> usize;

    /// Copies rows `idx` into `x` and their labels into `y`.
    ///
    /// `x` is resized (reusing its allocation) to `(idx.len(), dim)`; `y` is cleared and refilled
    /// with `idx.len()` labels. Implementations must not allocate when the buffers already have the
    /// capacity: this is the training hot path.
    ///
    /// # Panics
    /// If an index is out of range.
    fn gather(&self, idx: &[usize], x: &mut Matrix<T>, y: &mut Vec<usize>);
}

/// Samples held in memory: `x: (n, dim)`, one label per row.
#[derive(Clone, Debug)]
pub struct InMemory<T: Scalar> {
    /// Features, `(n, dim)`.
    pub x: Matrix<T>,
    /// Labels, `(n,)`.
    pub y: Vec<usize>,
}

impl<T: Scalar> InMemory<T> {
    /// Wraps features `x: (n, dim)` and labels `y: (n,)`.
    ///
    /// # Panics
    /// If `y.len() != x.rows()`.
    #[track_caller]
    pub fn new(x: Matrix<T>, y: Vec<usize>) -> Self {
        assert_eq!(y.len(), x.rows(), "InMemory::new: {} labels for x{:?}", y.len(), x.shape());
        Self { x, y }
    }
}

impl<T: Scalar> Samples<T> for InMemory<T> {
    fn len(&self) -> usize {
        self.x.rows()
    }

    fn dim(&self) -> usize {
        self.x.cols()
    }

    #[track_caller]
    fn gather(&self, idx: &[usize], x: &mut Matrix<T>, y: &mut Vec<usize>) {
        x.resize(idx.len(), self.dim());
        y.clear();
        for (k, &i) in idx.iter().enumerate() {
            x.row_mut(k).copy_from_slice(self.x.row(i));
            y.push(self.y[i]);
        }
    }
}

/// Fills `idx` with the consecutive rows `start, start + 1, …` (for evaluation in chunks).
pub fn fill_range(idx: &mut Vec<usize>, start: usize, end: usize) {
    idx.clear();
    idx.extend(start..end);
}
