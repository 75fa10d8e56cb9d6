//! This core's f32 FMA peak: the register-blocked loop of `handgrad_tensor::cpu::fma_loop`
//! (independent accumulators, no memory traffic) on every SIMD kernel path the CPU supports,
//! the ceiling the GEMM benches and `cargo xtask bench-compare` are measured against.
//!
//! Run: `cargo bench -p handgrad-benches --bench peak`; "elements/s" in criterion's output is
//! FLOP/s. (`handgrad_tensor::cpu::fma_peak_gflops` measures the same loop without criterion:
//! the best of 41 short runs.)

#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use handgrad_tensor::cpu::{KernelPath, fma_loop, fma_loop_flops};

/// Iterations per timed call: 2·10⁷ FLOPs for AVX2 (about 0.2 ms at 100 GFLOP/s).
const FLOPS_PER_CALL: u64 = 20_000_000;

fn peak(c: &mut Criterion) {
    let mut g = c.benchmark_group("fma_peak_f32");
    for path in KernelPath::ALL {
        if path == KernelPath::Portable {
            continue;
        }
        if !path.is_supported() {
            eprintln!("SKIPPED fma_peak_f32/{path}: this CPU cannot run it");
            continue;
        }
        let iters = FLOPS_PER_CALL / fma_loop_flops(path);
        g.throughput(Throughput::Elements(iters * fma_loop_flops(path)));
        g.bench_function(path.name(), |b| b.iter(|| fma_loop(path, std::hint::black_box(iters))));
    }
    g.finish();
}

criterion_group!(benches, peak);
criterion_main!(benches);
