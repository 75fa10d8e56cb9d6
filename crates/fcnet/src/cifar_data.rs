//! CIFAR-10 for the nets: an opened folder with the homework's splits and training mean
//! ([`CifarData`]), and each split as a [`Dataset`] ([`CifarSplit`]) — a range of memory-mapped
//! records plus the homework's preprocessing (per-pixel mean of the training split subtracted,
//! HWC or CHW flattening), gathered straight from the mapped bytes into the caller's batch buffer.
//! A split may augment its training gathers ([`CifarSplit::with_augment`]: random crop and flip per
//! row, drawn from the loop's generator); its evaluation gathers never do.

use std::cell::RefCell;
use std::ops::Range;
use std::path::Path;

use handgrad_cifar::{
    Augment, Cifar10, CifarError, IMAGE_BYTES, Layout, PixelMean, Preprocess, Records, SplitConfig, Splits, Transform,
};
use handgrad_nn::solver::Dataset;
use handgrad_tensor::init::Rng;
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
    /// The augmentation of training gathers ([`Augment::NONE`] by default).
    augment: Augment,
    /// The current training batch's transforms (reused).
    transforms: RefCell<Vec<Transform>>,
}

impl<'a, T: Scalar> CifarSplit<'a, T> {
    /// Rows `rows` of `records` through `pre`.
    ///
    /// # Panics
    /// If `rows` extends past the records.
    #[track_caller]
    pub fn new(records: &'a Records, rows: Range<usize>, pre: &'a Preprocess<T>) -> Self {
        assert!(rows.end <= records.len(), "CifarSplit: rows {rows:?} outside 0..{}", records.len());
        Self {
            records,
            rows,
            pre,
            scratch: RefCell::new(Vec::new()),
            augment: Augment::NONE,
            transforms: RefCell::new(Vec::new()),
        }
    }

    /// This split with its training gathers ([`Dataset::gather_train`]) augmented by `augment`.
    ///
    /// # Panics
    /// If `augment.pad > handgrad_cifar::augment::MAX_PAD`.
    #[track_caller]
    pub fn with_augment(mut self, augment: Augment) -> Self {
        let max = handgrad_cifar::augment::MAX_PAD;
        assert!(augment.pad <= max, "CifarSplit::with_augment: pad {} is more than {max}", augment.pad);
        self.augment = augment;
        self
    }

    /// The augmentation of training gathers.
    pub fn augment(&self) -> Augment {
        self.augment
    }

    /// The record range of this split.
    pub fn rows(&self) -> Range<usize> {
        self.rows.clone()
    }

    /// The record indices of split rows `idx`, checked (borrowing `scratch` when the split does
    /// not start at record 0).
    #[track_caller]
    fn with_records<R>(&self, idx: &[usize], f: impl FnOnce(&[usize]) -> R) -> R {
        let n = self.rows.len();
        assert!(idx.iter().all(|&i| i < n), "CifarSplit::gather: an index is outside the split's {n} rows");
        if self.rows.start == 0 {
            return f(idx);
        }
        let mut rows = self.scratch.borrow_mut();
        rows.clear();
        rows.extend(idx.iter().map(|&i| self.rows.start + i));
        f(&rows)
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
    fn gather(&self, idx: &[usize], x: &mut Matrix<T>, y: &mut Vec<usize>, par: Par) {
        self.with_records(idx, |rows| self.pre.gather_par(self.records, rows, x, y, par));
    }

    /// With an augmentation, draws one [`Transform`] per row from `rng` (on this thread, before
    /// the possibly parallel gather) and gathers through them; without, the plain gather.
    #[track_caller]
    fn gather_train(&self, idx: &[usize], x: &mut Matrix<T>, y: &mut Vec<usize>, rng: &mut Rng, par: Par) {
        if self.augment.is_none() {
            return self.gather(idx, x, y, par);
        }
        let mut t = self.transforms.borrow_mut();
        self.augment.draw(rng, idx.len(), &mut t);
        self.with_records(idx, |rows| self.pre.gather_augmented_par(self.records, rows, &t, x, y, par));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use handgrad_cifar::RECORD_BYTES;
    use handgrad_tensor::init::rng_from_seed;

    /// The training gather of an augmented split: same batch on one and two threads for a seed,
    /// other pixels than the plain gather, and the evaluation gather stays plain.
    #[test]
    fn augmented_training_gather_is_deterministic_and_evaluation_is_clean() {
        let recs = records();
        let pre = Preprocess::<f32>::new(&PixelMean::of(&recs, 0..100), Layout::Chw);
        let split = CifarSplit::new(&recs, 20..120, &pre).with_augment(Augment::crop_flip(4));
        let idx: Vec<usize> = (0..64).map(|i| (i * 13) % 100).collect();
        let (mut x1, mut y1, mut x2, mut y2) = (Matrix::zeros(0, 0), vec![], Matrix::zeros(0, 0), vec![]);
        split.gather_train(&idx, &mut x1, &mut y1, &mut rng_from_seed(9), Par::Seq);
        split.gather_train(&idx, &mut x2, &mut y2, &mut rng_from_seed(9), Par::rayon(2));
        assert!(x1 == x2 && y1 == y2, "two threads gathered another augmented batch");
        let (mut xe, mut ye) = (Matrix::zeros(0, 0), vec![]);
        split.gather(&idx, &mut xe, &mut ye, Par::Seq);
        let plain = CifarSplit::new(&recs, 20..120, &pre);
        let (mut xp, mut yp) = (Matrix::zeros(0, 0), vec![]);
        plain.gather_train(&idx, &mut xp, &mut yp, &mut rng_from_seed(9), Par::Seq);
        assert!(xe == xp && ye == yp && y1 == yp, "evaluation and an unaugmented split gather plain rows");
        assert!(x1 != xp, "the augmentation changed no pixel");
    }

    /// 120 records of pseudo-random pixels and labels (a unit test's stand-in for the files).
    fn records() -> Records {
        let mut bytes = vec![0u8; 120 * RECORD_BYTES];
        let mut state = 0x9e37_79b9_u32;
        for (i, b) in bytes.iter_mut().enumerate() {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *b = if i % RECORD_BYTES == 0 { (state >> 24) as u8 % 10 } else { (state >> 24) as u8 };
        }
        let mut recs = Records::new();
        recs.push_owned("synthetic.bin", bytes, false).unwrap();
        recs
    }

    #[test]
    fn gather_on_two_threads_writes_the_same_batch_as_one() {
        let recs = records();
        let mean = PixelMean::of(&recs, 0..100);
        let pre = Preprocess::<f32>::new(&mean, Layout::Hwc);
        // A split that does not start at record 0 (the validation split's case) and one that does.
        for rows in [0..100, 100..120] {
            let split = CifarSplit::new(&recs, rows.clone(), &pre);
            let idx: Vec<usize> = (0..64).map(|i| (i * 7) % rows.len()).collect();
            let (mut x1, mut y1, mut x2, mut y2) = (Matrix::zeros(0, 0), vec![], Matrix::zeros(0, 0), vec![]);
            split.gather(&idx, &mut x1, &mut y1, Par::Seq);
            split.gather(&idx, &mut x2, &mut y2, Par::rayon(2));
            let expected: Vec<usize> = idx.iter().map(|&i| rows.start + i).collect();
            let (mut x0, mut y0) = (Matrix::zeros(0, 0), vec![]);
            pre.gather(&recs, &expected, &mut x0, &mut y0);
            assert_eq!((x1.shape(), &y1), (x0.shape(), &y0), "rows {rows:?}: one thread");
            assert!(x1.as_slice().iter().zip(x0.as_slice()).all(|(a, b)| a.to_bits() == b.to_bits()));
            assert_eq!((x2.shape(), &y2), (x1.shape(), &y1), "rows {rows:?}: two threads");
            assert!(
                x2.as_slice().iter().zip(x1.as_slice()).all(|(a, b)| a.to_bits() == b.to_bits()),
                "rows {rows:?}: two threads wrote other bytes than one"
            );
        }
    }
}
