//! The homework's splits (CS231n `get_CIFAR10_data`): the first `train` training images are the
//! training split, the next `val` the validation split, and the first `test` images of the test
//! batch the test split. Splits are index ranges into the mapped [`crate::Records`]: nothing is
//! copied.

use alloc::format;
use core::ops::Range;

use crate::error::CifarError;

/// Split sizes. The default is the homework's 49,000 / 1,000 / 1,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitConfig {
    /// Training images, taken from the start of the training files.
    pub train: usize,
    /// Validation images, the ones right after the training images.
    pub val: usize,
    /// Test images, from the start of the test batch.
    pub test: usize,
}

impl Default for SplitConfig {
    fn default() -> Self {
        Self { train: 49_000, val: 1_000, test: 1_000 }
    }
}

/// Index ranges of the three splits. `train` and `val` index the training records, `test` the
/// test records; `test` is `None` when the test batch is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splits {
    /// Rows of the training records used for training: `0..train`.
    pub train: Range<usize>,
    /// Rows of the training records used for validation: `train..train + val`.
    pub val: Range<usize>,
    /// Rows of the test records: `0..test`, or `None` without a test batch.
    pub test: Option<Range<usize>>,
}

impl SplitConfig {
    /// The splits for `n_train` training records and `n_test` test records (`None`: no test batch).
    ///
    /// Errors when the sizes do not fit the records present (the test size is only checked when a
    /// test batch exists).
    pub fn split(&self, n_train: usize, n_test: Option<usize>) -> Result<Splits, CifarError> {
        if self.train == 0 {
            return Err(CifarError::Split { reason: "the training split is empty".into() });
        }
        if self.train + self.val > n_train {
            return Err(CifarError::Split {
                reason: format!(
                    "{} training + {} validation images requested, the training files hold {n_train}",
                    self.train, self.val
                ),
            });
        }
        if let Some(n) = n_test.filter(|&n| self.test > n) {
            return Err(CifarError::Split {
                reason: format!("{} test images requested, the test batch holds {n}", self.test),
            });
        }
        Ok(Splits { train: 0..self.train, val: self.train..self.train + self.val, test: n_test.map(|_| 0..self.test) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn homework_default() {
        let s = SplitConfig::default().split(50_000, Some(10_000)).unwrap();
        assert_eq!(s, Splits { train: 0..49_000, val: 49_000..50_000, test: Some(0..1_000) });
        assert_eq!(SplitConfig::default().split(50_000, None).unwrap().test, None);
    }

    #[test]
    fn too_large_is_an_error() {
        let e = SplitConfig::default().split(30_000, None).unwrap_err();
        assert!(format!("{e}").contains("the training files hold 30000"), "{e}");
        let c = SplitConfig { train: 10, val: 5, test: 20 };
        assert!(c.split(15, Some(19)).is_err());
        assert!(c.split(15, Some(20)).is_ok());
        assert!(SplitConfig { train: 0, val: 1, test: 0 }.split(5, None).is_err());
    }
}
