//! The three-phase oil-flow data (Bishop & James 1993, *Analysis of multiphase flows using
//! dual-energy gamma densitometry and neural networks*), the GP-LVM benchmark, as mirrored by
//! Lawrence (github.com/lawrennd/datasets_mirror, folder `three_phase_oil_flow/`):
//!
//! - `DataTrn.txt`: 1,000 rows of 12 whitespace-separated floats (gamma-densitometry readings);
//! - `DataTrnLbls.txt`: 1,000 one-hot rows of 3 labels (homogeneous, annular, stratified).
//!
//! [`load`] reads an installed folder into [`OilData`] (`y: (1000, 12)`, labels `0..3`);
//! [`install()`] puts the two files (from a local folder, or as downloaded by the caller) into
//! `<datasets>/oil` with the atomic protocol of [`crate::install`]. Both go through **one**
//! validator of the format, [`parse`]: every line parses, every value is finite, 12 and 3 columns,
//! one-hot labels, exactly 1,000 rows in each file; problems are [`OilError`]s naming the file and
//! the 1-based line.

mod error;
mod install;
mod parse;

use std::path::Path;

use handgrad_tensor::Matrix;

pub use error::OilError;
pub use install::{InstallError, InstallReport, Source, install};
pub use parse::parse;

/// Installed folder name under the datasets folder.
pub const DIR_NAME: &str = "oil";
/// Name of the measurements file.
pub const DATA_FILE: &str = "DataTrn.txt";
/// Name of the one-hot labels file.
pub const LABELS_FILE: &str = "DataTrnLbls.txt";
/// Rows of each file: the 1,000 training points.
pub const N_ROWS: usize = 1_000;
/// Columns of the measurements.
pub const N_FEATURES: usize = 12;
/// Number of flow regimes (columns of the labels file).
pub const N_CLASSES: usize = 3;
/// Names of the flow regimes, in label order.
pub const CLASS_NAMES: [&str; N_CLASSES] = ["homogeneous", "annular", "stratified"];

/// Where the mirror serves the files (`<MIRROR_URL>/<file name>`).
pub const MIRROR_URL: &str = "https://raw.githubusercontent.com/lawrennd/datasets_mirror/main/three_phase_oil_flow";
/// SHA-256 of the mirrored `DataTrn.txt`.
pub const DATA_SHA256: &str = "ff1aeeceb204de936990bc22cc9d0e4ca7094e993a6d723509c60be0b0f2a136";
/// SHA-256 of the mirrored `DataTrnLbls.txt`.
pub const LABELS_SHA256: &str = "15e5ce14ca8054ca34b984b8da7d8ffeff682f86af2772911e9deccdd4d438c0";
/// The two files with the mirror's SHA-256 of each.
pub const FILES: [(&str, &str); 2] = [(DATA_FILE, DATA_SHA256), (LABELS_FILE, LABELS_SHA256)];

/// The oil-flow training set.
#[derive(Clone, Debug)]
pub struct OilData {
    /// Measurements `(1000, 12)`, rows are samples.
    pub y: Matrix<f64>,
    /// Flow regime of each row, `0..3` (indices into [`CLASS_NAMES`]).
    pub labels: Vec<usize>,
}

/// Loads `DataTrn.txt` and `DataTrnLbls.txt` from `dir` (for example the folder returned by
/// [`crate::locate::oil`]) and validates them with [`parse`].
pub fn load(dir: &Path) -> Result<OilData, OilError> {
    let (data_path, labels_path) = (dir.join(DATA_FILE), dir.join(LABELS_FILE));
    let data = read(&data_path)?;
    let labels = read(&labels_path)?;
    parse(&data_path, &data, &labels_path, &labels)
}

/// The bytes of `path`, or [`OilError::Io`] naming it.
fn read(path: &Path) -> Result<Vec<u8>, OilError> {
    std::fs::read(path).map_err(|source| OilError::Io { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oil::parse::tests::{labels_text, table};

    #[test]
    fn loads_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DATA_FILE), table(N_ROWS, N_FEATURES)).unwrap();
        std::fs::write(dir.path().join(LABELS_FILE), labels_text(N_ROWS)).unwrap();
        let oil = load(dir.path()).unwrap();
        assert_eq!(oil.y.shape(), (N_ROWS, N_FEATURES));
        assert_eq!(oil.y.get(1, 2), 1.0 + 2.0 / 16.0);
        assert_eq!(&oil.labels[..4], [0, 1, 2, 0]);
    }

    #[test]
    fn a_missing_file_is_an_io_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DATA_FILE), table(N_ROWS, N_FEATURES)).unwrap();
        let err = load(dir.path()).unwrap_err();
        assert!(matches!(&err, OilError::Io { path, .. } if path.ends_with(LABELS_FILE)), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("cannot read") && msg.contains(LABELS_FILE) && msg.contains("`oil::install` installs one"),
            "{msg}"
        );
    }
}
