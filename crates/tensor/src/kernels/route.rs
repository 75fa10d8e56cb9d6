//! Routing of one product to handgrad's kernels: the [`Scalar`](crate::Scalar) hook's argument
//! ([`Product`]), the choice per path and shape, and the split of the output rows over threads.
//!
//! `gemm`'s helpers hand every product to `T::kernel_product`; f64 answers `None` (faer runs),
//! f32 calls [`f32_product`], which looks at [`super::active`] and the shape:
//!
//! - `avx512`: weight gradients (`aᵀ·b` and its fused epilogues) with `1 ≤ n ≤ 128` on the skinny
//!   kernel (`skinny.rs`), everything else on faer — as measured on the Xeon of the README;
//! - `avx2`: the shapes where the AVX2 kernel beat faer in `cargo bench -p handgrad-benches
//!   --bench gemm` (see [`avx2_wins`] for the table and the measurements);
//! - `portable`: nothing (faer).
//!
//! With `Par::Rayon(t)` the output rows are cut into `t` blocks of whole register tiles, run by
//! rayon; each block is computed exactly as one thread would compute those rows, so the result
//! does not depend on `t` except for the order in which the `Σ w²` of the blocks are added.

use crate::Matrix;
use crate::gemm::{Accum, GradOut, Par};

/// A product handed to [`Scalar::kernel_product`](crate::Scalar::kernel_product); the shapes have
/// been checked by the `gemm` helper that built it.
pub enum Product<'a, T> {
    /// `c (m, n) (+)= a (m, k) · b (k, n)`.
    Nn { c: &'a mut Matrix<T>, a: &'a Matrix<T>, b: &'a Matrix<T>, accum: Accum },
    /// `c (m, n) (+)= a (m, k) · b (n, k)ᵀ`.
    Nt { c: &'a mut Matrix<T>, a: &'a Matrix<T>, b: &'a Matrix<T>, accum: Accum },
    /// `c (m, n) (+)= a (k, m)ᵀ · b (k, n)`, or `c = aᵀ·b + alpha·w` with `plus` (then `accum`
    /// is `Replace`).
    Tn { c: &'a mut Matrix<T>, a: &'a Matrix<T>, b: &'a Matrix<T>, accum: Accum, plus: Option<(T, &'a Matrix<T>)> },
    /// `c = aᵀ·b + reg·w`, then `w ← w − lr·c`; the answer is `Σ w²` before the step. With
    /// [`GradOut::Discard`] a kernel may leave `c` unwritten.
    TnSgd {
        c: &'a mut Matrix<T>,
        w: &'a mut Matrix<T>,
        a: &'a Matrix<T>,
        b: &'a Matrix<T>,
        reg: T,
        lr: T,
        grad: GradOut,
    },
}

/// Runs an f32 product on the kernels of the active path if one applies: `Some(Σ w²)` for
/// [`Product::TnSgd`], `Some(0.0)` for the others, `None` to leave it to faer.
pub(crate) fn f32_product(p: Product<'_, f32>, par: Par) -> Option<f64> {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        use super::KernelPath;
        match super::active() {
            KernelPath::Portable => None,
            KernelPath::Avx2 => x86::avx2_product(p, par),
            KernelPath::Avx512 => x86::avx512_product(p, par),
        }
    }
    #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
    {
        let _ = (p, par);
        None
    }
}

/// The kind of product, for the choice between a kernel and faer.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `a · b`.
    Nn,
    /// `a · bᵀ`.
    Nt,
    /// `aᵀ · b` (any epilogue).
    Tn,
}

/// Whether the AVX2 kernel runs a `(m, k) · (k, n)` product of `kind`, else faer: weight
/// gradients (`aᵀ·b`) at least [`AVX2_TN_MIN_N`] wide, and forward products `a·b` whose width
/// is in [`AVX2_NN_N`]; faer for the rest.
///
/// Measured on the 2-core AMD EPYC (Zen 3) of issue 13, one thread, side by side in one run
/// (the table in `crates/tensor/src/gemm.rs`'s module docs): the kernel wins the weight gradient
/// `(3072, 200)ᵀ·(200, H)` at H = 50, 100 and 300 (by 1.3–1.5× at H = 50 and 300; 1.0–1.4× at
/// H = 100, the noisiest); at 16–40 columns the two were a draw. For the forward
/// `(200, 3072)·(3072, H)` the kernel won only at H = 50 (1.06–1.14×, where its two-column dot
/// tail replaces a panel of 8 with 2 used lanes); faer was as fast or faster at H = 18, 34, 66,
/// 82, 98, 100 and 300 (by up to 1.2×), and on the second layer's products with 10 columns.
///
/// **Forward variants tried for H = 100 and 300 (session 23), none faster than faer**, so the
/// forward stays on faer there. `gemm_ab` A/B (`cargo run --release -p handgrad-tensor --example
/// gemm_ab -- 80 50,100,300 portable,avx2`, each variant built in and forced for the run), one
/// thread, the same AMD EPYC; the host was never quiet (a two-thread `train fcnet` of another job
/// ran throughout, load 2–7), so only the ratio of one row's medians means anything:
///
/// | forward `(200, 3072)·(3072, H)` on the AVX2 kernel | kernel / faer, H = 100 | H = 300 |
/// | --- | ---: | ---: |
/// | `in_place` as it is (x read in place, W packed by the first tile), kc = 256 | 0.95× | 0.84× |
/// | the same, kc = 128 | 0.77× | 0.82× |
/// | each 6-row tile of x copied (contiguous) before its panels | 0.83× | 0.82× |
/// | 2 tiles per pass over the W panels (copied, 12 KiB in L1), kc = 256 | 0.74× | 0.88× |
/// | 4 tiles per pass, kc = 128 | 0.75× | 0.86× |
/// | BLIS order: x and W packed up front, W panel in L1, kc = 256 / 128 / 384 | 0.78× / 0.76× / 0.79× | 0.87× / 0.82× / 0.82× |
/// | BLIS order, x's tiles packed during the first panel | 0.76× | 0.83× |
///
/// The register tile itself reaches ~86 GFLOP/s on L1-sized operands (`MICRO=1`), so what is
/// lost is in the memory hierarchy, not the tile.
///
/// **Three more (session 25)**, same command with `40 100,300 portable,avx2`, each built in
/// behind a temporary switch and forced for the run, the same AMD EPYC with nothing else of
/// mine running (the host itself was busy: faer's own medians at H = 100 moved from 45 to 70
/// GFLOP/s between runs); ranges over the blockings tried:
///
/// | forward variant | kernel / faer, H = 100 | H = 300 |
/// | --- | ---: | ---: |
/// | BLIS order with an L2-sized block of x (`mc` = 24 / 48 / 96 rows, so packed x and the packed `kc × H` block of W fit the 512 KiB L2 together) | 0.73–0.84× | 0.80–0.85× |
/// | the same, x's micro-panels packed interleaved (`[p][r]`: one stream of A per tile, as the weight gradient reads it), `mc` = 48 / 96 | 0.61–0.70× | 0.74–0.81× |
/// | the transposed product `hᵀ = W1ᵀ·xᵀ` in the weight gradient's orientation (W1 as `Lhs::Cols`, x as `Rhs::Cols`), transposed into `h` after (through a buffer allocated per call); `kc` 128 / 256, `mc` 48 / 96 / 192 | 0.53–0.76× | 0.76–0.99× |
///
/// In one sitting (numpy, `gemm_ab`, numpy again) numpy's OpenBLAS ran `x @ w` at 52–69 GFLOP/s
/// (medians, H = 100 and 300, one thread) and faer at 54–66, against an FMA peak of 91.7
/// measured in that run: on this host the forward's ceiling is the libraries', short of 80 %
/// of the peak.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) fn avx2_wins(kind: Kind, _m: usize, n: usize, _k: usize) -> bool {
    match kind {
        Kind::Tn => n >= AVX2_TN_MIN_N,
        Kind::Nn => AVX2_NN_N.contains(&n),
        Kind::Nt => false,
    }
}

/// Narrowest weight gradient (`aᵀ·b`, output columns) that the AVX2 path runs on its kernel.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) const AVX2_TN_MIN_N: usize = 48;

/// Widths of forward products (`a·b`) that the AVX2 path runs on its kernel.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) const AVX2_NN_N: core::ops::RangeInclusive<usize> = 49..=50;

#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod x86 {
    use core::ops::Range;

    use super::{Kind, Product, avx2_wins};
    use crate::gemm::{Accum, GradOut, Par};
    use crate::kernels::avx2::{self, Blocking, Epilogue, Lhs, MR, Rhs};
    use crate::skinny;

    /// The AVX2 path: the shapes of [`avx2_wins`] on the AVX2 kernel.
    pub(super) fn avx2_product(p: Product<'_, f32>, par: Par) -> Option<f64> {
        let (kind, m, n, k) = match &p {
            Product::Nn { a, b, .. } => (Kind::Nn, a.rows(), b.cols(), a.cols()),
            Product::Nt { a, b, .. } => (Kind::Nt, a.rows(), b.rows(), a.cols()),
            Product::Tn { a, b, .. } | Product::TnSgd { a, b, .. } => (Kind::Tn, a.cols(), b.cols(), a.rows()),
        };
        if m == 0 || n == 0 || !avx2::available() || !avx2_wins(kind, m, n, k) {
            return None;
        }
        let blk = blocking(kind, m);
        Some(match p {
            Product::Nn { c, a, b, accum } => {
                let (a, b) = (a.as_slice(), b.as_slice());
                split_rows(c.as_mut_slice(), None, n, par, MR, &|c, _, rows| {
                    let lhs = Lhs::Rows { a: &a[rows.start * k..], lda: k };
                    let epi = Epilogue::Store { add: matches!(accum, Accum::Add) };
                    avx2::gemm(c, (rows.len(), n, k), lhs, Rhs::Rows { b, ldb: n }, epi, blk)
                })
            }
            Product::Nt { c, a, b, accum } => {
                let (a, b) = (a.as_slice(), b.as_slice());
                split_rows(c.as_mut_slice(), None, n, par, MR, &|c, _, rows| {
                    let lhs = Lhs::Rows { a: &a[rows.start * k..], lda: k };
                    let epi = Epilogue::Store { add: matches!(accum, Accum::Add) };
                    avx2::gemm(c, (rows.len(), n, k), lhs, Rhs::Cols { b, ldb: k }, epi, blk)
                })
            }
            Product::Tn { c, a, b, accum, plus } => {
                let (a, b) = (a.as_slice(), b.as_slice());
                let plus = plus.map(|(alpha, w)| (alpha, w.as_slice()));
                split_rows(c.as_mut_slice(), None, n, par, MR, &|c, _, rows| {
                    let lhs = Lhs::Cols { a: &a[rows.start..], lda: m };
                    let epi = match plus {
                        Some((alpha, w)) => Epilogue::Axpy { alpha, w: &w[rows.start * n..rows.end * n] },
                        None => Epilogue::Store { add: matches!(accum, Accum::Add) },
                    };
                    avx2::gemm(c, (rows.len(), n, k), lhs, Rhs::Rows { b, ldb: n }, epi, blk)
                })
            }
            Product::TnSgd { c, w, a, b, reg, lr, grad } => {
                let (a, b) = (a.as_slice(), b.as_slice());
                let keep = grad == GradOut::Keep;
                split_rows(c.as_mut_slice(), Some(w.as_mut_slice()), n, par, MR, &|c, w, rows| {
                    let lhs = Lhs::Cols { a: &a[rows.start..], lda: m };
                    let w = w.expect("split_rows passes w's rows");
                    let epi = Epilogue::Sgd { reg, lr, w, keep };
                    avx2::gemm(c, (rows.len(), n, k), lhs, Rhs::Rows { b, ldb: n }, epi, blk)
                })
            }
        })
    }

    /// Cache blocking of the AVX2 kernel: `kc = 256` contraction rows (a B panel of 16 KiB stays
    /// in L1, and the weight gradient's k = 200 is one block); for the weight gradient, A blocks
    /// of `mc = 96` rows (75 KiB of packed A in L2 beside up to 240 KiB of packed B at H = 300);
    /// for the forward, operands read in place (`avx2::in_place`: 6 rows of `x`, 6 KiB, in L1,
    /// `kc × H` of packed W in L2).
    fn blocking(kind: Kind, m: usize) -> Blocking {
        match kind {
            Kind::Tn => Blocking { kc: 256, mc: 96, in_place: false },
            Kind::Nn | Kind::Nt => Blocking { kc: 256, mc: m.next_multiple_of(MR).min(240), in_place: true },
        }
    }

    /// The AVX-512 path: weight gradients 1..=128 wide on the skinny kernel, the rest on faer.
    pub(super) fn avx512_product(p: Product<'_, f32>, par: Par) -> Option<f64> {
        match p {
            Product::Tn { c, a, b, accum, plus } if skinny_fits(c.cols(), c.rows()) => {
                let (m, n) = (a.cols(), b.cols());
                let (a, b) = (a.as_slice(), b.as_slice());
                let plus = plus.map(|(alpha, w)| (alpha, w.as_slice()));
                let add = matches!(accum, Accum::Add);
                Some(split_rows(c.as_mut_slice(), None, n, par, SKINNY_GRAIN, &|c_rows, _, rows| {
                    skinny::matmul_tn(c_rows, rows, a, m, b, n, add, plus);
                    0.0
                }))
            }
            Product::TnSgd { c, w, a, b, reg, lr, .. } if skinny_fits(c.cols(), c.rows()) => {
                let (m, n) = (a.cols(), b.cols());
                let (a, b) = (a.as_slice(), b.as_slice());
                Some(split_rows(
                    c.as_mut_slice(),
                    Some(w.as_mut_slice()),
                    n,
                    par,
                    SKINNY_GRAIN,
                    &|c_rows, w_rows, rows| {
                        let w_rows = w_rows.expect("split_rows passes w's rows");
                        skinny::matmul_tn_sgd(c_rows, w_rows, rows, a, m, b, n, reg, lr)
                    },
                ))
            }
            _ => None,
        }
    }

    fn skinny_fits(n: usize, m: usize) -> bool {
        (1..=skinny::MAX_N).contains(&n) && m > 0 && skinny::available()
    }

    /// A kernel call on a block of rows: `(c_rows, w_rows, rows) → partial result`.
    type RowsFn<'a> = dyn Fn(&mut [f32], Option<&mut [f32]>, Range<usize>) -> f64 + Sync + 'a;

    /// Row blocks of the skinny kernel are cut at multiples of 16 rows (as before issue 13).
    const SKINNY_GRAIN: usize = 16;

    /// Fewest output rows worth a thread of their own.
    const MIN_ROWS_PER_THREAD: usize = 32;

    /// Runs `f` on row blocks of `c (m, n)` (and of `w`, laid out like `c`): one block for
    /// `Par::Seq`, `t` blocks in rayon for `Par::Rayon(t)`, cut at multiples of `grain` rows
    /// (whole register tiles). Returns the sum of the blocks' results, left to right.
    fn split_rows(c: &mut [f32], w: Option<&mut [f32]>, n: usize, par: Par, grain: usize, f: &RowsFn<'_>) -> f64 {
        let m = c.len().checked_div(n).unwrap_or(0);
        let threads = match par {
            Par::Seq => 1,
            Par::Rayon(t) => t.get().min(m / MIN_ROWS_PER_THREAD).max(1),
        };
        split(c, w, 0..m, n, threads, grain, f)
    }

    fn split(
        c: &mut [f32],
        w: Option<&mut [f32]>,
        rows: Range<usize>,
        n: usize,
        threads: usize,
        grain: usize,
        f: &RowsFn<'_>,
    ) -> f64 {
        if threads <= 1 {
            return f(c, w, rows);
        }
        let left_threads = threads / 2;
        let len = rows.len();
        let cut = (len * left_threads / threads).next_multiple_of(grain).min(len);
        let mid = rows.start + cut;
        let (left, right) = c.split_at_mut(cut * n);
        let (w_left, w_right) = match w {
            Some(w) => {
                let (l, r) = w.split_at_mut(cut * n);
                (Some(l), Some(r))
            }
            None => (None, None),
        };
        let (a, b) = rayon::join(
            || split(left, w_left, rows.start..mid, n, left_threads, grain, f),
            || split(right, w_right, mid..rows.end, n, threads - left_threads, grain, f),
        );
        a + b
    }
}
