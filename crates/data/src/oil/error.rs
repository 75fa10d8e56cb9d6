//! Why the oil-flow files could not be read or are not the oil-flow data: [`OilError`], every
//! variant naming the file (and the 1-based line where there is one) and what to do next.

use std::path::PathBuf;

use super::{DATA_FILE, LABELS_FILE};

/// Why the oil-flow files could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OilError {
    /// A file could not be read.
    #[error(
        "cannot read {path}: {source}; pass the folder holding {DATA_FILE} and {LABELS_FILE} (`oil::install` installs one)"
    )]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A line is not a row of the expected numbers.
    #[error(
        "{path}, line {line}: {problem}; the file is damaged or not the oil-flow data: replace it with an undamaged copy (`oil::install` reinstalls the folder from one)"
    )]
    BadLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// A file has the wrong number of data rows (truncated, or another data set).
    #[error(
        "{path} has {rows} data rows, the oil-flow training set has {expected}: the file is truncated or not the oil-flow data; replace it with an undamaged copy (`oil::install` reinstalls the folder from one)"
    )]
    RowCount {
        /// The file.
        path: PathBuf,
        /// Non-empty lines found.
        rows: usize,
        /// Rows required ([`super::N_ROWS`]).
        expected: usize,
    },
}
