//! The training step allocates nothing after its first iteration — the one counting allocator of
//! the project, over the one step fixture (`handgrad_nn::solver::Step`) that training and the
//! benchmarks run: the two-layer net's fused SGD step, the fully connected net with batchnorm,
//! dropout and Adam, and the whole Solver loop with its checks.
//!
//! Its own test binary, since the global allocator is per binary; the counter is per thread, so
//! the tests of this binary may run in parallel.
#![allow(unsafe_code)] // A GlobalAlloc impl is unsafe by definition; it only forwards to System.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ops::ControlFlow;

use handgrad_fcnet::{FcConfig, FullyConnectedNet, TwoLayerConfig, TwoLayerNet};
use handgrad_nn::optim::{Adam, Sgd, UpdateRule};
use handgrad_nn::solver::InMemory;
use handgrad_nn::solver::{Model, Sampling, Solver, SolverConfig, Step};
use handgrad_tensor::Par;
use handgrad_tensor::init::{randn, rng_from_seed};

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

struct Counting;

// SAFETY: forwards every call unchanged to the system allocator; the counter is a const-initialised
// thread-local `Cell<u64>` without a destructor, so touching it never allocates or re-enters.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(|c| c.get())
}

/// Allocations of iterations 2–4 of `step.run` (the first sizes the buffers).
fn allocs_after_the_first<M: Model<f32>>(model: &mut M, data: &InMemory<f32>, update: UpdateRule) -> u64 {
    let mut step = Step::new(model, &update, Sampling::WithReplacement, 200);
    let mut rng = rng_from_seed(2);
    step.run(model, data, &update, &mut rng, Par::Seq, 0).unwrap();
    let before = allocs();
    for t in 1..4 {
        assert!(step.run(model, data, &update, &mut rng, Par::Seq, t).unwrap().is_finite());
    }
    allocs() - before
}

fn cifar_like(n: usize) -> InMemory<f32> {
    let mut rng = rng_from_seed(0);
    InMemory::labelled(randn(n, 3072, 1.0, &mut rng), (0..n).map(|i| i % 10).collect())
}

#[test]
fn the_two_layer_step_allocates_nothing_after_the_first() {
    let data = cifar_like(400);
    let mut net = TwoLayerNet::<f32>::new(&TwoLayerConfig::cifar(50, 0.25), &mut rng_from_seed(1));
    assert_eq!(allocs_after_the_first(&mut net, &data, UpdateRule::Sgd(Sgd::new(1e-4))), 0);
}

#[test]
fn the_fc_step_with_batchnorm_dropout_and_adam_allocates_nothing_after_the_first() {
    let data = cifar_like(400);
    let config = FcConfig {
        input_dim: 3072,
        hidden: vec![64, 32],
        num_classes: 10,
        weight_scale: 1e-2,
        reg: 1e-3,
        dropout: 0.25,
        batchnorm: true,
    };
    let mut net = FullyConnectedNet::<f32>::new(&config, &mut rng_from_seed(1));
    assert_eq!(allocs_after_the_first(&mut net, &data, UpdateRule::Adam(Adam::new(1e-3))), 0);
}

#[test]
fn the_solver_loop_allocates_nothing_after_its_first_iteration() {
    let mut rng = rng_from_seed(1);
    let data = InMemory::labelled(randn::<f32, _>(400, 30, 1.0, &mut rng), (0..400).map(|i| i % 4).collect());
    let config = FcConfig {
        input_dim: 30,
        hidden: vec![20],
        num_classes: 4,
        weight_scale: 0.1,
        reg: 1e-3,
        dropout: 0.1,
        batchnorm: true,
    };
    let mut net = FullyConnectedNet::<f32>::new(&config, &mut rng);
    let mut sc = SolverConfig::new(UpdateRule::Adam(Adam::new(1e-3)));
    sc.batch_size = 10; // 40 iterations, one epoch: checks at iterations 0 and 39 only
    sc.epochs = 1;
    let mut counts = [0u64; 40];
    Solver::new(sc)
        .train(&mut net, &data, Some(&data), &mut rng, Par::Seq, |p, _| {
            counts[p.iteration] = allocs();
            ControlFlow::Continue(())
        })
        .unwrap();
    assert!(counts[0] > 0, "the first iteration allocates its buffers");
    // Iteration 0 (and its check) allocates the buffers; nothing after it does, checks included.
    assert!(counts.iter().all(|&c| c == counts[0]), "allocations after the first iteration: {counts:?}");
}
