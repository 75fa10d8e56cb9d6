//! [`CifarError`]: everything that can be wrong with the data on disk, each message naming the
//! file (and byte offset where one applies) and ending with what to do next, in this crate's terms
//! (a program built on it, like handgrad's `cargo xtask`, adds its own command on top).

use alloc::string::String;

use crate::record::RecordError;

/// An I/O or data problem with a CIFAR-10 folder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CifarError {
    /// A batch file's bytes are invalid (length, record count or a label).
    #[error(
        "{file}: {source}; the file is damaged: replace it with an undamaged copy of the CIFAR-10 binary version (`archive::install_archive` reinstalls a folder from the archive)"
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
        "{file} is missing; open the folder the CIFAR-10 binary archive unpacks to (`cifar-10-batches-bin`), or install one there with `archive::install_archive`"
    )]
    MissingFile {
        /// The missing file.
        file: String,
    },
    /// A folder stands where a data file should be.
    #[error(
        "{file} is a folder, not a file; replace it with an undamaged copy of the CIFAR-10 binary version (`archive::install_archive` reinstalls a folder from the archive)"
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
        "{file}, line {line}: {reason}; replace it with an undamaged copy of the CIFAR-10 binary version (`archive::install_archive` reinstalls a folder from the archive)"
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
    #[error("{reason}; ask for smaller splits in `SplitConfig`, or open a folder with all five training batches")]
    Split {
        /// What does not fit.
        reason: String,
    },
    /// The operating system refused to read a file.
    #[cfg(feature = "std")]
    #[error(
        "could not read {file}: {source}; check that it exists and is readable, or replace it with an undamaged copy of the CIFAR-10 binary version (`archive::install_archive` reinstalls a folder from the archive)"
    )]
    Io {
        /// The file.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}
