//! [`Records`]: one split's batch files (memory-mapped or in memory) seen as a single indexed
//! sequence of [`Record`]s, plus a compact copy of the labels.
//!
//! Record `i` of the concatenation lives in the file whose range of global indices contains `i`
//! (data_batch_1 holds `0..10_000`, data_batch_2 `10_000..20_000`, …). Pixels are never copied:
//! [`Records::record`] returns a reference into the mapped bytes. Only the labels (one byte per
//! record) are kept in a `Vec<u8>` so that label lookups and validation never touch pixel pages.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::CifarError;
use crate::record::{RECORD_BYTES, Record, parse_canonical, parse_records};

/// Bytes of one batch file: owned, or (with `std`) a read-only memory map.
pub(crate) enum Bytes {
    /// In-memory bytes (tests, fuzzing, no_std users).
    Owned(Vec<u8>),
    /// A read-only memory map of a file.
    #[cfg(feature = "std")]
    Mapped(memmap2::Mmap),
}

impl Bytes {
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            #[cfg(feature = "std")]
            Bytes::Mapped(m) => m,
        }
    }
}

/// One batch file of a [`Records`] set.
struct Part {
    name: String,
    bytes: Bytes,
    /// Global index of this file's first record.
    start: usize,
    /// Records in this file.
    len: usize,
}

/// A sequence of CIFAR-10 records spread over one or more batch files, with validated labels.
pub struct Records {
    parts: Vec<Part>,
    labels: Vec<u8>,
}

impl Records {
    /// An empty set; add files with [`Records::push_owned`] (or, with `std`, open a folder with
    /// [`crate::Cifar10::open`]).
    pub fn new() -> Self {
        Self { parts: Vec::new(), labels: Vec::new() }
    }

    /// Appends an in-memory batch file after checking its length and labels ([`parse_records`]);
    /// with `canonical`, also that it holds exactly 10,000 records.
    pub fn push_owned(&mut self, name: &str, bytes: Vec<u8>, canonical: bool) -> Result<(), CifarError> {
        let parsed = if canonical { parse_canonical(&bytes) } else { parse_records(&bytes) };
        let records = parsed.map_err(|source| CifarError::BadFile { file: name.into(), source })?;
        let labels: Vec<u8> = records.iter().map(|r| r.label).collect();
        self.push_part(name.into(), Bytes::Owned(bytes), labels);
        Ok(())
    }

    /// Appends a file whose length and labels the caller has already validated.
    pub(crate) fn push_part(&mut self, name: String, bytes: Bytes, labels: Vec<u8>) {
        let len = bytes.as_slice().len() / RECORD_BYTES;
        assert_eq!(labels.len(), len, "Records::push_part: {} labels for {len} records", labels.len());
        self.parts.push(Part { name, bytes, start: self.labels.len(), len });
        self.labels.extend_from_slice(&labels);
    }

    /// Number of records.
    #[inline]
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// `true` when there are no records.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// All labels, one per record, each `0..10`.
    #[inline]
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// The label of record `i`.
    #[inline]
    #[track_caller]
    pub fn label(&self, i: usize) -> u8 {
        self.labels[i]
    }

    /// Record `i` (a view into the mapped bytes; no copy).
    ///
    /// # Panics
    /// If `i >= self.len()`.
    #[inline]
    #[track_caller]
    pub fn record(&self, i: usize) -> &Record {
        for p in &self.parts {
            if i < p.start + p.len && i >= p.start {
                let at = (i - p.start) * RECORD_BYTES;
                return bytemuck::from_bytes(&p.bytes.as_slice()[at..at + RECORD_BYTES]);
            }
        }
        panic!("Records::record: index {i} out of range 0..{}", self.len());
    }

    /// The records of each file, in order, as `(file name, records)`.
    pub fn files(&self) -> impl Iterator<Item = (&str, &[Record])> + '_ {
        self.parts.iter().map(|p| (p.name.as_str(), bytemuck::cast_slice(p.bytes.as_slice())))
    }

    /// File name and byte offset of record `i`, for messages.
    #[track_caller]
    pub fn locate(&self, i: usize) -> (&str, usize) {
        let p = self.parts.iter().find(|p| i >= p.start && i < p.start + p.len).unwrap_or_else(|| {
            panic!("Records::locate: index {i} out of range 0..{}", self.len());
        });
        (p.name.as_str(), (i - p.start) * RECORD_BYTES)
    }
}

impl Default for Records {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for Records {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let files: Vec<(&str, usize)> = self.parts.iter().map(|p| (p.name.as_str(), p.len)).collect();
        f.debug_struct("Records").field("len", &self.len()).field("files", &files).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn file(n: usize, tag: u8) -> Vec<u8> {
        let mut b = vec![tag; n * RECORD_BYTES];
        for i in 0..n {
            b[i * RECORD_BYTES] = (i % 10) as u8;
        }
        b
    }

    #[test]
    fn indexes_across_files() {
        let mut r = Records::new();
        r.push_owned("a", file(3, 1), false).unwrap();
        r.push_owned("b", file(2, 2), false).unwrap();
        assert_eq!(r.len(), 5);
        assert_eq!(r.labels(), &[0, 1, 2, 0, 1]);
        assert_eq!(r.record(2).pixels[0], 1);
        assert_eq!(r.record(3).pixels[0], 2);
        assert_eq!(r.locate(4), ("b", RECORD_BYTES));
        assert_eq!(r.files().count(), 2);
    }

    #[test]
    fn bad_file_names_the_file() {
        let mut b = file(2, 0);
        b[RECORD_BYTES] = 10;
        let e = Records::new().push_owned("data_batch_9.bin", b, false).unwrap_err();
        let msg = alloc::format!("{e}");
        assert!(
            msg.contains("data_batch_9.bin") && msg.contains("offset 3073") && msg.contains("archive::install_archive"),
            "{msg}"
        );
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn record_out_of_range_panics() {
        let mut r = Records::new();
        r.push_owned("a", file(1, 0), false).unwrap();
        r.record(1);
    }
}
