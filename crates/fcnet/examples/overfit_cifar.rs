//! The fully connected notebook's sanity check on real data: a three-layer net ([100, 100])
//! overfits 50 CIFAR-10 training images (100 % training accuracy) within 20 epochs.
//!
//! `cargo run --release -p handgrad-fcnet --example overfit_cifar -- <cifar-10-batches-bin> [lr] [weight_scale]`
//!
//! Setup as in the notebook: the first 50 training images (CHW rows, training-split mean
//! subtracted), batch 25, 20 epochs, plain SGD, lr 1e-2 and weight scale 1e-2 unless given.

use std::ops::ControlFlow;

use handgrad_cifar::{Cifar10, Layout, PixelMean, Preprocess, SplitConfig};
use handgrad_fcnet::{CifarSplit, FcConfig, FullyConnectedNet};
use handgrad_nn::optim::{Sgd, UpdateRule};
use handgrad_nn::solver::{Solver, SolverConfig, accuracy};
use handgrad_tensor::Par;
use handgrad_tensor::init::rng_from_seed;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: overfit_cifar <cifar-10-batches-bin> [lr] [weight_scale]");
    let lr: f64 = args.next().map_or(1e-2, |s| s.parse().expect("lr"));
    let scale: f64 = args.next().map_or(1e-2, |s| s.parse().expect("weight_scale"));
    let set = Cifar10::open(&dir).expect("open CIFAR-10");
    let splits = set.splits(&SplitConfig::default()).expect("splits");
    let mean = PixelMean::of(&set.train, splits.train.clone());
    let pre = Preprocess::<f32>::new(&mean, Layout::Chw);
    let small = CifarSplit::new(&set.train, 0..50, &pre);
    let cfg = FcConfig {
        input_dim: 3072,
        hidden: vec![100, 100],
        num_classes: 10,
        weight_scale: scale,
        reg: 0.0,
        dropout: 0.0,
        batchnorm: false,
    };
    let mut net = FullyConnectedNet::<f32>::new(&cfg, &mut rng_from_seed(0));
    let mut sc = SolverConfig::new(UpdateRule::Sgd(Sgd::new(lr)));
    sc.batch_size = 25;
    sc.epochs = 20;
    let history = Solver::new(sc)
        .train(&mut net, &small, Some(&small), &mut rng_from_seed(1), Par::Seq, |p, _| {
            if let Some(c) = p.check {
                println!(
                    "epoch {:>2} iter {:>2}: loss {:.4}, train acc {:.2}",
                    c.epoch,
                    c.iteration,
                    p.loss,
                    c.train_acc.unwrap_or(f64::NAN)
                );
            }
            ControlFlow::Continue(())
        })
        .expect("training");
    let acc = accuracy(&mut net, &small, Par::Seq);
    let first = history.checks.iter().find(|c| c.train_acc == Some(1.0)).map(|c| c.epoch);
    println!("train accuracy on the 50 images after 20 epochs: {acc:.2}; first reached 1.00 at epoch {first:?}");
}
