//! The f32 products with at most 128 output columns, which run on handgrad's own AVX-512 kernels
//! when the CPU has them (see `gemm`'s module docs), against a naive f64 loop: every vector count
//! 1–8 with and without a masked tail, row counts that leave a remainder tile, contractions that
//! cross the kernels' L1 block, overwrite, accumulate, the fused L2 term and the fused SGD step,
//! one thread and two.
//! On a CPU without AVX-512F the same calls go to faer and the test still holds.

mod common;

use common::{max_rel_diff, naive_matmul, rand};
use handgrad_tensor::gemm::{GradOut, matmul, matmul_tn, matmul_tn_axpy, matmul_tn_sgd, par_for_threads};
use handgrad_tensor::{Accum, Matrix, Par, tol};

const WIDTHS: &[usize] = &[1, 2, 15, 16, 17, 33, 48, 50, 64, 65, 97, 100, 112, 127, 128, 129];
const ROWS: &[usize] = &[1, 7, 13, 130];
const DEPTHS: &[usize] = &[0, 1, 19, 1100];

fn check(m: usize, k: usize, n: usize, par: Par) {
    let seed = (m * 1_000_000 + k * 1000 + n) as u64;
    let a64: Matrix<f64> = rand(m, k, seed);
    let b64: Matrix<f64> = rand(k, n, seed + 1);
    let want = naive_matmul(&a64, &b64);
    let want2 = Matrix::from_fn(m, n, |i, j| 2.0 * want.get(i, j));
    let scale = (k as f64).sqrt().max(1.0);
    let (a, b) = (a64.cast::<f32>(), b64.cast::<f32>());

    let mut c = Matrix::<f32>::full(m, n, 7.0); // garbage that Replace must overwrite
    matmul(&mut c, &a, &b, Accum::Replace, par);
    assert!(max_rel_diff(&c, &want, scale) < tol::NAIVE_F32, "matmul {m}x{k}x{n} {par:?}");
    matmul(&mut c, &a, &b, Accum::Add, par);
    assert!(max_rel_diff(&c, &want2, scale) < tol::NAIVE_F32, "matmul add {m}x{k}x{n} {par:?}");

    let at = a.transpose();
    let mut c = Matrix::<f32>::full(m, n, -3.0);
    matmul_tn(&mut c, &at, &b, Accum::Replace, par);
    assert!(max_rel_diff(&c, &want, scale) < tol::NAIVE_F32, "matmul_tn {m}x{k}x{n} {par:?}");
    matmul_tn(&mut c, &at, &b, Accum::Add, par);
    assert!(max_rel_diff(&c, &want2, scale) < tol::NAIVE_F32, "matmul_tn add {m}x{k}x{n} {par:?}");

    // c = aᵀ·b + 0.25·w, the weight gradient with its L2 term.
    let w64: Matrix<f64> = rand(m, n, seed + 2);
    let want_reg = Matrix::from_fn(m, n, |i, j| want.get(i, j) + 0.25 * w64.get(i, j));
    let mut c = Matrix::<f32>::full(m, n, 5.0);
    matmul_tn_axpy(&mut c, &at, &b, 0.25, &w64.cast(), par);
    assert!(max_rel_diff(&c, &want_reg, scale) < tol::NAIVE_F32, "matmul_tn_axpy {m}x{k}x{n} {par:?}");

    // The fused SGD step: c = aᵀ·b + 0.25·w, w ← w − 0.5·c, and Σ w² before the step.
    let mut w = w64.cast::<f32>();
    let mut c = Matrix::<f32>::full(m, n, 5.0);
    let sum_sq = matmul_tn_sgd(&mut c, &mut w, &at, &b, 0.25, 0.5, GradOut::Keep, par);
    let want_sum_sq: f64 = w64.cast::<f32>().as_slice().iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    assert!((sum_sq - want_sum_sq).abs() <= 1e-5 * want_sum_sq.max(1.0), "Σw² {sum_sq} vs {want_sum_sq}");
    assert!(max_rel_diff(&c, &want_reg, scale) < tol::NAIVE_F32, "matmul_tn_sgd gradient {m}x{k}x{n} {par:?}");
    let want_w = Matrix::from_fn(m, n, |i, j| w64.get(i, j) - 0.5 * want_reg.get(i, j));
    assert!(max_rel_diff(&w, &want_w, scale) < tol::NAIVE_F32, "matmul_tn_sgd step {m}x{k}x{n} {par:?}");
}

#[test]
fn skinny_products_match_naive_loops_one_thread() {
    for &n in WIDTHS {
        for &m in ROWS {
            for &k in DEPTHS {
                check(m, k, n, Par::Seq);
            }
        }
    }
}

#[test]
fn skinny_products_match_naive_loops_two_threads() {
    for &n in &[10, 50, 100] {
        for &m in &[100, 200, 3072] {
            check(m, 200, n, par_for_threads(2));
        }
    }
}
