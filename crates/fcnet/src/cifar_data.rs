//! CIFAR-10 for the nets: an opened folder with the homework's splits and training mean
//! ([`CifarData`]), and each split as a [`Dataset`] ([`CifarSplit`]) — a range of memory-mapped
//! records plus the homework's preprocessing (per-pixel mean of the training split subtracted,
//! HWC or CHW flattening), gathered straight from the mapped bytes into the caller's batch buffer.

use std::cell::RefCell;
use std::ops::Range;
use std::path::Path;

use handgrad_cifar::{Cifar10, CifarError, IMAGE_BYTES, Layout, PixelMean, Preprocess, Records, SplitConfig, Splits};
use handgrad_nn::solver::Dataset;
use handgrad_tensor::{Matrix, Par, Scalar};

/// An opened CIFAR-10 folder with the splits of a [`SplitConfig`] and the training split's mean.
#[derive(Debug)]
pub struct CifarData {
    /// The mapped records.
    pub set: Cifar10,
    /// Index ranges of train / val / test (test `None` without a test batch).
    pub splits: Splits,
    /// Per-pixel mean of the training split.
    pub mean: PixelMean,
}

impl CifarData {
    /// Opens `dir` (a `cifar-10-batches-bin` folder) and computes the training mean over the first
    /// `split.train` images.
    ///
    /// # Errors
    /// Any [`CifarError`] of opening the folder or fitting the split sizes.
    pub fn open(dir: &Path, split: SplitConfig) -> Result<Self, CifarError> {
        let set = Cifar10::open(dir)?;
        let splits = set.splits(&split)?;
        let mean = PixelMean::of(&set.train, splits.train.clone());
        Ok(Self { set, splits, mean })
    }

    /// The preprocessing (mean subtraction, flattening order) in scalar type `T`.
    pub fn preprocess<T: Scalar>(&self, layout: Layout) -> Preprocess<T> {
        Preprocess::new(&self.mean, layout)
    }

    /// The train, validation and (when present) test splits through `pre`.
    pub fn samples<'a, T: Scalar>(
        &'a self,
        pre: &'a Preprocess<T>,
    ) -> (CifarSplit<'a, T>, CifarSplit<'a, T>, Option<CifarSplit<'a, T>>) {
        let train = CifarSplit::new(&self.set.train, self.splits.train.clone(), pre);
        let val = CifarSplit::new(&self.set.train, self.splits.val.clone(), pre);
        let test = match (self.set.test(), &self.splits.test) {
            (Ok(records), Some(rows)) => Some(CifarSplit::new(records, rows.clone(), pre)),
            _ => None,
        };
        (train, val, test)
    }

    /// A fingerprint of what a run trains and validates on: SHA-256 (hex) over the split sizes, the
    /// training mean (its `f64` bytes), the labels of the training rows and the validation images
    /// and labels. Another split, another label, a validation pixel or (but for a change that
    /// leaves every per-pixel sum as it was) a training pixel changes it; a resumed run is refused
    /// then. Reads the validation records once (3 MB for 1,000 images).
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for n in [self.splits.train.start, self.splits.train.end, self.splits.val.start, self.splits.val.end] {
            h.update((n as u64).to_le_bytes());
        }
        for m in self.mean.chw() {
            h.update(m.to_le_bytes());
        }
        let labels = self.set.train.labels();
        h.update(&labels[self.splits.train.clone()]);
        h.update(&labels[self.splits.val.clone()]);
        for i in self.splits.val.clone() {
            h.update(self.set.train.record(i).pixels);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Why there is no test split (the missing test batch), or `None` when there is one.
    pub fn test_note(&self) -> Option<String> {
        self.set.test().err().map(|e| e.to_string())
    }
}

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
    fn gather(&self, idx: &[usize], x: &mut Matrix<T>, y: &mut Vec<usize>, _par: Par) {
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
