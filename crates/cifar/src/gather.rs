//! [`Preprocess`]: mapped records → mean-subtracted feature rows, the training hot path.
//!
//! For rows `i_1 … i_n` of a [`Records`] set, writes `x: (n, 3072)` (rows are samples, row-major)
//! with `x[k, layout(r, c, ch)] = pixel_{i_k}(r, c, ch) − μ[layout(r, c, ch)]` and
//! `y[k] = label_{i_k}`, straight from the mapped bytes into caller buffers that are reused from
//! batch to batch (no allocation once the buffers have reached the batch size).
//!
//! Two kinds of buffer, the same bytes: a plain `&mut [T]` of `n · 3072` values
//! ([`Preprocess::gather_into`], [`Preprocess::gather_augmented_into`],
//! [`Preprocess::gather_range_into`]; no faer needed) and, with the `tensor` feature (default), a
//! `Matrix<T>` that is resized to `(n, 3072)` ([`Preprocess::gather`], `gather_par`,
//! `gather_augmented_par`, `gather_range`, `to_matrix`).
//!
//! The rows of one record are written by `row.rs` (the HWC interleave's SIMD builds, the
//! augmented row through a staged crop-and-flip image). The rows of a batch can be split over
//! threads (`std`): each row is written by exactly one thread with the same code, so the batch has
//! the same bytes for any thread count.
//!
//! **Non-temporal stores were tried and dropped** (session 25): each row written into a 12 KiB
//! stack buffer and streamed into `x` past the caches (`_mm256_stream_si256`, no read for
//! ownership of the 2.4 MB batch). `cargo xtask bench-compare --no-numpy --hidden 50,300 --rounds
//! 3 --iters 200`, plain and streamed alternating, three pairs, on the 2-core AMD EPYC (Zen 3,
//! AVX2 + FMA, no AVX-512): step / GEMMs at H = 50 1.27 / 1.19 / 1.21× plain against 1.27 / 1.23
//! / 1.34× streamed. The forward reads `x` right after the gather; streamed, it reads it from
//! memory instead of the cache. Nor did the records on 2 MiB pages pay, though `perf annotate`
//! put most of this loop's own time on the first prefetch of each record (a page walk; nested
//! under the VM's): a copy of the files in anonymous memory with `MADV_HUGEPAGE` (112 MB of
//! them on huge pages), four alternating pairs of the same command, gave step / GEMMs at H = 50
//! of 1.17 / 1.21 / 1.14 / 1.19× mapped against 1.16 / 1.24 / 1.17 / 1.22× copied (one
//! thread), 1.23 / 1.19 / 1.23 / 1.26× against 1.26 / 1.23 / 1.21 / 1.27× (two).

use alloc::vec::Vec;
use core::ops::Range;

#[cfg(feature = "tensor")]
use handgrad_tensor::{Matrix, Par};

use crate::augment::Transform;
use crate::element::Element;
use crate::mean::{Layout, PixelMean};
use crate::record::{IMAGE_BYTES, PLANE, Record};
use crate::records::Records;
use crate::row::{self, Path};

/// Turns records into centred feature rows of one [`Layout`] in element type `T` (`f32` or `f64`).
#[derive(Debug, Clone)]
pub struct Preprocess<T> {
    layout: Layout,
    /// The mean in `layout` order, converted to `T` once.
    mean: Vec<T>,
}

impl<T: Element> Preprocess<T> {
    /// Subtracts `mean` and flattens in `layout` order.
    pub fn new(mean: &PixelMean, layout: Layout) -> Self {
        let mean = mean.values(layout).into_iter().map(T::from_f64).collect();
        Self { layout, mean }
    }

    /// The flattening order.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The mean that is subtracted, in `layout` order (3,072 values).
    pub fn mean(&self) -> &[T] {
        &self.mean
    }

    /// Writes one record's centred features into `out` (3,072 values, `layout` order).
    ///
    /// # Panics
    /// If `out.len() != 3072`.
    #[inline]
    #[track_caller]
    pub fn write_row(&self, record: &Record, out: &mut [T]) {
        self.write_row_transformed(record, Transform::IDENTITY, out);
    }

    /// Writes one record's centred features through `t` (crop offsets and flip) into `out`
    /// (3,072 values, `layout` order); [`Transform::IDENTITY`] is [`Preprocess::write_row`].
    ///
    /// # Panics
    /// If `out.len() != 3072`.
    #[inline]
    #[track_caller]
    pub fn write_row_transformed(&self, record: &Record, t: Transform, out: &mut [T]) {
        assert_eq!(out.len(), IMAGE_BYTES, "Preprocess::write_row: row has {} values, needs {IMAGE_BYTES}", out.len());
        row::write_transformed(row::active_path(), self.layout, &record.pixels, t, &self.mean, out);
    }

    /// Gathers records `rows` (any order, repeats allowed) into the row-major rows buffer
    /// `x: (rows.len(), 3072)` (`rows.len() · 3072` values) and their labels into `y` (cleared and
    /// refilled: `rows.len()` entries; no allocation once it has held that many). `threads`
    /// (`std`): the rows are split into that many contiguous blocks run by rayon (0 or 1: the
    /// calling thread; batches under 16 rows per thread use fewer threads); the bytes are the same
    /// for every thread count. Without `std` the calling thread does all the rows.
    ///
    /// # Panics
    /// If `x.len() != rows.len() · 3072`, or any index is `>= records.len()` (checked before any
    /// work).
    #[track_caller]
    pub fn gather_into(&self, records: &Records, rows: &[usize], x: &mut [T], y: &mut Vec<usize>, threads: usize) {
        self.gather_impl(records, rows, &[], x, y, threads);
    }

    /// [`Preprocess::gather_into`] with row `k` written through `transforms[k]` (a random crop and
    /// flip drawn by [`Augment::draw`](crate::Augment::draw) before the call). Same bytes for every
    /// thread count; no allocation.
    ///
    /// # Panics
    /// If `transforms.len() != rows.len()`, `x.len() != rows.len() · 3072`, or any index is
    /// `>= records.len()` (checked before any work).
    #[track_caller]
    pub fn gather_augmented_into(
        &self,
        records: &Records,
        rows: &[usize],
        transforms: &[Transform],
        x: &mut [T],
        y: &mut Vec<usize>,
        threads: usize,
    ) {
        check_transforms(transforms, rows);
        self.gather_impl(records, rows, transforms, x, y, threads);
    }

    /// Like [`Preprocess::gather_into`] for a contiguous range of records (a whole split for
    /// evaluation, or a chunk of one), on the calling thread; `x: (rows.len(), 3072)`.
    ///
    /// # Panics
    /// If `rows` goes past `records.len()` or `x.len() != rows.len() · 3072`.
    #[track_caller]
    pub fn gather_range_into(&self, records: &Records, rows: Range<usize>, x: &mut [T], y: &mut Vec<usize>) {
        assert!(rows.end <= records.len(), "Preprocess::gather_range: rows {rows:?} outside 0..{}", records.len());
        check_rows_buffer(x, rows.len());
        y.clear();
        let path = row::active_path();
        for (i, o) in rows.zip(x.chunks_exact_mut(IMAGE_BYTES)) {
            row::write_plain(path, self.layout, &records.record(i).pixels, &self.mean, o);
            y.push(usize::from(records.label(i)));
        }
    }

    /// The gather of `rows` into `out`, through `transforms` (one per row, or none at all).
    #[track_caller]
    fn gather_impl(
        &self,
        records: &Records,
        rows: &[usize],
        transforms: &[Transform],
        out: &mut [T],
        y: &mut Vec<usize>,
        threads: usize,
    ) {
        if let Some(&bad) = rows.iter().find(|&&i| i >= records.len()) {
            panic!("Preprocess::gather: row {bad} outside 0..{}", records.len());
        }
        check_rows_buffer(out, rows.len());
        y.clear();
        y.extend(rows.iter().map(|&i| usize::from(records.label(i))));
        // Read once here: threads of the pool do not inherit a path forced on this one.
        let path = row::active_path();
        #[cfg(feature = "std")]
        self.gather_split(path, records, rows, transforms, out, threads.min(rows.len() / MIN_ROWS_PER_THREAD));
        // Threads need std (rayon); without it the batch is gathered on this thread.
        #[cfg(not(feature = "std"))]
        {
            let _ = threads;
            self.gather_rows(path, records, rows, transforms, out);
        }
    }

    /// [`Preprocess::gather_rows`] on `threads` blocks of rows, split in halves by `rayon::join`
    /// (which, unlike spawning, allocates nothing).
    #[cfg(feature = "std")]
    fn gather_split(
        &self,
        path: Path,
        records: &Records,
        rows: &[usize],
        transforms: &[Transform],
        out: &mut [T],
        threads: usize,
    ) {
        if threads <= 1 {
            return self.gather_rows(path, records, rows, transforms, out);
        }
        let left = threads / 2;
        let mid = rows.len() * left / threads;
        let (rows_l, rows_r) = rows.split_at(mid);
        let (t_l, t_r) = if transforms.is_empty() { (transforms, transforms) } else { transforms.split_at(mid) };
        let (out_l, out_r) = out.split_at_mut(mid * IMAGE_BYTES);
        rayon::join(
            || self.gather_split(path, records, rows_l, t_l, out_l, left),
            || self.gather_split(path, records, rows_r, t_r, out_r, threads - left),
        );
    }

    /// Writes the rows of records `rows` into `out` (`rows.len() × 3072` values), each through its
    /// transform when `transforms` is not empty, prefetching ahead; the indices are valid (checked
    /// by the caller).
    fn gather_rows(&self, path: Path, records: &Records, rows: &[usize], transforms: &[Transform], out: &mut [T]) {
        for (k, (&i, o)) in rows.iter().zip(out.chunks_exact_mut(IMAGE_BYTES)).enumerate() {
            // Random records of a 150 MB mapping: ask for the record PREFETCH_AHEAD rows on while
            // this one is converted, so its DRAM (and page-walk) latency overlaps the work.
            if let Some(&ahead) = rows.get(k + PREFETCH_AHEAD) {
                prefetch_record(records.record(ahead));
            }
            let t = transforms.get(k).copied().unwrap_or(Transform::IDENTITY);
            row::write_transformed(path, self.layout, &records.record(i).pixels, t, &self.mean, o);
        }
    }

    /// Undoes the preprocessing of one row: adds the mean back, rounds and clamps to 0–255, and
    /// writes interleaved RGB bytes (for pictures of reconstructions).
    ///
    /// # Panics
    /// If `row.len() != 3072` or `rgb.len() != 3072`.
    #[track_caller]
    pub fn row_to_rgb(&self, row: &[T], rgb: &mut [u8]) {
        assert!(
            row.len() == IMAGE_BYTES && rgb.len() == IMAGE_BYTES,
            "Preprocess::row_to_rgb: lengths {} and {}, both must be {IMAGE_BYTES}",
            row.len(),
            rgb.len()
        );
        for (k, out) in rgb.iter_mut().enumerate() {
            let col = match self.layout {
                Layout::Hwc => k,
                Layout::Chw => chw_of_hwc(k),
            };
            let v = (row[col] + self.mean[col]).to_f64();
            *out = (v + 0.5).clamp(0.0, 255.0) as u8;
        }
    }
}

/// The `Matrix` entry points (feature `tensor`): the same gathers into a `Matrix<T>` resized to
/// `(n, 3072)`, the thread count given as a `Par`.
#[cfg(feature = "tensor")]
impl<T: handgrad_tensor::Scalar> Preprocess<T> {
    /// Gathers records `rows` (any order, repeats allowed) into `x: (rows.len(), 3072)` and their
    /// labels into `y` (`rows.len()` entries). `x` is resized with [`Matrix::resize`] and `y`
    /// cleared and refilled, so reusing the same buffers allocates nothing after the first batch.
    ///
    /// # Panics
    /// If any index is `>= records.len()`.
    #[track_caller]
    pub fn gather(&self, records: &Records, rows: &[usize], x: &mut Matrix<T>, y: &mut Vec<usize>) {
        self.gather_par(records, rows, x, y, Par::Seq);
    }

    /// [`Preprocess::gather`] with the rows split over `par`'s threads (`Par::Rayon(t)`: `t`
    /// contiguous blocks of rows run by rayon, with no allocation; `Par::Seq`: the calling thread).
    /// The result is the same, byte for byte, for every thread count, and the same as
    /// [`Preprocess::gather_into`]'s. Batches under 16 rows per thread stay on one thread.
    ///
    /// # Panics
    /// If any index is `>= records.len()` (checked before any work).
    #[track_caller]
    pub fn gather_par(&self, records: &Records, rows: &[usize], x: &mut Matrix<T>, y: &mut Vec<usize>, par: Par) {
        x.resize(rows.len(), IMAGE_BYTES);
        self.gather_into(records, rows, x.as_mut_slice(), y, par.degree());
    }

    /// [`Preprocess::gather_par`] with row `k` written through `transforms[k]` (a random crop and
    /// flip drawn by [`Augment::draw`](crate::Augment::draw) before the call); the bytes of
    /// [`Preprocess::gather_augmented_into`]. Same bytes for every thread count; no allocation once
    /// the buffers have reached the batch size.
    ///
    /// # Panics
    /// If `transforms.len() != rows.len()`, or any index is `>= records.len()` (checked before any
    /// work).
    #[track_caller]
    pub fn gather_augmented_par(
        &self,
        records: &Records,
        rows: &[usize],
        transforms: &[Transform],
        x: &mut Matrix<T>,
        y: &mut Vec<usize>,
        par: Par,
    ) {
        check_transforms(transforms, rows);
        x.resize(rows.len(), IMAGE_BYTES);
        self.gather_impl(records, rows, transforms, x.as_mut_slice(), y, par.degree());
    }

    /// Like [`Preprocess::gather`] for a contiguous range of records (a whole split for
    /// evaluation, or a chunk of one).
    #[track_caller]
    pub fn gather_range(&self, records: &Records, rows: Range<usize>, x: &mut Matrix<T>, y: &mut Vec<usize>) {
        assert!(rows.end <= records.len(), "Preprocess::gather_range: rows {rows:?} outside 0..{}", records.len());
        x.resize(rows.len(), IMAGE_BYTES);
        self.gather_range_into(records, rows, x.as_mut_slice(), y);
    }

    /// A whole split as a new matrix `x: (rows.len(), 3072)` and its labels (allocates; for
    /// evaluation or an autoencoder, not for the training loop).
    #[track_caller]
    pub fn to_matrix(&self, records: &Records, rows: Range<usize>) -> (Matrix<T>, Vec<usize>) {
        let mut x = Matrix::zeros(0, IMAGE_BYTES);
        let mut y = alloc::vec![];
        self.gather_range(records, rows, &mut x, &mut y);
        (x, y)
    }
}

/// `transforms` has one entry per row.
#[track_caller]
fn check_transforms(transforms: &[Transform], rows: &[usize]) {
    assert_eq!(
        transforms.len(),
        rows.len(),
        "Preprocess::gather_augmented: {} transforms for {} rows",
        transforms.len(),
        rows.len()
    );
}

/// `x` holds `n` rows of 3,072 values.
#[track_caller]
fn check_rows_buffer<T>(x: &[T], n: usize) {
    assert!(
        x.len() == n * IMAGE_BYTES,
        "Preprocess::gather: x has {} values, needs ({n}, {IMAGE_BYTES}) = {}",
        x.len(),
        n * IMAGE_BYTES
    );
}

/// How many rows ahead [`Preprocess::gather_into`] prefetches.
const PREFETCH_AHEAD: usize = 2;

/// Fewest rows [`Preprocess::gather_into`] gives a thread of its own.
#[cfg(feature = "std")]
const MIN_ROWS_PER_THREAD: usize = 16;

/// Hint the CPU to bring `record` (49 cache lines) into cache; a no-op off x86-64.
#[inline]
fn prefetch_record(record: &Record) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let bytes: &[u8] = bytemuck::bytes_of(record);
        for line in bytes.chunks(64) {
            // SAFETY: a prefetch never faults, and the address is inside `record` anyway.
            #[allow(unsafe_code)]
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast())
            };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = record;
}

/// The CHW index of HWC column `hwc` (inverse of `Layout::Hwc.column_of_chw`).
#[inline]
fn chw_of_hwc(hwc: usize) -> usize {
    (hwc % 3) * PLANE + hwc / 3
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{CHANNELS, RECORD_BYTES, SIDE};
    use alloc::vec;

    /// Three records with distinct pixel values; record i has label i.
    fn records() -> Records {
        let mut b = vec![0u8; 3 * RECORD_BYTES];
        for i in 0..3 {
            b[i * RECORD_BYTES] = i as u8;
            for k in 0..IMAGE_BYTES {
                b[i * RECORD_BYTES + 1 + k] = ((k * 7 + i * 13) % 256) as u8;
            }
        }
        let mut r = Records::new();
        r.push_owned("t", b, false).unwrap();
        r
    }

    /// The augmented row by its definition (`crate::augment`), one pixel at a time in the output's
    /// order: the per-pixel writer this crate had before the staged crop-and-flip of
    /// `crate::row`, kept as the reference the new writer must equal bit for bit.
    fn reference_row<T: Element>(pre: &Preprocess<T>, px: &[u8; IMAGE_BYTES], t: Transform) -> Vec<T> {
        let value = |r: usize, c: usize, ch: usize| -> T {
            let (sr, sc) = (r as isize + isize::from(t.dy), t.source_col(c));
            let inside = (0..SIDE as isize).contains(&sr) && (0..SIDE as isize).contains(&sc);
            let p = if inside { px[ch * PLANE + sr as usize * SIDE + sc as usize] } else { 0 };
            T::from_f64(f64::from(p))
        };
        let mut out = Vec::with_capacity(IMAGE_BYTES);
        for a in 0..IMAGE_BYTES {
            let (r, c, ch) = match pre.layout() {
                Layout::Hwc => (a / 96, a / 3 % SIDE, a % 3),
                Layout::Chw => (a % PLANE / SIDE, a % SIDE, a / PLANE),
            };
            out.push(value(r, c, ch) - pre.mean()[a]);
        }
        out
    }

    /// Every offset of a 4-pixel crop with and without flip, and offsets past the image.
    fn all_transforms() -> Vec<Transform> {
        let mut all = Vec::new();
        for dy in -4..=4 {
            for dx in -4..=4 {
                for flip in [false, true] {
                    all.push(Transform { dy, dx, flip });
                }
            }
        }
        all.extend([(16, -16), (-31, 31), (32, 0), (0, -32), (i8::MIN, i8::MAX)].map(|(dy, dx)| Transform {
            dy,
            dx,
            flip: dy > 0,
        }));
        all
    }

    #[test]
    fn gather_matches_the_definition_in_both_layouts() {
        let recs = records();
        let mean = PixelMean::of(&recs, 0..3);
        for layout in [Layout::Hwc, Layout::Chw] {
            let pre = Preprocess::<f64>::new(&mean, layout);
            let (mut x, mut y) = (vec![f64::NAN; 3 * IMAGE_BYTES], Vec::new());
            pre.gather_into(&recs, &[2, 0, 2], &mut x, &mut y, 1);
            assert_eq!(y, [2, 0, 2]);
            for (k, &i) in [2usize, 0, 2].iter().enumerate() {
                for (r, c, ch) in [(0, 0, 0), (0, 1, 2), (5, 31, 1), (31, 31, 2)] {
                    let want = f64::from(recs.record(i).pixel(r, c, ch)) - mean.chw()[ch * PLANE + r * SIDE + c];
                    assert_eq!(x[k * IMAGE_BYTES + layout.index(r, c, ch)], want, "{layout:?} ({r},{c},{ch})");
                }
            }
        }
    }

    #[test]
    fn the_staged_augmented_row_equals_the_per_pixel_reference_bit_for_bit() {
        let recs = records();
        let mean = PixelMean::of(&recs, 0..3);
        for layout in [Layout::Hwc, Layout::Chw] {
            let (p32, p64) = (Preprocess::<f32>::new(&mean, layout), Preprocess::<f64>::new(&mean, layout));
            for t in all_transforms() {
                let px = &recs.record(2).pixels;
                let (mut a, mut b) = (vec![f32::NAN; IMAGE_BYTES], vec![f64::NAN; IMAGE_BYTES]);
                p32.write_row_transformed(recs.record(2), t, &mut a);
                p64.write_row_transformed(recs.record(2), t, &mut b);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&a), bits(&reference_row(&p32, px, t)), "{layout:?} f32 {t:?}");
                assert_eq!(b, reference_row(&p64, px, t), "{layout:?} f64 {t:?}");
                // Every path's build of the plain writer gives the same staged row.
                for path in [Path::Portable, Path::Avx2, Path::Avx512] {
                    if path != Path::Portable && !cfg!(all(feature = "std", target_arch = "x86_64")) {
                        continue;
                    }
                    #[cfg(all(feature = "std", target_arch = "x86_64"))]
                    if path != Path::Portable && !std::is_x86_feature_detected!("avx2") {
                        continue;
                    }
                    #[cfg(all(feature = "std", target_arch = "x86_64"))]
                    if path == Path::Avx512 && !std::is_x86_feature_detected!("avx512f") {
                        continue;
                    }
                    let mut c = vec![f32::NAN; IMAGE_BYTES];
                    row::write_transformed(path, layout, px, t, p32.mean(), &mut c);
                    assert_eq!(bits(&c), bits(&a), "{layout:?} {path:?} {t:?}");
                }
            }
        }
    }

    #[test]
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    fn simd_and_portable_interleaves_agree_everywhere() {
        if !std::is_x86_feature_detected!("avx2") {
            std::println!("skipped: this CPU has no AVX2");
            return;
        }
        let recs = records();
        let mean = Preprocess::<f32>::new(&PixelMean::of(&recs, 0..3), Layout::Hwc);
        let (mut a, mut b) = (vec![0f32; IMAGE_BYTES], vec![1f32; IMAGE_BYTES]);
        row::hwc_interleave(&recs.record(1).pixels, mean.mean(), &mut a);
        // SAFETY: AVX2 was detected above.
        #[allow(unsafe_code)]
        unsafe {
            row::hwc_avx2(&recs.record(1).pixels, mean.mean(), &mut b)
        };
        assert_eq!(a, b);
        if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw") {
            let mut c = vec![2f32; IMAGE_BYTES];
            // SAFETY: AVX-512F/BW were detected just above.
            #[allow(unsafe_code)]
            unsafe {
                row::hwc_avx512(&recs.record(1).pixels, mean.mean(), &mut c)
            };
            assert_eq!(a, c);
        }
    }

    #[test]
    #[cfg(feature = "std")]
    fn two_threads_gather_the_same_bytes_plain_and_augmented() {
        use crate::augment::Augment;
        let recs = records();
        let rows: Vec<usize> = (0..203).map(|i| (i * 7) % 3).collect();
        let t: Vec<Transform> = all_transforms().into_iter().cycle().take(rows.len()).collect();
        for layout in [Layout::Hwc, Layout::Chw] {
            let pre = Preprocess::<f32>::new(&PixelMean::of(&recs, 0..3), layout);
            let n = rows.len() * IMAGE_BYTES;
            let (mut x1, mut y1, mut a1) = (vec![0f32; n], Vec::new(), vec![0f32; n]);
            pre.gather_into(&recs, &rows, &mut x1, &mut y1, 1);
            pre.gather_augmented_into(&recs, &rows, &t, &mut a1, &mut Vec::new(), 1);
            for threads in [0, 2, 3] {
                let (mut x2, mut y2, mut a2, mut ya) = (vec![1f32; n], Vec::new(), vec![1f32; n], Vec::new());
                pre.gather_into(&recs, &rows, &mut x2, &mut y2, threads);
                pre.gather_augmented_into(&recs, &rows, &t, &mut a2, &mut ya, threads);
                assert!(x1 == x2 && y1 == y2, "{layout:?}, {threads} threads");
                assert!(a1 == a2 && ya == y1, "{layout:?}, augmented, {threads} threads");
            }
            let mut row = vec![0f32; IMAGE_BYTES];
            pre.write_row_transformed(recs.record(rows[7]), t[7], &mut row);
            assert_eq!(&a1[7 * IMAGE_BYTES..8 * IMAGE_BYTES], &row[..]);
            assert!(a1 != x1, "the transforms change the pixels");
            let _ = Augment::NONE;
        }
    }

    #[test]
    #[should_panic(expected = "row 3 outside 0..3")]
    fn an_index_past_the_end_panics_before_any_work() {
        let recs = records();
        let pre = Preprocess::<f32>::new(&PixelMean::zero(), Layout::Hwc);
        pre.gather_into(&recs, &[0, 3], &mut vec![0.0; 2 * IMAGE_BYTES], &mut Vec::new(), 1);
    }

    #[test]
    #[should_panic(expected = "x has 3072 values, needs (2, 3072) = 6144")]
    fn a_rows_buffer_of_the_wrong_length_panics_naming_both_shapes() {
        let recs = records();
        let pre = Preprocess::<f32>::new(&PixelMean::zero(), Layout::Hwc);
        pre.gather_into(&recs, &[0, 1], &mut vec![0.0; IMAGE_BYTES], &mut Vec::new(), 1);
    }

    #[test]
    fn a_zero_crop_offset_is_the_plain_gather_and_a_flip_twice_is_the_identity() {
        let recs = records();
        let mean = PixelMean::of(&recs, 0..3);
        for layout in [Layout::Hwc, Layout::Chw] {
            let pre = Preprocess::<f64>::new(&mean, layout);
            let mut plain = vec![0.0; IMAGE_BYTES];
            pre.write_row(recs.record(1), &mut plain);
            let px = &recs.record(1).pixels;
            let mut staged = [0u8; IMAGE_BYTES];
            row::crop_flip(px, Transform::IDENTITY, &mut staged);
            assert!(staged == *px, "the identity stages the image itself");
            assert_eq!(reference_row(&pre, px, Transform::IDENTITY), plain, "{layout:?}");
            let flip = Transform { flip: true, ..Transform::IDENTITY };
            let mut twice = [0u8; IMAGE_BYTES];
            row::crop_flip(px, flip, &mut staged);
            assert!(staged != *px);
            row::crop_flip(&staged, flip, &mut twice);
            assert!(twice == *px, "a flip twice");
            let mut flipped = vec![0.0; IMAGE_BYTES];
            pre.write_row_transformed(recs.record(1), flip, &mut flipped);
            for (r, c, ch) in
                (0..SIDE).flat_map(|r| (0..SIDE).flat_map(move |c| (0..CHANNELS).map(move |ch| (r, c, ch))))
            {
                let (to, from) = (layout.index(r, c, ch), layout.index(r, SIDE - 1 - c, ch));
                assert_eq!(flipped[from] + pre.mean()[from] - pre.mean()[to], plain[to], "{layout:?}: a flip twice");
            }
        }
    }

    #[test]
    fn crop_offsets_shift_the_image_and_pad_with_black() {
        let recs = records();
        let mean = PixelMean::of(&recs, 0..3);
        for layout in [Layout::Hwc, Layout::Chw] {
            let pre = Preprocess::<f64>::new(&mean, layout);
            let t = Transform { dy: 3, dx: -2, flip: true };
            let mut out = vec![f64::NAN; IMAGE_BYTES];
            pre.write_row_transformed(recs.record(2), t, &mut out);
            for (r, c, ch) in [(0, 0, 0), (5, 7, 1), (28, 31, 2), (29, 0, 0), (31, 31, 1), (10, 1, 2)] {
                let (sr, sc) = (r as isize + 3, (31 - c) as isize - 2);
                let px = if (0..32).contains(&sr) && (0..32).contains(&sc) {
                    f64::from(recs.record(2).pixel(sr as usize, sc as usize, ch))
                } else {
                    0.0
                };
                let k = layout.index(r, c, ch);
                assert_eq!(out[k], px - pre.mean()[k], "{layout:?} ({r},{c},{ch})");
            }
        }
    }

    #[test]
    #[should_panic(expected = "2 transforms for 3 rows")]
    fn a_transform_per_row_is_required() {
        let recs = records();
        let pre = Preprocess::<f32>::new(&PixelMean::zero(), Layout::Hwc);
        let t = [Transform::IDENTITY; 2];
        pre.gather_augmented_into(&recs, &[0, 1, 2], &t, &mut vec![0.0; 3 * IMAGE_BYTES], &mut Vec::new(), 1);
    }

    #[test]
    fn range_gather_and_rgb_round_trip() {
        let recs = records();
        let mean = PixelMean::of(&recs, 0..2);
        for layout in [Layout::Hwc, Layout::Chw] {
            let pre = Preprocess::<f32>::new(&mean, layout);
            let (mut x, mut y) = (vec![0f32; 2 * IMAGE_BYTES], Vec::new());
            pre.gather_range_into(&recs, 1..3, &mut x, &mut y);
            assert_eq!(y, [1, 2]);
            let mut rgb = [0u8; IMAGE_BYTES];
            let mut want = [0u8; IMAGE_BYTES];
            pre.row_to_rgb(&x[IMAGE_BYTES..], &mut rgb);
            recs.record(2).write_rgb(&mut want);
            assert!(rgb == want, "{layout:?}");
        }
    }

    /// The `Matrix` entry points are the slice gathers, bit for bit.
    #[cfg(feature = "tensor")]
    mod matrix {
        use super::*;
        use crate::augment::Augment;
        use handgrad_tensor::init::rng_from_seed;

        #[test]
        fn matrix_and_slice_gathers_have_the_same_bytes_on_one_and_two_threads() {
            let recs = records();
            let rows: Vec<usize> = (0..203).map(|i| (i * 7) % 3).collect();
            let mut t = Vec::new();
            Augment::crop_flip(4).draw(&mut rng_from_seed(5), rows.len(), &mut t);
            for layout in [Layout::Hwc, Layout::Chw] {
                let pre = Preprocess::<f32>::new(&PixelMean::of(&recs, 0..3), layout);
                let n = rows.len() * IMAGE_BYTES;
                for threads in [1, 2] {
                    let par = if threads == 1 { Par::Seq } else { Par::rayon(threads) };
                    let (mut xs, mut ys, mut xm, mut ym) = (vec![0f32; n], Vec::new(), Matrix::zeros(0, 0), Vec::new());
                    pre.gather_into(&recs, &rows, &mut xs, &mut ys, threads);
                    pre.gather_par(&recs, &rows, &mut xm, &mut ym, par);
                    assert!(xm.shape() == (rows.len(), IMAGE_BYTES) && xm.as_slice() == &xs[..] && ym == ys);
                    pre.gather_augmented_into(&recs, &rows, &t, &mut xs, &mut ys, threads);
                    pre.gather_augmented_par(&recs, &rows, &t, &mut xm, &mut ym, par);
                    assert!(xm.as_slice() == &xs[..] && ym == ys, "{layout:?} augmented, {threads} threads");
                }
                let (x, y) = pre.to_matrix(&recs, 1..3);
                let (mut xs, mut ys) = (vec![0f32; 2 * IMAGE_BYTES], Vec::new());
                pre.gather_range_into(&recs, 1..3, &mut xs, &mut ys);
                assert!(x.as_slice() == &xs[..] && y == ys);
            }
        }

        #[test]
        fn gather_reuses_buffers() {
            let recs = records();
            let pre = Preprocess::<f32>::new(&PixelMean::zero(), Layout::Hwc);
            let (mut x, mut y) = (Matrix::zeros(0, 0), Vec::new());
            pre.gather(&recs, &[0, 1, 2], &mut x, &mut y);
            let (px, py) = (x.as_slice().as_ptr(), y.as_ptr());
            pre.gather(&recs, &[1, 1], &mut x, &mut y);
            assert_eq!(x.shape(), (2, IMAGE_BYTES));
            assert_eq!((x.as_slice().as_ptr(), y.as_ptr()), (px, py), "a smaller batch must not reallocate");
            assert_eq!(x.get(1, 3), f32::from(recs.record(1).pixel(0, 1, 0)));
        }
    }
}
