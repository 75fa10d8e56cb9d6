//! The three-phase oil-flow data (Bishop & James 1993), the GP-LVM benchmark: `DataTrn.txt`
//! (1,000 rows of 12 whitespace-separated floats) and `DataTrnLbls.txt` (one-hot rows of 3 labels:
//! homogeneous, annular, stratified), as mirrored by github.com/lawrennd/datasets_mirror.

use std::path::{Path, PathBuf};
use std::vec::Vec;
use std::{format, string::String};

use handgrad_tensor::Matrix;

/// Name of the measurements file.
pub const DATA_FILE: &str = "DataTrn.txt";
/// Name of the one-hot labels file.
pub const LABELS_FILE: &str = "DataTrnLbls.txt";
/// Columns of the measurements.
pub const N_FEATURES: usize = 12;
/// Number of flow regimes.
pub const N_CLASSES: usize = 3;
/// Names of the flow regimes, in label order.
pub const CLASS_NAMES: [&str; N_CLASSES] = ["homogeneous", "annular", "stratified"];

/// The oil-flow training set.
#[derive(Clone, Debug)]
pub struct OilData {
    /// Measurements `(n, 12)`.
    pub y: Matrix<f64>,
    /// Flow regime of each row, `0..3`.
    pub labels: Vec<usize>,
}

/// Why the oil-flow files could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum OilError {
    /// A file could not be read.
    #[error(
        "cannot read {path}: {source}; run `cargo xtask fetch-oil` or pass the folder holding {DATA_FILE} and {LABELS_FILE}"
    )]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line does not parse.
    #[error(
        "{path}, line {line}: {problem}; the file is damaged or not the oil-flow data: fetch it again with `cargo xtask fetch-oil`"
    )]
    BadLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// The two files disagree on the number of rows.
    #[error(
        "{data_rows} rows in {DATA_FILE} but {label_rows} in {LABELS_FILE} (folder {dir}); fetch the data again with `cargo xtask fetch-oil`"
    )]
    RowMismatch {
        /// The folder.
        dir: PathBuf,
        /// Rows of measurements.
        data_rows: usize,
        /// Rows of labels.
        label_rows: usize,
    },
}

/// Loads `DataTrn.txt` and `DataTrnLbls.txt` from `dir`.
pub fn load(dir: &Path) -> Result<OilData, OilError> {
    let data_path = dir.join(DATA_FILE);
    let label_path = dir.join(LABELS_FILE);
    let rows = parse_rows(&data_path, N_FEATURES)?;
    let label_rows = parse_rows(&label_path, N_CLASSES)?;
    if rows.len() != label_rows.len() {
        return Err(OilError::RowMismatch {
            dir: dir.to_path_buf(),
            data_rows: rows.len(),
            label_rows: label_rows.len(),
        });
    }
    let mut labels = Vec::with_capacity(label_rows.len());
    for (k, (line, row)) in label_rows.iter().enumerate() {
        let ones: Vec<usize> = (0..N_CLASSES).filter(|&c| row[c] == 1.0).collect();
        let zeros = row.iter().filter(|&&v| v == 0.0).count();
        if ones.len() != 1 || zeros != N_CLASSES - 1 {
            let problem = format!("label row {k} is {row:?}, not one-hot");
            return Err(OilError::BadLine { path: label_path, line: *line, problem });
        }
        labels.push(ones[0]);
    }
    let n = rows.len();
    let flat: Vec<f64> = rows.into_iter().flat_map(|(_, r)| r).collect();
    Ok(OilData { y: Matrix::from_vec(n, N_FEATURES, flat), labels })
}

/// Non-empty lines of `path` as rows of exactly `cols` finite floats, with their 1-based line numbers.
fn parse_rows(path: &Path, cols: usize) -> Result<Vec<(usize, Vec<f64>)>, OilError> {
    let text = std::fs::read_to_string(path).map_err(|source| OilError::Io { path: path.to_path_buf(), source })?;
    let bad = |line: usize, problem: String| OilError::BadLine { path: path.to_path_buf(), line, problem };
    let mut rows = Vec::new();
    for (k, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut row = Vec::with_capacity(cols);
        for tok in line.split_whitespace() {
            let v: f64 = tok.parse().map_err(|_| bad(k + 1, format!("'{tok}' is not a number")))?;
            if !v.is_finite() {
                return Err(bad(k + 1, format!("'{tok}' is not finite")));
            }
            row.push(v);
        }
        if row.len() != cols {
            return Err(bad(k + 1, format!("{} columns, expected {cols}", row.len())));
        }
        rows.push((k + 1, row));
    }
    if rows.is_empty() {
        return Err(bad(1, String::from("the file has no data rows")));
    }
    Ok(rows)
}

/// The oil-flow folder for tests and examples: `<workspace>/datasets/oil` when it holds the files,
/// else `<workspace>/../shared/datasets/oil`, else `None`. `manifest_dir` is a crate's
/// `CARGO_MANIFEST_DIR` (two levels below the workspace root).
pub fn find_local_copy(manifest_dir: &Path) -> Option<PathBuf> {
    let root = manifest_dir.parent()?.parent()?;
    [root.join("datasets/oil"), root.join("../shared/datasets/oil")]
        .into_iter()
        .find(|p| p.join(DATA_FILE).is_file() && p.join(LABELS_FILE).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, data: &str, labels: &str) {
        std::fs::write(dir.join(DATA_FILE), data).unwrap();
        std::fs::write(dir.join(LABELS_FILE), labels).unwrap();
    }

    fn row(v: f64) -> String {
        (0..N_FEATURES).map(|j| format!("{} ", v + j as f64)).collect::<String>() + "\n"
    }

    #[test]
    fn parses_a_small_folder() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &(row(0.5) + &row(1.5)), "0 1 0\n 1 0 0 \n\n");
        let oil = load(dir.path()).unwrap();
        assert_eq!(oil.y.shape(), (2, N_FEATURES));
        assert_eq!(oil.y.get(1, 2), 3.5);
        assert_eq!(oil.labels, [1, 0]);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &(row(0.0) + "1 2 3\n"), "0 1 0\n1 0 0\n");
        let msg = format!("{}", load(dir.path()).unwrap_err());
        assert!(msg.contains("DataTrn.txt, line 2") && msg.contains("3 columns, expected 12"), "{msg}");

        write(dir.path(), &(row(0.0) + &row(1.0)), "0 1 0\n1 1 0\n");
        let msg = format!("{}", load(dir.path()).unwrap_err());
        assert!(msg.contains("DataTrnLbls.txt, line 2") && msg.contains("not one-hot"), "{msg}");

        write(dir.path(), &(row(0.0) + &row(1.0)), "0 1 0\n");
        assert!(matches!(load(dir.path()), Err(OilError::RowMismatch { data_rows: 2, label_rows: 1, .. })));

        let missing = dir.path().join("nope");
        let msg = format!("{}", load(&missing).unwrap_err());
        assert!(msg.contains("cannot read") && msg.contains("fetch-oil"), "{msg}");
    }

    #[test]
    fn real_data_has_the_documented_shape_and_class_counts() {
        let Some(dir) = find_local_copy(Path::new(env!("CARGO_MANIFEST_DIR"))) else {
            std::println!("skipping: no oil-flow data under datasets/oil or ../shared/datasets/oil");
            return;
        };
        let oil = load(&dir).unwrap();
        assert_eq!(oil.y.shape(), (1000, 12));
        let counts: Vec<usize> = (0..3).map(|c| oil.labels.iter().filter(|&&l| l == c).count()).collect();
        assert_eq!(counts, [343, 316, 341]);
    }
}
