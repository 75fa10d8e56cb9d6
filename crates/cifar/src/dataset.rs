//! [`Cifar10`]: a CIFAR-10 folder (`cifar-10-batches-bin/`) opened by memory-mapping its batch
//! files (needs `std`).
//!
//! Opening checks each file's length (a whole number of 3,073-byte records; 10,000 records unless
//! [`OpenOptions::any_record_count`]) and collects the label bytes by streaming each file once
//! through a 768 KiB buffer — not through the map — so no page is mapped into the process and its
//! resident memory stays small until records are used.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::vec::Vec;

use crate::error::CifarError;
use crate::meta::parse_class_names;
use crate::record::{RECORD_BYTES, RECORDS_PER_FILE, RecordError, check_label, record_count};
use crate::records::{Bytes, Records};
use crate::split::{SplitConfig, Splits};

/// The folder the archive unpacks to (and that the installer puts under the datasets folder); the
/// name `handgrad_data::locate` looks for (`CIFAR10_DIR`, the same string: tested).
pub const DIR_NAME: &str = "cifar-10-batches-bin";
/// The five training batch files, in order.
pub const TRAIN_FILES: [&str; 5] =
    ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];
/// The test batch file.
pub const TEST_FILE: &str = "test_batch.bin";
/// The class-name file.
pub const META_FILE: &str = "batches.meta.txt";

/// How strictly to check the files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Accept any whole number of records per file instead of exactly 10,000 (small test folders).
    pub any_record_count: bool,
}

/// An opened CIFAR-10 folder: training records (data_batch_1..5), test records when present, and
/// class names.
#[derive(Debug)]
pub struct Cifar10 {
    dir: PathBuf,
    /// The 50,000 training records (data_batch_1..5, in order), memory-mapped.
    pub train: Records,
    test: Option<Records>,
    /// Class names, label `i` at index `i`.
    pub classes: Vec<String>,
}

impl Cifar10 {
    /// Opens a canonical folder (every batch file exactly 10,000 records). A missing test batch
    /// is not an error here: see [`Cifar10::test`].
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, CifarError> {
        Self::open_with(dir, OpenOptions::default())
    }

    /// Opens a folder with the given checks.
    pub fn open_with(dir: impl AsRef<Path>, options: OpenOptions) -> Result<Self, CifarError> {
        let dir = dir.as_ref().to_path_buf();
        let meta = dir.join(META_FILE);
        if meta.is_dir() {
            return Err(CifarError::NotAFile { file: meta.display().to_string() });
        }
        let text = std::fs::read_to_string(&meta).map_err(|e| io_error(&meta, e))?;
        let classes = parse_class_names(&meta.display().to_string(), &text)?;
        let mut train = Records::new();
        for name in TRAIN_FILES {
            map_into(&mut train, &dir.join(name), options)?;
        }
        let test_path = dir.join(TEST_FILE);
        let test = if test_path.exists() {
            let mut t = Records::new();
            map_into(&mut t, &test_path, options)?;
            Some(t)
        } else {
            None
        };
        Ok(Self { dir, train, test, classes })
    }

    /// The folder this was opened from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The test records, or [`CifarError::MissingTestBatch`] when `test_batch.bin` is absent
    /// (the training records stay usable).
    pub fn test(&self) -> Result<&Records, CifarError> {
        self.test
            .as_ref()
            .ok_or_else(|| CifarError::MissingTestBatch { file: self.dir.join(TEST_FILE).display().to_string() })
    }

    /// `true` when the test batch is present.
    pub fn has_test(&self) -> bool {
        self.test.is_some()
    }

    /// The splits of `config` over these records (test split `None` without a test batch).
    pub fn splits(&self, config: &SplitConfig) -> Result<Splits, CifarError> {
        config.split(self.train.len(), self.test.as_ref().map(Records::len))
    }
}

fn io_error(path: &Path, e: std::io::Error) -> CifarError {
    if e.kind() == std::io::ErrorKind::NotFound {
        CifarError::MissingFile { file: path.display().to_string() }
    } else {
        CifarError::Io { file: path.display().to_string(), source: e }
    }
}

/// Maps one batch file, validates length and labels, and appends it to `records`.
fn map_into(records: &mut Records, path: &Path, options: OpenOptions) -> Result<(), CifarError> {
    let name = path.display().to_string();
    let bad = |source: RecordError| CifarError::BadFile { file: name.clone(), source };
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    let meta = file.metadata().map_err(|e| io_error(path, e))?;
    if meta.is_dir() {
        return Err(CifarError::NotAFile { file: name });
    }
    let len = meta.len() as usize;
    let n = record_count(len).map_err(bad)?;
    if !options.any_record_count && n != RECORDS_PER_FILE {
        return Err(bad(RecordError::Count { records: n }));
    }
    let labels = read_labels(&file, n).map_err(|e| io_error(path, e))?;
    for (i, &l) in labels.iter().enumerate() {
        check_label(i, l).map_err(bad)?;
    }
    // SAFETY: the map is read-only and private to this process. Memory-mapped files are UB to
    // read if another process truncates or rewrites them while mapped; the dataset folder is
    // installed by `cargo xtask fetch-cifar`, which never modifies files in place (it renames a
    // complete new folder over the old one), and nothing in handgrad writes to it.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| io_error(path, e))?;
    if map.len() != len {
        return Err(bad(RecordError::Length { len: map.len(), records: n, trailing: 0, offset: map.len() }));
    }
    records.push_part(name, Bytes::Mapped(map), labels);
    Ok(())
}

/// Reads the label byte of each of `n` records by streaming the file through a small buffer of
/// whole records (not through the map, so no page of the file is mapped into this process and
/// resident memory does not grow). One sequential pass; the pixels are read by the kernel into its
/// page cache, not kept.
fn read_labels(file: &File, n: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    const CHUNK: usize = 256;
    let mut buf = std::vec![0u8; CHUNK * RECORD_BYTES];
    let mut labels = Vec::with_capacity(n);
    let mut reader = file;
    while labels.len() < n {
        let k = CHUNK.min(n - labels.len());
        reader.read_exact(&mut buf[..k * RECORD_BYTES])?;
        labels.extend(buf[..k * RECORD_BYTES].iter().step_by(RECORD_BYTES));
    }
    Ok(labels)
}
