//! Finite-difference checks of both losses' gradients in f64, at random points: the right
//! gradients pass, the wrong closed forms of real submissions fail; and the stationary point W = 0.

use handgrad_autoencoder::{Activation, TiedLinearAe, TiedNonlinearAe};
use handgrad_tensor::gradcheck::{assert_gradient, numeric_gradient};
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, Par, ops, tol};

/// A random batch `x: (5, 7)` and weights `w: (3, 7)`.
fn problem(seed: u64) -> (Matrix<f64>, Matrix<f64>) {
    let mut rng = rng_from_seed(seed);
    let x = randn(5, 7, 1.0, &mut rng);
    let w = randn(3, 7, 0.5, &mut rng);
    (x, w)
}

fn linear_analytic(w: &Matrix<f64>, x: &Matrix<f64>) -> Matrix<f64> {
    let ae = TiedLinearAe::new(w.clone());
    let (_, mut cache) = ae.forward(x);
    let mut dw = Matrix::zeros(w.rows(), w.cols());
    ae.backward(x, &mut cache, &mut dw, Par::Seq);
    dw
}

fn nonlinear_analytic(w: &Matrix<f64>, x: &Matrix<f64>, f: Activation) -> Matrix<f64> {
    let ae = TiedNonlinearAe::new(w.clone(), f);
    let (_, mut cache) = ae.forward(x);
    let mut dw = Matrix::zeros(w.rows(), w.cols());
    ae.backward(x, &mut cache, &mut dw, Par::Seq);
    dw
}

#[test]
fn linear_gradient_matches_finite_differences() {
    for seed in 0..3 {
        let (x, w) = problem(seed);
        let numeric = numeric_gradient(|w| TiedLinearAe::new(w.clone()).forward(&x).0, &w, tol::FD_STEP);
        let err = assert_gradient("tied linear dW", &linear_analytic(&w, &x), &numeric, tol::GRAD_SMOOTH);
        eprintln!("linear seed {seed}: rel_error {err:.2e}");
    }
}

/// The smallest |pre-activation| of both layers: ReLU is only checked away from its kink. A decoder
/// input that is exactly 0 because the sample's whole code is 0 (all ReLUs off) stays 0 under small
/// perturbations (the encoder inputs are away from 0), so the loss is smooth there; skip those.
fn min_abs_preactivation(w: &Matrix<f64>, x: &Matrix<f64>, f: Activation) -> f64 {
    let (_, cache) = TiedNonlinearAe::new(w.clone(), f).forward(x);
    let a2_live = cache.a2.as_slice().iter().filter(|v| **v != 0.0);
    cache.a1.as_slice().iter().chain(a2_live).fold(f64::INFINITY, |m, v| m.min(v.abs()))
}

#[test]
fn nonlinear_gradients_match_finite_differences() {
    for f in Activation::ALL {
        for seed in 10..13 {
            let (x, w) = problem(seed);
            if f == Activation::Relu {
                let gap = min_abs_preactivation(&w, &x, f);
                assert!(gap > 1e3 * tol::FD_STEP, "seed {seed} puts a ReLU input at {gap:.1e}; pick another seed");
            }
            let numeric = numeric_gradient(|w| TiedNonlinearAe::new(w.clone(), f).forward(&x).0, &w, tol::FD_STEP);
            let analytic = nonlinear_analytic(&w, &x, f);
            let err = assert_gradient(&format!("tied {} dW", f.name()), &analytic, &numeric, tol::GRAD_SMOOTH);
            eprintln!("{} seed {seed}: rel_error {err:.2e}", f.name());
        }
    }
}

/// With f = identity the nonlinear model is the linear one: same loss, same gradient.
#[test]
fn identity_activation_equals_linear_model() {
    let (x, w) = problem(20);
    let (l_lin, _) = TiedLinearAe::new(w.clone()).forward(&x);
    let (l_id, _) = TiedNonlinearAe::new(w.clone(), Activation::Identity).forward(&x);
    assert!((l_lin - l_id).abs() <= tol::NAIVE_F64 * l_lin.abs());
    let d_lin = linear_analytic(&w, &x);
    let d_id = nonlinear_analytic(&w, &x, Activation::Identity);
    let err = handgrad_tensor::gradcheck::rel_error(&d_lin, &d_id);
    assert!(err < 1e-10, "identity vs linear gradient: rel_error {err:.2e}");
}

/// At random, generic points the finite-difference check tells the model's gradient from the wrong
/// closed forms of real submissions, far from the tolerance. (At `W = 0` it could not: every one of
/// them is 0 there, like the numeric gradient, and so would be an all-NaN gradient.) The forms are
/// batched as in `src/linear.rs`: `R = X WᵀW − X`, `∇W = W (XᵀR + RᵀX) / N`.
#[test]
fn wrong_closed_forms_are_rejected_at_random_points() {
    for seed in 60..65 {
        let (x, w) = problem(seed);
        let numeric = numeric_gradient(|w| TiedLinearAe::new(w.clone()).forward(&x).0, &w, tol::FD_STEP);
        let right = linear_analytic(&w, &x);
        assert_gradient("tied linear dW", &right, &numeric, tol::GRAD_SMOOTH);
        let (n, i7) = (Matrix::full(1, 1, x.rows() as f64), Matrix::identity(x.cols()));
        let names = [("X", &x), ("W", &w), ("N", &n), ("I", &i7)];
        let form = |text: &str| {
            let full = format!("({text})/N");
            handgrad_check::evaluate(&full.replace('R', "(X*W'*W - X)"), &names).unwrap()
        };
        // The model's backward is the two-path form, to rounding.
        assert!(handgrad_tensor::gradcheck::rel_error(&right, &form("W*(X'*R + R'*X)")) < 1e-10);
        for wrong in ["2*W*(W'*W - I)*X'*X", "W*X'*R", "W*R'*X", "0.5*W*(X'*R + R'*X)"] {
            let g = form(wrong);
            let err = handgrad_tensor::gradcheck::rel_error(&g, &numeric);
            assert!(err > tol::GRAD_WRONG, "seed {seed}: {wrong} scored {err:.2e}");
            assert!(handgrad_tensor::gradcheck::check_gradient(wrong, &g, &numeric, tol::GRAD_SMOOTH).is_err());
        }
        // One NaN element in the right gradient fails the same check.
        let mut one_nan = right.clone();
        one_nan.set(2, 6, f64::NAN);
        assert!(handgrad_tensor::gradcheck::check_gradient("one NaN", &one_nan, &numeric, tol::GRAD_SMOOTH).is_err());
    }
}

/// W = 0 is a stationary point of the linear loss (and of tanh, ReLU, identity, since f(0) = 0),
/// but not of the sigmoid model, whose code at W = 0 is 1/2. `max_abs` is ∞ for a NaN, so these
/// equalities fail on a NaN gradient.
#[test]
fn zero_weights_are_stationary() {
    let (x, _) = problem(30);
    let w0 = Matrix::zeros(3, 7);
    assert_eq!(ops::max_abs(&linear_analytic(&w0, &x)), 0.0);
    for f in [Activation::Tanh, Activation::Relu, Activation::Identity] {
        assert_eq!(ops::max_abs(&nonlinear_analytic(&w0, &x, f)), 0.0, "{}", f.name());
    }
    let sigmoid = ops::max_abs(&nonlinear_analytic(&w0, &x, Activation::Sigmoid));
    assert!(sigmoid > 1e-3 && sigmoid.is_finite());
}

/// The backward overwrites dW (it does not accumulate), and reused buffers give the same numbers
/// for batches of different sizes.
#[test]
fn buffers_are_reused_and_gradients_overwritten() {
    let (x, w) = problem(40);
    let small = Matrix::from_vec(2, 7, x.as_slice()[..14].to_vec());
    let ae = TiedLinearAe::new(w.clone());
    let mut cache = handgrad_autoencoder::LinearCache::default();
    let mut dw = Matrix::full(3, 7, 5.0);
    for batch in [&x, &small, &x] {
        let loss = ae.forward_into(batch, &mut cache, Par::Seq);
        ae.backward(batch, &mut cache, &mut dw, Par::Seq);
        assert_eq!(loss, ae.forward(batch).0);
        assert_eq!(dw, linear_analytic(&w, batch));
    }
    let nae = TiedNonlinearAe::new(w.clone(), Activation::Tanh);
    let mut ncache = handgrad_autoencoder::NonlinearCache::default();
    let mut ndw = Matrix::full(3, 7, 5.0);
    for batch in [&x, &small, &x] {
        nae.forward_into(batch, &mut ncache, Par::Seq);
        nae.backward(batch, &mut ncache, &mut ndw, Par::Seq);
        assert_eq!(ndw, nonlinear_analytic(&w, batch, Activation::Tanh));
    }
}

#[test]
#[should_panic(expected = "does not fit")]
fn shape_mismatch_panics_with_both_shapes() {
    let (x, _) = problem(50);
    TiedLinearAe::new(Matrix::<f64>::zeros(3, 6)).forward(&x);
}
