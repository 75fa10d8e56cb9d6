//! The three GEMM helpers against a naive triple loop, on shapes with 1 row, 1 column and
//! non-square operands, in f64 and f32, overwriting and accumulating.

mod common;

use common::{SHAPES, max_rel_diff, naive_matmul, rand};
use handgrad_tensor::gemm::{matmul, matmul_nt, matmul_tn};
use handgrad_tensor::{Accum, Matrix, Par, Scalar, tol};

fn check_all<T: Scalar>(tol: f64) {
    for (s, &(m, k, n)) in SHAPES.iter().enumerate() {
        let a64: Matrix<f64> = rand(m, k, 10 + s as u64);
        let b64: Matrix<f64> = rand(k, n, 20 + s as u64);
        let want = naive_matmul(&a64, &b64);
        let scale = (k as f64).sqrt();
        let (a, b) = (a64.cast::<T>(), b64.cast::<T>());

        let mut c = Matrix::<T>::full(m, n, T::from_f64(7.0)); // garbage that Replace must overwrite
        matmul(&mut c, &a, &b, Accum::Replace, Par::Seq);
        assert!(max_rel_diff(&c, &want, scale) < tol, "matmul {m}x{k}x{n}");

        // c = a · (bᵀ)ᵀ
        let mut c = Matrix::<T>::zeros(m, n);
        matmul_nt(&mut c, &a, &b.transpose(), Accum::Replace, Par::Seq);
        assert!(max_rel_diff(&c, &want, scale) < tol, "matmul_nt {m}x{k}x{n}");

        // c = (aᵀ)ᵀ · b, then accumulate a second time: 2·a·b
        let mut c = Matrix::<T>::zeros(m, n);
        let at = a.transpose();
        matmul_tn(&mut c, &at, &b, Accum::Replace, Par::Seq);
        matmul_tn(&mut c, &at, &b, Accum::Add, Par::Seq);
        let want2 = Matrix::from_fn(m, n, |i, j| 2.0 * want.get(i, j));
        assert!(max_rel_diff(&c, &want2, 2.0 * scale) < tol, "matmul_tn accumulate {m}x{k}x{n}");
    }
}

#[test]
fn gemm_helpers_match_naive_loops_f64() {
    check_all::<f64>(tol::NAIVE_F64);
}

#[test]
fn gemm_helpers_match_naive_loops_f32() {
    check_all::<f32>(tol::NAIVE_F32);
}

#[test]
fn two_threads_give_the_same_product() {
    let a: Matrix<f64> = rand(200, 300, 1);
    let b: Matrix<f64> = rand(300, 50, 2);
    let mut c1 = Matrix::zeros(200, 50);
    let mut c2 = Matrix::zeros(200, 50);
    matmul(&mut c1, &a, &b, Accum::Replace, Par::Seq);
    matmul(&mut c2, &a, &b, Accum::Replace, handgrad_tensor::gemm::par_for_threads(2));
    assert!(max_rel_diff(&c2, &c1, 1.0) < tol::NAIVE_F64);
}

#[test]
#[should_panic(expected = "matmul: c(2, 2) = a(2, 3) · b(2, 2) does not fit")]
fn shape_mismatch_names_all_shapes() {
    let mut c = Matrix::<f64>::zeros(2, 2);
    matmul(&mut c, &Matrix::zeros(2, 3), &Matrix::zeros(2, 2), Accum::Replace, Par::Seq);
}
