//! Locating, opening and splitting CIFAR-10 for the fcnet commands.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use handgrad_cifar::{Cifar10, Layout, PixelMean, Preprocess, SplitConfig, Splits};
use handgrad_fcnet::CifarSplit;
use handgrad_tensor::Scalar;

/// The CIFAR-10 folder to use: `--data` when it is an extracted folder (used in place), otherwise
/// the project's installed copy, installed first from `--data` (an archive) or from the default
/// source when missing.
pub fn resolve_dir(data: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = data {
        if p.join("data_batch_1.bin").is_file() {
            return Ok(p.to_path_buf());
        }
        let nested = p.join(handgrad_cifar::DIR_NAME);
        if nested.join("data_batch_1.bin").is_file() {
            return Ok(nested);
        }
    }
    crate::fetch::ensure_cifar(data)
}

/// An opened CIFAR-10 folder with the homework's splits.
pub struct Cifar {
    /// The mapped records.
    pub set: Cifar10,
    /// Index ranges of train / val / test (test `None` without a test batch).
    pub splits: Splits,
    /// Per-pixel mean of the training split.
    pub mean: PixelMean,
}

impl Cifar {
    /// Opens `dir` and computes the training mean over the first `train` images.
    pub fn open(dir: &Path, split: SplitConfig) -> Result<Self> {
        let set = Cifar10::open(dir).with_context(|| format!("opening CIFAR-10 in {}", dir.display()))?;
        let splits = set.splits(&split)?;
        let mean = PixelMean::of(&set.train, splits.train.clone());
        Ok(Self { set, splits, mean })
    }

    /// The preprocessing (mean subtraction, flattening order) in scalar type `T`.
    pub fn preprocess<T: Scalar>(&self, layout: Layout) -> Preprocess<T> {
        Preprocess::new(&self.mean, layout)
    }

    /// Train, validation and (when present) test splits through `pre`.
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

    /// The sentence the reports use when there is no test batch.
    pub fn test_note(&self) -> Option<String> {
        self.set.test().err().map(|e| e.to_string())
    }
}
