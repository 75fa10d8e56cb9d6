//! The two-layer training step and its parts at the CIFAR-10 shapes (batch 200, 3072 → H → 10, f32,
//! one thread):
//! - `affine/forward_H`: `x (200, 3072) · W (3072, H) + b` (handgrad-nn's `affine_forward`);
//! - `affine/backward_H`: `dW = xᵀ·dout`, `db`, `dx = dout·Wᵀ` (`affine_backward`, with dx);
//! - `softmax_loss`: mean cross-entropy and dscores of `(200, 10)` scores;
//! - `two_layer_step/H`: gather a random minibatch + forward + loss + backward + SGD update, the
//!   whole step as `TwoLayerNet` trains (in-memory rows here, so that the bench needs no dataset;
//!   the gather from the memory-mapped files is benchmarked in `cifar.rs`);
//! - `gemms_alone/H`: the step's five products alone ([`StepGemms`]), on the same shapes (the floor).
//!
//! Run: `cargo bench -p handgrad-benches --bench step`.

#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use handgrad_fcnet::{StepGemms, TwoLayerCache, TwoLayerConfig, TwoLayerGrads, TwoLayerNet};
use handgrad_nn::layers::affine::{affine_backward, affine_forward};
use handgrad_nn::loss::softmax::softmax_loss_into;
use handgrad_nn::solver::Dataset;
use handgrad_nn::solver::InMemory;
use handgrad_tensor::gemm::gemm_flops;
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, Par};
use rand::Rng as _;

const B: usize = 200;
const D: usize = 3072;
const C: usize = 10;

fn affine(c: &mut Criterion) {
    let mut rng = rng_from_seed(0);
    let x: Matrix<f32> = randn(B, D, 50.0, &mut rng);
    let mut g = c.benchmark_group("affine");
    for h in [50, 100] {
        let w: Matrix<f32> = randn(D, h, 1e-4, &mut rng);
        let b = Matrix::zeros(1, h);
        let dout: Matrix<f32> = randn(B, h, 1.0, &mut rng);
        let (mut out, mut dw, mut db, mut dx) =
            (Matrix::zeros(B, h), Matrix::zeros(D, h), Matrix::zeros(1, h), Matrix::zeros(B, D));
        g.throughput(Throughput::Elements(gemm_flops(B, D, h)));
        g.bench_function(format!("forward_{h}"), |bch| bch.iter(|| affine_forward(&x, &w, &b, &mut out, Par::Seq)));
        g.throughput(Throughput::Elements(2 * gemm_flops(B, D, h)));
        g.bench_function(format!("backward_{h}"), |bch| {
            bch.iter(|| affine_backward(&dout, &x, &w, &mut dw, &mut db, Some(&mut dx), Par::Seq))
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
        let mut net = TwoLayerNet::<f32>::new(&TwoLayerConfig::cifar(h), &mut rng);
        let mut cache = TwoLayerCache::new(&net, B);
        let mut grads = TwoLayerGrads::zeros_like(&net);
        let (mut x, mut y, mut idx) = (Matrix::zeros(B, D), Vec::with_capacity(B), vec![0usize; B]);
        g.bench_function(format!("H{h}"), |bch| {
            bch.iter(|| {
                for i in idx.iter_mut() {
                    *i = rng.random_range(0..n);
                }
                data.gather(&idx, &mut x, &mut y);
                net.train_step(&x, &y, 0.25, 1e-3, &mut cache, &mut grads, Par::Seq)
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("gemms_alone");
    for h in [50, 100] {
        let net = TwoLayerNet::<f32>::new(&TwoLayerConfig::cifar(h), &mut rng);
        let x: Matrix<f32> = randn(B, D, 50.0, &mut rng);
        let mut gemms = StepGemms::new(&net, B);
        g.bench_function(format!("H{h}"), |bch| bch.iter(|| gemms.run(&net, &x, Par::Seq)));
    }
    g.finish();
}

criterion_group!(benches, affine, softmax, step);
criterion_main!(benches);
