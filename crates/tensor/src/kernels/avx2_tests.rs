//! The AVX2 kernel called directly, with every operand layout and epilogue, against naive f64
//! loops, including layouts and blockings that the router does not send to it today (so that
//! a change of the routing table cannot leave a path untested): every narrow last panel (1–4
//! columns) too. Skipped without AVX2 + FMA.

use alloc::vec::Vec;

use super::avx2::{self, Blocking, Epilogue, Lhs, Rhs};
use crate::init;

fn rand(len: usize, seed: u64) -> Vec<f32> {
    let m: crate::Matrix<f32> = init::randn(1, len, 1.0, &mut init::rng_from_seed(seed));
    m.as_slice().to_vec()
}

/// `(m, n, k)` shapes: tails of every kind, blocks of rows (96) and of the contraction (64, 256).
const SHAPES: &[(usize, usize, usize)] = &[
    (1, 1, 1),
    (5, 7, 3),
    (6, 8, 8),
    (7, 9, 0),
    (13, 16, 17),
    (12, 17, 64),
    (95, 24, 65),
    (96, 50, 200),
    (97, 100, 257),
    (200, 300, 300),
    (31, 333, 5),
    (13, 19, 40),
    (50, 36, 100),
    (7, 3, 9),
];

fn check(m: usize, n: usize, k: usize, rows_lhs: bool, rows_rhs: bool, blk: Blocking) {
    let (a, b) = (rand(m * k, (m * 31 + k) as u64), rand(k * n, (n * 17 + k) as u64));
    // A(r, p) and B(p, j) under each layout.
    let lhs = if rows_lhs { Lhs::Rows { a: &a, lda: k } } else { Lhs::Cols { a: &a, lda: m } };
    let rhs = if rows_rhs { Rhs::Rows { b: &b, ldb: n } } else { Rhs::Cols { b: &b, ldb: k } };
    let at = |r: usize, p: usize| f64::from(if rows_lhs { a[r * k + p] } else { a[p * m + r] });
    let bt = |p: usize, j: usize| f64::from(if rows_rhs { b[p * n + j] } else { b[j * k + p] });
    let want: Vec<f64> = (0..m * n).map(|i| (0..k).map(|p| at(i / n, p) * bt(p, i % n)).sum()).collect();
    let w0 = rand(m * n, 99);
    let tag = alloc::format!("({m}, {n}, {k}) rows_lhs={rows_lhs} rows_rhs={rows_rhs} {blk:?}");
    let close = |what: &str, got: &[f32], want: &dyn Fn(usize) -> f64| {
        for (i, &g) in got.iter().enumerate() {
            let w = want(i);
            let ok = g.is_finite()
                && (f64::from(g) - w).abs() <= crate::tol::NAIVE_F32 * (w.abs() + (k as f64).sqrt().max(1.0));
            assert!(ok, "{what} {tag}: element {i} = {g}, want {w}");
        }
    };

    let mut c = alloc::vec![f32::NAN; m * n];
    avx2::gemm(&mut c, (m, n, k), lhs, rhs, Epilogue::Store { add: false }, blk);
    close("store", &c, &|i| want[i]);
    avx2::gemm(&mut c, (m, n, k), lhs, rhs, Epilogue::Store { add: true }, blk);
    close("add", &c, &|i| 2.0 * want[i]);

    let mut c = alloc::vec![f32::NAN; m * n];
    avx2::gemm(&mut c, (m, n, k), lhs, rhs, Epilogue::Axpy { alpha: 0.5, w: &w0 }, blk);
    close("axpy", &c, &|i| want[i] + 0.5 * f64::from(w0[i]));

    let (mut c, mut w) = (alloc::vec![f32::NAN; m * n], w0.clone());
    let ss = avx2::gemm(&mut c, (m, n, k), lhs, rhs, Epilogue::Sgd { reg: 0.5, lr: 0.25, w: &mut w, keep: true }, blk);
    let want_ss: f64 = w0.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    assert!((ss - want_ss).abs() <= 1e-5 * want_ss.max(1.0), "Σw² {ss} vs {want_ss}, {tag}");
    let grad = |i: usize| want[i] + 0.5 * f64::from(w0[i]);
    close("sgd gradient", &c, &grad);
    close("sgd step", &w, &|i| f64::from(w0[i]) - 0.25 * grad(i));

    // The same step without keeping the gradient: the same bits of w and Σw², and (one
    // contraction block: nothing partial to keep; k = 0 has no kernel) c never written.
    let (mut c2, mut w2) = (alloc::vec![f32::NAN; m * n], w0.clone());
    let epi = Epilogue::Sgd { reg: 0.5, lr: 0.25, w: &mut w2, keep: false };
    let ss2 = avx2::gemm(&mut c2, (m, n, k), lhs, rhs, epi, blk);
    assert_eq!(ss2.to_bits(), ss.to_bits(), "Σw² without the gradient, {tag}");
    assert!(w2.iter().zip(&w).all(|(a, b)| a.to_bits() == b.to_bits()), "w without the gradient, {tag}");
    if 0 < k && k <= blk.kc {
        assert!(c2.iter().all(|v| v.is_nan()), "a discarded gradient was stored, {tag}");
    }
}

#[test]
fn every_layout_epilogue_and_blocking_matches_naive_loops() {
    if !avx2::available() {
        std::println!("SKIPPED: this CPU has no AVX2 + FMA");
        return;
    }
    for &(m, n, k) in SHAPES {
        for (rows_lhs, rows_rhs) in [(true, true), (false, true), (true, false), (false, false)] {
            for blk in [
                Blocking { kc: 256, mc: 96, in_place: false },
                Blocking { kc: 64, mc: 12, in_place: false },
                Blocking { kc: 1, mc: 6, in_place: false },
                Blocking { kc: 256, mc: 96, in_place: true },
                Blocking { kc: 7, mc: 6, in_place: true },
            ] {
                check(m, n, k, rows_lhs, rows_rhs, blk);
            }
        }
    }
}

#[test]
#[should_panic(expected = "operands too short")]
fn a_short_operand_is_caught_before_any_unsafe_access() {
    if !avx2::available() {
        panic!("operands too short (skipped: no AVX2 on this CPU)");
    }
    let (a, b) = (alloc::vec![0f32; 5], alloc::vec![0f32; 6]);
    let mut c = alloc::vec![0f32; 4];
    avx2::gemm(
        &mut c,
        (2, 2, 3),
        Lhs::Rows { a: &a, lda: 3 },
        Rhs::Rows { b: &b, ldb: 2 },
        Epilogue::Store { add: false },
        Blocking { kc: 256, mc: 96, in_place: false },
    );
}
