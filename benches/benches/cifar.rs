//! CIFAR-10 hot paths on the real data, beside one GEMM of the training step for scale:
//! - gather of a random 200-row minibatch into f32 with the mean subtracted (HWC and CHW; HWC
//!   also on two threads, `Preprocess::gather_par`);
//! - a full pass over the 50,000 training images (the pixel mean, and a chunked gather);
//! - one `(200, 3072) · (3072, 100)` f32 GEMM (the first layer's forward at H = 100).
//!
//! Data: the installed copy (`cargo xtask fetch-cifar`; the datasets folder of
//! `handgrad_data::locate`); without it the CIFAR benches are skipped, saying so (the GEMM still
//! runs).
//!
//! Run: `cargo bench -p handgrad-benches --bench cifar`.
#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use handgrad_cifar::{Cifar10, Layout, PixelMean, Preprocess};
use handgrad_data::locate;
use handgrad_tensor::gemm::{Accum, Par, matmul};
use handgrad_tensor::{Matrix, init};
use rand::RngExt as _;

const BATCH: usize = 200;

/// Opens the installed data, or says why the CIFAR benches are skipped.
fn open_data() -> Option<Cifar10> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("benches/ lies in the workspace root");
    match locate::cifar10(&locate::datasets_dir(workspace)) {
        Ok(dir) => Some(Cifar10::open(dir).expect("installed data opens")),
        Err(e) => {
            eprintln!("SKIPPED cifar benches: {e}");
            None
        }
    }
}

fn benches(c: &mut Criterion) {
    let mut rng = init::rng_from_seed(0);

    let a: Matrix<f32> = init::randn(BATCH, 3072, 1.0, &mut rng);
    let w: Matrix<f32> = init::randn(3072, 100, 1e-2, &mut rng);
    let mut out = Matrix::zeros(BATCH, 100);
    c.bench_function("gemm_f32_200x3072x100", |b| b.iter(|| matmul(&mut out, &a, &w, Accum::Replace, Par::Seq)));

    let Some(data) = open_data() else { return };
    let n = data.train.len();
    let mean = PixelMean::of(&data.train, 0..49_000);
    let (mut x, mut y) = (Matrix::<f32>::zeros(0, 0), Vec::new());
    // 64 random minibatches, cycled, so that rows come from all over the 150 MB mapping.
    let batches: Vec<Vec<usize>> = (0..64).map(|_| (0..BATCH).map(|_| rng.random_range(0..n)).collect()).collect();

    let mut g = c.benchmark_group("cifar_gather_200");
    g.throughput(Throughput::Elements(BATCH as u64));
    for (layout, threads) in [(Layout::Hwc, 1), (Layout::Chw, 1), (Layout::Hwc, 2)] {
        let pre = Preprocess::<f32>::new(&mean, layout);
        let par = handgrad_tensor::gemm::par_for_threads(threads);
        let mut k = 0;
        let name = if threads == 1 { format!("{layout:?}_f32") } else { format!("{layout:?}_f32_{threads}_threads") };
        g.bench_function(name, |b| {
            b.iter(|| {
                k = (k + 1) % batches.len();
                pre.gather_par(&data.train, &batches[k], &mut x, &mut y, par);
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("cifar_full_pass_50000");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("pixel_mean", |b| b.iter(|| PixelMean::of(&data.train, 0..n)));
    let pre = Preprocess::<f32>::new(&mean, Layout::Hwc);
    g.bench_function("gather_hwc_f32_chunks_of_1000", |b| {
        b.iter(|| {
            for start in (0..n).step_by(1000) {
                pre.gather_range(&data.train, start..(start + 1000).min(n), &mut x, &mut y);
            }
        })
    });
    g.finish();
}

criterion_group!(cifar, benches);
criterion_main!(cifar);
