//! FullyConnectedNet: gradient checks (f64) with and without reg, batchnorm and dropout; a
//! hand-derived golden loss; overfitting 50 examples with the Solver; determinism; checkpoints.

mod common;

use std::ops::ControlFlow;

use handgrad_fcnet::{FcConfig, FullyConnectedNet};
use handgrad_nn::Params;
use handgrad_nn::optim::{Adam, UpdateRule};
use handgrad_nn::solver::InMemory;
use handgrad_nn::solver::{Model, RunState, Solver, SolverConfig, accuracy};
use handgrad_tensor::gradcheck::{assert_gradient, numeric_gradient};
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, Par, tol};

fn config(hidden: &[usize], reg: f64, dropout: f64, batchnorm: bool) -> FcConfig {
    FcConfig { input_dim: 6, hidden: hidden.to_vec(), num_classes: 4, weight_scale: 0.5, reg, dropout, batchnorm }
}

/// Checks every parameter's gradient against central differences. The dropout mask is the same
/// in every evaluation because each loss call gets a generator seeded the same way.
fn check(cfg: &FcConfig) {
    let mut rng = rng_from_seed(21);
    let mut net = FullyConnectedNet::<f64>::new(cfg, &mut rng);
    for i in 0..net.params.len() {
        let p = net.params.get_mut(i);
        let noise: Matrix<f64> = randn(p.rows(), p.cols(), 0.2, &mut rng);
        handgrad_tensor::ops::axpy(p, 1.0, &noise); // non-trivial biases, gamma and beta
    }
    let x = randn(8, 6, 1.0, &mut rng);
    let y = [0, 1, 2, 3, 3, 2, 1, 0];
    let (mut cache, mut analytic) = (net.new_cache(), net.params.zeros_like());
    net.loss_and_grads(&x, &y, &mut cache, &mut analytic, &mut rng_from_seed(5), Par::Seq);
    let mut scratch = net.params.zeros_like();
    for i in 0..analytic.len() {
        let p0 = net.params.get(i).clone();
        let numeric = numeric_gradient(
            |p| {
                net.params.get_mut(i).copy_from(p);
                net.loss_and_grads(&x, &y, &mut cache, &mut scratch, &mut rng_from_seed(5), Par::Seq)
            },
            &p0,
            tol::FD_STEP,
        );
        net.params.get_mut(i).copy_from(&p0);
        let name = net.params.name(i);
        let what = format!("fc {:?} d{name}", cfg.hidden);
        let analytic = analytic.get(i);
        let last_bias = format!("b{}", cfg.hidden.len() + 1);
        if cfg.batchnorm && name.starts_with('b') && !name.starts_with("beta") && name != last_bias {
            // A bias right before batchnorm has gradient exactly 0 (the batch mean removes it):
            // both sides are rounding noise, so compare absolutely instead of relatively.
            let worst = |m: &Matrix<f64>| handgrad_tensor::ops::max_abs(m);
            assert!(worst(analytic) < 1e-12 && worst(&numeric) < 1e-8, "{what}: {analytic:?} vs {numeric:?}");
            continue;
        }
        assert_gradient(&what, analytic, &numeric, tol::GRAD_KINKED);
    }
}

#[test]
fn gradients_plain_without_and_with_reg() {
    check(&config(&[5, 7], 0.0, 0.0, false));
    check(&config(&[5, 7], 0.3, 0.0, false));
}

#[test]
fn gradients_with_batchnorm() {
    check(&config(&[5, 7], 0.0, 0.0, true));
    check(&config(&[5, 7], 0.3, 0.0, true));
}

#[test]
fn gradients_with_dropout_and_batchnorm() {
    check(&config(&[5, 7], 0.1, 0.25, false));
    check(&config(&[5, 7], 0.1, 0.25, true));
}

#[test]
fn gradients_of_a_linear_classifier() {
    check(&config(&[], 0.2, 0.0, false));
}

/// Hand derivation. Three layers, W1 = W2 = W3 = I₂, b1 = [0, −1], b2 = b3 = 0, reg = 0.5.
/// Row 1: x = [2, 3], y = 1: h1 = relu([2, 2]) = [2, 2], h2 = [2, 2], s = [2, 2]: loss ln 2.
/// Row 2: x = [1, −1], y = 0: h1 = relu([1, −2]) = [1, 0], h2 = [1, 0], s = [1, 0]:
///        loss −ln(e/(e + 1)) = ln(1 + e⁻¹).
/// Mean data loss (ln 2 + ln(1 + e⁻¹))/2; L2 = ½·0.5·(2 + 2 + 2) = 1.5.
#[test]
fn golden_loss_from_explicit_parameters() {
    let cfg = FcConfig {
        input_dim: 2,
        hidden: vec![2, 2],
        num_classes: 2,
        weight_scale: 1.0,
        reg: 0.5,
        dropout: 0.0,
        batchnorm: false,
    };
    let mut net = FullyConnectedNet::<f64>::new(&cfg, &mut rng_from_seed(0));
    for h in &mut net.params.hidden {
        h.affine.w = Matrix::identity(2);
    }
    net.params.output.w = Matrix::identity(2);
    net.params.hidden[0].affine.b = Matrix::from_rows(&[[0.0, -1.0]]); // b2 = b3 = 0 from the initialisation
    let x = Matrix::from_rows(&[[2.0, 3.0], [1.0, -1.0]]);
    let (mut cache, mut grads) = (net.new_cache(), net.params.zeros_like());
    let loss = net.loss_and_grads(&x, &[1, 0], &mut cache, &mut grads, &mut rng_from_seed(0), Par::Seq);
    let expected = (2f64.ln() + (1.0 + (-1f64).exp()).ln()) / 2.0 + 1.5;
    assert!((loss - expected).abs() < 1e-12, "loss {loss} vs hand-derived {expected}");
    let mut pred = [9, 9];
    assert!(net.predict(&x, &mut cache, &mut pred, Par::Seq));
    assert_eq!(pred, [0, 0], "ties go to the first class; row 2 scores [1, 0]");
}

/// A [16, 16] net on 12 inputs and 4 classes with batchnorm, dropout 0.3 and reg 1e-3.
fn bn_net_16x16() -> FcConfig {
    FcConfig { input_dim: 12, weight_scale: 1e-1, ..config(&[16, 16], 1e-3, 0.3, true) }
}

fn solver(update: UpdateRule, epochs: usize, batch: usize) -> SolverConfig {
    let mut c = SolverConfig::new(update);
    c.epochs = epochs;
    c.batch_size = batch;
    c
}

#[test]
fn hundred_hundred_net_overfits_fifty_examples_in_twenty_epochs() {
    let data: InMemory<f32> = common::noise(50, 100, 10, 17);
    let cfg = FcConfig {
        input_dim: 100,
        hidden: vec![100, 100],
        num_classes: 10,
        weight_scale: 5e-2,
        reg: 0.0,
        dropout: 0.0,
        batchnorm: false,
    };
    let mut net = FullyConnectedNet::<f32>::new(&cfg, &mut rng_from_seed(1));
    let before = accuracy(&mut net, &data, Par::Seq);
    let hist = common::train(&mut net, &data, solver(UpdateRule::Adam(Adam::new(1e-2)), 20, 25), 2).unwrap();
    let after = accuracy(&mut net, &data, Par::Seq);
    assert!(before < 0.5, "random labels are not fit before training: {before}");
    assert_eq!(after, 1.0, "train accuracy after 20 epochs; losses {:?}", &hist.loss[hist.loss.len() - 5..]);
}

#[test]
fn same_seed_gives_identical_loss_history_with_dropout_and_batchnorm() {
    let data: InMemory<f32> = common::blobs(200, 12, 4, 1.0, 3);
    let cfg = bn_net_16x16();
    let run = |seed| {
        let mut net = FullyConnectedNet::<f32>::new(&cfg, &mut rng_from_seed(seed));
        common::train(&mut net, &data, solver(UpdateRule::Adam(Adam::new(1e-2)), 3, 20), seed).unwrap().loss
    };
    let (a, b, c) = (run(4), run(4), run(5));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn checkpoint_round_trip_keeps_predictions_and_running_statistics() {
    let data: InMemory<f32> = common::blobs(120, 12, 3, 1.0, 6);
    let cfg = FcConfig {
        input_dim: 12,
        hidden: vec![10, 8],
        num_classes: 3,
        weight_scale: 1e-1,
        reg: 1e-3,
        dropout: 0.2,
        batchnorm: true,
    };
    let mut net = FullyConnectedNet::<f32>::new(&cfg, &mut rng_from_seed(7));
    common::train(&mut net, &data, solver(UpdateRule::Adam(Adam::new(1e-2)), 4, 20), 8).unwrap();
    let acc = accuracy(&mut net, &data, Par::Seq);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fc.safetensors");
    net.save(&path, &Default::default()).unwrap();
    let (mut loaded, _) = FullyConnectedNet::<f32>::load(&path).unwrap();
    assert_eq!(loaded.config(), net.config());
    assert_eq!(loaded.params, net.params, "every parameter, γ and β included, survives");
    assert_eq!(loaded.norm_states, net.norm_states, "the running statistics survive");
    assert_eq!(accuracy(&mut loaded, &data, Par::Seq), acc);
    // A two-layer loader refuses it.
    let err = handgrad_fcnet::TwoLayerNet::<f32>::load(&path).unwrap_err();
    assert!(matches!(err, handgrad_fcnet::CheckpointError::ModelKind { .. }), "{err}");
}

#[test]
fn the_restored_best_net_scores_what_its_check_scored_with_batchnorm() {
    // Eval mode reads batchnorm's running statistics: the loop keeps them with the best parameters,
    // so the net it hands back scores exactly the best check's validation accuracy.
    let data: InMemory<f32> = common::blobs(300, 12, 4, 2.0, 3);
    let cfg = bn_net_16x16();
    let mut net = FullyConnectedNet::<f32>::new(&cfg, &mut rng_from_seed(2));
    let mut state = RunState::new(rng_from_seed(9));
    let mut at_the_end = Vec::new();
    Solver::new(solver(UpdateRule::Adam(Adam::new(3e-2)), 8, 20))
        .run(&mut net, &data, Some(&data), &mut state, Par::Seq, |p, net, _| {
            if p.iteration + 1 == p.iters {
                at_the_end = (0..net.running_stats_len()).map(|i| net.running_stat(i).clone()).collect();
            }
            ControlFlow::Continue(())
        })
        .unwrap();
    let best = state.history.best.expect("validation data: a best check");
    assert_ne!(Some(&best), state.history.checks.last(), "the set-up needs a best check before the end");
    assert_ne!(at_the_end, state.best_running_stats, "the statistics moved after the best check");
    let restored: Vec<Matrix<f32>> = (0..net.running_stats_len()).map(|i| net.running_stat(i).clone()).collect();
    assert_eq!(restored, state.best_running_stats, "the kept statistics are restored");
    assert_eq!(Some(accuracy(&mut net, &data, Par::Seq)), best.val_acc);
}
