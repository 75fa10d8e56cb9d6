//! Optimizers against expected values computed independently.
//!
//! The constants below were printed by `python3 tests/expected/optim.py` (pure Python, written
//! from the update equations, not from the Rust code) and pasted here unchanged. Setup shared with
//! the script: `w0 (2, 3)`, three steps with gradients `G[0..3]`, learning rate 0.1, default
//! hyperparameters.

use handgrad_nn::optim::{Adam, AdamW, Momentum, Nesterov, Optimizer, RmsProp, Sgd, UpdateKind, UpdateRule};
use handgrad_tensor::Matrix;

const SGD: [f64; 6] = [0.51, -1.025, 2.0, -0.2, 0.33, -0.696];
const MOMENTUM: [f64; 6] = [0.5289, -1.0133, 1.9217, -0.5015000000000002, 0.42000000000000004, -0.68925];
const NESTEROV: [f64; 6] =
    [0.5360099999999999, -1.03697, 1.9295299999999997, -0.6513500000000001, 0.438, -0.6863249999999999];
const RMSPROP: [f64; 6] = [
    0.0321115450624862,
    -1.3148715370758963,
    1.1096578378276178,
    -1.317660382146602,
    0.7246034917285528,
    0.11122849040781183,
];
const ADAM: [f64; 6] = [
    0.4669677234642676,
    -0.9608018923145386,
    1.807564939564074,
    -0.254439888741057,
    0.3848839250882156,
    -0.5275002778076171,
];
/// AdamW with weight decay 0.5 (the script's `adamw`).
const ADAMW: [f64; 6] = [
    0.4026077051150112,
    -0.8271132305546298,
    1.5370649390724072,
    -0.24033456909139828,
    0.33837574102298595,
    -0.43914080464329563,
];
const ADAMW_DECAY: f64 = 0.5;

const W0: [f64; 6] = [0.5, -1.0, 2.0, 0.0, 0.3, -0.7];
const G: [[f64; 6]; 3] =
    [[0.1, -0.2, 0.3, 1.5, 0.0, -0.05], [-0.4, 0.25, 0.3, 0.5, -1.0, 0.02], [0.2, 0.2, -0.6, 0.0, 0.7, -0.01]];
const LR: f64 = 0.1;

/// Runs three steps of `opt` from `W0` with the gradients `G`, in `f64`.
fn run<O: Optimizer<f64>>(opt: &O) -> Matrix<f64> {
    let mut w = Matrix::from_vec(2, 3, W0.to_vec());
    let mut state = opt.init_state(&w);
    for g in &G {
        opt.step(&mut w, &Matrix::from_vec(2, 3, g.to_vec()), &mut state);
    }
    w
}

fn assert_close(what: &str, got: &Matrix<f64>, expected: &[f64; 6]) {
    for (k, (&a, &b)) in got.as_slice().iter().zip(expected).enumerate() {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{what}[{k}]: got {a}, expected {b}");
    }
}

#[test]
fn sgd_matches_expected() {
    assert_close("sgd", &run(&Sgd::new(LR)), &SGD);
}

#[test]
fn momentum_matches_expected() {
    assert_close("momentum", &run(&Momentum::new(LR)), &MOMENTUM);
}

#[test]
fn nesterov_matches_expected() {
    assert_close("nesterov", &run(&Nesterov::new(LR)), &NESTEROV);
}

#[test]
fn rmsprop_matches_expected() {
    assert_close("rmsprop", &run(&RmsProp::new(LR)), &RMSPROP);
}

#[test]
fn adam_matches_expected() {
    assert_close("adam", &run(&Adam::new(LR)), &ADAM);
}

#[test]
fn defaults_are_the_documented_ones() {
    assert_eq!(Momentum::new(0.5), Momentum { lr: 0.5, momentum: 0.9 });
    assert_eq!(Nesterov::new(0.5), Nesterov { lr: 0.5, momentum: 0.9 });
    assert_eq!(RmsProp::new(0.5), RmsProp { lr: 0.5, decay_rate: 0.99, eps: 1e-8 });
    assert_eq!(Adam::new(0.5), Adam { lr: 0.5, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
}

#[test]
fn adam_first_step_moves_each_weight_by_about_lr() {
    // By hand: after one step m̂ = g and v̂ = g², so w moves by lr·g/(|g| + ε) ≈ lr·sign(g).
    let w0 = Matrix::<f64>::from_rows(&[[1.0, 2.0]]);
    let mut w = w0.clone();
    let opt = Adam::new(0.01);
    let mut s = opt.init_state(&w);
    opt.step(&mut w, &Matrix::from_rows(&[[3.0, -1e-3]]), &mut s);
    assert_eq!(s.t, 1);
    assert!((w.get(0, 0) - 0.99).abs() < 1e-9 && (w.get(0, 1) - 2.01).abs() < 1e-6, "{w:?}");
}

#[test]
fn update_rule_enum_dispatches_to_the_same_updates() {
    let rules = [
        (UpdateRule::Sgd(Sgd::new(LR)), SGD),
        (UpdateRule::Momentum(Momentum::new(LR)), MOMENTUM),
        (UpdateRule::Nesterov(Nesterov::new(LR)), NESTEROV),
        (UpdateRule::RmsProp(RmsProp::new(LR)), RMSPROP),
        (UpdateRule::Adam(Adam::new(LR)), ADAM),
    ];
    for (rule, expected) in rules {
        assert_close(rule.name(), &run(&rule), &expected);
    }
    let mut r = UpdateRule::Adam(Adam::new(1e-3));
    r.set_lr(5e-4);
    assert_eq!(r.lr(), 5e-4);
}

#[test]
fn optimizers_run_in_f32_close_to_f64() {
    let rule = UpdateRule::Adam(Adam::new(LR));
    let mut w = Matrix::<f32>::from_vec(2, 3, W0.iter().map(|&v| v as f32).collect());
    let mut state = rule.init_state(&w);
    for g in &G {
        rule.step(&mut w, &Matrix::from_vec(2, 3, g.iter().map(|&v| v as f32).collect()), &mut state);
    }
    for (&a, &b) in w.as_slice().iter().zip(&ADAM) {
        assert!((a as f64 - b).abs() < 1e-5, "{a} vs {b}");
    }
}

#[test]
#[should_panic(expected = "Momentum::step: w vs dw: shape mismatch: (2, 3) vs (3, 2)")]
fn shape_mismatch_panics_with_both_shapes() {
    let opt = Momentum::new(0.1);
    let mut w = Matrix::<f64>::zeros(2, 3);
    let mut s = opt.init_state(&w);
    opt.step(&mut w, &Matrix::zeros(3, 2), &mut s);
}

#[test]
#[should_panic(expected = "state was not created by a adam rule")]
fn mismatched_state_panics() {
    let w = Matrix::<f64>::zeros(1, 1);
    let mut s = UpdateRule::Sgd(Sgd::new(0.1)).init_state(&w);
    UpdateRule::Adam(Adam::new(0.1)).step(&mut w.clone(), &w, &mut s);
}

#[test]
fn adamw_matches_expected_and_is_adam_without_decay() {
    assert_close("adamw", &run(&AdamW::new(LR, ADAMW_DECAY)), &ADAMW);
    assert_close("adamw, decay 0", &run(&AdamW::new(LR, 0.0)), &ADAM);
    assert_close("adamw rule", &run(&UpdateKind::AdamW.with_lr_and_decay(LR, ADAMW_DECAY)), &ADAMW);
}

/// The loop's update decays weights only: biases (and batchnorm's γ, β) take Adam's step.
#[test]
fn adamw_decays_weights_only() {
    use handgrad_nn::ParamKind;
    let rule = UpdateKind::AdamW.with_lr_and_decay(LR, ADAMW_DECAY);
    for (kind, expected) in [(ParamKind::Weight, ADAMW), (ParamKind::Bias, ADAM), (ParamKind::Scale, ADAM)] {
        let mut w = Matrix::from_vec(2, 3, W0.to_vec());
        let mut state = rule.init_state(&w);
        for g in &G {
            rule.step_param(&mut w, &Matrix::from_vec(2, 3, g.to_vec()), &mut state, kind);
        }
        assert_close(&format!("{kind:?}"), &w, &expected);
    }
    let mut net =
        handgrad_nn::layers::Affine::new(Matrix::from_vec(2, 3, W0.to_vec()), Matrix::from_vec(1, 3, W0[..3].to_vec()));
    let grads = handgrad_nn::layers::Affine::new(
        Matrix::from_vec(2, 3, G[0].to_vec()),
        Matrix::from_vec(1, 3, G[0][..3].to_vec()),
    );
    let mut states = vec![rule.init_state(&net.w), rule.init_state(&net.b)];
    handgrad_nn::solver::apply_update(&rule, &mut net, &grads, &mut states);
    let adam = Adam::new(LR);
    let (mut b, mut s) = (Matrix::from_vec(1, 3, W0[..3].to_vec()), adam.init_state(&Matrix::<f64>::zeros(1, 3)));
    adam.step(&mut b, &Matrix::from_vec(1, 3, G[0][..3].to_vec()), &mut s);
    assert_eq!(net.b, b, "the bias is not decayed");
    assert!(net.w.get(0, 0) < b.get(0, 0), "the weight is decayed: {} vs {}", net.w.get(0, 0), b.get(0, 0));
}
