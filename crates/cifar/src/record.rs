//! The CIFAR-10 binary record and its validation (no_std, over any `&[u8]`).
//!
//! Format (Krizhevsky, "The CIFAR-10 dataset", binary version,
//! <https://www.cs.toronto.edu/~kriz/cifar.html>): a batch file is a sequence of records of
//! `1 + 3·32·32 = 3073` bytes. Byte 0 is the label (0–9); bytes `1 + ch·1024 + r·32 + c` hold
//! channel `ch` (0 = red, 1 = green, 2 = blue) of the pixel in row `r`, column `c`. So the pixels of
//! a record are three 32×32 row-major planes: channel-height-width (CHW) order.
//!
//! [`Record`] is a `#[repr(C)]`, alignment-1 [`bytemuck::Pod`] struct of exactly 3,073 bytes, so a
//! valid file's bytes can be viewed as `&[Record]` without copying ([`parse_records`]).

use bytemuck::{Pod, Zeroable};
use core::fmt;

/// Image side length in pixels.
pub const SIDE: usize = 32;
/// Pixels per channel plane: `32·32 = 1024`.
pub const PLANE: usize = SIDE * SIDE;
/// Colour channels (red, green, blue).
pub const CHANNELS: usize = 3;
/// Pixel bytes of one image: `3·1024 = 3072`; also the number of features of a flattened image.
pub const IMAGE_BYTES: usize = CHANNELS * PLANE;
/// Bytes of one record: a label byte and the pixels, `3073`.
pub const RECORD_BYTES: usize = 1 + IMAGE_BYTES;
/// Records in each canonical batch file.
pub const RECORDS_PER_FILE: usize = 10_000;
/// Number of classes; labels are `0..NUM_CLASSES`.
pub const NUM_CLASSES: usize = 10;

/// One CIFAR-10 record as it lies in a batch file: label byte, then R, G, B planes of 32×32.
#[derive(Clone, Copy, Pod, Zeroable)]
#[repr(C)]
pub struct Record {
    /// Class label, `0..10` once validated.
    pub label: u8,
    /// Pixels in CHW order: channel `ch`, row `r`, column `c` at `ch·1024 + r·32 + c`.
    pub pixels: [u8; IMAGE_BYTES],
}

const _: () = assert!(core::mem::size_of::<Record>() == RECORD_BYTES);
const _: () = assert!(core::mem::align_of::<Record>() == 1);

impl Record {
    /// Channel plane `ch` (0 = red, 1 = green, 2 = blue): 1,024 bytes, row-major 32×32.
    ///
    /// # Panics
    /// If `ch >= 3`.
    #[inline]
    #[track_caller]
    pub fn plane(&self, ch: usize) -> &[u8] {
        assert!(ch < CHANNELS, "Record::plane: channel {ch} out of range 0..{CHANNELS}");
        &self.pixels[ch * PLANE..(ch + 1) * PLANE]
    }

    /// The value of channel `ch` at row `r`, column `c`.
    #[inline]
    #[track_caller]
    pub fn pixel(&self, r: usize, c: usize, ch: usize) -> u8 {
        assert!(r < SIDE && c < SIDE && ch < CHANNELS, "Record::pixel: ({r}, {c}, {ch}) out of range");
        self.pixels[ch * PLANE + r * SIDE + c]
    }

    /// Writes the image as interleaved RGB bytes (HWC: `(r·32 + c)·3 + ch`), the layout image
    /// encoders expect.
    ///
    /// # Panics
    /// If `out.len() != 3072`.
    #[track_caller]
    pub fn write_rgb(&self, out: &mut [u8]) {
        assert_eq!(out.len(), IMAGE_BYTES, "Record::write_rgb: output has {} bytes, needs {IMAGE_BYTES}", out.len());
        for (p, px) in out.chunks_exact_mut(CHANNELS).enumerate() {
            for (ch, v) in px.iter_mut().enumerate() {
                *v = self.pixels[ch * PLANE + p];
            }
        }
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record").field("label", &self.label).field("pixels", &"[u8; 3072]").finish()
    }
}

/// What is wrong with a batch file's bytes. Offsets are byte offsets into the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The file holds no bytes at all.
    #[error("the file is empty (0 bytes); a batch file holds records of {RECORD_BYTES} bytes")]
    Empty,
    /// The length is not a whole number of records: the last record is cut short, or there are
    /// bytes after the last record.
    #[error(
        "{len} bytes is not a whole number of {RECORD_BYTES}-byte records: {records} complete records, then \
         {trailing} stray bytes starting at byte offset {offset} (truncated file or trailing bytes)"
    )]
    Length {
        /// File length in bytes.
        len: usize,
        /// Complete records before the stray bytes.
        records: usize,
        /// Bytes after the last complete record.
        trailing: usize,
        /// Byte offset of the first stray byte.
        offset: usize,
    },
    /// A canonical batch file must hold exactly 10,000 records.
    #[error("holds {records} records, a canonical batch file holds {RECORDS_PER_FILE} (file size differs)")]
    Count {
        /// Records found.
        records: usize,
    },
    /// A label byte is outside `0..10`.
    #[error("record {record} has label {label} at byte offset {offset}; labels are 0..{NUM_CLASSES}")]
    Label {
        /// Index of the record in its file.
        record: usize,
        /// Byte offset of the label byte.
        offset: usize,
        /// The bad label.
        label: u8,
    },
}

/// Number of whole records in a file of `len` bytes, or why it is not a valid batch length.
pub fn record_count(len: usize) -> Result<usize, RecordError> {
    if len == 0 {
        return Err(RecordError::Empty);
    }
    let records = len / RECORD_BYTES;
    let trailing = len % RECORD_BYTES;
    if trailing != 0 {
        return Err(RecordError::Length { len, records, trailing, offset: records * RECORD_BYTES });
    }
    Ok(records)
}

/// Checks the label byte of record `record` (its byte offset is `record · 3073`).
#[inline]
pub fn check_label(record: usize, label: u8) -> Result<(), RecordError> {
    if usize::from(label) < NUM_CLASSES {
        Ok(())
    } else {
        Err(RecordError::Label { record, offset: record * RECORD_BYTES, label })
    }
}

/// Views a batch file's bytes as records after checking the length and every label.
///
/// No copy: the result borrows `bytes`. Touches one byte per record (the labels).
pub fn parse_records(bytes: &[u8]) -> Result<&[Record], RecordError> {
    record_count(bytes.len())?;
    let records: &[Record] = bytemuck::cast_slice(bytes);
    for (i, r) in records.iter().enumerate() {
        check_label(i, r.label)?;
    }
    Ok(records)
}

/// [`parse_records`] plus the canonical record count of 10,000 per file.
pub fn parse_canonical(bytes: &[u8]) -> Result<&[Record], RecordError> {
    let records = parse_records(bytes)?;
    if records.len() != RECORDS_PER_FILE {
        return Err(RecordError::Count { records: records.len() });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn bytes(n: usize) -> alloc::vec::Vec<u8> {
        let mut b = vec![0u8; n * RECORD_BYTES];
        for i in 0..n {
            b[i * RECORD_BYTES] = (i % NUM_CLASSES) as u8;
            b[i * RECORD_BYTES + 1 + 5] = i as u8;
        }
        b
    }

    #[test]
    fn parses_records_without_copy() {
        let b = bytes(3);
        let r = parse_records(&b).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[2].label, 2);
        assert_eq!(r[2].pixel(0, 5, 0), 2);
        assert_eq!(r.as_ptr() as *const u8, b.as_ptr());
    }

    #[test]
    fn truncated_and_trailing_report_offsets() {
        let b = bytes(3);
        assert_eq!(
            parse_records(&b[..2 * RECORD_BYTES + 100]).unwrap_err(),
            RecordError::Length { len: 2 * RECORD_BYTES + 100, records: 2, trailing: 100, offset: 2 * RECORD_BYTES }
        );
        let mut long = b.clone();
        long.push(7);
        let e = parse_records(&long).unwrap_err();
        assert_eq!(
            e,
            RecordError::Length { len: 3 * RECORD_BYTES + 1, records: 3, trailing: 1, offset: 3 * RECORD_BYTES }
        );
        assert_eq!(parse_records(&[]).unwrap_err(), RecordError::Empty);
    }

    #[test]
    fn label_ten_is_rejected_with_offset() {
        let mut b = bytes(3);
        b[RECORD_BYTES] = 10;
        assert_eq!(parse_records(&b).unwrap_err(), RecordError::Label { record: 1, offset: RECORD_BYTES, label: 10 });
    }

    #[test]
    fn canonical_count() {
        assert_eq!(parse_canonical(&bytes(2)).unwrap_err(), RecordError::Count { records: 2 });
    }

    #[test]
    fn rgb_interleaves_planes() {
        let mut b = bytes(1);
        b[1] = 11; // red (0, 0)
        b[1 + PLANE] = 22; // green (0, 0)
        b[1 + 2 * PLANE + 33] = 33; // blue (1, 1)
        let r = &parse_records(&b).unwrap()[0];
        let mut rgb = [0u8; IMAGE_BYTES];
        r.write_rgb(&mut rgb);
        assert_eq!(&rgb[..3], &[11, 22, 0]);
        assert_eq!(rgb[33 * 3 + 2], 33);
    }
}
