//! [`Dataset`]: what the training loop needs of a data set — copy chosen rows into a reused batch
//! buffer.
//!
//! The loop never materialises a split: each step draws row indices and asks the data set to write
//! exactly those rows into a `(batch, n_features)` matrix it keeps. An in-memory implementation is
//! [`InMemory`]; a memory-mapped data set (CIFAR) implements the trait in a newtype around its own
//! gather.

use alloc::vec::Vec;

use handgrad_tensor::init::Rng;
use handgrad_tensor::{Matrix, Par, Scalar};

/// A data set of `len()` rows of `n_features()` values, optionally labelled.
pub trait Dataset<T: Scalar> {
    /// Number of rows.
    fn len(&self) -> usize;

    /// `true` when there are no rows.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Values per row.
    fn n_features(&self) -> usize;

    /// Copies rows `idx` into `x` and their labels into `y`, using `par`'s threads where the data
    /// set can split the work.
    ///
    /// `x` is resized (keeping its allocation) to `(idx.len(), n_features)`; `y` is cleared and,
    /// for labelled data, refilled with `idx.len()` labels (unlabelled data leaves it empty). Must
    /// not allocate once the buffers are large enough: this is the training hot path.
    ///
    /// # Panics
    /// If an index is `≥ len()`.
    fn gather(&self, idx: &[usize], x: &mut Matrix<T>, y: &mut Vec<usize>, par: Par);

    /// The training loop's gather of a minibatch: like [`Dataset::gather`], but a data set that
    /// augments its rows (random crops and flips of images) draws their random transforms from
    /// `rng` here, on the calling thread, after the minibatch's rows and before the model's own
    /// draws. The default is the plain gather, drawing nothing. Evaluation always uses
    /// [`Dataset::gather`]: it never augments.
    ///
    /// # Panics
    /// If an index is `≥ len()`.
    fn gather_train(&self, idx: &[usize], x: &mut Matrix<T>, y: &mut Vec<usize>, rng: &mut Rng, par: Par) {
        let _ = rng;
        self.gather(idx, x, y, par);
    }

    /// All rows as one matrix `(len, n_features)` and their labels (empty when unlabelled), when
    /// the data set holds them in memory: full-batch training then reads them in place instead of
    /// copying them every step. `None` (the default) for data sets that gather.
    fn whole(&self) -> Option<(&Matrix<T>, &[usize])> {
        None
    }
}

/// A data set held in memory: `x: (n, d)` and either `n` labels or none.
#[derive(Clone, Debug, PartialEq)]
pub struct InMemory<T: Scalar> {
    /// Rows, `(n, d)`.
    pub x: Matrix<T>,
    /// Labels, `(n,)`, or empty for unlabelled data.
    pub y: Vec<usize>,
}

impl<T: Scalar> InMemory<T> {
    /// Labelled data: `x: (n, d)`, `y: (n,)`.
    ///
    /// # Panics
    /// If `y.len() != n`.
    #[track_caller]
    pub fn labelled(x: Matrix<T>, y: Vec<usize>) -> Self {
        assert_eq!(y.len(), x.rows(), "InMemory::labelled: {} labels for x{:?}", y.len(), x.shape());
        Self { x, y }
    }

    /// Unlabelled data: `x: (n, d)`.
    pub fn unlabelled(x: Matrix<T>) -> Self {
        Self { x, y: Vec::new() }
    }
}

impl<T: Scalar> Dataset<T> for InMemory<T> {
    fn len(&self) -> usize {
        self.x.rows()
    }

    fn n_features(&self) -> usize {
        self.x.cols()
    }

    #[track_caller]
    fn gather(&self, idx: &[usize], x: &mut Matrix<T>, y: &mut Vec<usize>, _par: Par) {
        x.resize(idx.len(), self.x.cols());
        y.clear();
        for (k, &i) in idx.iter().enumerate() {
            x.row_mut(k).copy_from_slice(self.x.row(i));
        }
        if !self.y.is_empty() {
            y.extend(idx.iter().map(|&i| self.y[i]));
        }
    }

    fn whole(&self) -> Option<(&Matrix<T>, &[usize])> {
        Some((&self.x, &self.y))
    }
}
