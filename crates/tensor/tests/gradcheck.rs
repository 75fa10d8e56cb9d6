//! The gradient checker's own tests: it accepts right gradients and rejects deliberately wrong ones.

mod common;

use common::rand;
use handgrad_tensor::gemm::{matmul, matmul_nt, matmul_tn};
use handgrad_tensor::gradcheck::{check_gradient, numeric_gradient, numeric_gradient_contracted, rel_error};
use handgrad_tensor::{Accum, Matrix, Par, ops, tol};

/// f(x) = Σ sin(x) · x² has gradient cos(x)·x² + 2x·sin(x).
#[test]
fn scalar_function_right_gradient_accepted_wrong_rejected() {
    let x: Matrix<f64> = rand(4, 3, 1);
    let f = |x: &Matrix<f64>| x.as_slice().iter().map(|v| v.sin() * v * v).sum::<f64>();
    let numeric = numeric_gradient(f, &x, tol::FD_STEP);
    let right = Matrix::from_fn(4, 3, |i, j| {
        let v = x.get(i, j);
        v.cos() * v * v + 2.0 * v * v.sin()
    });
    let wrong = Matrix::from_fn(4, 3, |i, j| {
        let v = x.get(i, j);
        v.cos() * v * v // forgot the product rule's second term
    });
    let e = check_gradient("sin·x²", &right, &numeric, tol::GRAD_SMOOTH).expect("right gradient accepted");
    assert!(e < tol::GRAD_SMOOTH);
    let msg = check_gradient("sin·x² (wrong)", &wrong, &numeric, tol::GRAD_SMOOTH).unwrap_err();
    assert!(rel_error(&wrong, &numeric) > tol::GRAD_WRONG);
    assert!(msg.contains("worst at"), "{msg}");
}

/// y = x·w contracted with dout: dx = dout·wᵀ, dw = xᵀ·dout. The transposed-wrong dx is rejected.
#[test]
fn matrix_function_contracted_with_upstream_gradient() {
    let (x, w, dout): (Matrix<f64>, Matrix<f64>, Matrix<f64>) = (rand(5, 4, 2), rand(4, 3, 3), rand(5, 3, 4));
    let forward = |x: &Matrix<f64>, w: &Matrix<f64>| {
        let mut y = Matrix::zeros(x.rows(), w.cols());
        matmul(&mut y, x, w, Accum::Replace, Par::Seq);
        y
    };
    let mut dx = Matrix::zeros(5, 4);
    let mut dw = Matrix::zeros(4, 3);
    matmul_nt(&mut dx, &dout, &w, Accum::Replace, Par::Seq);
    matmul_tn(&mut dw, &x, &dout, Accum::Replace, Par::Seq);
    let num_dx = numeric_gradient_contracted(|xp| forward(xp, &w), &x, &dout, tol::FD_STEP);
    let num_dw = numeric_gradient_contracted(|wp| forward(&x, wp), &w, &dout, tol::FD_STEP);
    assert!(rel_error(&dx, &num_dx) < tol::GRAD_SMOOTH);
    assert!(rel_error(&dw, &num_dw) < tol::GRAD_SMOOTH);

    // A classic slip: scaling by the batch size where the loss is not averaged.
    let mut wrong = dw.clone();
    ops::scale(&mut wrong, 1.0 / 5.0);
    assert!(check_gradient("dw/N", &wrong, &num_dw, tol::GRAD_SMOOTH).is_err());
    assert!(rel_error(&wrong, &num_dw) > tol::GRAD_WRONG);
}

#[test]
fn rel_error_definition() {
    let a = Matrix::from_rows(&[[1.0, 0.0, -2.0]]);
    let b = Matrix::from_rows(&[[1.0, 1e-12, -2.0 * (1.0 + 1e-6)]]);
    // element 1: 1e-12 / max(1e-8, 1e-12) = 1e-4; element 2: 2e-6 / (4 + 2e-6) ≈ 5e-7.
    let e = rel_error(&a, &b);
    assert!((e - 1e-4).abs() < 1e-12, "{e}");
    let nan = Matrix::from_rows(&[[f64::NAN, 0.0, 0.0]]);
    assert_eq!(rel_error(&nan, &a), f64::INFINITY);
}
