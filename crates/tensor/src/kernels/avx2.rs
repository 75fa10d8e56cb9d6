//! AVX2 + FMA kernel for f32 products `c (m, n) (+)= A (m, k) · B (k, n)`, any shape, with the
//! fused epilogues of a weight gradient (`+ alpha·w`; the SGD step returning `Σ w²`).
//!
//! The blocked algorithm of Goto & van de Geijn, "Anatomy of high-performance matrix
//! multiplication" (ACM TOMS 34(3), 2008), as in BLIS (Van Zee & van de Geijn, ACM TOMS 41(3), 2015):
//!
//! ```text
//! for pc in 0..k step KC:                       contraction block
//!     pack B[pc.., :] into column panels of NR = 16 (or 8) floats, kc × NR each   (L2)
//!     for ic in 0..m step MC:                   row block
//!         pack A[ic.., pc..] into micro-panels of MR = 6 rows, MR × kc each      (L2)
//!         for each B panel:                     kc × NR, stays in L1
//!             for each A micro-panel:           streamed from L2
//!                 6 × 16 register tile: c[r, j] (+)= Σ_p A(r, p) · B(p, j)
//! ```
//!
//! Packing A reads the whole left operand once; for the weight gradient that is the batch `x`
//! (2.4 MB, in L3), which is read as 200 rows of `mc` floats 12 KiB apart. The interleaving
//! copies 6-float runs with 8-float stores (the two extra lanes land where the next step's run
//! or the panel's padding goes) and prefetches the rows [`PACK_AHEAD`] ahead; the pack of a
//! `(3072, 200)ᵀ` operand still costs about a tenth of an H = 50 product (measured: 79 GFLOP/s
//! with the packing skipped, 68 with it). Doing the copy inside the FMA loop of the block
//! before instead was tried and was slower: the copy's state spilled the accumulators.
//!
//! The register tile holds `MR × NR = 6 × 16` sums in 12 ymm registers; each contraction step
//! loads two vectors of the B panel, broadcasts six elements of A and issues 12 fused
//! multiply-adds (15 of the 16 ymm registers). A last panel of 5–8 columns runs a 6 × 8 tile
//! with two sets of sums (even and odd `p`), so that it too has 12 independent FMA chains
//! (Zen 3: latency 4, two pipes). Columns past `n` are masked on load and store; rows past `m`
//! are zeros in the packed A and are not stored.
//!
//! **Narrow last panels.** A last panel of 1–4 columns (H = 50 is 3 × 16 + 2) would use at most
//! half the lanes of a 6 × 8 tile. The weight gradient computes it along the rows instead
//! ([`narrow`]: one 8-float load per micro-panel holds its 6 rows, one broadcast per column),
//! the forward as dot products along the contraction ([`dot_cols`]); measured at H = 50, this
//! took the weight gradient from 62.9 to 68.5 GFLOP/s and the forward from 71.5 to 82.4.
//!
//! Packing makes every operand layout look the same to the tile: A is read either as rows of a
//! row-major `(m, k)` matrix (each micro-panel is 6 row segments of `kc` floats, a plain copy)
//! or as the transpose of a row-major `(k, m)` matrix (the weight gradient `xᵀ · dh`:
//! micro-panels interleave 6 columns, `[p][r]`). Packing also removes the cache-set conflicts
//! of the unpacked operands: the rows of a `(·, 3072)` f32 matrix are 12 KiB apart, so all rows
//! of one column block fall into the same L1 sets (and into 16 of L2's 1,024 sets).
//!
//! **The forward reads its operands in place** ([`in_place`], for row-major `a` and `b` and a
//! plain store): the row tiles run outside the panels, so a tile's 6 rows of `x` (6 KiB) are
//! reused from L1 by every panel, and the first tile of each contraction block packs the
//! panels of `W` with the loads it makes anyway (one more store per vector), as faer's own
//! kernels do; packing both operands up front cost 12 % at H = 50.
//!
//! The last contraction block applies the epilogue as the tile is stored: `c = acc (+ c)`,
//! `c = acc + alpha·w`, or `g = acc + reg·w; c = g; w ← w − lr·g` with `Σ w²` (of `w` before the
//! step) summed per tile in f32 and across tiles in f64; `c = g` is skipped when the caller does
//! not keep the gradient (`GradOut::Discard`: training's fused step).
//!
//! **Prefetching the epilogue's operands.** A weight gradient's `c` and `w` (`3072 × H` floats,
//! 3.7 MB at H = 300) are far larger than the caches, and a tile's epilogue touches 6 rows of
//! 16 floats 4·H bytes apart: 6–12 scattered lines, loaded on demand, each a miss. The loop asks
//! for the lines of the tile [`PREFETCH_TILES`] = 2 tiles ahead (`w` when the epilogue reads
//! it, `c` when it is stored). `cargo run --release -p handgrad-tensor --example gemm_ab -- 60
//! 50,100,300 avx2`, medians of three alternating runs each, on the 2-core AMD EPYC (Zen 3,
//! AVX2 + FMA, no AVX-512), H = 300: the fused step without the gradient 40.5 / 51.4 / 45.6 →
//! 70.8 / 69.1 / 57.5 GFLOP/s, with it 39.6 / 37.6 / 46.7 → 67.2 / 67.0 / 66.4, the plain weight
//! gradient 61.0 / 58.5 / 47.6 → 69.4 / 60.1 / 54.2; H = 100, the fused step 59.0 / 34.4 / 46.3 →
//! 65.6 / 53.7 / 67.9. Prefetching `w` alone, or 3 tiles ahead, did less.
//!
//! Only `kernels::route` calls [`gemm`], after runtime detection of AVX2 and FMA; [`gemm`]
//! checks every bound the unsafe code relies on (and the CPU) itself.
#![allow(unsafe_code)]

use core::arch::x86_64::{
    __m256, __m256i, _MM_HINT_T0, _mm_add_ps, _mm_cvtss_f32, _mm_hadd_ps, _mm_prefetch, _mm256_add_ps,
    _mm256_broadcast_ss, _mm256_castps256_ps128, _mm256_extractf128_ps, _mm256_fmadd_ps, _mm256_loadu_ps,
    _mm256_loadu_si256, _mm256_maskload_ps, _mm256_maskstore_ps, _mm256_mul_ps, _mm256_set1_ps, _mm256_setzero_ps,
    _mm256_storeu_ps, _mm256_sub_ps,
};
use std::cell::RefCell;
use std::vec::Vec;

/// Rows of the register tile.
pub(crate) const MR: usize = 6;
/// Columns of the register tile (two ymm vectors).
pub(crate) const NR: usize = 16;

/// Floats after each packed micro-panel of the interleaved layout: room for the two lanes an
/// 8-float store of a 6-float chunk writes past it.
const PAD: usize = 8;

/// How the left operand `A (m, k)` is stored.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lhs<'a> {
    /// `A(r, p) = a[r·lda + p]`: the rows of a row-major `(m, k)` matrix (the forward `x · W`).
    Rows { a: &'a [f32], lda: usize },
    /// `A(r, p) = a[p·lda + r]`: the transpose of a row-major `(k, m)` matrix (`xᵀ · dh`).
    Cols { a: &'a [f32], lda: usize },
}

/// How the right operand `B (k, n)` is stored.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Rhs<'a> {
    /// `B(p, j) = b[p·ldb + j]`: a row-major `(k, n)` matrix.
    Rows { b: &'a [f32], ldb: usize },
    /// `B(p, j) = b[j·ldb + p]`: the transpose of a row-major `(n, k)` matrix (`dout · Wᵀ`).
    Cols { b: &'a [f32], ldb: usize },
}

/// What happens to the finished sums `acc = A·B` of an output element (`w` laid out like `c`).
#[derive(Debug)]
pub(crate) enum Epilogue<'a> {
    /// `c = acc`, or `c += acc` with `add`.
    Store { add: bool },
    /// `c = acc + alpha · w`.
    Axpy { alpha: f32, w: &'a [f32] },
    /// `c = acc + reg · w`, then `w ← w − lr · c`; [`gemm`] returns `Σ w²` before the step.
    /// Without `keep` the finished `c` is not stored (its earlier contraction blocks' partial
    /// sums still are): only the step is wanted.
    Sgd { reg: f32, lr: f32, w: &'a mut [f32], keep: bool },
}

/// Cache blocking: contraction block `kc`, row block `mc` (a multiple of [`MR`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Blocking {
    /// Contraction rows per block (`kc × n` floats of packed B).
    pub kc: usize,
    /// Output rows per block (`mc × kc` floats of packed A).
    pub mc: usize,
    /// Both operands row-major and a plain store: read them in place ([`in_place`]) instead
    /// of packing.
    pub in_place: bool,
}

/// `true` when this CPU runs the kernel (AVX2 and FMA, detected once by std and cached).
pub(crate) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

/// `c (m, n) ← A (m, k) · B (k, n)` followed by `epi`, `c` row-major and contiguous. Returns
/// `Σ w²` (before the step) for [`Epilogue::Sgd`], else 0.
///
/// # Panics
/// If a slice is too short for its shape and leading dimension, `w` is not `m × n`, the blocking
/// is degenerate, or the CPU lacks AVX2/FMA (the caller checks [`available`] first).
pub(crate) fn gemm(
    c: &mut [f32],
    (m, n, k): (usize, usize, usize),
    lhs: Lhs<'_>,
    rhs: Rhs<'_>,
    mut epi: Epilogue<'_>,
    blk: Blocking,
) -> f64 {
    check_bounds(c, (m, n, k), lhs, rhs, &epi, blk);
    if m == 0 || n == 0 {
        return 0.0;
    }
    if k == 0 {
        return empty_contraction(c, &mut epi);
    }
    let mut run = |bufs: &mut Buffers| match (lhs, rhs, &mut epi) {
        (Lhs::Rows { a, lda }, Rhs::Rows { b, ldb }, Epilogue::Store { add }) if blk.in_place => {
            in_place(c, (m, n, k), (a, lda), (b, ldb), *add, blk.kc, bufs);
            0.0
        }
        (_, _, epi) => blocked(c, (m, n, k), lhs, rhs, epi, blk, bufs),
    };
    BUFFERS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut bufs) => run(&mut bufs),
        // Only reachable if a kernel call re-entered itself on this thread: use fresh buffers.
        Err(_) => run(&mut Buffers::default()),
    })
}

/// Every bound the unsafe tile code relies on: the packed buffers are sized here, so only `c`
/// and `w` (written through pointers) and the CPU need checking; the operand slices are read by
/// safe (indexed) packing code, and are checked too so a bad call fails before any work.
fn check_bounds(
    c: &[f32],
    (m, n, k): (usize, usize, usize),
    lhs: Lhs<'_>,
    rhs: Rhs<'_>,
    epi: &Epilogue<'_>,
    blk: Blocking,
) {
    let fits =
        |len: usize, lines: usize, ld: usize, width: usize| lines == 0 || width == 0 || (lines - 1) * ld + width <= len;
    assert_eq!(c.len(), m * n, "avx2::gemm: c has {} floats for ({m}, {n})", c.len());
    let lhs_ok = match lhs {
        Lhs::Rows { a, lda } => fits(a.len(), m, lda, k),
        Lhs::Cols { a, lda } => fits(a.len(), k, lda, m),
    };
    let rhs_ok = match rhs {
        Rhs::Rows { b, ldb } => fits(b.len(), k, ldb, n),
        Rhs::Cols { b, ldb } => fits(b.len(), n, ldb, k),
    };
    assert!(lhs_ok && rhs_ok, "avx2::gemm: operands too short for ({m}, {k}) · ({k}, {n})");
    let w_len = match epi {
        Epilogue::Store { .. } => c.len(),
        Epilogue::Axpy { w, .. } => w.len(),
        Epilogue::Sgd { w, .. } => w.len(),
    };
    assert_eq!(w_len, c.len(), "avx2::gemm: w has {w_len} floats for ({m}, {n})");
    assert!(blk.kc > 0 && blk.mc > 0 && blk.mc.is_multiple_of(MR), "avx2::gemm: bad blocking {blk:?}");
    assert!(available(), "avx2::gemm: this CPU lacks AVX2 or FMA");
}

/// `k = 0`: the products are empty sums, so only the epilogue remains.
fn empty_contraction(c: &mut [f32], epi: &mut Epilogue<'_>) -> f64 {
    match epi {
        Epilogue::Store { add: true } => 0.0,
        Epilogue::Store { add: false } => {
            c.fill(0.0);
            0.0
        }
        Epilogue::Axpy { alpha, w } => {
            for (c, &w) in c.iter_mut().zip(w.iter()) {
                *c = *alpha * w;
            }
            0.0
        }
        Epilogue::Sgd { reg, lr, w, .. } => {
            let mut sum_sq = 0.0;
            for (c, w) in c.iter_mut().zip(w.iter_mut()) {
                sum_sq += f64::from(*w) * f64::from(*w);
                *c = *reg * *w;
                *w -= *lr * *c;
            }
            sum_sq
        }
    }
}

/// The packing buffers of one thread, reused from call to call (no allocation once grown).
#[derive(Default)]
struct Buffers {
    a: Aligned,
    b: Aligned,
}

std::thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// A growable f32 buffer whose returned slice starts on a 64-byte boundary.
#[derive(Default)]
struct Aligned(Vec<f32>);

impl Aligned {
    /// `len` floats (contents unspecified), 64-byte aligned.
    fn get(&mut self, len: usize) -> &mut [f32] {
        if self.0.len() < len + 16 {
            self.0.resize(len + 16, 0.0);
        }
        let off = self.0.as_ptr().align_offset(64).min(16);
        &mut self.0[off..off + len]
    }
}

/// One column panel of packed B: output columns `j0..j0 + cols` in a panel `width` (8 or 16) wide.
#[derive(Clone, Copy)]
struct Panel {
    j0: usize,
    cols: usize,
    width: usize,
}

/// The panels of `n` columns: 16 wide, the last one 8 wide when at most 8 columns remain.
fn panels(n: usize) -> impl Iterator<Item = Panel> {
    (0..n.div_ceil(NR)).map(move |q| {
        let j0 = q * NR;
        let cols = (n - j0).min(NR);
        Panel { j0, cols, width: if cols <= 8 { 8 } else { NR } }
    })
}

/// A block of the loops: contraction rows `pc..pc + kb` × output rows `ic..ic + mb`.
#[derive(Clone, Copy, Debug)]
struct Block {
    pc: usize,
    kb: usize,
    ic: usize,
    mb: usize,
}

/// Floats of one packed micro-panel of `kb` contraction steps (with its padding).
fn panel_stride(lhs: Lhs<'_>, kb: usize) -> usize {
    match lhs {
        Lhs::Rows { .. } => MR * kb,
        Lhs::Cols { .. } => MR * kb + PAD,
    }
}

/// The loops around the register tile (see the module header).
#[allow(clippy::too_many_arguments)]
fn blocked(
    c: &mut [f32],
    (m, n, k): (usize, usize, usize),
    lhs: Lhs<'_>,
    rhs: Rhs<'_>,
    epi: &mut Epilogue<'_>,
    blk: Blocking,
    bufs: &mut Buffers,
) -> f64 {
    let kc = blk.kc.min(k);
    let mc = blk.mc.min(m.next_multiple_of(MR));
    let n_packed: usize = panels(n).map(|p| p.width).sum();
    let bp = bufs.b.get(kc * n_packed);
    let ap = bufs.a.get((mc / MR) * panel_stride(lhs, kc));
    let (add, w_ptr, alpha, lr, keep) = match epi {
        Epilogue::Store { add } => (*add, None, 0.0, None, true),
        Epilogue::Axpy { alpha, w } => (false, Some(w.as_ptr().cast_mut()), *alpha, None, true),
        Epilogue::Sgd { reg, lr, w, keep } => (false, Some(w.as_mut_ptr()), *reg, Some(*lr), *keep),
    };
    let cp = c.as_mut_ptr();
    let mut sum_sq = 0.0f64;
    for pc in (0..k).step_by(kc) {
        let kb = kc.min(k - pc);
        pack_b(bp, rhs, pc, kb, n);
        let load_c = add || pc > 0;
        let last = pc + kb == k;
        // The epilogue of the tile whose first element is `at`: the caller's in the last
        // contraction block, a plain store of the partial sums before it.
        let epi_at = |at: usize| match (last, w_ptr) {
            (true, Some(w)) => TileEpi { w: Some(w.wrapping_add(at)), alpha, lr, keep },
            _ => TileEpi { w: None, alpha, lr: None, keep: true },
        };
        for ic in (0..m).step_by(mc) {
            let b = Block { pc, kb, ic, mb: mc.min(m - ic) };
            pack_a(ap, lhs, b);
            let ps = panel_stride(lhs, kb);
            let mut b_off = 0;
            for panel in panels(n) {
                let b_panel = &bp[b_off..b_off + kb * panel.width];
                b_off += kb * panel.width;
                if matches!(lhs, Lhs::Cols { .. }) && panel.cols <= NARROW {
                    let at = ic * n + panel.j0;
                    let e = epi_at(at);
                    let shape = TileShape {
                        kb,
                        rs: 1,
                        cs: MR,
                        bs: 8,
                        pack_b: None,
                        ldc: n,
                        rows: b.mb,
                        cols: panel.cols,
                        load_c,
                    };
                    // SAFETY: AVX2 and FMA were checked by `check_bounds`; `ap` holds the block's
                    // micro-panels `ps` floats apart (each with its padding), `b_panel` is the
                    // packed `kb × 8` panel, and rows ic..ic + mb ≤ m, columns j0..j0 + cols ≤ n
                    // of `c` (and `w`) are inside them (m × n, checked).
                    sum_sq += unsafe { narrow(&ap[..b.mb.div_ceil(MR) * ps], ps, b_panel, cp.add(at), shape, e) };
                    continue;
                }
                for t in 0..b.mb.div_ceil(MR) {
                    let r0 = ic + t * MR;
                    let at = r0 * n + panel.j0;
                    // The epilogue's rows of w and c for the tile PREFETCH_TILES on (scattered
                    // lines of arrays far larger than the caches: see the module header).
                    let ahead = r0 + PREFETCH_TILES * MR;
                    if last && ahead < ic + b.mb {
                        let (at, rows) = (ahead * n + panel.j0, MR.min(ic + b.mb - ahead));
                        if let Some(w) = w_ptr {
                            prefetch_tile(w.cast_const(), at, n, rows, panel.cols);
                        }
                        if keep {
                            prefetch_tile(cp.cast_const(), at, n, rows, panel.cols);
                        }
                    }
                    let tile_epi = epi_at(at);
                    let (rs, cs) = strides(lhs, kb);
                    let shape = TileShape {
                        kb,
                        rs,
                        cs,
                        bs: panel.width,
                        pack_b: None,
                        ldc: n,
                        rows: MR.min(m - r0),
                        cols: panel.cols,
                        load_c,
                    };
                    let a_panel = &ap[t * ps..t * ps + MR * kb];
                    // SAFETY: AVX2 and FMA were checked by `check_bounds`. The tile reads the
                    // `MR × kb` floats of `a_panel` at r·rs + p·cs (< MR·kb) and the `kb × width`
                    // floats of `b_panel`; it writes rows r0..r0 + rows (≤ m) and columns
                    // j0..j0 + cols (≤ n) of `c` (m × n, checked), and reads (and with `lr`
                    // writes) the same elements of `w`, which has m × n floats (checked) and is
                    // exclusively borrowed for `Sgd`.
                    let ss = unsafe {
                        if panel.width == NR {
                            tile::<2>(a_panel.as_ptr(), b_panel.as_ptr(), cp.add(at), shape, tile_epi)
                        } else {
                            tile::<1>(a_panel.as_ptr(), b_panel.as_ptr(), cp.add(at), shape, tile_epi)
                        }
                    };
                    sum_sq += f64::from(ss);
                }
            }
        }
    }
    sum_sq
}

/// How many register tiles ahead [`blocked`] prefetches the epilogue's rows of `w` and `c`.
const PREFETCH_TILES: usize = 2;

/// Asks for the cache lines of a `rows × cols` tile of a row-major array with `ld` floats per
/// row, starting at float `at` of `base` (a hint: nothing is read, no address must be valid).
fn prefetch_tile(base: *const f32, at: usize, ld: usize, rows: usize, cols: usize) {
    for r in 0..rows {
        let first = base.wrapping_add(at + r * ld);
        let last = first.wrapping_add(cols - 1);
        // SAFETY: a prefetch never faults and reads nothing the program sees.
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(first.cast());
            _mm_prefetch::<_MM_HINT_T0>(last.cast());
        }
    }
}

/// Columns of a last panel that [`narrow`] (and [`dot_cols`]) take instead of a 6 × 8 tile.
const NARROW: usize = 4;

/// The last one to four columns of an interleaved ([`Lhs::Cols`], the weight gradient) block:
/// instead of a 6 × 8 tile per micro-panel that would use at most 4 of its 8 lanes, the sums
/// run along the rows: per step, one 8-float load of each micro-panel of a group (its 6 rows;
/// the 2 extra lanes are the next step's, ignored) and one broadcast of B per column — 6 panels
/// × 2 columns or 3 panels × 4, 12 FMA chains either way, at a quarter (two columns) or half
/// (four) of the tiles' cost. The few results (`rows × cols`) are finished by scalar code with
/// the tiles' epilogue. Returns `Σ w²` of the `w` elements before the step (else 0).
///
/// # Safety
/// AVX2 and FMA; `a` holds the block's `ceil(rows / 6)` micro-panels `ps ≥ 6·kb + 2` floats
/// apart, `b` holds `kb × 8` floats, and `c` (and `w`) has `rows` rows of `cols ≤ 4` valid
/// floats at stride `ldc`.
#[target_feature(enable = "avx2,fma")]
unsafe fn narrow(a: &[f32], ps: usize, b: &[f32], c: *mut f32, s: TileShape, e: TileEpi) -> f64 {
    assert!(a.len() >= s.rows.div_ceil(MR) * ps && ps >= MR * s.kb + 2 && b.len() >= s.kb * 8 && s.cols <= NARROW);
    // SAFETY: forwarded (and the slice bounds asserted).
    unsafe {
        if s.cols <= 2 { narrow_groups::<6, 2>(a, ps, b, c, s, e) } else { narrow_groups::<3, 4>(a, ps, b, c, s, e) }
    }
}

/// [`narrow`] with groups of `G` micro-panels and `J` columns of sums.
///
/// # Safety
/// As [`narrow`].
#[target_feature(enable = "avx2,fma")]
unsafe fn narrow_groups<const G: usize, const J: usize>(
    a: &[f32],
    ps: usize,
    b: &[f32],
    c: *mut f32,
    s: TileShape,
    e: TileEpi,
) -> f64 {
    let tiles = s.rows.div_ceil(MR);
    let mut sum_sq = 0.0f64;
    let mut t = 0;
    while t < tiles {
        let group = (tiles - t).min(G);
        let mut sums = [[[0f32; 8]; J]; G];
        let at = a[t * ps..].as_ptr();
        // SAFETY: micro-panels t..t + group are inside `a`; each 8-float load at g·ps + 6p,
        // p < kb, ends by g·ps + 6·kb + 2 ≤ (g + 1)·ps; B reads are inside `b` (asserted).
        unsafe {
            if group == G {
                narrow_sums::<G, J>(at, ps, b.as_ptr(), s.kb, &mut sums);
            } else {
                for g in 0..group {
                    let one: &mut [[[f32; 8]; J]; 1] = (&mut sums[g..g + 1]).try_into().expect("one group");
                    narrow_sums::<1, J>(at.add(g * ps), ps, b.as_ptr(), s.kb, one);
                }
            }
        }
        for g in 0..group {
            let r0 = (t + g) * MR;
            for i in 0..MR.min(s.rows - r0) {
                for j in 0..s.cols {
                    let idx = (r0 + i) * s.ldc + j;
                    let mut x = sums[g][j][i];
                    // SAFETY: row r0 + i < rows and column j < cols of `c` (and `w`).
                    unsafe {
                        if s.load_c {
                            x += *c.add(idx);
                        }
                        if let Some(w) = e.w {
                            let wv = *w.add(idx);
                            x += e.alpha * wv;
                            if let Some(lr) = e.lr {
                                sum_sq += f64::from(wv) * f64::from(wv);
                                *w.add(idx) = wv - lr * x;
                            }
                        }
                        if e.stores_c() {
                            *c.add(idx) = x;
                        }
                    }
                }
            }
        }
        t += group;
    }
    sum_sq
}

/// `sums[g][j][r] = Σ_p A_g(r, p) · B(p, j)` for `G` micro-panels `ps` apart, `j < J`, lanes
/// `r < 6` (lanes 6 and 7 are meaningless).
///
/// # Safety
/// As [`narrow`].
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn narrow_sums<const G: usize, const J: usize>(
    a: *const f32,
    ps: usize,
    b: *const f32,
    kb: usize,
    out: &mut [[[f32; 8]; J]; G],
) {
    let mut acc = [[_mm256_setzero_ps(); J]; G];
    for p in 0..kb {
        // SAFETY: row p of the packed B panel (8 floats), and 8 floats at g·ps + 6p (see `narrow`).
        unsafe {
            let mut bv = [_mm256_setzero_ps(); J];
            for j in 0..J {
                bv[j] = _mm256_broadcast_ss(&*b.add(p * 8 + j));
            }
            for g in 0..G {
                let av = _mm256_loadu_ps(a.add(g * ps + p * MR));
                for j in 0..J {
                    acc[g][j] = _mm256_fmadd_ps(av, bv[j], acc[g][j]);
                }
            }
        }
    }
    for g in 0..G {
        for j in 0..J {
            // SAFETY: `out[g][j]` is 8 writable floats.
            unsafe { _mm256_storeu_ps(out[g][j].as_mut_ptr(), acc[g][j]) };
        }
    }
}

/// The strides `(rs, cs)` of element `(r, p)` in a packed micro-panel: `r·rs + p·cs`.
fn strides(lhs: Lhs<'_>, kb: usize) -> (usize, usize) {
    match lhs {
        Lhs::Rows { .. } => (kb, 1),
        Lhs::Cols { .. } => (1, MR),
    }
}

/// The loops for `c (m, n) (+)= a (m, k) · b (k, n)` with both operands row-major: `a` is read
/// in place, `b` is packed by the first row tile of each contraction block while it computes
/// (its loads are the tile's own B loads, stored once more), and row tiles run outside the B
/// panels, so each tile's 6 rows of `a` (`6 × kc` floats) stay in L1 while the packed panels
/// stream past them from L2. Only a partial last row tile is copied (zero-padded). This is the
/// forward `x · W`, whose operands would otherwise each be read once more by the packing.
#[allow(clippy::too_many_arguments)]
fn in_place(
    c: &mut [f32],
    (m, n, k): (usize, usize, usize),
    (a, lda): (&[f32], usize),
    (b, ldb): (&[f32], usize),
    add: bool,
    kc: usize,
    bufs: &mut Buffers,
) {
    let kc = kc.min(k);
    let tiles = m.div_ceil(MR);
    let tail_rows = m % MR;
    // A last panel of at most NARROW columns is computed by dot products along the contraction.
    let dot = panels(n).last().filter(|p| p.cols <= NARROW);
    let n_packed: usize = panels(n).filter(|p| dot.is_none_or(|d| d.j0 != p.j0)).map(|p| p.width).sum();
    let ap = bufs.a.get(MR * kc + NARROW * kc);
    let (ap, bt) = ap.split_at_mut(MR * kc);
    let bp = bufs.b.get(kc * n_packed);
    let cp = c.as_mut_ptr();
    for pc in (0..k).step_by(kc) {
        let kb = kc.min(k - pc);
        if tail_rows > 0 {
            pack_a(ap, Lhs::Rows { a, lda }, Block { pc, kb, ic: m - tail_rows, mb: tail_rows });
        }
        if let Some(d) = dot {
            // The narrow columns transposed: bt[j·kb + p] = B(pc + p, j0 + j), zero past `cols`.
            for j in 0..NARROW {
                for p in 0..kb {
                    bt[j * kb + p] = if j < d.cols { b[(pc + p) * ldb + d.j0 + j] } else { 0.0 };
                }
            }
        }
        let load_c = add || pc > 0;
        for t in 0..tiles {
            let r0 = t * MR;
            let rows = MR.min(m - r0);
            // A tile: in place (rows r0..r0 + 6 of `a`, columns pc..) or the packed partial tile.
            let (a_tile, rs) = if rows == MR { (a[r0 * lda + pc..].as_ptr(), lda) } else { (ap.as_ptr(), kb) };
            let mut b_off = 0;
            for panel in panels(n) {
                let shape = TileShape { kb, rs, cs: 1, bs: 0, pack_b: None, ldc: n, rows, cols: panel.cols, load_c };
                let at = r0 * n + panel.j0;
                if dot.is_some_and(|d| d.j0 == panel.j0) {
                    for pair in 0..panel.cols.div_ceil(2) {
                        let cols = (panel.cols - 2 * pair).min(2);
                        let bt = &bt[2 * pair * kb..(2 * pair + 2) * kb];
                        // SAFETY: AVX2 and FMA (checked by `check_bounds`); A as for the tiles
                        // below; rows r0..r0 + rows ≤ m and columns j0 + 2·pair + cols ≤ n of
                        // `c` are inside it (m × n, checked).
                        unsafe { dot_cols(a_tile, bt, cp.add(at + 2 * pair), TileShape { cols, ..shape }) };
                    }
                    continue;
                }
                let packed = bp[b_off..b_off + kb * panel.width].as_mut_ptr();
                b_off += kb * panel.width;
                let (b_panel, bs, pack_b) = if t == 0 {
                    (b[pc * ldb + panel.j0..].as_ptr(), ldb, Some(packed))
                } else {
                    (packed.cast_const(), panel.width, None)
                };
                let shape = TileShape { bs, pack_b, ..shape };
                let none = TileEpi { w: None, alpha: 0.0, lr: None, keep: true };
                // SAFETY: AVX2 and FMA were checked by `check_bounds`. A(r, p) for r < 6,
                // p < kb is element (r0 + r, pc + p) of `a` (a whole tile: r0 + 6 ≤ m, and
                // pc + kb ≤ k; inside `a` by `check_bounds`) or of the packed tile (6 × kb
                // floats). Tile 0 reads B(p, j) for p < kb and the panel's `cols` valid columns
                // j as element (pc + p, j0 + j) of `b` (inside `b` by `check_bounds`) and writes
                // the `kb × width` floats of its packed panel (inside `bp`, sliced above); later
                // tiles read that panel. The tile writes rows r0..r0 + rows ≤ m and columns
                // j0..j0 + cols ≤ n of `c` (m × n, checked).
                unsafe {
                    if panel.width == NR {
                        tile::<2>(a_tile, b_panel, cp.add(at), shape, none);
                    } else {
                        tile::<1>(a_tile, b_panel, cp.add(at), shape, none);
                    }
                }
            }
        }
    }
}

/// Two of the last one to four columns of a row-major product, for one row tile: 12 dot
/// products `c[r, j] (+)= Σ_p A(r, p) · bt[j·kb + p]` along the contraction, 8 steps per FMA,
/// where a 6 × 8 tile would use at most 4 of its 8 lanes; the tile's rows of A are still in L1
/// from its panels.
///
/// # Safety
/// AVX2 and FMA; A(r, p) at `a + r·rs + p` for r < 6, p < kb; `c` has `s.rows` rows of
/// `s.cols ≤ 2` valid floats at stride `ldc` (`bt`'s length is asserted).
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_cols(a: *const f32, bt: &[f32], c: *mut f32, s: TileShape) {
    assert!(bt.len() >= 2 * s.kb && s.cols <= 2);
    let mut acc = [[_mm256_setzero_ps(); 2]; MR];
    let mut p = 0;
    while p < s.kb {
        let lanes = (s.kb - p).min(8);
        // SAFETY: `lanes` floats from step p of row r of A and of each column of `bt`.
        unsafe {
            let b0 = load(bt.as_ptr().add(p), lanes);
            let b1 = load(bt.as_ptr().add(s.kb + p), lanes);
            for r in 0..MR {
                let av = load(a.add(r * s.rs + p), lanes);
                acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
                acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
            }
        }
        p += 8;
    }
    for r in 0..s.rows.min(MR) {
        for j in 0..s.cols {
            let x = hsum(acc[r][j]);
            // SAFETY: row r < rows, column j < cols of `c`.
            unsafe {
                let cp = c.add(r * s.ldc + j);
                *cp = if s.load_c { *cp + x } else { x };
            }
        }
    }
}

/// Packs `B[pc..pc + kb, :]` into `dst` as consecutive panels (see [`panels`]), each `kb × width`
/// row-major, columns past `n` zero.
fn pack_b(dst: &mut [f32], rhs: Rhs<'_>, pc: usize, kb: usize, n: usize) {
    let mut off = 0;
    for panel in panels(n) {
        let (w, cols) = (panel.width, panel.cols);
        let out = &mut dst[off..off + kb * w];
        off += kb * w;
        match rhs {
            Rhs::Rows { b, ldb } => {
                for (p, row) in out.chunks_exact_mut(w).enumerate() {
                    let src = &b[(pc + p) * ldb + panel.j0..][..cols];
                    row[..cols].copy_from_slice(src);
                    row[cols..].fill(0.0);
                }
            }
            Rhs::Cols { b, ldb } => {
                out.fill(0.0);
                for j in 0..cols {
                    let src = &b[(panel.j0 + j) * ldb + pc..][..kb];
                    for (p, &v) in src.iter().enumerate() {
                        out[p * w + j] = v;
                    }
                }
            }
        }
    }
}

/// Packs block `b` of A (rows `ic..ic + mb` × contraction `pc..pc + kb`) into micro-panels of
/// [`MR`] rows, [`panel_stride`] floats apart, rows past `mb` zero: layout `[r][p]` for
/// [`Lhs::Rows`] (element (r, p) at `r·kb + p`), `[p][r]` for [`Lhs::Cols`] (at `p·MR + r`).
fn pack_a(dst: &mut [f32], lhs: Lhs<'_>, b: Block) {
    let (kb, mb) = (b.kb, b.mb);
    let ps = panel_stride(lhs, kb);
    let tiles = mb.div_ceil(MR);
    match lhs {
        Lhs::Rows { a, lda } => {
            for i in 0..tiles * MR {
                let row = &mut dst[(i / MR) * ps + (i % MR) * kb..][..kb];
                if i < mb {
                    row.copy_from_slice(&a[(b.ic + i) * lda + b.pc..][..kb]);
                } else {
                    row.fill(0.0);
                }
            }
        }
        Lhs::Cols { a, lda } => {
            let full = mb / MR;
            for p in 0..kb {
                let row0 = (b.pc + p) * lda + b.ic;
                prefetch_span(a, row0 + PACK_AHEAD * lda, mb);
                let src = &a[row0..row0 + mb];
                // Up to two floats past the block, where `a` has them: 8-float copies.
                let wide = &a[row0..(row0 + mb + 2).min(a.len())];
                for t in 0..full {
                    let d = &mut dst[t * ps + p * MR..];
                    match wide.get(t * MR..t * MR + 8) {
                        // The two extra floats land where step p + 1 (or the padding) goes.
                        Some(run8) => d[..8].copy_from_slice(run8),
                        None => d[..MR].copy_from_slice(&src[t * MR..t * MR + MR]),
                    }
                }
                let rest = &src[full * MR..];
                if !rest.is_empty() {
                    let out = &mut dst[full * ps + p * MR..][..MR];
                    out[..rest.len()].copy_from_slice(rest);
                    out[rest.len()..].fill(0.0);
                }
            }
        }
    }
}

/// Rows of A ahead of the one being packed that [`pack_a`] prefetches.
const PACK_AHEAD: usize = 4;

/// Asks for the cache lines of `a[at..at + len]` (what of it exists) in L1.
fn prefetch_span(a: &[f32], at: usize, len: usize) {
    if let Some(span) = a.get(at..(at + len).min(a.len())) {
        for line in span.chunks(16) {
            // SAFETY: a prefetch never faults; the address is inside `a` anyway.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast()) };
        }
    }
}

/// The geometry of one register tile.
#[derive(Clone, Copy)]
struct TileShape {
    /// Contraction length.
    kb: usize,
    /// Strides of A(r, p) in the micro-panel: `r·rs + p·cs`.
    rs: usize,
    cs: usize,
    /// Row stride of the B panel: its width when packed, `ldb` when read in place.
    bs: usize,
    /// Read B in place (valid columns only) and store it, zero-padded, as a packed panel here
    /// (`kb × 8·NV` floats) for the tiles after this one.
    pack_b: Option<*mut f32>,
    /// Row stride of `c` (and `w`).
    ldc: usize,
    /// Valid rows (≤ MR) and columns (≤ the panel width) of the tile.
    rows: usize,
    cols: usize,
    /// Add the sums to what `c` holds (accumulate, or a later contraction block).
    load_c: bool,
}

/// The epilogue of a tile in the last contraction block: with `w`, `c = acc + alpha·w`, and
/// with `lr` also `w ← w − lr·c`, after which `c` is stored only with `keep`.
#[derive(Clone, Copy)]
struct TileEpi {
    w: Option<*mut f32>,
    alpha: f32,
    lr: Option<f32>,
    keep: bool,
}

impl TileEpi {
    /// Whether the finished sums are stored to `c` (always, except after an SGD step that
    /// does not keep the gradient).
    fn stores_c(self) -> bool {
        self.keep || self.lr.is_none()
    }
}

/// Lane masks: `MASKS[8 - l..16 - l]` has the first `l` lanes set.
static MASKS: [i32; 16] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];

/// One `MR × 8·NV` tile: sums over the micro-panels, then the epilogue and the store of the valid rows and columns. Returns
/// `Σ w²` of the tile's `w` elements before the step (else 0).
///
/// # Safety
/// AVX2 and FMA; `a` holds `MR × kb` floats at `r·rs + p·cs`, `b` holds `kb × 8·NV` floats;
/// `c` (and `w`) has `shape.rows` rows of `shape.cols` valid floats at stride `ldc`.
#[target_feature(enable = "avx2,fma")]
unsafe fn tile<const NV: usize>(a: *const f32, b: *const f32, c: *mut f32, s: TileShape, e: TileEpi) -> f32 {
    // SAFETY: forwarded from the caller.
    let acc = unsafe {
        match (NV, s.pack_b) {
            (1, None) => sums_split::<NV, false>(a, b, s, core::ptr::null_mut()),
            (1, Some(pb)) => sums_split::<NV, true>(a, b, s, pb),
            (_, None) => sums::<NV, false>(a, b, s, core::ptr::null_mut()),
            (_, Some(pb)) => sums::<NV, true>(a, b, s, pb),
        }
    };
    let mut ss = _mm256_setzero_ps();
    if s.rows == MR && s.cols == 8 * NV {
        for r in 0..MR {
            for v in 0..NV {
                // SAFETY: a whole tile: 8 valid floats of row r of `c` (and `w`) start here.
                unsafe { finish(acc[r][v], c, r * s.ldc + 8 * v, 8, s.load_c, e, &mut ss) };
            }
        }
    } else {
        for r in 0..s.rows.min(MR) {
            for v in 0..NV {
                let lanes = s.cols.saturating_sub(8 * v).min(8);
                if lanes > 0 {
                    // SAFETY: `lanes` valid floats of row r of `c` (and `w`) start here.
                    unsafe { finish(acc[r][v], c, r * s.ldc + 8 * v, lanes, s.load_c, e, &mut ss) };
                }
            }
        }
    }
    hsum(ss)
}

/// The epilogue of one vector of sums `x` for the `lanes` floats of `c` at `c + at` (and of `w`).
///
/// # Safety
/// AVX2; `lanes` valid floats at `c + at` and, with `e.w`, at `w + at`.
#[target_feature(enable = "avx2,fma")]
#[inline]
#[allow(clippy::too_many_arguments)]
unsafe fn finish(mut x: __m256, c: *mut f32, at: usize, lanes: usize, load_c: bool, e: TileEpi, ss: &mut __m256) {
    // SAFETY: forwarded from the caller.
    unsafe {
        if load_c {
            x = _mm256_add_ps(x, load(c.add(at), lanes));
        }
        if let Some(w) = e.w {
            let wv = load(w.add(at), lanes);
            // A product then a sum, each rounded, not one FMA: the same arithmetic as the unfused
            // `add_l2_grad` and SGD step (`dw += reg·w`, `w += (−lr)·dw`), so the fused step
            // equals them bit for bit (`crates/fcnet/tests/train_step.rs`).
            x = _mm256_add_ps(x, _mm256_mul_ps(_mm256_set1_ps(e.alpha), wv));
            if let Some(lr) = e.lr {
                *ss = _mm256_fmadd_ps(wv, wv, *ss);
                store(w.add(at), lanes, _mm256_sub_ps(wv, _mm256_mul_ps(_mm256_set1_ps(lr), x)));
            }
        }
        if e.stores_c() {
            store(c.add(at), lanes, x);
        }
    }
}

/// `acc[r][v] = Σ_p A(r, p) · B(p, 8v..8v + 8)`: per step two loads of B, MR broadcasts of A.
///
/// # Safety
/// As [`tile`].
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn sums<const NV: usize, const PACK: bool>(
    a: *const f32,
    b: *const f32,
    s: TileShape,
    pb: *mut f32,
) -> [[__m256; NV]; MR] {
    let mut acc = [[_mm256_setzero_ps(); NV]; MR];
    for p in 0..s.kb {
        // SAFETY: p < kb.
        unsafe { step::<NV, PACK>(&mut acc, a, b, s, p, pb) };
    }
    acc
}

/// [`sums`] with two sets of sums, even and odd `p`, added at the end: 2·MR·NV independent
/// FMA chains for the narrow (NV = 1) panel, which alone would have only MR.
///
/// # Safety
/// As [`tile`].
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn sums_split<const NV: usize, const PACK: bool>(
    a: *const f32,
    b: *const f32,
    s: TileShape,
    pb: *mut f32,
) -> [[__m256; NV]; MR] {
    let mut even = [[_mm256_setzero_ps(); NV]; MR];
    let mut odd = [[_mm256_setzero_ps(); NV]; MR];
    let mut p = 0;
    while p + 1 < s.kb {
        // SAFETY: rows p and p + 1 < kb of the micro-panel and of the B panel.
        unsafe {
            step::<NV, PACK>(&mut even, a, b, s, p, pb);
            step::<NV, PACK>(&mut odd, a, b, s, p + 1, pb);
        }
        p += 2;
    }
    if p < s.kb {
        // SAFETY: row p < kb.
        unsafe { step::<NV, PACK>(&mut even, a, b, s, p, pb) };
    }
    for r in 0..MR {
        for v in 0..NV {
            even[r][v] = _mm256_add_ps(even[r][v], odd[r][v]);
        }
    }
    even
}

/// One contraction step `p`: `acc[r][v] += A(r, p) · B(p, 8v..8v + 8)`. With `PACK`, B is
/// read in place (its `cols` valid columns) and stored as row `p` of the packed panel `pb`.
///
/// # Safety
/// As [`tile`], and `p < kb`; with `PACK`, `pb` has `kb × 8·NV` writable floats.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn step<const NV: usize, const PACK: bool>(
    acc: &mut [[__m256; NV]; MR],
    a: *const f32,
    b: *const f32,
    s: TileShape,
    p: usize,
    pb: *mut f32,
) {
    let mut bv = [_mm256_setzero_ps(); NV];
    for v in 0..NV {
        // SAFETY: row p of the B panel, 8·NV floats (packed), or its `cols` valid floats in
        // place, the rest read as 0; the packed copy has 8·NV floats per row.
        unsafe {
            if PACK {
                let lanes = s.cols.saturating_sub(8 * v).min(8);
                if lanes > 0 {
                    bv[v] = load(b.add(p * s.bs + 8 * v), lanes);
                }
                _mm256_storeu_ps(pb.add(p * 8 * NV + 8 * v), bv[v]);
            } else {
                bv[v] = _mm256_loadu_ps(b.add(p * s.bs + 8 * v));
            }
        }
    }
    for r in 0..MR {
        // SAFETY: element (r, p) of the micro-panel.
        let av = unsafe { _mm256_broadcast_ss(&*a.add(r * s.rs + p * s.cs)) };
        for v in 0..NV {
            acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
        }
    }
}

/// Load `lanes` (1..=8) floats; lanes past them read as 0 and are not touched in memory.
///
/// # Safety
/// AVX2; `lanes` readable floats at `p`.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn load(p: *const f32, lanes: usize) -> __m256 {
    // SAFETY: a full load when all 8 are valid; else a masked load, which does not access (or
    // fault on) the masked-off lanes.
    unsafe { if lanes == 8 { _mm256_loadu_ps(p) } else { _mm256_maskload_ps(p, mask(lanes)) } }
}

/// Store the first `lanes` (1..=8) floats of `v`.
///
/// # Safety
/// AVX2; `lanes` writable floats at `p`.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn store(p: *mut f32, lanes: usize, v: __m256) {
    // SAFETY: as `load`.
    unsafe { if lanes == 8 { _mm256_storeu_ps(p, v) } else { _mm256_maskstore_ps(p, mask(lanes), v) } }
}

/// The mask of the first `lanes` lanes.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn mask(lanes: usize) -> __m256i {
    let m = &MASKS[8 - lanes..16 - lanes];
    // SAFETY: `m` is 8 contiguous i32 (32 bytes); loadu has no alignment requirement.
    unsafe { _mm256_loadu_si256(m.as_ptr().cast()) }
}

/// Sum of the eight lanes.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn hsum(v: __m256) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let s = _mm_hadd_ps(s, s);
    _mm_cvtss_f32(_mm_hadd_ps(s, s))
}
