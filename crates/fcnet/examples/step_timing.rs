//! Times the two-layer training step on real CIFAR-10 (batch 200, f32, one thread by default), phase by
//! phase, on the buffers of the step fixture training runs (`handgrad_nn::solver::Step`): the
//! gather (`Step::draw`), the unfused step (`loss_and_grads`, then the SGD update of every tensor)
//! and the fused `train_step` on the same batch, next to the step's five GEMMs alone (median of
//! the timed steps).
//!
//! `cargo run --release -p handgrad-fcnet --example step_timing -- <cifar-10-batches-bin> [H] [steps] [threads]`

use std::time::Instant;

use handgrad_cifar::{Layout, SplitConfig};
use handgrad_fcnet::{CifarData, StepGemms, TwoLayerConfig, TwoLayerNet};
use handgrad_nn::optim::{Sgd, UpdateRule};
use handgrad_nn::solver::{Model, Sampling, Step, apply_update};
use handgrad_tensor::gemm::par_for_threads;
use handgrad_tensor::init::rng_from_seed;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: step_timing <cifar-10-batches-bin> [H] [steps] [threads]");
    let h: usize = args.next().map_or(50, |s| s.parse().expect("H"));
    let steps: usize = args.next().map_or(200, |s| s.parse().expect("steps"));
    let threads: usize = args.next().map_or(1, |s| s.parse().expect("threads"));
    let data = CifarData::open(dir.as_ref(), SplitConfig::default()).expect("open CIFAR-10");
    let pre = data.preprocess::<f32>(Layout::Hwc);
    let train = data.samples(&pre).0;
    let mut rng = rng_from_seed(0);
    let mut net = TwoLayerNet::<f32>::new(&TwoLayerConfig::cifar(h, 0.25), &mut rng);
    let (batch, par) = (200, par_for_threads(threads));
    let update = UpdateRule::Sgd(Sgd::new(1e-4));
    let mut step = Step::new(&net, &update, Sampling::WithReplacement, batch);
    let (mut t_gather, mut t_loss, mut t_sgd, mut t_fused, mut t_gemm) = (vec![], vec![], vec![], vec![], vec![]);
    let mut gemms = StepGemms::new(&net, batch);
    for i in 0..steps + 20 {
        let t0 = Instant::now();
        step.draw(&train, &mut rng, par);
        let t1 = Instant::now();
        let Step { x, y, cache, grads, states, .. } = &mut step;
        net.loss_and_grads(x, y, cache, grads, &mut rng, par);
        let t2 = Instant::now();
        apply_update(&update, &mut net.params, grads, states);
        let t3 = Instant::now();
        // The same batch again through the fused step (what `Step::run` calls after its draw).
        net.train_step(x, y, cache, grads, &update, states, &mut rng, par);
        let t4 = Instant::now();
        gemms.run(&net, x, par);
        let t5 = Instant::now();
        if i >= 20 {
            t_gather.push((t1 - t0).as_secs_f64() * 1e3);
            t_loss.push((t2 - t1).as_secs_f64() * 1e3);
            t_sgd.push((t3 - t2).as_secs_f64() * 1e3);
            t_fused.push((t4 - t3).as_secs_f64() * 1e3);
            t_gemm.push((t5 - t4).as_secs_f64() * 1e3);
        }
    }
    let (g, l, u) = (median(&mut t_gather), median(&mut t_loss), median(&mut t_sgd));
    let (f, m) = (median(&mut t_fused), median(&mut t_gemm));
    println!("H = {h}, batch {batch}, f32, {threads} thread(s), median of {steps} steps (ms):");
    println!("  gather {g:.3} | forward+loss+backward {l:.3} | sgd {u:.3} | unfused step {:.3}", g + l + u);
    println!("  fused train_step (forward+loss+backward+sgd) {f:.3} | fused step with gather {:.3}", g + f);
    println!("  the step's five GEMMs alone {m:.3}; fused step / GEMMs = {:.2}", (g + f) / m);
}
