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
//! SGD step and the penalty's value) into the product's store where handgrad's kernels apply.
//!
//! **Which code computes a product.** Every helper hands its product to the element type's
//! hook, [`Scalar::kernel_product`]: f64 always goes to faer; f32 asks the dispatcher of
//! [`crate::kernels`], which looks at the *kernel path* — chosen once per process from the CPU
//! and the environment variable **`HANDGRAD_KERNELS`** (`portable`, `avx2`, `avx512`, or `auto`,
//! the default: the best the CPU has) — and at the shape:
//!
//! | path | runs on handgrad's kernels (f32) | everything else |
//! | --- | --- | --- |
//! | `avx512` (AVX-512F) | weight gradients `aᵀ·b` (+ fused epilogues), 1–128 columns: `skinny.rs` | faer |
//! | `avx2` (AVX2 + FMA) | weight gradients `aᵀ·b` (+ fused epilogues) ≥ 48 columns, any width, and the forward `a·b` at 49–50 columns: `kernels/avx2.rs` | faer |
//! | `portable` | nothing | faer |
//!
//! Forcing a path the CPU lacks falls back to the best one it has, with a message on stderr
//! (see [`crate::kernels`]); tests and benchmarks force a path per thread with
//! [`crate::kernels::with_path`]. The choice of kernel or faer per shape was measured, side by
//! side in one run, on the 2-core AMD EPYC (Zen 3, AVX2 + FMA, no AVX-512) of issue 13, one thread
//! (`cargo run --release -p handgrad-tensor --example gemm_ab -- 150 50,100,300 portable,avx2`:
//! the paths alternate call by call, preempted calls are dropped; GFLOP/s best / median, FMA peak
//! 98–104 GFLOP/s). The host was shared by other agents' builds (load 4–9 on 2 cores), so only
//! the columns of one row compare, and repeats of a row varied by up to 1.3×:
//!
//! | product (f32) | faer 0.24 | AVX2 kernel | kernel / faer (medians) |
//! | --- | ---: | ---: | ---: |
//! | `(3072, 200)ᵀ·(200, 50)` weight gradient | 50.3 / 35.4 | **67.9 / 52.0** | 1.47× |
//! | `(3072, 200)ᵀ·(200, 100)` | 57.2 / 37.9 | **65.3 / 51.8** | 1.37× (0.97–1.37× over 4 runs) |
//! | `(3072, 200)ᵀ·(200, 300)` | 54.1 / 42.3 | **71.9 / 62.0** | 1.47× |
//! | `(200, 3072)·(3072, 50)` forward | 70.6 / 66.0 | **81.6 / 75.1** | 1.14× (1.06–1.14×) |
//! | `(200, 3072)·(3072, 100)` | **74.2 / 65.3** | 66.7 / 51.9 | 0.80× (0.80–0.89×) |
//! | `(200, 3072)·(3072, 300)` | **64.4 / 61.4** | 60.7 / 54.2 | 0.88× (0.85–1.01×) |
//! | forward at 18, 34, 66, 82, 98 columns | | | 0.81–1.08× |
//! | `(200, 50)·(50, 10)`, `(50, 200)ᵀ·(200, 10)`, `(200, 10)·(50, 10)ᵀ` | **26–28 / 17** | 16–21 / 10–15 | 0.6–0.9× |
//! | `(3072, 200)ᵀ·(200, 16…40)` | 48–56 / 27–42 | 38–51 / 29–44 | a draw |
//!
//! The criterion benchmark `cargo bench -p handgrad-benches --bench gemm` times every path and
//! faer side by side for the record (see the README's speed section).
//!
//! With `Par::Rayon(t)` the kernels split the output rows into `t` blocks run by rayon (the
//! same bits as one thread on the AVX2 path); faer splits its own way. Every faer call is
//! followed by [`crate::cpu::zero_upper`].

use faer::linalg::matmul::matmul as faer_matmul;
pub use faer::{Accum, Par};

use crate::kernels::route::Product;
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
    if T::kernel_product(Product::Nn { c, a, b, accum }, par).is_some() {
        return;
    }
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
    if T::kernel_product(Product::Nt { c, a, b, accum }, par).is_some() {
        return;
    }
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
    if T::kernel_product(Product::Tn { c, a, b, accum, plus: None }, par).is_some() {
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
    if T::kernel_product(Product::Tn { c, a, b, accum: Accum::Replace, plus: Some((alpha, w)) }, par).is_some() {
        return;
    }
    matmul_tn(c, a, b, Accum::Replace, par);
    crate::ops::axpy(c, alpha, w);
}

/// One SGD step on a weight matrix with the L2 penalty `½·reg·‖w‖²`, fused with its gradient:
/// `c (m, n) ← a (k, m)ᵀ · b (k, n) + reg · w`, then `w ← w − lr · c`. Returns `‖w‖² = Σ w²` of
/// the weights *before* the step, for the penalty's value. With [`GradOut::Keep`] `c` keeps the
/// gradient; with [`GradOut::Discard`] `c` is scratch.
///
/// Where a kernel applies (the AVX2 kernel, the skinny one) this is one pass: each tile of `c` is
/// finished in registers, and `w` is read once and written once; elsewhere it is [`matmul_tn`],
/// [`crate::ops::sum_squares`] and two [`crate::ops::axpy`]s, the same arithmetic. `w` ends with
/// the same bits either way, and for either [`GradOut`].
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
    grad: GradOut,
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
    if let Some(sum_sq) = T::kernel_product(Product::TnSgd { c, w, a, b, reg, lr, grad }, par) {
        return sum_sq;
    }
    let sum_sq = crate::ops::sum_squares(w).to_f64();
    matmul_tn(c, a, b, Accum::Replace, par);
    crate::ops::axpy(c, reg, w);
    crate::ops::axpy(w, T::ZERO - lr, c);
    sum_sq
}

/// What [`matmul_tn_sgd`] leaves in its gradient buffer `c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GradOut {
    /// `c` holds the gradient `aᵀ·b + reg·w` after the call.
    Keep,
    /// Only the step is wanted: `c` is scratch, its contents after the call unspecified. The
    /// AVX2 kernel then does not store the finished gradient (one pass over a `w`-sized array
    /// less, and that much less of the cache taken); faer's fallback and the skinny kernel
    /// still write it there.
    Discard,
}

/// A [`Par`] for a thread count: 1 → `Par::Seq`, n > 1 → faer's rayon pool with n tasks.
#[cfg(feature = "std")]
pub fn par_for_threads(threads: usize) -> Par {
    if threads <= 1 { Par::Seq } else { Par::rayon(threads) }
}
