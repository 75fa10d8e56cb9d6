//! One record → one row of centred features: the plain row in either [`Layout`], and the
//! augmented row (crop offsets and flip of a [`Transform`]) through the same plain writer.
//!
//! Plain row, `x̃[layout(r, c, ch)] = px(r, c, ch) − μ[layout(r, c, ch)]`: in CHW order a
//! sequential conversion of the record's bytes; in HWC order an interleave of its three 1,024-byte
//! planes, `out[3p + ch] = plane_ch[p] − μ[3p + ch]`. Per image it reads 3 KiB and writes 12 KiB
//! (f32), both L1-resident, in three sequential input streams and one output stream (plus the
//! mean, stored in output order), so no blocking is needed. The interleave has three builds
//! ([`Path`]): `portable` (x86-64 baseline), `avx2`, `avx512`; with the `tensor` feature the path is
//! `handgrad_tensor::kernels::active()` (the CPU, or `HANDGRAD_KERNELS`), without it the CPU's
//! best (`std`) or `portable` (no_std).
//!
//! Augmented row (the equations are in [`crate::augment`]): the transform is applied to the bytes
//! first, into a 3,072-byte CHW image on the stack, and that image is then written by the plain
//! writer of the layout. Each of the 96 lines `(ch, r)` of the staged image is one copy: the
//! source line `r + dy` (all zeros when outside the image), of which the `32 − |dx|` columns that
//! stay inside are copied, reversed when flipped, at the crop offset, and the zero border on either
//! side is written once. So the augmented row costs the plain row plus 96 short copies, in both
//! layouts, and has the plain row's bytes for the identity (its values are `from_u8(p) − μ` with
//! `p = 0` in the border, the same expression as before).
//!
//! Measured (`cargo bench -p handgrad-benches --bench augment -- augment_gather`, 200 rows, f32,
//! 2-core AMD EPYC Zen 3, load 4–5, two alternating rounds against the per-pixel writer before it):
//! CHW crop4_flip 1.20–1.42 ms → 0.69–0.77 ms on one thread (plain 0.29–0.30 ms), HWC 0.87–0.90 →
//! 0.72–0.79 ms (plain 0.37–0.39 ms). Still about 2× the plain row: the line copies have a
//! variable width (`memset`/`memcpy` calls of under 32 bytes, 288 per image).

use crate::augment::Transform;
use crate::element::Element;
use crate::mean::Layout;
use crate::record::{CHANNELS, IMAGE_BYTES, PLANE, SIDE};

/// Which build of the HWC interleave runs (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(any(feature = "tensor", all(feature = "std", target_arch = "x86_64"))), allow(dead_code))]
pub(crate) enum Path {
    /// Baseline code.
    Portable,
    /// Compiled with AVX2.
    Avx2,
    /// Compiled with AVX-512F/BW.
    Avx512,
}

/// The path for this thread (module docs); read it once per batch, on the calling thread: threads
/// of a pool do not inherit a path forced on this one.
pub(crate) fn active_path() -> Path {
    #[cfg(feature = "tensor")]
    {
        use handgrad_tensor::kernels::{self, KernelPath};
        match kernels::active() {
            KernelPath::Avx512 => Path::Avx512,
            KernelPath::Avx2 => Path::Avx2,
            _ => Path::Portable,
        }
    }
    #[cfg(all(not(feature = "tensor"), feature = "std", target_arch = "x86_64"))]
    {
        if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw") {
            Path::Avx512
        } else if std::is_x86_feature_detected!("avx2") {
            Path::Avx2
        } else {
            Path::Portable
        }
    }
    #[cfg(all(not(feature = "tensor"), not(all(feature = "std", target_arch = "x86_64"))))]
    Path::Portable
}

/// Writes the plain row of the CHW image `px` into `out` (3,072 values, `layout` order), `mean` in
/// the same order. The lengths are checked by the caller.
#[inline]
pub(crate) fn write_plain<T: Element>(path: Path, layout: Layout, px: &[u8; IMAGE_BYTES], mean: &[T], out: &mut [T]) {
    match layout {
        Layout::Chw => chw_convert(px, mean, out),
        Layout::Hwc => hwc_on(path, px, mean, out),
    }
}

/// Writes the row of `px` through `t` into `out` (module docs); [`Transform::IDENTITY`] writes the
/// plain row directly.
#[inline]
pub(crate) fn write_transformed<T: Element>(
    path: Path,
    layout: Layout,
    px: &[u8; IMAGE_BYTES],
    t: Transform,
    mean: &[T],
    out: &mut [T],
) {
    if t == Transform::IDENTITY {
        return write_plain(path, layout, px, mean, out);
    }
    let mut staged = [0u8; IMAGE_BYTES];
    crop_flip(px, t, &mut staged);
    write_plain(path, layout, &staged, mean, out);
}

/// The transformed CHW image of `px` (module docs), line by line: `out(ch, r, c) = px(ch, r + dy,
/// c' + dx)` with `c' = 31 − c` when flipped, 0 outside the image.
pub(crate) fn crop_flip(px: &[u8; IMAGE_BYTES], t: Transform, out: &mut [u8; IMAGE_BYTES]) {
    let dx = isize::from(t.dx);
    let width = SIDE.saturating_sub(dx.unsigned_abs());
    // The source columns that stay inside, and where they land (the same for every line).
    let src_lo = dx.max(0) as usize;
    let dst_lo = if t.flip { dx.max(0) } else { (-dx).max(0) } as usize;
    for ch in 0..CHANNELS {
        let (src_plane, dst_plane) = (&px[ch * PLANE..][..PLANE], &mut out[ch * PLANE..][..PLANE]);
        for (r, dst) in dst_plane.chunks_exact_mut(SIDE).enumerate() {
            let sr = r as isize + isize::from(t.dy);
            if width == 0 || !(0..SIDE as isize).contains(&sr) {
                dst.fill(0);
                continue;
            }
            let src = &src_plane[sr as usize * SIDE..][src_lo..src_lo + width];
            let (head, rest) = dst.split_at_mut(dst_lo);
            let (mid, tail) = rest.split_at_mut(width);
            head.fill(0);
            tail.fill(0);
            if t.flip {
                for (o, &p) in mid.iter_mut().zip(src.iter().rev()) {
                    *o = p;
                }
            } else {
                mid.copy_from_slice(src);
            }
        }
    }
}

/// The CHW row: a sequential conversion, `out[k] = px[k] − mean[k]`.
#[inline]
fn chw_convert<T: Element>(px: &[u8; IMAGE_BYTES], mean: &[T], out: &mut [T]) {
    for ((o, &p), &m) in out.iter_mut().zip(px.iter()).zip(mean.iter()) {
        *o = T::from_f64(f64::from(p)) - m;
    }
}

/// The HWC interleave on `path`'s build.
#[inline]
fn hwc_on<T: Element>(path: Path, px: &[u8; IMAGE_BYTES], mean: &[T], out: &mut [T]) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if path == Path::Avx512 && std::is_x86_feature_detected!("avx512bw") {
        // SAFETY: `hwc_avx512` only requires AVX-512F/BW: the avx512 path implies AVX-512F
        // (`KernelPath::is_supported`, or the detection of `active_path`), and AVX-512BW was just
        // detected.
        #[allow(unsafe_code)]
        unsafe {
            hwc_avx512(px, mean, out)
        };
        return;
    }
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if path != Path::Portable {
        // SAFETY: `hwc_avx2` only requires AVX2, which both SIMD paths imply
        // (`KernelPath::is_supported`, or the detection of `active_path`).
        #[allow(unsafe_code)]
        unsafe {
            hwc_avx2(px, mean, out)
        };
        return;
    }
    let _ = path;
    hwc_interleave(px, mean, out);
}

/// The HWC interleave of one record: `out[3p + ch] = plane_ch[p] − mean[3p + ch]` for the 1,024
/// pixels `p`. Written so that it vectorises; see [`hwc_avx2`].
#[inline(always)]
pub(crate) fn hwc_interleave<T: Element>(px: &[u8; IMAGE_BYTES], mean: &[T], out: &mut [T]) {
    let (r, gb) = px.split_at(PLANE);
    let (g, b) = gb.split_at(PLANE);
    let rows = out.chunks_exact_mut(3).zip(mean.chunks_exact(3));
    for ((o, m), ((&r, &g), &b)) in rows.zip(r.iter().zip(g.iter()).zip(b.iter())) {
        o[0] = T::from_f64(f64::from(r)) - m[0];
        o[1] = T::from_f64(f64::from(g)) - m[1];
        o[2] = T::from_f64(f64::from(b)) - m[2];
    }
}

/// [`hwc_interleave`] compiled with AVX2, chosen at run time when the CPU has it.
///
/// The default x86-64 target only has SSE2, where the stride-3 interleave stays scalar; with AVX2
/// the compiler turns it into shuffles. Measured on the 2-core Zen 3 machine (CPU time of a
/// 200-row f32 batch of random records): 319 µs → 157 µs; with the records in cache, 160 → 36–80 µs.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
pub(crate) fn hwc_avx2<T: Element>(px: &[u8; IMAGE_BYTES], mean: &[T], out: &mut [T]) {
    hwc_interleave(px, mean, out);
}

/// [`hwc_interleave`] compiled with AVX-512F/BW, chosen at run time when the CPU has them.
/// On the 2-core Xeon of the speed tables, 200 cached rows took 196 → 145 µs against the AVX2
/// build (same run, relative to the unchanged CHW path).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx512f,avx512bw")]
pub(crate) fn hwc_avx512<T: Element>(px: &[u8; IMAGE_BYTES], mean: &[T], out: &mut [T]) {
    hwc_interleave(px, mean, out);
}
