//! GEMM helpers: the three products backprop needs, written into caller-provided buffers.
//!
//! With row-major `x: (n, d)`, `w: (d, m)` and upstream `dout: (n, m)`:
//! - forward            `out = x · w`            → [`matmul`]
//! - input gradient     `dx  = dout · wᵀ`        → [`matmul_nt`]
//! - weight gradient    `dw  = xᵀ · dout`        → [`matmul_tn`]
//!
//! Each call either overwrites the destination ([`Accum::Replace`]) or adds to it
//! ([`Accum::Add`]), and takes an explicit [`Par`]: `Par::Seq` (one thread) is the default
//! throughout handgrad, because on the 2-core machines it was measured on, two threads were usually
//! slower at these sizes. The transposes are views (no copies); faer packs its operands itself.

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
    faer_matmul(c.as_faer_mut(), accum, a.as_faer().transpose(), b.as_faer(), T::ONE, par);
}

/// A [`Par`] for a thread count: 1 → `Par::Seq`, n > 1 → faer's rayon pool with n tasks.
#[cfg(feature = "std")]
pub fn par_for_threads(threads: usize) -> Par {
    if threads <= 1 { Par::Seq } else { Par::rayon(threads) }
}
