//! The Solver's training step allocates nothing after the first iteration.
//!
//! A counting global allocator (per thread, so parallel tests do not interfere) is read from the
//! progress callback at every iteration; after the first iteration the count must not move.
#![allow(unsafe_code)] // A GlobalAlloc impl is unsafe by definition; it only forwards to System.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::TwoLayer;
use handgrad_nn::optim::{Adam, UpdateRule};
use handgrad_nn::solver::{InMemory, Solver, SolverConfig};
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

#[test]
fn training_steps_after_the_first_do_not_allocate() {
    let mut rng = rng_from_seed(1);
    let data = InMemory::labelled(randn::<f32, _>(400, 30, 1.0, &mut rng), (0..400).map(|i| i % 4).collect());
    let mut model = TwoLayer::<f32>::new(30, 20, 4, 1e-3, 2);
    let mut config = SolverConfig::new(UpdateRule::Adam(Adam::new(1e-3)));
    config.batch_size = 10; // 40 iterations, one epoch: checks at iterations 0 and 39 only
    config.num_epochs = 1;
    config.report_every = 1;
    let mut counts = [0u64; 40];
    Solver::new(config)
        .train(&mut model, &data, Some(&data), |p| counts[p.iteration] = ALLOCS.with(|c| c.get()))
        .unwrap();
    assert!(counts[0] > 0, "the first iteration allocates its buffers");
    // Iteration 0 (and its check) allocates the buffers; nothing after it does, checks included.
    assert!(counts.iter().all(|&c| c == counts[0]), "allocations after the first iteration: {counts:?}");
}
