//! Every kernel path this CPU supports (`portable`, `avx2`, `avx512`, forced one at a time with
//! `kernels::with_path`) against naive f64 loops, through the public `gemm` helpers: the forward
//! `a·b`, `a·bᵀ`, the weight gradient `aᵀ·b` (overwrite, accumulate), its fused L2 term and its
//! fused SGD step with `Σ w²`. Shapes cover vector counts and masked tails (widths 1–333),
//! remainder row tiles (6-row tiles, 96-row blocks), contraction blocks (256) and `k = 0`, on one
//! thread and two. Each test prints which paths ran and which the CPU could not run.
//!
//! The comparison ([`assert_close`]) fails on any NaN or ∞ in the result: a kernel that wrote
//! NaN would pass a check that folds differences with `f64::max` (which drops NaN).

use handgrad_tensor::gemm::{GradOut, matmul, matmul_nt, matmul_tn, matmul_tn_axpy, matmul_tn_sgd, par_for_threads};
use handgrad_tensor::kernels::{self, KernelPath, Selection};
use handgrad_tensor::{Accum, Matrix, Par, init, tol};

/// Output widths: one to five 8-lane vectors with and without a tail, the narrow last panels
/// (1–4 columns past a multiple of 16), 50, 100, 300 and past 300.
const WIDTHS: &[usize] =
    &[1, 2, 3, 7, 8, 9, 15, 16, 17, 19, 24, 31, 32, 33, 35, 48, 50, 64, 65, 100, 127, 128, 129, 300, 333];

/// Runs `check` on every path the CPU supports, printing what ran and what was skipped.
fn on_every_path(test: &str, check: impl Fn(KernelPath)) {
    for path in KernelPath::ALL {
        if path.is_supported() {
            println!("{test}: path {path}: ran");
            kernels::with_path(path, || check(path));
        } else {
            println!("{test}: path {path}: SKIPPED (this CPU cannot run it)");
        }
    }
}

/// Fails unless every element of `got` is finite and within `tol` of `want`, relative to
/// `|want| + scale`. Separate from `common::max_rel_diff` on purpose (see the file header).
#[track_caller]
fn assert_close(what: &str, got: &Matrix<f32>, want: &Matrix<f64>, scale: f64) {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes");
    for (idx, (&g, &w)) in got.as_slice().iter().zip(want.as_slice()).enumerate() {
        let (i, j) = (idx / got.cols().max(1), idx % got.cols().max(1));
        assert!(g.is_finite(), "{what}: element ({i}, {j}) is {g}, want {w}");
        let err = (f64::from(g) - w).abs() / (w.abs() + scale);
        assert!(err <= tol::NAIVE_F32, "{what}: element ({i}, {j}) = {g}, want {w} (relative error {err:.2e})");
    }
}

fn rand(rows: usize, cols: usize, seed: u64) -> Matrix<f64> {
    init::randn(rows, cols, 1.0, &mut init::rng_from_seed(seed))
}

/// Naive `a (m, k) · b (k, n)` in f64.
fn naive(a: &Matrix<f64>, b: &Matrix<f64>) -> Matrix<f64> {
    Matrix::from_fn(a.rows(), b.cols(), |i, j| (0..a.cols()).map(|p| a.get(i, p) * b.get(p, j)).sum())
}

/// Every product of `gemm` on `(m, k) · (k, n)` in f32, against f64 loops, on the active path.
fn check_all(m: usize, k: usize, n: usize, par: Par, path: KernelPath) {
    let tag = format!("{path} {m}x{k}x{n} {par:?}");
    let seed = (m * 1_000_003 + k * 1009 + n) as u64;
    let (a64, b64, w64) = (rand(m, k, seed), rand(k, n, seed + 1), rand(m, n, seed + 2));
    let want = naive(&a64, &b64);
    let scale = (k as f64).sqrt().max(1.0);
    let (a, b, at, bt) = (a64.cast::<f32>(), b64.cast::<f32>(), a64.transpose().cast::<f32>(), b64.transpose().cast());
    let plus = |c: f64, alpha: f64, add: &Matrix<f64>| {
        Matrix::from_fn(m, n, |i, j| c * want.get(i, j) + alpha * add.get(i, j))
    };

    let mut c = Matrix::<f32>::full(m, n, f32::NAN); // garbage that Replace must overwrite
    matmul(&mut c, &a, &b, Accum::Replace, par);
    assert_close(&format!("matmul {tag}"), &c, &want, scale);
    matmul(&mut c, &a, &b, Accum::Add, par);
    assert_close(&format!("matmul add {tag}"), &c, &plus(2.0, 0.0, &w64), scale);

    let mut c = Matrix::<f32>::full(m, n, f32::NAN);
    matmul_nt(&mut c, &a, &bt, Accum::Replace, par);
    assert_close(&format!("matmul_nt {tag}"), &c, &want, scale);

    let mut c = Matrix::<f32>::full(m, n, f32::NAN);
    matmul_tn(&mut c, &at, &b, Accum::Replace, par);
    assert_close(&format!("matmul_tn {tag}"), &c, &want, scale);
    matmul_tn(&mut c, &at, &b, Accum::Add, par);
    assert_close(&format!("matmul_tn add {tag}"), &c, &plus(2.0, 0.0, &w64), scale);

    // c = aᵀ·b + 0.25·w, the weight gradient with its L2 term.
    let want_reg = plus(1.0, 0.25, &w64);
    let mut c = Matrix::<f32>::full(m, n, f32::NAN);
    matmul_tn_axpy(&mut c, &at, &b, 0.25, &w64.cast(), par);
    assert_close(&format!("matmul_tn_axpy {tag}"), &c, &want_reg, scale);

    // The fused SGD step: c = aᵀ·b + 0.25·w, w ← w − 0.5·c, and Σ w² before the step.
    let w32 = w64.cast::<f32>();
    let mut w = w32.clone();
    let mut c = Matrix::<f32>::full(m, n, f32::NAN);
    let sum_sq = matmul_tn_sgd(&mut c, &mut w, &at, &b, 0.25, 0.5, GradOut::Keep, par);
    let want_sum_sq: f64 = w32.as_slice().iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    assert!(
        sum_sq.is_finite() && (sum_sq - want_sum_sq).abs() <= 1e-5 * want_sum_sq.max(1.0),
        "Σw² {sum_sq} vs {want_sum_sq}, {tag}"
    );
    assert_close(&format!("matmul_tn_sgd gradient {tag}"), &c, &want_reg, scale);
    let want_w = Matrix::from_fn(m, n, |i, j| w64.get(i, j) - 0.5 * want_reg.get(i, j));
    assert_close(&format!("matmul_tn_sgd step {tag}"), &w, &want_w, scale);

    // The same step with the gradient discarded: the same bits of w and Σ w² (c is scratch).
    let mut w_discard = w32.clone();
    let mut scratch = Matrix::<f32>::full(m, n, f32::NAN);
    let sum_sq_discard = matmul_tn_sgd(&mut scratch, &mut w_discard, &at, &b, 0.25, 0.5, GradOut::Discard, par);
    assert!(w_discard == w, "matmul_tn_sgd step without the gradient changed w's bits, {tag}");
    assert!(
        sum_sq_discard.to_bits() == sum_sq.to_bits(),
        "Σw² without the gradient {sum_sq_discard} vs {sum_sq}, {tag}"
    );
}

#[test]
fn every_width_small_rows_and_depths() {
    on_every_path("every_width_small_rows_and_depths", |path| {
        for &n in WIDTHS {
            for m in [1, 5, 7, 13] {
                for k in [0, 1, 2, 19] {
                    check_all(m, k, n, Par::Seq, path);
                }
            }
        }
    });
}

#[test]
fn block_edges_of_rows_and_contraction() {
    on_every_path("block_edges_of_rows_and_contraction", |path| {
        for (m, k) in [(95, 255), (96, 256), (97, 257), (200, 600), (193, 3)] {
            for n in [1, 17, 50, 129, 300] {
                check_all(m, k, n, Par::Seq, path);
            }
        }
    });
}

#[test]
fn two_threads_match_naive_loops() {
    on_every_path("two_threads_match_naive_loops", |path| {
        for (m, k) in [(200, 300), (97, 40), (3072, 20)] {
            for n in [10, 50, 100, 300] {
                check_all(m, k, n, par_for_threads(2), path);
            }
        }
    });
}

/// On the AVX2 path the row blocks of two threads are computed exactly as one thread computes
/// those rows: the same bits, for the forward at H = 50 and the fused weight gradient at H = 300
/// (both on the kernel there). faer's threading, used elsewhere, promises no such thing.
#[test]
fn two_threads_give_the_same_bits_on_avx2() {
    if !KernelPath::Avx2.is_supported() {
        println!("SKIPPED: this CPU cannot run the avx2 path");
        return;
    }
    let (x, dh) = (rand(200, 3072, 1).cast::<f32>(), rand(200, 300, 2).cast::<f32>());
    let (w1, w2) = (rand(3072, 50, 3).cast::<f32>(), rand(3072, 300, 4).cast::<f32>());
    let run = |par: Par| {
        let mut h = Matrix::<f32>::zeros(200, 50);
        let mut dw = Matrix::<f32>::zeros(3072, 300);
        let mut w = w2.clone();
        let ss = kernels::with_path(KernelPath::Avx2, || {
            matmul(&mut h, &x, &w1, Accum::Replace, par);
            matmul_tn_sgd(&mut dw, &mut w, &x, &dh, 0.1, 0.01, GradOut::Keep, par)
        });
        (h, dw, w, ss)
    };
    let (one, two) = (run(Par::Seq), run(par_for_threads(2)));
    assert!(one.0 == two.0 && one.1 == two.1 && one.2 == two.2, "two threads changed the bits");
    assert!((one.3 - two.3).abs() <= 1e-12 * one.3, "Σw² {} vs {}", one.3, two.3);
}

/// A NaN in an operand reaches the output (no kernel hides it), and the comparison sees it.
#[test]
fn nan_in_an_operand_reaches_the_output() {
    on_every_path("nan_in_an_operand_reaches_the_output", |path| {
        for n in [8, 50, 300] {
            let mut x = rand(200, 64, 4).cast::<f32>();
            x.set(17, 5, f32::NAN);
            let dh = rand(200, n, 5).cast::<f32>();
            let mut dw = Matrix::<f32>::zeros(64, n);
            matmul_tn(&mut dw, &x, &dh, Accum::Replace, Par::Seq);
            assert!(dw.row(5).iter().all(|v| v.is_nan()), "{path} n={n}: row 5 of xᵀ·dh must be NaN");
            assert!(dw.row(4).iter().all(|v| v.is_finite()), "{path} n={n}: row 4 must stay finite");
            let w = rand(64, n, 6).cast::<f32>();
            let mut h = Matrix::<f32>::zeros(200, n);
            matmul(&mut h, &x, &w, Accum::Replace, Par::Seq);
            assert!(h.row(17).iter().all(|v| v.is_nan()) && h.row(16).iter().all(|v| v.is_finite()), "{path} n={n}");
        }
    });
}

#[test]
#[should_panic(expected = "element (0, 0) is NaN")]
fn the_comparison_fails_on_nan() {
    assert_close("nan", &Matrix::from_rows(&[[f32::NAN]]), &Matrix::from_rows(&[[1.0]]), 1.0);
}

#[test]
fn forced_paths_resolve_or_fall_back_with_a_message() {
    use KernelPath::{Avx2, Avx512, Portable};
    let zen3 = |p: KernelPath| p != Avx512;
    let xeon = |_: KernelPath| true;
    let old = |p: KernelPath| p == Portable;
    for (req, cpu, want, honoured) in [
        (None, &zen3 as &dyn Fn(KernelPath) -> bool, Avx2, true),
        (Some("auto"), &zen3, Avx2, true),
        (Some(""), &xeon, Avx512, true),
        (None, &xeon, Avx512, true),
        (Some("avx2"), &xeon, Avx2, true),
        (Some(" AVX2 "), &zen3, Avx2, true),
        (Some("portable"), &zen3, Portable, true),
        (Some("avx512"), &zen3, Avx2, false),
        (Some("avx2"), &old, Portable, false),
        (Some("avx3"), &xeon, Avx512, false),
    ] {
        let sel = Selection::resolve(req, cpu);
        assert_eq!((sel.active, sel.honoured()), (want, honoured), "request {req:?}");
        if !honoured {
            let why = sel.fallback.unwrap();
            assert!(why.contains("HANDGRAD_KERNELS") && why.contains(want.name()), "{why}");
        }
    }
}

#[test]
fn with_path_forces_and_restores() {
    let before = kernels::active();
    kernels::with_path(KernelPath::Portable, || {
        assert_eq!(kernels::active(), KernelPath::Portable);
        kernels::with_path(KernelPath::best(), || assert_eq!(kernels::active(), KernelPath::best()));
        assert_eq!(kernels::active(), KernelPath::Portable);
    });
    assert_eq!(kernels::active(), before);
    let sel = kernels::selection();
    println!("process selection: {sel:?}");
    assert!(sel.active.is_supported());
}

#[test]
fn forcing_a_path_the_cpu_lacks_panics_in_with_path() {
    let Some(missing) = KernelPath::ALL.into_iter().find(|p| !p.is_supported()) else {
        println!("SKIPPED: this CPU supports every path");
        return;
    };
    let result = std::panic::catch_unwind(|| kernels::with_path(missing, || ()));
    assert!(result.is_err(), "with_path({missing}) must panic on this CPU");
}
