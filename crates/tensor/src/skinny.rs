//! AVX-512 kernel for the *skinny* f32 weight gradient: `c (m, n) (+)= a (k, m)ᵀ · b (k, n)` with
//! `n ≤ 128`, all row-major, i.e. `c[r, :] (+)= Σ_i a[i, r] · b[i, :]`.
//!
//! In a CIFAR training step this is `dW1 = xᵀ · dh` with `x: (200, 3072)` and `dh: (200, H)`,
//! H = 50 or 100: half of the step's FLOPs. An output row of `n ≤ 128` floats is at most eight
//! 16-lane vectors, so a tile of `MR` output rows × the *whole* row lives in `MR·NV` zmm registers
//! for the entire contraction. Per contraction step `i` the tile loads row `i` of `b` (`NV`
//! vectors), broadcasts the `MR` consecutive floats `a[i, r0..r0+MR]`, and issues `MR·NV` fused
//! multiply-adds: no packing and no transpose of `a`. The contraction is blocked so that the block
//! of `b` in use (`kc × n` floats, at most [`B_BLOCK_FLOATS`]) stays in L1 while every row tile
//! passes over it, and each tile prefetches the column of `a` the next tile will read (the rows
//! of `a` are 12 KiB apart, too far for the hardware prefetchers to follow).
//!
//! Two epilogues fold the passes that follow a weight gradient into its store:
//! [`matmul_tn`] with `plus = Some((reg, w))` stores `c = aᵀ·b + reg·w` (the L2 term of the
//! gradient, `dW = xᵀ·dh + reg·W`), and [`matmul_tn_sgd`] then also takes the SGD step
//! `w ← w − lr·c` and returns `Σ w²` of the weights before the step (the L2 penalty's value),
//! so `W` is read once and written once instead of three separate passes.
//!
//! The last vector of a row is masked when `n` is not a multiple of 16 (at `n = 50`, 14 idle
//! lanes in 64). This is the register-blocked outer-product kernel of Goto & van de Geijn,
//! "Anatomy of high-performance matrix multiplication" (ACM TOMS 34(3), 2008), without packing.
//!
//! Only [`crate::gemm`] calls it (`matmul_tn`, `matmul_tn_axpy`, `matmul_tn_sgd`), after checking
//! the shapes, the element type and the CPU.
#![allow(unsafe_code)]

use core::arch::x86_64::{
    __m512, __mmask16, _MM_HINT_T0, _mm_prefetch, _mm512_fmadd_ps, _mm512_fnmadd_ps, _mm512_loadu_ps,
    _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps, _mm512_reduce_add_ps, _mm512_set1_ps, _mm512_setzero_ps,
    _mm512_storeu_ps,
};
use core::ops::Range;

/// Widest output handled: 8 vectors of 16 lanes.
pub(crate) const MAX_N: usize = 128;

/// The contraction block keeps `kc · n` floats of `b` (at most this many, 24 KiB) in L1.
const B_BLOCK_FLOATS: usize = 6 * 1024;

/// `true` when this CPU runs the kernel (AVX-512F, detected once by std and cached).
pub(crate) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
}

/// Rows `rows` of `c (m, n) (+)= a (k, m)ᵀ · b (k, n) [+ alpha · w (m, n)]`, all row-major and
/// contiguous; `c_rows` holds just those rows of `c`, so threads can own disjoint row blocks.
///
/// # Panics
/// If the slice lengths do not fit the shapes, `n` is outside `1..=MAX_N`, or the CPU lacks
/// AVX-512F (the caller checks [`available`] first).
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul_tn(
    c_rows: &mut [f32],
    rows: Range<usize>,
    a: &[f32],
    m: usize,
    b: &[f32],
    n: usize,
    add: bool,
    plus: Option<(f32, &[f32])>,
) {
    let (a, k) = checked_operands(c_rows, &rows, a, m, b, n);
    assert!(plus.is_none_or(|(_, w)| w.len() == m * n));
    // The pointer is only read through: `lr: None` never writes `w`.
    let plus = plus.map(|(alpha, w)| Plus { alpha, w: w[rows.start * n..].as_ptr().cast_mut(), lr: None });
    // SAFETY: the lengths were checked above and AVX-512F is present. The kernel reads element
    // (i, rows.start + r) of `a` at i·m + rows.start + r < k·m, rows i < k of `b`, and writes the
    // `rows.len()·n` floats of `c_rows`, and reads as many of `w` from row rows.start on.
    unsafe { run(c_rows, a, m, b.as_ptr(), rows.len(), k, n, add, plus) };
}

/// Rows `rows` of `c (m, n) ← a (k, m)ᵀ · b (k, n) + reg · w (m, n)`, then `w ← w − lr · c` on
/// those rows; `c_rows` and `w_rows` hold just those rows. Returns `Σ w²` over `w_rows` before
/// the step.
///
/// # Panics
/// As [`matmul_tn`], or if `w_rows` is not shaped like `c_rows`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul_tn_sgd(
    c_rows: &mut [f32],
    w_rows: &mut [f32],
    rows: Range<usize>,
    a: &[f32],
    m: usize,
    b: &[f32],
    n: usize,
    reg: f32,
    lr: f32,
) -> f64 {
    let (a, k) = checked_operands(c_rows, &rows, a, m, b, n);
    assert!(w_rows.len() == c_rows.len());
    let plus = Some(Plus { alpha: reg, w: w_rows.as_mut_ptr(), lr: Some(lr) });
    // SAFETY: as in `matmul_tn`; `w_rows` is exclusively borrowed and as long as `c_rows`.
    unsafe { run(c_rows, a, m, b.as_ptr(), rows.len(), k, n, false, plus) }
}

/// The checks every `unsafe` access of the kernel rests on: `a` is `(k, m)`, `b` is `(k, n)`,
/// `c_rows` holds `rows` of `(m, n)`, `1 ≤ n ≤ MAX_N`, and the CPU has AVX-512F. Returns the
/// pointer to column `rows.start` of `a`'s first row, and `k`.
fn checked_operands(
    c_rows: &[f32],
    rows: &Range<usize>,
    a: &[f32],
    m: usize,
    b: &[f32],
    n: usize,
) -> (*const f32, usize) {
    let k = a.len().checked_div(m).unwrap_or(0);
    assert!(a.len() == k * m && rows.end <= m && b.len() == k * n && c_rows.len() == rows.len() * n);
    assert!((1..=MAX_N).contains(&n) && available());
    (a.as_ptr().wrapping_add(rows.start), k)
}

/// The epilogue: `alpha · w` added to the output rows as they are stored, then, with `lr`, the
/// step `w ← w − lr · c`. `w` points at the first row, laid out like `c`.
#[derive(Clone, Copy)]
struct Plus {
    alpha: f32,
    w: *mut f32,
    lr: Option<f32>,
}

/// Registers: `MR·NV` accumulators + `NV` rows of `b` + 1 broadcast ≤ 32 zmm.
const fn rows_per_tile(nv: usize) -> usize {
    match nv {
        1 => 12,
        2 => 9,
        3 => 8,
        4 => 6,
        5 => 4,
        6 => 3,
        7 => 3,
        _ => 2,
    }
}

/// Dispatch on the number of vectors per output row.
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn run(
    c: &mut [f32],
    a: *const f32,
    lda: usize,
    b: *const f32,
    m: usize,
    k: usize,
    n: usize,
    add: bool,
    plus: Option<Plus>,
) -> f64 {
    macro_rules! go {
        ($nv:literal) => {
            // SAFETY: forwarded from the caller.
            unsafe { blocked::<{ rows_per_tile($nv) }, $nv>(c, a, lda, b, m, k, n, add, plus) }
        };
    }
    match n.div_ceil(16) {
        1 => go!(1),
        2 => go!(2),
        3 => go!(3),
        4 => go!(4),
        5 => go!(5),
        6 => go!(6),
        7 => go!(7),
        _ => go!(8),
    }
}

/// Contraction blocks outside, row tiles inside: the block of `b` is reused by every tile.
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn blocked<const MR: usize, const NV: usize>(
    c: &mut [f32],
    a: *const f32,
    lda: usize,
    b: *const f32,
    m: usize,
    k: usize,
    n: usize,
    add: bool,
    plus: Option<Plus>,
) -> f64 {
    if k == 0 {
        if !add {
            c.fill(0.0);
        }
        let mut sum_sq = 0.0;
        if let Some(p) = plus {
            for (i, v) in c.iter_mut().enumerate() {
                // SAFETY: w has as many floats from p.w on as c has.
                let w = unsafe { &mut *p.w.add(i) };
                sum_sq += f64::from(*w) * f64::from(*w);
                *v += p.alpha * *w;
                if let Some(lr) = p.lr {
                    *w -= lr * *v;
                }
            }
        }
        return sum_sq;
    }
    let tail: __mmask16 = if n.is_multiple_of(16) { 0xFFFF } else { (1u16 << (n % 16)) - 1 };
    let kc = (B_BLOCK_FLOATS / n).clamp(16, 512);
    let cp = c.as_mut_ptr();
    let mut sum_sq = 0.0f64;
    let mut k0 = 0;
    while k0 < k {
        let kb = kc.min(k - k0);
        let load_c = add || k0 > 0;
        let last = k0 + kb == k;
        let (a_blk, b_blk) = (a.wrapping_add(k0 * lda), b.wrapping_add(k0 * n));
        let mut r0 = 0;
        while r0 < m {
            let a_tile = a_blk.wrapping_add(r0);
            // SAFETY (both calls): rows r0.. < m of c, contraction rows k0..k0+kb ≤ k of a and b,
            // columns < n: inside the slices `matmul_tn` checked. The prefetch address is a
            // hint that may point past `a` without harm.
            if r0 + MR <= m {
                let next = a_tile.wrapping_add(2 * MR - 1);
                let plus = plus.filter(|_| last).map(|p| Plus { w: p.w.wrapping_add(r0 * n), ..p });
                sum_sq += f64::from(unsafe {
                    tile::<MR, NV>(cp.add(r0 * n), n, a_tile, lda, b_blk, n, kb, tail, load_c, plus, Some(next))
                });
                r0 += MR;
            } else {
                let plus = plus.filter(|_| last).map(|p| Plus { w: p.w.wrapping_add(r0 * n), ..p });
                sum_sq += f64::from(unsafe {
                    tile::<1, NV>(cp.add(r0 * n), n, a_tile, lda, b_blk, n, kb, tail, load_c, plus, None)
                });
                r0 += 1;
            }
        }
        k0 += kb;
    }
    sum_sq
}

/// One register tile: `c[r, :] (+)= Σ_{i < kb} a[i, r] · b[i, :]` for `r < MR`; `a[i, r]` is at
/// `a + i·lda + r`. With `plus`, `alpha · w[r, :]` is added before the store, `w` takes the
/// SGD step if asked, and the tile returns `Σ w²` of its rows before the step (else 0).
/// While it runs it prefetches, one line per step, the column `next` of `a` (the last column
/// the next tile reads, which covers every new line of it).
#[target_feature(enable = "avx512f")]
#[inline]
#[allow(clippy::too_many_arguments)]
unsafe fn tile<const MR: usize, const NV: usize>(
    c: *mut f32,
    ldc: usize,
    a: *const f32,
    lda: usize,
    b: *const f32,
    ldb: usize,
    kb: usize,
    tail: __mmask16,
    load_c: bool,
    plus: Option<Plus>,
    next: Option<*const f32>,
) -> f32 {
    let mut acc = [[_mm512_setzero_ps(); NV]; MR];
    if load_c {
        for r in 0..MR {
            for v in 0..NV {
                // SAFETY: inside row r of c; the last vector is masked to the row's end.
                acc[r][v] = unsafe { load(c.add(r * ldc + 16 * v), v + 1 == NV, tail) };
            }
        }
    }
    for i in 0..kb {
        if let Some(next) = next {
            _mm_prefetch::<_MM_HINT_T0>(next.wrapping_add(i * lda).cast());
        }
        let mut bv = [_mm512_setzero_ps(); NV];
        for v in 0..NV {
            // SAFETY: inside row i of the b block, masked at the end.
            bv[v] = unsafe { load(b.add(i * ldb + 16 * v), v + 1 == NV, tail) };
        }
        for r in 0..MR {
            // SAFETY: element (i, r) of the a tile.
            let av = _mm512_set1_ps(unsafe { *a.add(i * lda + r) });
            for v in 0..NV {
                acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
            }
        }
    }
    let mut sum_sq = _mm512_setzero_ps();
    if let Some(p) = plus {
        let alpha = _mm512_set1_ps(p.alpha);
        for r in 0..MR {
            for v in 0..NV {
                let wp = p.w.wrapping_add(r * ldc + 16 * v);
                // SAFETY: row r of w, laid out like c; the last vector is masked to the row's end.
                let w = unsafe { load(wp, v + 1 == NV, tail) };
                sum_sq = _mm512_fmadd_ps(w, w, sum_sq);
                acc[r][v] = _mm512_fmadd_ps(alpha, w, acc[r][v]);
                if let Some(lr) = p.lr {
                    let stepped = _mm512_fnmadd_ps(_mm512_set1_ps(lr), acc[r][v], w);
                    // SAFETY: as the load; `w` is writable when `lr` is set (`matmul_tn_sgd`).
                    unsafe { store(wp, v + 1 == NV, tail, stepped) };
                }
            }
        }
    }
    for r in 0..MR {
        for v in 0..NV {
            // SAFETY: inside row r of c; the last vector is masked to the row's end.
            unsafe { store(c.add(r * ldc + 16 * v), v + 1 == NV, tail, acc[r][v]) };
        }
    }
    _mm512_reduce_add_ps(sum_sq)
}

/// Store 16 floats, or only the `tail` lanes of the last vector of a row.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn store(p: *mut f32, last: bool, tail: __mmask16, v: __m512) {
    // SAFETY: the caller passes an address with 16 (or the tail's) writable floats.
    unsafe { if last { _mm512_mask_storeu_ps(p, tail, v) } else { _mm512_storeu_ps(p, v) } }
}

/// Load 16 floats, or only the `tail` lanes of the last vector of a row (others read as 0).
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn load(p: *const f32, last: bool, tail: __mmask16) -> __m512 {
    // SAFETY: the caller passes an address with 16 (or the tail's) valid floats.
    unsafe { if last { _mm512_maskz_loadu_ps(tail, p) } else { _mm512_loadu_ps(p) } }
}
