//! Sigmoid, tanh, Swish, dropout and batch normalisation: gradient checks (f64) and behaviour.

use handgrad_nn::layers::{BatchNorm, BatchNormState, Dropout, Sigmoid, Swish, Tanh, sigmoid};
use handgrad_nn::{Layer, Mode, Params};
use handgrad_tensor::gradcheck::{assert_gradient, numeric_gradient_contracted};
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, tol};

/// Gradient check of a parameterless layer's dx on random inputs.
fn check_elementwise<L: Layer<f64>>(name: &str, layer: &L, seed: u64) {
    let mut rng = rng_from_seed(seed);
    let x = randn(5, 4, 2.0, &mut rng);
    let dout = randn(5, 4, 1.0, &mut rng);
    let (_, mut cache) = layer.forward(&x);
    let dx = layer.backward(&dout, &mut cache, &mut layer.zeros_like());
    let num = numeric_gradient_contracted(|x| layer.forward(x).0, &x, &dout, tol::FD_STEP);
    assert_gradient(name, &dx, &num, tol::GRAD_SMOOTH);
}

#[test]
fn sigmoid_tanh_swish_gradients_match_finite_differences() {
    check_elementwise("sigmoid dx", &Sigmoid, 20);
    check_elementwise("tanh dx", &Tanh, 21);
    check_elementwise("swish dx", &Swish, 22);
}

#[test]
fn activation_values_at_known_points() {
    let x = Matrix::<f64>::from_rows(&[[0.0, 1.0, -2.0]]);
    let (s, _) = Sigmoid.forward(&x);
    let (t, _) = Tanh.forward(&x);
    let (w, _) = Swish.forward(&x);
    let sig = |v: f64| 1.0 / (1.0 + (-v).exp());
    for j in 0..3 {
        let v = x.get(0, j);
        assert!((s.get(0, j) - sig(v)).abs() < 1e-15);
        assert!((t.get(0, j) - v.tanh()).abs() < 1e-15);
        assert!((w.get(0, j) - v * sig(v)).abs() < 1e-15);
    }
}

#[test]
fn sigmoid_does_not_overflow_for_large_inputs() {
    assert_eq!(sigmoid(-200.0f32), 0.0);
    assert_eq!(sigmoid(200.0f32), 1.0);
    assert!(sigmoid(-100.0f32) > 0.0 && sigmoid(-100.0f32).is_finite());
}

#[test]
fn dropout_keeps_the_mean_in_train_mode_and_is_identity_in_eval_mode() {
    let drop = Dropout::new(0.7);
    let x = Matrix::<f64>::full(500, 200, 1.0);
    let mut rng = rng_from_seed(23);
    let (out, _) = drop.forward(&x, Mode::Train, &mut rng);
    let mean = handgrad_tensor::ops::sum(&out) / out.len() as f64;
    // Each entry is 1/0.7 w.p. 0.7, else 0: std of the mean of 1e5 entries ≈ 0.002.
    assert!((mean - 1.0).abs() < 0.01, "train-mode mean {mean}");
    let kept = out.as_slice().iter().filter(|&&v| v != 0.0).count() as f64 / out.len() as f64;
    assert!((kept - 0.7).abs() < 0.01, "kept fraction {kept}");

    let x: Matrix<f64> = randn(30, 10, 1.0, &mut rng);
    let (out, cache) = drop.forward(&x, Mode::Eval, &mut rng);
    assert_eq!(out, x);
    let dout = randn(30, 10, 1.0, &mut rng);
    assert_eq!(drop.backward(&dout, &cache), dout);
}

#[test]
fn dropout_gradient_matches_finite_differences_with_a_fixed_mask() {
    let drop = Dropout::new(0.6);
    let mut rng = rng_from_seed(24);
    let x = randn(6, 5, 1.0, &mut rng);
    let dout = randn(6, 5, 1.0, &mut rng);
    // Same seed ⇒ same mask in every call.
    let fwd = |x: &Matrix<f64>| drop.forward(x, Mode::Train, &mut rng_from_seed(99));
    let (_, cache) = fwd(&x);
    let dx = drop.backward(&dout, &cache);
    let num = numeric_gradient_contracted(|x| fwd(x).0, &x, &dout, tol::FD_STEP);
    assert_gradient("dropout dx", &dx, &num, tol::GRAD_SMOOTH);
}

#[test]
fn batchnorm_train_output_is_zero_mean_unit_variance_per_feature() {
    let mut rng = rng_from_seed(25);
    let mut x: Matrix<f64> = randn(200, 4, 3.0, &mut rng);
    handgrad_tensor::ops::map_inplace(&mut x, |v| v + 5.0);
    let bn = BatchNorm::new(4);
    let (out, _) = bn.forward(&mut BatchNormState::new(4), &x, Mode::Train);
    for j in 0..4 {
        let col: Vec<f64> = (0..200).map(|i| out.get(i, j)).collect();
        let mean = col.iter().sum::<f64>() / 200.0;
        let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 200.0;
        assert!(mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-4, "feature {j}: mean {mean}, var {var}");
    }
    // γ and β then set the mean and standard deviation.
    let bn = BatchNorm::from_params(Matrix::from_rows(&[[2.0, 0.5, 1.0, 3.0]]), Matrix::from_rows(&[[1.0; 4]]));
    let (out, _) = bn.forward(&mut BatchNormState::new(4), &x, Mode::Train);
    let mean0 = (0..200).map(|i| out.get(i, 0)).sum::<f64>() / 200.0;
    assert!((mean0 - 1.0).abs() < 1e-12);
}

#[test]
fn batchnorm_running_averages_and_eval_mode() {
    // Golden by hand: one train step from m = 0, v = 1 with ρ = 0.9 on x = (1, 3)ᵀ (μ = 2, σ² = 1)
    // gives m = 0.2, v = 0.9·1 + 0.1·1 = 1; eval output for x = 2.2 is (2.2 − 0.2)/√(1 + 1e-5).
    let (bn, mut state) = (BatchNorm::<f64>::new(1), BatchNormState::new(1));
    bn.forward(&mut state, &Matrix::from_rows(&[[1.0], [3.0]]), Mode::Train);
    assert!((state.running_mean.get(0, 0) - 0.2).abs() < 1e-15 && (state.running_var.get(0, 0) - 1.0).abs() < 1e-15);
    let before = state.clone();
    let (out, _) = bn.forward(&mut state, &Matrix::from_rows(&[[2.2]]), Mode::Eval);
    assert!((out.get(0, 0) - 2.0 / (1.0f64 + 1e-5).sqrt()).abs() < 1e-14);
    assert_eq!(state, before, "eval mode must not touch the running averages");
}

fn batchnorm_gradcheck(mode: Mode, seed: u64) {
    let mut rng = rng_from_seed(seed);
    let x = randn(8, 3, 2.0, &mut rng);
    let dout = randn(8, 3, 1.0, &mut rng);
    let bn = BatchNorm::from_params(randn(1, 3, 1.0, &mut rng), randn(1, 3, 1.0, &mut rng));
    let mut state = BatchNormState::new(3);
    state.running_mean = randn(1, 3, 1.0, &mut rng);
    state.running_var = Matrix::from_rows(&[[0.5, 2.0, 1.5]]);
    // Each forward gets a fresh copy of the state, so train mode's running-average update does not
    // leak from one evaluation into the next.
    let fwd = |bn: &BatchNorm<f64>, x: &Matrix<f64>| bn.forward(&mut state.clone(), x, mode);
    let (_, mut cache) = fwd(&bn, &x);
    let mut g = bn.zeros_like();
    let dx = bn.backward(&dout, &mut cache, &mut g);
    let with = |gamma: &Matrix<f64>, beta: &Matrix<f64>| BatchNorm::from_params(gamma.clone(), beta.clone());
    let num_dx = numeric_gradient_contracted(|x| fwd(&bn, x).0, &x, &dout, tol::FD_STEP);
    let num_dg = numeric_gradient_contracted(|gm| fwd(&with(gm, &bn.beta), &x).0, &bn.gamma, &dout, tol::FD_STEP);
    let num_db = numeric_gradient_contracted(|bt| fwd(&with(&bn.gamma, bt), &x).0, &bn.beta, &dout, tol::FD_STEP);
    assert_gradient("batchnorm dx", &dx, &num_dx, tol::GRAD_SMOOTH);
    assert_gradient("batchnorm dgamma", &g.gamma, &num_dg, tol::GRAD_SMOOTH);
    assert_gradient("batchnorm dbeta", &g.beta, &num_db, tol::GRAD_SMOOTH);
}

#[test]
fn batchnorm_gradients_match_finite_differences_in_train_mode() {
    batchnorm_gradcheck(Mode::Train, 26);
}

#[test]
fn batchnorm_gradients_match_finite_differences_in_eval_mode() {
    batchnorm_gradcheck(Mode::Eval, 27);
}
