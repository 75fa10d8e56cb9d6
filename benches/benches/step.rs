//! The two-layer training step and its parts at the CIFAR-10 shapes (batch 200, 3072 → H → 10, f32,
//! one thread):
//! - `affine/forward_H`: `x (200, 3072) · W (3072, H) + b` (handgrad-nn's `affine_forward`);
//! - `affine/backward_H`: `dW = xᵀ·dout`, `db`, `dx = dout·Wᵀ` (`affine_backward`, with dx);
//! - `softmax_loss`: mean cross-entropy and dscores of `(200, 10)` scores;
//! - `two_layer_step/H`: one `Step::run` — draw a random minibatch, gather it, forward + loss +
//!   backward + SGD update — the code path training runs (in-memory rows here, so that the bench
//!   needs no dataset; the gather from the memory-mapped files is benchmarked in `cifar.rs`);
//! - `gemms_alone/H`: the step's five products alone ([`StepGemms`]), on the same shapes (the floor);
//! - `guard/H`: one parameter verification of the Solver's divergence guard — the NaN/∞ test of
//!   every parameter and the copy of the verified ones ([`first_non_finite`] + `copy_from`), which
//!   the loop runs every `Guard::params_every` (100) iterations and at each check.
//!
//! Run: `cargo bench -p handgrad-benches --bench step`.

#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use handgrad_fcnet::{StepGemms, TwoLayerConfig, TwoLayerNet};
use handgrad_nn::Params;
use handgrad_nn::layers::{Affine, affine_backward, affine_forward};
use handgrad_nn::loss::softmax_loss_into;
use handgrad_nn::optim::{Sgd, UpdateRule};
use handgrad_nn::solver::{InMemory, Sampling, Step, first_non_finite};
use handgrad_tensor::gemm::gemm_flops;
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, Par};

const B: usize = 200;
const D: usize = 3072;
const C: usize = 10;

fn affine(c: &mut Criterion) {
    let mut rng = rng_from_seed(0);
    let x: Matrix<f32> = randn(B, D, 50.0, &mut rng);
    let mut g = c.benchmark_group("affine");
    for h in [50, 100] {
        let fc = Affine::new(randn(D, h, 1e-4, &mut rng), Matrix::zeros(1, h));
        let dout: Matrix<f32> = randn(B, h, 1.0, &mut rng);
        let (mut out, mut grads, mut dx) = (Matrix::zeros(B, h), Affine::zeros(D, h), Matrix::zeros(B, D));
        g.throughput(Throughput::Elements(gemm_flops(B, D, h)));
        g.bench_function(format!("forward_{h}"), |bch| bch.iter(|| affine_forward(&x, &fc, &mut out, Par::Seq)));
        g.throughput(Throughput::Elements(2 * gemm_flops(B, D, h)));
        g.bench_function(format!("backward_{h}"), |bch| {
            bch.iter(|| affine_backward(&dout, &x, &fc, &mut grads, Some(&mut dx), Par::Seq))
        });
    }
    g.finish();
}

fn softmax(c: &mut Criterion) {
    let mut rng = rng_from_seed(1);
    let scores: Matrix<f32> = randn(B, C, 1.0, &mut rng);
    let y: Vec<usize> = (0..B).map(|i| i % C).collect();
    let mut ds = Matrix::zeros(B, C);
    c.bench_function("softmax_loss", |bch| bch.iter(|| softmax_loss_into(&scores, &y, &mut ds)));
}

fn step(c: &mut Criterion) {
    let mut rng = rng_from_seed(2);
    let n = 5_000;
    let data = InMemory::labelled(randn::<f32, _>(n, D, 50.0, &mut rng), (0..n).map(|i| i % C).collect());
    let mut g = c.benchmark_group("two_layer_step");
    for h in [50, 100] {
        let mut net = TwoLayerNet::<f32>::new(&TwoLayerConfig::cifar(h, 0.25), &mut rng);
        let update = UpdateRule::Sgd(Sgd::new(1e-3));
        let mut step = Step::new(&net, &update, Sampling::WithReplacement, B);
        g.bench_function(format!("H{h}"), |bch| {
            bch.iter(|| step.run(&mut net, &data, &update, &mut rng, Par::Seq, 0).expect("a finite loss"))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("gemms_alone");
    for h in [50, 100] {
        let net = TwoLayerNet::<f32>::new(&TwoLayerConfig::cifar(h, 0.0), &mut rng);
        let x: Matrix<f32> = randn(B, D, 50.0, &mut rng);
        let mut gemms = StepGemms::new(&net, B);
        g.bench_function(format!("H{h}"), |bch| bch.iter(|| gemms.run(&net, &x, Par::Seq)));
    }
    g.finish();
}

fn guard(c: &mut Criterion) {
    let mut rng = rng_from_seed(3);
    let mut g = c.benchmark_group("guard");
    for h in [50, 100, 300] {
        let net = TwoLayerNet::<f32>::new(&TwoLayerConfig::cifar(h, 0.0), &mut rng);
        let mut copy = net.params.clone();
        g.throughput(Throughput::Elements(net.params.num_scalars() as u64));
        g.bench_function(format!("H{h}"), |bch| {
            bch.iter(|| {
                assert!(first_non_finite(&net.params).is_none());
                for i in 0..net.params.len() {
                    copy.get_mut(i).copy_from(net.params.get(i));
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, affine, softmax, step, guard);
criterion_main!(benches);
