//! The fused training step against the calls it fuses: `TwoLayerNet::sgd_step` (what training runs
//! with plain SGD, through `Model::train_step`) must leave the same parameters and return the same
//! loss as `loss_and_grads` followed by `Sgd::step` on every tensor, in f64 (plain path) and f32
//! (on an AVX-512 CPU, the fused kernel; elsewhere the plain path again). Other update rules take
//! the unfused default step.

use handgrad_fcnet::{TwoLayerConfig, TwoLayerNet};
use handgrad_nn::Params;
use handgrad_nn::optim::{Adam, Optimizer, Sgd, UpdateRule, UpdateState};
use handgrad_nn::solver::{Model, apply_update};
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, Par, Scalar, gradcheck::rel_error};

fn problem<T: Scalar>(hidden: usize) -> (TwoLayerNet<T>, Matrix<T>, Vec<usize>) {
    let (n, d, c) = (37, 300, 10);
    let mut rng = rng_from_seed(hidden as u64);
    let config = TwoLayerConfig { input_dim: d, hidden, num_classes: c, weight_scale: 0.05, reg: 0.1 };
    let net = TwoLayerNet::<T>::new(&config, &mut rng);
    (net, randn(n, d, 1.0, &mut rng), (0..n).map(|i| (i * 3) % c).collect())
}

/// Runs one `update` step both ways; returns the parameters, gradients and losses (fused, plain).
fn both_ways<T: Scalar>(hidden: usize, update: UpdateRule, par: Par, tol: f64) {
    let (net, x, y) = problem::<T>(hidden);
    let states = |n: &TwoLayerNet<T>| -> Vec<UpdateState<T>> {
        (0..n.params.len()).map(|i| update.init_state(n.params.get(i))).collect()
    };

    let mut plain = net.clone();
    let (mut cache, mut grads) = (plain.new_cache(), plain.params.zeros_like());
    let want = plain.loss_and_grads(&x, &y, &mut cache, &mut grads, &mut rng_from_seed(0), Par::Seq);
    let mut st = states(&plain);
    apply_update(&update, &mut plain.params, &grads, &mut st);

    let mut fused = net.clone();
    let (mut cache, mut grads2) = (fused.new_cache(), fused.params.zeros_like());
    let mut st = states(&fused);
    let loss = fused.train_step(&x, &y, &mut cache, &mut grads2, &update, &mut st, &mut rng_from_seed(0), par);

    assert!((loss - want).abs() <= tol * want.abs(), "loss {loss} vs {want}");
    for i in 0..net.params.len() {
        let name = net.params.name(i);
        let e = rel_error(&fused.params.get(i).cast::<f64>(), &plain.params.get(i).cast::<f64>());
        assert!(e <= tol, "{name}: rel error {e:e} (H = {hidden}, {}, {par:?}, {})", T::NAME, update.name());
        // The fused SGD step applies dW1 as it computes it and keeps no copy (`GradOut::Discard`):
        // its W1 above is the check.
        if matches!(update, UpdateRule::Sgd(_)) && name == "W1" {
            continue;
        }
        let e = rel_error(&grads2.get(i).cast::<f64>(), &grads.get(i).cast::<f64>());
        assert!(e <= tol, "d{name}: rel error {e:e} (H = {hidden}, {}, {par:?})", T::NAME);
    }
    assert!(fused.params.fc1.w != net.params.fc1.w, "the step must move W1");
}

#[test]
fn fused_sgd_step_equals_loss_then_sgd_f64() {
    for h in [7, 50, 100] {
        both_ways::<f64>(h, UpdateRule::Sgd(Sgd::new(0.05)), Par::Seq, 1e-12);
    }
}

#[test]
fn fused_sgd_step_equals_loss_then_sgd_f32() {
    for h in [7, 50, 100, 128] {
        both_ways::<f32>(h, UpdateRule::Sgd(Sgd::new(0.05)), Par::Seq, 1e-5);
        both_ways::<f32>(h, UpdateRule::Sgd(Sgd::new(0.05)), handgrad_tensor::gemm::par_for_threads(2), 1e-5);
    }
}

#[test]
fn other_rules_take_the_unfused_step() {
    both_ways::<f64>(20, UpdateRule::Adam(Adam::new(1e-3)), Par::Seq, 0.0);
}

#[test]
fn non_finite_data_loss_leaves_the_net_untouched() {
    let mut rng = rng_from_seed(1);
    let config = TwoLayerConfig { input_dim: 20, hidden: 8, num_classes: 3, weight_scale: 0.1, reg: 0.1 };
    let mut net = TwoLayerNet::<f32>::new(&config, &mut rng);
    let before = net.clone();
    let mut x: Matrix<f32> = randn(4, 20, 1.0, &mut rng);
    x.set(2, 5, f32::INFINITY); // inf·W1 → ±inf scores → a NaN softmax
    for update in [UpdateRule::Sgd(Sgd::new(0.1)), UpdateRule::Adam(Adam::new(0.1))] {
        let (mut cache, mut grads) = (net.new_cache(), net.params.zeros_like());
        let mut st: Vec<UpdateState<f32>> = (0..4).map(|i| update.init_state(net.params.get(i))).collect();
        let loss = net.train_step(
            &x,
            &[0, 1, 2, 0],
            &mut cache,
            &mut grads,
            &update,
            &mut st,
            &mut rng_from_seed(0),
            Par::Seq,
        );
        assert!(!loss.is_finite());
        assert!(net == before, "a non-finite loss must not change the parameters ({})", update.name());
    }
}
