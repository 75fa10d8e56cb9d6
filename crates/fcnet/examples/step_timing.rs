//! Times the two-layer training step on real CIFAR-10 (batch 200, f32, one thread), phase by
//! phase (unfused: `loss_into` + `sgd_step`; fused: `train_step` on the same batch), next to the
//! step's five GEMMs alone (median of the timed steps).
//!
//! `cargo run --release -p handgrad-fcnet --example step_timing -- <cifar-10-batches-bin> [H] [steps]`

use std::time::Instant;

use handgrad_cifar::{Cifar10, Layout, PixelMean, Preprocess, SplitConfig};
use handgrad_fcnet::{CifarSplit, Dataset, StepGemms, TwoLayerCache, TwoLayerConfig, TwoLayerGrads, TwoLayerNet};
use handgrad_tensor::init::rng_from_seed;
use handgrad_tensor::{Matrix, Par};
use rand::Rng as _;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: step_timing <cifar-10-batches-bin> [H] [steps]");
    let h: usize = args.next().map_or(50, |s| s.parse().expect("H"));
    let steps: usize = args.next().map_or(200, |s| s.parse().expect("steps"));
    let set = Cifar10::open(&dir).expect("open CIFAR-10");
    let splits = set.splits(&SplitConfig::default()).expect("splits");
    let mean = PixelMean::of(&set.train, splits.train.clone());
    let pre = Preprocess::<f32>::new(&mean, Layout::Hwc);
    let train = CifarSplit::new(&set.train, splits.train.clone(), &pre);
    let mut rng = rng_from_seed(0);
    let mut net = TwoLayerNet::<f32>::new(&TwoLayerConfig::cifar(h), &mut rng);
    let batch = 200;
    let (mut x, mut y, mut idx) = (Matrix::zeros(batch, 3072), Vec::with_capacity(batch), vec![0usize; batch]);
    let mut cache = TwoLayerCache::new(&net, batch);
    let mut grads = TwoLayerGrads::zeros_like(&net);
    let (mut t_gather, mut t_loss, mut t_sgd, mut t_fused, mut t_gemm) = (vec![], vec![], vec![], vec![], vec![]);
    let mut gemms = StepGemms::new(&net, batch);
    for step in 0..steps + 20 {
        for i in idx.iter_mut() {
            *i = rng.random_range(0..train.len());
        }
        let t0 = Instant::now();
        train.gather(&idx, &mut x, &mut y);
        let t1 = Instant::now();
        net.loss_into(&x, &y, 0.25, &mut cache, &mut grads, Par::Seq);
        let t2 = Instant::now();
        net.sgd_step(&grads, 1e-4);
        let t3 = Instant::now();
        // The same batch again through the fused step (what training runs).
        net.train_step(&x, &y, 0.25, 1e-4, &mut cache, &mut grads, Par::Seq);
        let t4 = Instant::now();
        gemms.run(&net, &x, Par::Seq);
        let t5 = Instant::now();
        if step >= 20 {
            t_gather.push((t1 - t0).as_secs_f64() * 1e3);
            t_loss.push((t2 - t1).as_secs_f64() * 1e3);
            t_sgd.push((t3 - t2).as_secs_f64() * 1e3);
            t_fused.push((t4 - t3).as_secs_f64() * 1e3);
            t_gemm.push((t5 - t4).as_secs_f64() * 1e3);
        }
    }
    let (g, l, u) = (median(&mut t_gather), median(&mut t_loss), median(&mut t_sgd));
    let (f, m) = (median(&mut t_fused), median(&mut t_gemm));
    println!("H = {h}, batch {batch}, f32, 1 thread, median of {steps} steps (ms):");
    println!("  gather {g:.3} | forward+loss+backward {l:.3} | sgd {u:.3} | unfused step {:.3}", g + l + u);
    println!("  fused train_step (forward+loss+backward+sgd) {f:.3} | fused step with gather {:.3}", g + f);
    println!("  the step's five GEMMs alone {m:.3}; fused step / GEMMs = {:.2}", (g + f) / m);
}
