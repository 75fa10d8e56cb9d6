//! TwoLayerNet: gradient checks (f64), a hand-derived golden loss, overfitting, determinism.

mod common;

use handgrad_fcnet::{TwoLayerConfig, TwoLayerNet, TwoLayerParams};
use handgrad_nn::layers::Affine;
use handgrad_nn::solver::InMemory;
use handgrad_nn::solver::{SolverConfig, accuracy};
use handgrad_nn::{Params, solver::TrainError};
use handgrad_tensor::gradcheck::{assert_gradient, numeric_gradient};
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, Par, tol};

fn small_net(seed: u64, reg: f64) -> (TwoLayerNet<f64>, Matrix<f64>, Vec<usize>) {
    let mut rng = rng_from_seed(seed);
    let config = TwoLayerConfig { input_dim: 5, hidden: 4, num_classes: 3, weight_scale: 0.5, reg };
    let mut net = TwoLayerNet::<f64>::new(&config, &mut rng);
    net.params.fc1.b = randn(1, 4, 0.3, &mut rng);
    net.params.fc2.b = randn(1, 3, 0.3, &mut rng);
    let x = randn(6, 5, 1.0, &mut rng);
    (net, x, vec![0, 1, 2, 2, 1, 0])
}

fn check_all_grads(reg: f64) {
    let (net, x, y) = small_net(7, reg);
    let (_, grads) = net.loss(&x, &y);
    for i in 0..grads.len() {
        let numeric = numeric_gradient(
            |p| {
                let mut moved = net.clone();
                moved.params.get_mut(i).copy_from(p);
                moved.loss(&x, &y).0
            },
            net.params.get(i),
            tol::FD_STEP,
        );
        assert_gradient(&format!("two-layer d{}", net.params.name(i)), grads.get(i), &numeric, tol::GRAD_KINKED);
    }
}

#[test]
fn gradients_match_finite_differences_without_reg() {
    check_all_grads(0.0);
}

#[test]
fn gradients_match_finite_differences_with_reg() {
    check_all_grads(0.7);
}

/// Hand derivation. W1 = W2 = I₂, b1 = [0, −1], b2 = [0, 0], reg = 0.5.
/// Row 1: x = [2, 3], y = 1: h = relu([2, 2]) = [2, 2], s = [2, 2], softmax = [½, ½], loss ln 2.
/// Row 2: x = [1, −1], y = 0: h = relu([1, −2]) = [1, 0], s = [1, 0],
///        loss = −ln(e/(e + 1)) = ln(1 + e⁻¹); softmax = [σ(1), 1 − σ(1)] with σ(1) = e/(1 + e).
/// Data loss = (ln 2 + ln(1 + e⁻¹)) / 2; L2 = ½·0.5·(ΣW1² + ΣW2²) = ¼·(2 + 2) = 1.
/// ds = ([½, −½] + [σ(1) − 1, 1 − σ(1)]) / 2 per row, so db2 = [(σ(1) − ½)/2, (½ − σ(1))/2].
/// dh row 2 = ds₂·W2ᵀ = ds₂, masked by h₂ > 0 → [(σ(1) − 1)/2, 0]; row 1 unmasked [¼, −¼];
/// db1 = [¼ + (σ(1) − 1)/2, −¼].
#[test]
fn golden_loss_from_explicit_parameters() {
    let eye = Matrix::from_rows(&[[1.0, 0.0], [0.0, 1.0]]);
    let params = TwoLayerParams {
        fc1: Affine::new(eye.clone(), Matrix::from_rows(&[[0.0, -1.0]])),
        fc2: Affine::new(eye, Matrix::zeros(1, 2)),
    };
    let config = TwoLayerConfig { input_dim: 2, hidden: 2, num_classes: 2, weight_scale: 1.0, reg: 0.5 };
    let net = TwoLayerNet::from_params(config, params);
    let x = Matrix::from_rows(&[[2.0, 3.0], [1.0, -1.0]]);
    let e = std::f64::consts::E;
    let sigma = e / (1.0 + e);
    let (loss, grads) = net.loss(&x, &[1, 0]);
    let expected = (2f64.ln() + (1.0 + 1.0 / e).ln()) / 2.0 + 1.0;
    assert!((loss - expected).abs() < 1e-12, "loss {loss} vs hand-derived {expected}");
    let db2 = [(sigma - 0.5) / 2.0, (0.5 - sigma) / 2.0];
    let db1 = [0.25 + (sigma - 1.0) / 2.0, -0.25];
    for j in 0..2 {
        assert!((grads.fc2.b.get(0, j) - db2[j]).abs() < 1e-12, "db2 {:?} vs {db2:?}", grads.fc2.b);
        assert!((grads.fc1.b.get(0, j) - db1[j]).abs() < 1e-12, "db1 {:?} vs {db1:?}", grads.fc1.b);
    }
    // Without reg the loss is the data term alone.
    let no_reg = TwoLayerNet::from_params(TwoLayerConfig { reg: 0.0, ..config }, net.params.clone());
    let (loss0, _) = no_reg.loss(&x, &[1, 0]);
    assert!((loss0 - (expected - 1.0)).abs() < 1e-12);
}

#[test]
fn near_zero_weights_give_ln_c() {
    let config = TwoLayerConfig { input_dim: 20, hidden: 10, num_classes: 10, weight_scale: 1e-4, reg: 0.0 };
    let net = TwoLayerNet::<f64>::new(&config, &mut rng_from_seed(1));
    let data: InMemory<f64> = common::blobs(30, 20, 10, 0.1, 2);
    let (loss, _) = net.loss(&data.x, &data.y);
    assert!((loss - 10f64.ln()).abs() < 1e-3, "loss {loss} vs ln 10");
}

#[test]
fn overfits_a_tiny_set_of_noise() {
    let data: InMemory<f32> = common::noise(50, 30, 10, 3);
    let config = TwoLayerConfig { input_dim: 30, hidden: 100, num_classes: 10, weight_scale: 0.1, reg: 0.0 };
    let mut net = TwoLayerNet::<f32>::new(&config, &mut rng_from_seed(4));
    let before = accuracy(&mut net, &data, Par::Seq);
    let hist = common::train(&mut net, &data, SolverConfig::notebook(0.5, 1.0, 50, 400), 5).unwrap();
    let after = accuracy(&mut net, &data, Par::Seq);
    assert!(before < 0.5, "random labels should not be fit before training: {before}");
    assert_eq!(after, 1.0, "train accuracy after training: {after}; last loss {:?}", hist.loss.last());
}

#[test]
fn same_seed_gives_identical_loss_history() {
    let data: InMemory<f32> = common::blobs(300, 16, 5, 1.0, 8);
    let config = TwoLayerConfig { input_dim: 16, hidden: 12, num_classes: 5, weight_scale: 1e-2, reg: 1e-3 };
    let run = |seed| {
        let mut net = TwoLayerNet::<f32>::new(&config, &mut rng_from_seed(seed));
        common::train(&mut net, &data, SolverConfig::notebook(0.05, 0.9, 20, 60), seed + 1).unwrap()
    };
    let (a, b, c) = (run(11), run(11), run(12));
    assert_eq!(a, b, "same seed, same history");
    assert_ne!(a.loss, c.loss, "another seed gives another history");
    // The notebook's schedule: accuracies at it = 0, 15, 30, 45 (300/20 = 15 per epoch), lr decayed each time.
    assert_eq!(a.checks.iter().map(|c| c.iteration).collect::<Vec<_>>(), [0, 15, 30, 45]);
    assert!((a.checks[1].lr - 0.05 * 0.9).abs() < 1e-15);
    assert!(a.loss.last().unwrap() < &a.loss[0], "loss should fall: {:?}", a.loss);
}

#[test]
fn divergence_is_a_typed_error() {
    let data: InMemory<f32> = common::blobs(40, 8, 4, 1.0, 9);
    let config = TwoLayerConfig { input_dim: 8, hidden: 8, num_classes: 4, weight_scale: 1.0, reg: 0.0 };
    let mut net = TwoLayerNet::<f32>::new(&config, &mut rng_from_seed(1));
    let err = common::train(&mut net, &data, SolverConfig::notebook(1e30, 1.0, 10, 50), 2).unwrap_err();
    assert!(matches!(err, TrainError::Diverged { lr, .. } if lr == 1e30), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("diverged") && msg.contains("lower the learning rate"), "{msg}");
}
