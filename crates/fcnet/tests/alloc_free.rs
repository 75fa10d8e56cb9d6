//! The two-layer training step allocates nothing after its first iteration (counting allocator).
//!
//! Its own test binary, since the global allocator is per binary.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use handgrad_fcnet::Dataset;
use handgrad_fcnet::{InMemory, TwoLayerCache, TwoLayerConfig, TwoLayerGrads, TwoLayerNet};
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, Par};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn training_step_allocates_nothing_after_the_first() {
    let mut rng = rng_from_seed(0);
    let (n, d, batch) = (400, 3072, 200);
    let data = InMemory::labelled(randn::<f32, _>(n, d, 1.0, &mut rng), (0..n).map(|i| i % 10).collect());
    let mut net = TwoLayerNet::<f32>::new(&TwoLayerConfig::cifar(50), &mut rng);
    let mut x = Matrix::zeros(batch, d);
    let (mut y, idx): (Vec<usize>, Vec<usize>) = (Vec::with_capacity(batch), (0..batch).map(|i| (i * 7) % n).collect());
    let mut cache = TwoLayerCache::new(&net, batch);
    let mut grads = TwoLayerGrads::zeros_like(&net);
    let mut step = |net: &mut TwoLayerNet<f32>| {
        data.gather(&idx, &mut x, &mut y);
        let loss = net.loss_into(&x, &y, 0.25, &mut cache, &mut grads, Par::Seq);
        net.sgd_step(&grads, 1e-4);
        // and the fused step that training runs
        loss + net.train_step(&x, &y, 0.25, 1e-4, &mut cache, &mut grads, Par::Seq)
    };
    step(&mut net);
    let before = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..3 {
        assert!(step(&mut net).is_finite());
    }
    let after = ALLOCS.load(Ordering::Relaxed);
    assert_eq!(after - before, 0, "allocations in 3 steps after the first");
}
