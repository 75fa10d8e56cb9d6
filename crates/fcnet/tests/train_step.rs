//! The fused training step against the two calls it fuses: `train_step` must leave the same
//! parameters and return the same loss as `loss_into` followed by `sgd_step`, in f64 (plain
//! path) and f32 (on an AVX-512 CPU, the fused kernel; elsewhere the plain path again).

use handgrad_fcnet::{TwoLayerCache, TwoLayerConfig, TwoLayerGrads, TwoLayerNet};
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, Par, Scalar, gradcheck::rel_error};

fn check<T: Scalar>(hidden: usize, par: Par, tol: f64) {
    let (n, d, c) = (37, 300, 10);
    let mut rng = rng_from_seed(hidden as u64);
    let config = TwoLayerConfig { input_dim: d, hidden_dim: hidden, num_classes: c, std: 0.05 };
    let net = TwoLayerNet::<T>::new(&config, &mut rng);
    let x: Matrix<T> = randn(n, d, 1.0, &mut rng);
    let y: Vec<usize> = (0..n).map(|i| (i * 3) % c).collect();
    let (reg, lr) = (T::from_f64(0.1), T::from_f64(0.05));

    let mut plain = net.clone();
    let (mut cache, mut grads) = (TwoLayerCache::new(&plain, n), TwoLayerGrads::zeros_like(&plain));
    let want_loss = plain.loss_into(&x, &y, reg, &mut cache, &mut grads, Par::Seq);
    plain.sgd_step(&grads, lr);

    let mut fused = net.clone();
    let (mut cache, mut grads2) = (TwoLayerCache::new(&fused, n), TwoLayerGrads::zeros_like(&fused));
    let loss = fused.train_step(&x, &y, reg, lr, &mut cache, &mut grads2, par);

    assert!((loss - want_loss).abs() <= tol * want_loss.abs(), "loss {loss} vs {want_loss}");
    for (name, a, b) in [
        ("W1", &fused.w1, &plain.w1),
        ("b1", &fused.b1, &plain.b1),
        ("W2", &fused.w2, &plain.w2),
        ("b2", &fused.b2, &plain.b2),
        ("dW1", &grads2.w1, &grads.w1),
    ] {
        let e = rel_error(&a.cast::<f64>(), &b.cast::<f64>());
        assert!(e < tol, "{name}: rel error {e:e} (H = {hidden}, {}, {par:?})", T::NAME);
    }
    assert!(fused.w1 != net.w1, "the step must move W1");
}

#[test]
fn fused_step_equals_loss_then_sgd_f64() {
    for h in [7, 50, 100] {
        check::<f64>(h, Par::Seq, 1e-12);
    }
}

#[test]
fn fused_step_equals_loss_then_sgd_f32() {
    for h in [7, 50, 100, 128] {
        check::<f32>(h, Par::Seq, 1e-5);
        check::<f32>(h, handgrad_tensor::gemm::par_for_threads(2), 1e-5);
    }
}

#[test]
fn non_finite_data_loss_leaves_the_net_untouched() {
    let mut rng = rng_from_seed(1);
    let config = TwoLayerConfig { input_dim: 20, hidden_dim: 8, num_classes: 3, std: 0.1 };
    let mut net = TwoLayerNet::<f32>::new(&config, &mut rng);
    let before = net.clone();
    let mut x: Matrix<f32> = randn(4, 20, 1.0, &mut rng);
    x.set(2, 5, f32::INFINITY); // inf·W1 → ±inf scores → a NaN softmax
    let (mut cache, mut grads) = (TwoLayerCache::new(&net, 4), TwoLayerGrads::zeros_like(&net));
    let loss = net.train_step(&x, &[0, 1, 2, 0], 0.1, 0.1, &mut cache, &mut grads, Par::Seq);
    assert!(!loss.is_finite());
    assert!(net == before, "a non-finite loss must not change the parameters");
}
