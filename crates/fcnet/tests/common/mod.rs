//! Shared helpers of the integration tests: synthetic data only (never used for a claim about CIFAR).
#![allow(dead_code)]

use handgrad_nn::solver::InMemory;
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, Scalar};
use rand::RngExt as _;

/// `n` points of dimension `d` around `classes` random centres (N(0, 1) centres, noise std `noise`),
/// labels cycling through the classes.
pub fn blobs<T: Scalar>(n: usize, d: usize, classes: usize, noise: f64, seed: u64) -> InMemory<T> {
    let mut rng = rng_from_seed(seed);
    let centres: Matrix<f64> = randn(classes, d, 1.0, &mut rng);
    let y: Vec<usize> = (0..n).map(|i| i % classes).collect();
    let x = Matrix::from_fn(n, d, |i, j| {
        let z: f64 = rng.sample(rand_distr::StandardNormal);
        T::from_f64(centres.get(y[i], j) + noise * z)
    });
    InMemory::labelled(x, y)
}

/// `n` points with i.i.d. N(0, 1) features and random labels: only memorisation can fit them.
pub fn noise<T: Scalar>(n: usize, d: usize, classes: usize, seed: u64) -> InMemory<T> {
    let mut rng = rng_from_seed(seed);
    let x = randn(n, d, 1.0, &mut rng);
    let y = (0..n).map(|_| rng.random_range(0..classes)).collect();
    InMemory::labelled(x, y)
}

use std::ops::ControlFlow;

use handgrad_nn::solver::{History, Model, Solver, SolverConfig, TrainError};
use handgrad_tensor::Par;

/// Trains `model` on `data` (validating on it too) with `config`, the loop's generator seeded
/// with `seed`, one thread, every iteration let through.
pub fn train<T: Scalar, M: Model<T>>(
    model: &mut M,
    data: &InMemory<T>,
    config: SolverConfig,
    seed: u64,
) -> Result<History, TrainError> {
    Solver::new(config)
        .train(model, data, Some(data), &mut rng_from_seed(seed), Par::Seq, |_, _| ControlFlow::Continue(()))
}
