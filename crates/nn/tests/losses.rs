//! Losses: gradient checks (f64), sanity values, and hand-derived golden values.

use handgrad_nn::loss::{add_l2_grad, l2_penalty, softmax_loss, svm_loss};
use handgrad_tensor::gradcheck::{assert_gradient, numeric_gradient};
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, tol};

#[test]
fn softmax_of_near_zero_scores_is_about_ln_10() {
    let mut rng = rng_from_seed(10);
    let scores: Matrix<f64> = randn(50, 10, 1e-3, &mut rng);
    let labels: Vec<usize> = (0..50).map(|i| i % 10).collect();
    let (loss, _) = softmax_loss(&scores, &labels);
    assert!((loss - 10f64.ln()).abs() < 1e-2, "loss {loss}, ln 10 = {}", 10f64.ln());
}

#[test]
fn svm_of_near_zero_scores_is_about_9() {
    let mut rng = rng_from_seed(11);
    let scores: Matrix<f64> = randn(50, 10, 1e-3, &mut rng);
    let labels: Vec<usize> = (0..50).map(|i| (3 * i) % 10).collect();
    let (loss, _) = svm_loss(&scores, &labels);
    assert!((loss - 9.0).abs() < 1e-1, "loss {loss}");
}

#[test]
fn softmax_golden_value_and_gradient() {
    // One row, scores (1, 2, 3), label 2: L = ln(e¹ + e² + e³) − 3; p = softmax; dL/ds = p − e₂.
    let scores = Matrix::from_rows(&[[1.0, 2.0, 3.0]]);
    let (loss, d) = softmax_loss(&scores, &[2]);
    let z = 1f64.exp() + 2f64.exp() + 3f64.exp();
    assert!((loss - (z.ln() - 3.0)).abs() < 1e-14);
    let expected = [1f64.exp() / z, 2f64.exp() / z, 3f64.exp() / z - 1.0];
    for (a, b) in d.as_slice().iter().zip(expected) {
        assert!((a - b).abs() < 1e-14);
    }
}

#[test]
fn softmax_is_stable_for_large_scores() {
    // Shifting every score of a row by a constant changes nothing, even by 1e4 (exp would overflow).
    let base = Matrix::<f64>::from_rows(&[[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]]);
    let mut shifted = base.clone();
    handgrad_tensor::ops::map_inplace(&mut shifted, |v| v + 1e4);
    let (l0, d0) = softmax_loss(&base, &[0, 1]);
    let (l1, d1) = softmax_loss(&shifted, &[0, 1]);
    assert!(l1.is_finite() && (l0 - l1).abs() < 1e-9);
    assert!(handgrad_tensor::gradcheck::rel_error(&d0, &d1) < 1e-9);
    // And in f32, where exp(100) already overflows.
    let big = Matrix::<f32>::from_rows(&[[100.0f32, 0.0, -100.0]]);
    let (l, d) = softmax_loss(&big, &[1]);
    assert!((l - 100.0).abs() < 1e-3 && d.as_slice().iter().all(|v| v.is_finite()));
}

#[test]
fn softmax_gradient_matches_finite_differences() {
    let mut rng = rng_from_seed(12);
    let scores = randn(6, 5, 2.0, &mut rng);
    let labels = [0, 4, 2, 2, 1, 3];
    let (_, d) = softmax_loss(&scores, &labels);
    let num = numeric_gradient(|s| softmax_loss(s, &labels).0, &scores, tol::FD_STEP);
    assert_gradient("softmax dscores", &d, &num, tol::GRAD_SMOOTH);
}

#[test]
fn svm_golden_value_from_the_cs231n_notes() {
    // CS231n "Linear classification" notes: scores (3.2, 5.1, −1.7), correct class 0:
    // max(0, 5.1 − 3.2 + 1) + max(0, −1.7 − 3.2 + 1) = 2.9 + 0.
    let (loss, d) = svm_loss(&Matrix::<f64>::from_rows(&[[3.2, 5.1, -1.7]]), &[0]);
    assert!((loss - 2.9).abs() < 1e-12);
    assert_eq!(d.as_slice(), &[-1.0, 1.0, 0.0]);
}

#[test]
fn svm_gradient_matches_finite_differences_away_from_the_hinge() {
    let mut rng = rng_from_seed(13);
    let scores: Matrix<f64> = randn(6, 5, 2.0, &mut rng);
    let labels = [1, 0, 4, 3, 2, 2];
    for (i, &y) in labels.iter().enumerate() {
        for j in 0..5 {
            let margin = scores.get(i, j) - scores.get(i, y) + 1.0;
            assert!(j == y || margin.abs() > 1e-3, "seed puts margin ({i}, {j}) at {margin}; pick another");
        }
    }
    let (_, d) = svm_loss(&scores, &labels);
    let num = numeric_gradient(|s| svm_loss(s, &labels).0, &scores, tol::FD_STEP);
    assert_gradient("svm dscores", &d, &num, tol::GRAD_SMOOTH);
}

#[test]
fn l2_penalty_value_and_gradient() {
    // ½·0.1·(1 + 4 + 9 + 0) = 0.7.
    let w = Matrix::<f64>::from_rows(&[[1.0, -2.0], [3.0, 0.0]]);
    assert!((l2_penalty(&[&w], 0.1) - 0.7).abs() < 1e-15);
    let mut dw = Matrix::full(2, 2, 1.0);
    add_l2_grad(&mut dw, &w, 0.1);
    let mut expected = Matrix::full(2, 2, 1.0);
    let num = numeric_gradient(|w| l2_penalty(&[w], 0.1), &w, tol::FD_STEP);
    handgrad_tensor::ops::axpy(&mut expected, 1.0, &num);
    assert_gradient("l2 grad added", &dw, &expected, tol::GRAD_SMOOTH);
}

#[test]
#[should_panic(expected = "label 3 of row 1 out of range for 3 classes")]
fn out_of_range_label_panics() {
    let _ = softmax_loss(&Matrix::<f64>::zeros(2, 3), &[0, 3]);
}

#[test]
fn label_smoothing_golden_value_and_gradient() {
    use handgrad_nn::loss::softmax_smoothed_loss_into;
    // One row, scores (1, 2, 3), label 2, ε = 0.3: q = (0.1, 0.1, 0.8);
    // L = ln(e¹ + e² + e³) − (0.1·1 + 0.1·2 + 0.8·3); dL/ds = p − q.
    let scores = Matrix::from_rows(&[[1.0, 2.0, 3.0]]);
    let mut d = Matrix::zeros(0, 0);
    let loss = softmax_smoothed_loss_into(&scores, &[2], 0.3, &mut d);
    let z = 1f64.exp() + 2f64.exp() + 3f64.exp();
    assert!((loss - (z.ln() - 2.7)).abs() < 1e-14, "{loss}");
    let expected = [1f64.exp() / z - 0.1, 2f64.exp() / z - 0.1, 3f64.exp() / z - 0.8];
    for (a, b) in d.as_slice().iter().zip(expected) {
        assert!((a - b).abs() < 1e-14, "{a} vs {b}");
    }
}

#[test]
fn label_smoothing_gradient_matches_finite_differences() {
    use handgrad_nn::loss::softmax_smoothed_loss_into;
    let mut rng = rng_from_seed(14);
    let scores = randn(6, 5, 2.0, &mut rng);
    let labels = [0, 4, 2, 2, 1, 3];
    let mut d = Matrix::zeros(0, 0);
    softmax_smoothed_loss_into(&scores, &labels, 0.1, &mut d);
    let num = numeric_gradient(
        |s| softmax_smoothed_loss_into(s, &labels, 0.1, &mut Matrix::zeros(0, 0)),
        &scores,
        tol::FD_STEP,
    );
    assert_gradient("smoothed softmax dscores", &d, &num, tol::GRAD_SMOOTH);
}

#[test]
fn label_smoothing_zero_is_the_plain_softmax_bit_for_bit() {
    use handgrad_nn::loss::softmax_smoothed_loss_into;
    let scores: Matrix<f32> = randn(7, 10, 3.0, &mut rng_from_seed(15));
    let labels = [0, 9, 3, 3, 5, 1, 2];
    let (l0, d0) = softmax_loss(&scores, &labels);
    let mut d1 = Matrix::zeros(0, 0);
    let l1 = softmax_smoothed_loss_into(&scores, &labels, 0.0, &mut d1);
    assert_eq!(l0.to_bits(), l1.to_bits());
    assert!(d0.as_slice().iter().zip(d1.as_slice()).all(|(a, b)| a.to_bits() == b.to_bits()));
}
