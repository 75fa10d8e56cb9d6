//! The price of augmentation (issue 19), side by side in one run, on the real CIFAR-10 records:
//! - `augment_step/{plain,crop4_flip}`: one training iteration of the best recipe's net
//!   (`FullyConnectedNet` 3072 → 1024 → 512 → 10 with batchnorm and dropout 0.1, label smoothing
//!   0.1, AdamW), batch 200, f32, on two threads — `Step::run`, the code path training runs: draw the
//!   minibatch, gather it from the memory-mapped records (plain, or through a random crop with 4
//!   pixels of zero padding and a random flip per row), forward, loss, backward, update;
//! - `augment_gather/{plain,crop4_flip}/{chw,hwc}/{1,2}`: the gather of a 200-row minibatch alone
//!   (f32, CHW and HWC, one and two threads), where the whole difference lies.
//!
//! Data: the installed copy (`cargo xtask fetch-cifar`; the datasets folder of
//! `handgrad_data::locate`); without it the benches are skipped, saying so.
//!
//! Measured on a 2-core AMD EPYC (Zen 3, AVX2 + FMA, no AVX-512), shared host (load 1.5–1.9), one
//! run: step 61.0 ms plain, 51.6 ms crop4_flip (the step's products dominate and the difference is
//! the host's noise); gather 133 µs plain, 736 µs crop4_flip — +0.6 ms on a 61 ms step (≤ 1.01×).
//! With the staged crop-and-flip writer (`handgrad_cifar`'s `row.rs`), same CPU, load 4–5, two
//! rounds alternating with the per-pixel writer before it: crop4_flip CHW 1 thread 1.20–1.42 →
//! 0.69–0.77 ms, 2 threads 1.04–1.39 → 0.64–0.77 ms; HWC 1 thread 0.87–0.90 → 0.72–0.79 ms,
//! 2 threads 0.81–0.90 → 0.81–0.82 ms; plain 0.26–0.45 ms throughout.
//!
//! Run: `cargo bench -p handgrad-benches --bench augment`.
#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use handgrad_cifar::{Augment, Layout, SplitConfig};
use handgrad_data::locate;
use handgrad_fcnet::{CifarData, FcConfig, FullyConnectedNet};
use handgrad_nn::optim::UpdateKind;
use handgrad_nn::solver::{Dataset, Sampling, Step};
use handgrad_tensor::Matrix;
use handgrad_tensor::gemm::par_for_threads;
use handgrad_tensor::init::rng_from_seed;

const BATCH: usize = 200;
const THREADS: usize = 2;

fn open_data() -> Option<CifarData> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("benches/ lies in the workspace root");
    match locate::cifar10(&locate::datasets_dir(workspace)) {
        Ok(dir) => Some(CifarData::open(&dir, SplitConfig::default()).expect("installed data opens")),
        Err(e) => {
            eprintln!("SKIPPED augment benches: {e}");
            None
        }
    }
}

fn benches(c: &mut Criterion) {
    let Some(data) = open_data() else { return };
    let pre = data.preprocess::<f32>(Layout::Chw);
    let par = par_for_threads(THREADS);
    let kinds = [("plain", Augment::NONE), ("crop4_flip", Augment::crop_flip(4))];

    let mut g = c.benchmark_group("augment_step");
    g.sample_size(20);
    let config = FcConfig {
        input_dim: 3072,
        hidden: vec![1024, 512],
        num_classes: 10,
        weight_scale: 2e-2,
        reg: 0.0,
        dropout: 0.1,
        batchnorm: true,
    };
    let update = UpdateKind::AdamW.with_lr_and_decay(1e-3, 0.05);
    for (name, augment) in kinds {
        let train = data.samples(&pre).0.with_augment(augment);
        let mut net = FullyConnectedNet::<f32>::new(&config, &mut rng_from_seed(0)).with_label_smoothing(0.1);
        let mut step = Step::new(&net, &update, Sampling::WithReplacement, BATCH);
        let mut rng = rng_from_seed(1);
        g.bench_function(name, |b| b.iter(|| step.run(&mut net, &train, &update, &mut rng, par, 0).expect("finite")));
    }
    g.finish();

    let mut g = c.benchmark_group("augment_gather");
    for threads in [1, THREADS] {
        for layout in [Layout::Chw, Layout::Hwc] {
            let pre = data.preprocess::<f32>(layout);
            for (name, augment) in kinds {
                let train = data.samples(&pre).0.with_augment(augment);
                let (mut idx, mut x, mut y) = (Vec::new(), Matrix::zeros(0, 0), Vec::new());
                let mut rng = rng_from_seed(2);
                let par = par_for_threads(threads);
                g.bench_function(format!("{name}/{}/{threads}", layout.name()), |b| {
                    b.iter(|| {
                        use rand::RngExt as _;
                        idx.clear();
                        idx.extend((0..BATCH).map(|_| rng.random_range(0..train.len())));
                        train.gather_train(&idx, &mut x, &mut y, &mut rng, par);
                    })
                });
            }
        }
    }
    g.finish();
}

criterion_group!(augment, benches);
criterion_main!(augment);
