//! CIFAR-10 splits as [`Dataset`]s: a split is a range of memory-mapped records plus the
//! homework's preprocessing (per-pixel mean of the training split subtracted, HWC or CHW
//! flattening), gathered straight from the mapped bytes into the caller's batch buffer.

use std::cell::RefCell;
use std::ops::Range;

use handgrad_cifar::{IMAGE_BYTES, Preprocess, Records};
use handgrad_nn::solver::Dataset;
use handgrad_tensor::{Matrix, Scalar};

/// The rows `rows` of `records`, preprocessed by `pre`. Sample `i` is record `rows.start + i`.
#[derive(Debug)]
pub struct CifarSplit<'a, T: Scalar> {
    records: &'a Records,
    rows: Range<usize>,
    pre: &'a Preprocess<T>,
    /// Record indices of the current batch when the split does not start at record 0 (reused).
    scratch: RefCell<Vec<usize>>,
}

impl<'a, T: Scalar> CifarSplit<'a, T> {
    /// Rows `rows` of `records` through `pre`.
    ///
    /// # Panics
    /// If `rows` extends past the records.
    #[track_caller]
    pub fn new(records: &'a Records, rows: Range<usize>, pre: &'a Preprocess<T>) -> Self {
        assert!(rows.end <= records.len(), "CifarSplit: rows {rows:?} outside 0..{}", records.len());
        Self { records, rows, pre, scratch: RefCell::new(Vec::new()) }
    }

    /// The record range of this split.
    pub fn rows(&self) -> Range<usize> {
        self.rows.clone()
    }
}

impl<T: Scalar> Dataset<T> for CifarSplit<'_, T> {
    fn len(&self) -> usize {
        self.rows.len()
    }

    fn n_features(&self) -> usize {
        IMAGE_BYTES
    }

    #[track_caller]
    fn gather(&self, idx: &[usize], x: &mut Matrix<T>, y: &mut Vec<usize>) {
        let n = self.rows.len();
        assert!(idx.iter().all(|&i| i < n), "CifarSplit::gather: an index is outside the split's {n} rows");
        if self.rows.start == 0 {
            self.pre.gather(self.records, idx, x, y);
            return;
        }
        let mut rows = self.scratch.borrow_mut();
        rows.clear();
        rows.extend(idx.iter().map(|&i| self.rows.start + i));
        self.pre.gather(self.records, &rows, x, y);
    }
}
