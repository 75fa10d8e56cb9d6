//! GEMM helpers: the three products backprop needs, written into caller-provided buffers.
//!
//! With row-major `x: (n, d)`, `w: (d, m)` and upstream `dout: (n, m)`:
//! - forward            `out = x · w`            → [`matmul`]
//! - input gradient     `dx  = dout · wᵀ`        → [`matmul_nt`]
//! - weight gradient    `dw  = xᵀ · dout`        → [`matmul_tn`]
//!
//! Each call either overwrites the destination ([`Accum::Replace`]) or adds to it
//! ([`Accum::Add`]), and takes an explicit [`Par`]: `Par::Seq` (one thread) is the default
//! throughout handgrad, so that a run's thread count is always the caller's visible choice
//! (on the 2-core machine of the README's speed tables, two threads make the CIFAR step 1.07–1.2×
//! faster). The transposes are views (no copies); faer packs its operands itself.
//!
//! [`matmul_tn_axpy`] and [`matmul_tn_sgd`] fold what follows a weight gradient (its L2 term; the
//! SGD step and the penalty's value) into the product's store where the skinny kernel applies.
//!
//! **Skinny weight gradients.** When the element type is `f32`, the output has at most 128
//! columns and the CPU has AVX-512F, [`matmul_tn`] runs handgrad's own register-tiled kernel
//! (`skinny.rs`) instead of faer: that is the weight gradient `xᵀ · dh` of a hidden layer of
//! width ≤ 128, half of a CIFAR training step's FLOPs, which the kernel computes faster than faer
//! at these shapes (`cargo bench -p handgrad-benches --bench gemm`: `weight_grad_*` against
//! `weight_grad_faer_*`, side by side). With `Par::Rayon(t)` the output
//! rows are split into `t` blocks run by rayon. Everything else, including the forward `x · w`
//! (where faer was as fast or faster), goes to faer, followed by [`crate::cpu::zero_upper`].

use faer::linalg::matmul::matmul as faer_matmul;
pub use faer::{Accum, Par};

use crate::{Matrix, Scalar};

/// Floating-point operations of one `(m, k) · (k, n)` product: `2·m·k·n`.
pub const fn gemm_flops(m: usize, k: usize, n: usize) -> u64 {
    2 * (m as u64) * (k as u64) * (n as u64)
}

/// `c (m, n) ← a (m, k) · b (k, n)` (or `c += a · b` with [`Accum::Add`]).
///
/// # Panics
/// If the shapes do not chain; the message gives all three.
#[track_caller]
pub fn matmul<T: Scalar>(c: &mut Matrix<T>, a: &Matrix<T>, b: &Matrix<T>, accum: Accum, par: Par) {
    assert!(
        a.cols() == b.rows() && c.shape() == (a.rows(), b.cols()),
        "matmul: c{:?} = a{:?} · b{:?} does not fit",
        c.shape(),
        a.shape(),
        b.shape()
    );
    faer_matmul(c.as_faer_mut(), accum, a.as_faer(), b.as_faer(), T::ONE, par);
    crate::cpu::zero_upper();
}

/// `c (m, n) ← a (m, k) · b (n, k)ᵀ` (or `+=`). The input gradient of an affine layer.
///
/// # Panics
/// If the shapes do not chain; the message gives all three.
#[track_caller]
pub fn matmul_nt<T: Scalar>(c: &mut Matrix<T>, a: &Matrix<T>, b: &Matrix<T>, accum: Accum, par: Par) {
    assert!(
        a.cols() == b.cols() && c.shape() == (a.rows(), b.rows()),
        "matmul_nt: c{:?} = a{:?} · b{:?}ᵀ does not fit",
        c.shape(),
        a.shape(),
        b.shape()
    );
    faer_matmul(c.as_faer_mut(), accum, a.as_faer(), b.as_faer().transpose(), T::ONE, par);
    crate::cpu::zero_upper();
}

/// `c (m, n) ← a (k, m)ᵀ · b (k, n)` (or `+=`). The weight gradient of an affine layer.
///
/// # Panics
/// If the shapes do not chain; the message gives all three.
#[track_caller]
pub fn matmul_tn<T: Scalar>(c: &mut Matrix<T>, a: &Matrix<T>, b: &Matrix<T>, accum: Accum, par: Par) {
    assert!(
        a.rows() == b.rows() && c.shape() == (a.cols(), b.cols()),
        "matmul_tn: c{:?} = a{:?}ᵀ · b{:?} does not fit",
        c.shape(),
        a.shape(),
        b.shape()
    );
    if skinny::try_tn(c, a, b, accum, None, par) {
        return;
    }
    faer_matmul(c.as_faer_mut(), accum, a.as_faer().transpose(), b.as_faer(), T::ONE, par);
    crate::cpu::zero_upper();
}

/// `c (m, n) ← a (k, m)ᵀ · b (k, n) + alpha · w (m, n)`: a weight gradient with its L2 term,
/// `dW = xᵀ·dout + reg·W`, in one pass over `c` where the skinny kernel applies (the term is
/// added as each row is stored), else [`matmul_tn`] followed by [`crate::ops::axpy`].
///
/// # Panics
/// If the shapes do not chain or `w` is not shaped like `c`; the message gives the shapes.
#[track_caller]
pub fn matmul_tn_axpy<T: Scalar>(c: &mut Matrix<T>, a: &Matrix<T>, b: &Matrix<T>, alpha: T, w: &Matrix<T>, par: Par) {
    assert!(
        a.rows() == b.rows() && c.shape() == (a.cols(), b.cols()) && w.shape() == c.shape(),
        "matmul_tn_axpy: c{:?} = a{:?}ᵀ · b{:?} + alpha · w{:?} does not fit",
        c.shape(),
        a.shape(),
        b.shape(),
        w.shape()
    );
    if skinny::try_tn(c, a, b, Accum::Replace, Some((alpha, w)), par) {
        return;
    }
    matmul_tn(c, a, b, Accum::Replace, par);
    crate::ops::axpy(c, alpha, w);
}

/// One SGD step on a weight matrix with the L2 penalty `½·reg·‖w‖²`, fused with its gradient:
/// `c (m, n) ← a (k, m)ᵀ · b (k, n) + reg · w`, then `w ← w − lr · c`. Returns `‖w‖² = Σ w²` of
/// the weights *before* the step, for the penalty's value. `c` keeps the gradient.
///
/// Where the skinny kernel applies this is one pass: each tile of `c` is finished in registers,
/// and `w` is read once and written once; elsewhere it is [`matmul_tn`], [`crate::ops::sum_squares`]
/// and two [`crate::ops::axpy`]s, the same arithmetic.
///
/// # Panics
/// If the shapes do not chain or `w` is not shaped like `c`; the message gives the shapes.
#[track_caller]
pub fn matmul_tn_sgd<T: Scalar>(
    c: &mut Matrix<T>,
    w: &mut Matrix<T>,
    a: &Matrix<T>,
    b: &Matrix<T>,
    reg: T,
    lr: T,
    par: Par,
) -> f64 {
    assert!(
        a.rows() == b.rows() && c.shape() == (a.cols(), b.cols()) && w.shape() == c.shape(),
        "matmul_tn_sgd: c{:?} = a{:?}ᵀ · b{:?} + reg · w{:?} does not fit",
        c.shape(),
        a.shape(),
        b.shape(),
        w.shape()
    );
    if let Some(sum_sq) = skinny::try_tn_sgd(c, w, a, b, reg, lr, par) {
        return sum_sq;
    }
    let sum_sq = crate::ops::sum_squares(w).to_f64();
    matmul_tn(c, a, b, Accum::Replace, par);
    crate::ops::axpy(c, reg, w);
    crate::ops::axpy(w, T::ZERO - lr, c);
    sum_sq
}

/// A [`Par`] for a thread count: 1 → `Par::Seq`, n > 1 → faer's rayon pool with n tasks.
#[cfg(feature = "std")]
pub fn par_for_threads(threads: usize) -> Par {
    if threads <= 1 { Par::Seq } else { Par::rayon(threads) }
}

/// Routing to the skinny AVX-512 kernels: `true` when the product was computed there.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod skinny {
    use core::any::Any;
    use core::ops::Range;

    use super::{Accum, Par};
    use crate::{Matrix, Scalar, skinny as kernel};

    /// `c (+)= aᵀ · b [+ alpha · w]` on the skinny kernel, if it applies.
    pub(super) fn try_tn<T: Scalar>(
        c: &mut Matrix<T>,
        a: &Matrix<T>,
        b: &Matrix<T>,
        accum: Accum,
        plus: Option<(T, &Matrix<T>)>,
        par: Par,
    ) -> bool {
        let Some((c, a, b)) = as_f32(c, a, b) else { return false };
        let plus = match plus {
            None => None,
            Some((alpha, w)) => {
                let Some(w) = (w as &dyn Any).downcast_ref::<Matrix<f32>>() else { return false };
                Some((alpha.to_f64() as f32, w.as_slice()))
            }
        };
        let (m, n) = (a.cols(), b.cols());
        let (a, b) = (a.as_slice(), b.as_slice());
        split_rows(c, None, par, &|c_rows, _, rows| {
            kernel::matmul_tn(c_rows, rows, a, m, b, n, add(accum), plus);
            0.0
        });
        true
    }

    /// `c = aᵀ · b + reg · w; w -= lr · c` on the skinny kernel, if it applies: `Some(Σ w²)`.
    pub(super) fn try_tn_sgd<T: Scalar>(
        c: &mut Matrix<T>,
        w: &mut Matrix<T>,
        a: &Matrix<T>,
        b: &Matrix<T>,
        reg: T,
        lr: T,
        par: Par,
    ) -> Option<f64> {
        let (c, a, b) = as_f32(c, a, b)?;
        let w = (w as &mut dyn Any).downcast_mut::<Matrix<f32>>()?;
        let (m, n) = (a.cols(), b.cols());
        let (a, b) = (a.as_slice(), b.as_slice());
        let (reg, lr) = (reg.to_f64() as f32, lr.to_f64() as f32);
        Some(split_rows(c, Some(w.as_mut_slice()), par, &|c_rows, w_rows, rows| {
            let w_rows = w_rows.expect("split_rows passes w's rows");
            kernel::matmul_tn_sgd(c_rows, w_rows, rows, a, m, b, n, reg, lr)
        }))
    }

    fn add(accum: Accum) -> bool {
        matches!(accum, Accum::Add)
    }

    /// The f32 views when the kernel applies: f32, 1 ≤ n ≤ 128, a non-empty output, AVX-512F.
    #[allow(clippy::type_complexity)]
    fn as_f32<'a, T: Scalar>(
        c: &'a mut Matrix<T>,
        a: &'a Matrix<T>,
        b: &'a Matrix<T>,
    ) -> Option<(&'a mut Matrix<f32>, &'a Matrix<f32>, &'a Matrix<f32>)> {
        if c.cols() == 0 || c.cols() > kernel::MAX_N || c.rows() == 0 || !kernel::available() {
            return None;
        }
        let c = (c as &mut dyn Any).downcast_mut::<Matrix<f32>>()?;
        let a = (a as &dyn Any).downcast_ref::<Matrix<f32>>()?;
        let b = (b as &dyn Any).downcast_ref::<Matrix<f32>>()?;
        Some((c, a, b))
    }

    /// A kernel call on a block of rows: `(c_rows, w_rows, rows) → partial result`.
    type RowsFn<'a> = dyn Fn(&mut [f32], Option<&mut [f32]>, Range<usize>) -> f64 + Sync + 'a;

    /// Run `f` on row blocks of `c` (and of `w`, laid out like `c`): one block for `Par::Seq`,
    /// `t` blocks in rayon for `Par::Rayon(t)`. Returns the sum of the blocks' results.
    fn split_rows(c: &mut Matrix<f32>, w: Option<&mut [f32]>, par: Par, f: &RowsFn<'_>) -> f64 {
        let (m, n) = c.shape();
        let threads = match par {
            Par::Seq => 1,
            Par::Rayon(t) => t.get().min(m.div_ceil(64)).max(1),
        };
        split(c.as_mut_slice(), w, 0..m, n, threads, f)
    }

    fn split(
        c: &mut [f32],
        w: Option<&mut [f32]>,
        rows: Range<usize>,
        n: usize,
        threads: usize,
        f: &RowsFn<'_>,
    ) -> f64 {
        if threads <= 1 {
            return f(c, w, rows);
        }
        // Split at a multiple of 16 rows, in proportion to the threads on each side.
        let left_threads = threads / 2;
        let mid = rows.start + (rows.len() * left_threads / threads).next_multiple_of(16).min(rows.len());
        let at = (mid - rows.start) * n;
        let (left, right) = c.split_at_mut(at);
        let (w_left, w_right) = match w {
            Some(w) => {
                let (l, r) = w.split_at_mut(at);
                (Some(l), Some(r))
            }
            None => (None, None),
        };
        let (a, b) = rayon::join(
            || split(left, w_left, rows.start..mid, n, left_threads, f),
            || split(right, w_right, mid..rows.end, n, threads - left_threads, f),
        );
        a + b
    }
}

/// Without std (no CPU detection) or off x86-64, everything goes to faer.
#[cfg(not(all(feature = "std", target_arch = "x86_64")))]
mod skinny {
    use super::{Accum, Par};
    use crate::{Matrix, Scalar};

    pub(super) fn try_tn<T: Scalar>(
        _: &mut Matrix<T>,
        _: &Matrix<T>,
        _: &Matrix<T>,
        _: Accum,
        _: Option<(T, &Matrix<T>)>,
        _: Par,
    ) -> bool {
        false
    }

    pub(super) fn try_tn_sgd<T: Scalar>(
        _: &mut Matrix<T>,
        _: &mut Matrix<T>,
        _: &Matrix<T>,
        _: &Matrix<T>,
        _: T,
        _: T,
        _: Par,
    ) -> Option<f64> {
        None
    }
}
