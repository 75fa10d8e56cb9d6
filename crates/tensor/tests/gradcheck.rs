//! The gradient checker's own tests: it accepts right gradients and rejects deliberately wrong ones.

mod common;

use common::rand;
use handgrad_tensor::gemm::{matmul, matmul_nt, matmul_tn};
use handgrad_tensor::gradcheck::{
    check_gradient, numeric_gradient, numeric_gradient_contracted, numeric_gradient_with_error, rel_error,
    rel_error_scalar,
};
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

/// The hole of issue 14: `∞/∞` is NaN, and a `max` fold dropped it, so `rel_error([∞, 1], [1, 1])`
/// was 0. Every non-finite value, on either side, in any position, now scores ∞.
#[test]
fn rel_error_is_infinite_for_any_non_finite_value() {
    let ones = Matrix::from_rows(&[[1.0, 1.0]]);
    assert_eq!(rel_error(&Matrix::from_rows(&[[f64::INFINITY, 1.0]]), &ones), f64::INFINITY);
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        for k in 0..2 {
            let mut m = ones.clone();
            m.as_mut_slice()[k] = bad;
            assert_eq!(rel_error(&m, &ones), f64::INFINITY, "{bad} at {k}, left");
            assert_eq!(rel_error(&ones, &m), f64::INFINITY, "{bad} at {k}, right");
            assert_eq!(rel_error(&m, &m), f64::INFINITY, "{bad} at {k}, both");
        }
        assert_eq!(rel_error_scalar(bad, 1.0), f64::INFINITY);
        assert_eq!(rel_error_scalar(1.0, bad), f64::INFINITY);
    }
    // Huge finite values neither overflow to ∞ nor vanish into `d / ∞ = 0`.
    assert!((rel_error_scalar(1e308, 1.7e308) - 0.7 / 2.7).abs() < 1e-15);
    assert_eq!(rel_error_scalar(1.5e308, -1.5e308), 1.0);
}

/// A right gradient with one element replaced by NaN, +∞ or −∞ (analytic or numeric side) fails
/// the check, and the message points at that element.
#[test]
fn a_gradient_with_one_nan_or_one_infinity_is_rejected() {
    let x: Matrix<f64> = rand(4, 3, 8);
    let f = |x: &Matrix<f64>| x.as_slice().iter().map(|v| v.sin() * v * v).sum::<f64>();
    let numeric = numeric_gradient(f, &x, tol::FD_STEP);
    let right = Matrix::from_fn(4, 3, |i, j| {
        let v = x.get(i, j);
        v.cos() * v * v + 2.0 * v * v.sin()
    });
    assert!(check_gradient("right", &right, &numeric, tol::GRAD_SMOOTH).is_ok());
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        for (i, j) in [(0, 0), (2, 1), (3, 2)] {
            let mut wrong = right.clone();
            wrong.set(i, j, bad);
            let msg = check_gradient("one bad element", &wrong, &numeric, tol::GRAD_SMOOTH).unwrap_err();
            assert!(msg.contains(&format!("worst at ({i}, {j})")) && msg.contains("rel_error inf"), "{msg}");
            let mut bad_numeric = numeric.clone();
            bad_numeric.set(i, j, bad);
            assert!(check_gradient("bad numeric", &right, &bad_numeric, tol::GRAD_SMOOTH).is_err());
        }
    }
    let all_nan = Matrix::full(4, 3, f64::NAN);
    assert!(check_gradient("all NaN", &all_nan, &numeric, tol::GRAD_SMOOTH).is_err());
}

/// Functions with known gradients at 200 random points each: the estimated error bounds the true
/// error of the central differences at every element, and stays far below the tolerances.
#[test]
fn numeric_gradient_error_estimate_bounds_the_true_error() {
    type Case = (&'static str, fn(&Matrix<f64>) -> f64, fn(f64, f64) -> f64);
    let cases: [Case; 3] = [
        // Σ sin(x)·x²
        ("sin·x²", |x| x.as_slice().iter().map(|v| v.sin() * v * v).sum(), |v, _| v.cos() * v * v + 2.0 * v * v.sin()),
        // exp(Σ x / 4): every element of the gradient is f / 4
        ("exp(Σx/4)", |x| (x.as_slice().iter().sum::<f64>() / 4.0).exp(), |_, f| f / 4.0),
        // Σ (x + 1e3)² − Σ (x − 1e3)² = 4e3·Σ x: terms of 1e6 cancel, leaving rounding noise
        // far above ε·|f|; only the second step sees it
        ("cancel", |x| x.as_slice().iter().map(|v| (v + 1e3) * (v + 1e3) - (v - 1e3) * (v - 1e3)).sum(), |_, _| 4e3),
    ];
    for (name, f, df) in cases {
        let mut worst_ratio: f64 = 0.0;
        let mut worst_error: f64 = 0.0;
        for seed in 0..200 {
            let x: Matrix<f64> = rand(3, 4, 1000 + seed);
            let fx = f(&x);
            let est = numeric_gradient_with_error(f, &x, tol::FD_STEP);
            assert_eq!(est.grad, numeric_gradient(f, &x, tol::FD_STEP), "{name}: same central differences");
            for k in 0..x.len() {
                let truth = df(x.as_slice()[k], fx);
                let (g, e) = (est.grad.as_slice()[k], est.error.as_slice()[k]);
                assert!((g - truth).abs() <= e, "{name} seed {seed} element {k}: |{g} − {truth}| > {e}");
                worst_ratio = worst_ratio.max((g - truth).abs() / e);
                worst_error = worst_error.max(e / (1.0 + truth.abs()));
            }
        }
        eprintln!("{name}: worst |error| / estimate {worst_ratio:.3}, worst estimate / (1 + |g|) {worst_error:.2e}");
        assert!(worst_error < 1e-4, "{name}: the estimate {worst_error:.2e} is too loose to be useful");
    }
}

/// A NaN of `f` near the point makes that element and every error estimate non-finite (the
/// estimate's noise floor is shared), so nothing is judged on such a point.
#[test]
fn numeric_gradient_error_is_not_finite_where_f_is_not() {
    let x = Matrix::from_rows(&[[0.0, 1.0]]);
    let f = |x: &Matrix<f64>| x.get(0, 0).sqrt() + x.get(0, 1);
    let est = numeric_gradient_with_error(f, &x, tol::FD_STEP);
    assert!(est.grad.get(0, 0).is_nan() && (est.grad.get(0, 1) - 1.0).abs() < 1e-9);
    assert!(est.error.as_slice().iter().all(|e| !e.is_finite()));
}
