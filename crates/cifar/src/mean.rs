//! Flattening order ([`Layout`]) and the per-pixel mean of a set of images ([`PixelMean`]).
//!
//! The homework (Stanford CS231n, assignment 2, 2016; `data_utils.get_CIFAR10_data`) subtracts
//! the mean image of the training split from every image, feature by feature:
//! `μ_j = (1/N) Σ_{i ∈ train} x_ij`, `x̃_ij = x_ij − μ_j`, with no scaling (values stay 0–255 minus
//! the mean). The sums are exact: they are accumulated as integers (≤ 255·N fits easily in `u64`)
//! and divided once in `f64`.
//!
//! Flattening: the two-layer notebook reshapes `(N, 32, 32, 3)` images, i.e. HWC order, pixel
//! `(r, c, ch)` → column `(r·32 + c)·3 + ch`; the fully connected notebook keeps `(N, 3, 32, 32)`,
//! i.e. CHW order, column `ch·1024 + r·32 + c`, which is the order of the bytes in a record.

use alloc::vec;
use alloc::vec::Vec;
use core::ops::Range;

use crate::record::{CHANNELS, IMAGE_BYTES, PLANE, SIDE};
use crate::records::Records;

/// How an image's 3,072 values are laid out in a row of features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Height, width, channel: `(r·32 + c)·3 + ch`. The two-layer notebook's order.
    #[default]
    Hwc,
    /// Channel, height, width: `ch·1024 + r·32 + c`. The FC notebook's order, and the file's.
    Chw,
}

impl Layout {
    /// Both layouts.
    pub const ALL: [Layout; 2] = [Layout::Hwc, Layout::Chw];

    /// `"hwc"` or `"chw"` (as in checkpoints and on the command line).
    pub fn name(self) -> &'static str {
        match self {
            Layout::Hwc => "hwc",
            Layout::Chw => "chw",
        }
    }

    /// The layout called `name` (`"hwc"` or `"chw"`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The column of channel `ch` of pixel `(r, c)`.
    #[inline]
    pub fn index(self, r: usize, c: usize, ch: usize) -> usize {
        match self {
            Layout::Hwc => (r * SIDE + c) * CHANNELS + ch,
            Layout::Chw => ch * PLANE + r * SIDE + c,
        }
    }

    /// The column in this layout of the byte at `chw` in a record's pixels.
    #[inline]
    pub fn column_of_chw(self, chw: usize) -> usize {
        match self {
            Layout::Hwc => (chw % PLANE) * CHANNELS + chw / PLANE,
            Layout::Chw => chw,
        }
    }

    /// Reorders 3,072 values from CHW (record) order into this layout.
    ///
    /// # Panics
    /// If either slice is not 3,072 long.
    #[track_caller]
    pub fn reorder_from_chw<V: Copy>(self, chw: &[V], out: &mut [V]) {
        assert!(
            chw.len() == IMAGE_BYTES && out.len() == IMAGE_BYTES,
            "Layout::reorder_from_chw: lengths {} and {}, both must be {IMAGE_BYTES}",
            chw.len(),
            out.len()
        );
        for (k, &v) in chw.iter().enumerate() {
            out[self.column_of_chw(k)] = v;
        }
    }
}

/// The mean image of a set of records: 3,072 values, stored in CHW (record) order.
#[derive(Debug, Clone, PartialEq)]
pub struct PixelMean {
    chw: Vec<f64>,
    count: usize,
}

impl PixelMean {
    /// Mean over records `rows` of `records` (for the homework: the training split `0..49_000`).
    ///
    /// Reads every pixel of those records once, sequentially.
    ///
    /// # Panics
    /// If `rows` is empty or reaches past `records.len()`.
    #[track_caller]
    pub fn of(records: &Records, rows: Range<usize>) -> Self {
        assert!(
            !rows.is_empty() && rows.end <= records.len(),
            "PixelMean::of: rows {rows:?} must be a non-empty range inside 0..{}",
            records.len()
        );
        let mut sums = vec![0u64; IMAGE_BYTES];
        // Accumulate in u32 blocks (≤ 16M images before overflow) and fold into u64.
        let mut block = vec![0u32; IMAGE_BYTES];
        for (k, i) in rows.clone().enumerate() {
            for (s, &p) in block.iter_mut().zip(records.record(i).pixels.iter()) {
                *s += u32::from(p);
            }
            if k % (1 << 24) == (1 << 24) - 1 {
                fold(&mut sums, &mut block);
            }
        }
        fold(&mut sums, &mut block);
        let n = rows.len() as f64;
        Self { chw: sums.iter().map(|&s| s as f64 / n).collect(), count: rows.len() }
    }

    /// A mean of zeros (no centring).
    pub fn zero() -> Self {
        Self { chw: vec![0.0; IMAGE_BYTES], count: 0 }
    }

    /// Builds a mean from 3,072 values given in `layout` order (for example, loaded from a
    /// checkpoint).
    ///
    /// # Panics
    /// If `values.len() != 3072`.
    #[track_caller]
    pub fn from_values(values: &[f64], layout: Layout) -> Self {
        assert_eq!(values.len(), IMAGE_BYTES, "PixelMean::from_values: {} values, needs {IMAGE_BYTES}", values.len());
        let chw = (0..IMAGE_BYTES).map(|k| values[layout.column_of_chw(k)]).collect();
        Self { chw, count: 0 }
    }

    /// Number of images averaged (0 for [`PixelMean::zero`] and [`PixelMean::from_values`]).
    pub fn count(&self) -> usize {
        self.count
    }

    /// The mean in CHW (record) order.
    pub fn chw(&self) -> &[f64] {
        &self.chw
    }

    /// The mean as 3,072 values in `layout` order (a `(1, 3072)` row to subtract).
    pub fn values(&self, layout: Layout) -> Vec<f64> {
        let mut out = vec![0.0; IMAGE_BYTES];
        layout.reorder_from_chw(&self.chw, &mut out);
        out
    }

    /// The mean image as interleaved RGB bytes (rounded), for pictures.
    pub fn to_rgb(&self) -> Vec<u8> {
        let mut out = vec![0u8; IMAGE_BYTES];
        let bytes: Vec<u8> = self.chw.iter().map(|&m| (m + 0.5).clamp(0.0, 255.0) as u8).collect();
        Layout::Hwc.reorder_from_chw(&bytes, &mut out);
        out
    }
}

fn fold(sums: &mut [u64], block: &mut [u32]) {
    for (s, b) in sums.iter_mut().zip(block.iter_mut()) {
        *s += u64::from(*b);
        *b = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RECORD_BYTES;

    #[test]
    fn layouts_agree_with_the_notebooks() {
        assert_eq!(Layout::Hwc.index(0, 1, 2), 5);
        assert_eq!(Layout::Hwc.index(1, 0, 0), 96);
        assert_eq!(Layout::Chw.index(1, 0, 2), 2048 + 32);
        for k in [0, 1, 1023, 1024, 2047, 3071] {
            let (ch, r, c) = (k / PLANE, (k % PLANE) / SIDE, k % SIDE);
            assert_eq!(Layout::Hwc.column_of_chw(k), Layout::Hwc.index(r, c, ch));
        }
    }

    #[test]
    fn mean_is_exact_and_reorders() {
        let mut bytes = vec![0u8; 2 * RECORD_BYTES];
        bytes[1] = 1; // record 0, red (0,0)
        bytes[RECORD_BYTES + 1] = 4; // record 1, red (0,0)
        bytes[RECORD_BYTES + 1 + PLANE] = 255; // record 1, green (0,0)
        let mut recs = Records::new();
        recs.push_owned("t", bytes, false).unwrap();
        let m = PixelMean::of(&recs, 0..2);
        assert_eq!(m.chw()[0], 2.5);
        assert_eq!(m.chw()[PLANE], 127.5);
        let hwc = m.values(Layout::Hwc);
        assert_eq!((hwc[0], hwc[1], hwc[2]), (2.5, 127.5, 0.0));
        assert_eq!(PixelMean::from_values(&hwc, Layout::Hwc), PixelMean { chw: m.chw.clone(), count: 0 });
        assert_eq!(&m.to_rgb()[..3], &[3, 128, 0]);
        assert_eq!(PixelMean::of(&recs, 1..2).chw()[0], 4.0);
    }
}
