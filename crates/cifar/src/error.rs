//! [`CifarError`]: everything that can be wrong with the data on disk, each message naming the
//! file (and byte offset where one applies) and ending with what to do next.

use alloc::string::String;

use crate::record::RecordError;

/// An I/O or data problem with a CIFAR-10 folder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CifarError {
    /// A batch file's bytes are invalid (length, record count or a label).
    #[error(
        "{file}: {source}; the file is damaged: give an undamaged copy, or reinstall the installed one with `cargo xtask fetch-cifar --force`"
    )]
    BadFile {
        /// The file (path or name).
        file: String,
        /// What is wrong, with the byte offset.
        #[source]
        source: RecordError,
    },
    /// A file the training split needs is not there.
    #[error(
        "{file} is missing; run `cargo xtask fetch-cifar` (or `cargo xtask fetch-cifar --from <archive or folder>`) to install CIFAR-10"
    )]
    MissingFile {
        /// The missing file.
        file: String,
    },
    /// A folder stands where a data file should be.
    #[error(
        "{file} is a folder, not a file; give an undamaged copy, or reinstall the installed one with `cargo xtask fetch-cifar --force`"
    )]
    NotAFile {
        /// The path.
        file: String,
    },
    /// The test batch is not there (the development archive ships without it). The training split
    /// is still usable.
    #[error(
        "the test batch {file} is missing (the development archive has none); evaluate on the validation split, or install an archive that has it (the canonical cifar-10-binary.tar.gz)"
    )]
    MissingTestBatch {
        /// Where the test batch was expected.
        file: String,
    },
    /// `batches.meta.txt` does not list ten class names.
    #[error(
        "{file}, line {line}: {reason}; give an undamaged copy, or reinstall the installed one with `cargo xtask fetch-cifar --force`"
    )]
    ClassNames {
        /// The metadata file.
        file: String,
        /// 1-based line number of the problem (0 when it is about the whole file).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The requested split sizes do not fit the records present.
    #[error("{reason}; use smaller splits, or install the full training set with `cargo xtask fetch-cifar`")]
    Split {
        /// What does not fit.
        reason: String,
    },
    /// The operating system refused to read a file.
    #[cfg(feature = "std")]
    #[error(
        "could not read {file}: {source}; check that it exists and is readable, or reinstall the installed copy with `cargo xtask fetch-cifar --force`"
    )]
    Io {
        /// The file.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}
