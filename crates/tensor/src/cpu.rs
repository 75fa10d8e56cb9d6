//! CPU chores: clearing the upper halves of the vector registers after faer's kernels, and
//! measuring the single-core f32 FMA peak that products are compared against.
//!
//! faer's x86-64 GEMM kernels (AVX2 / AVX-512) can return with the upper 128+ bits of the vector
//! registers dirty. Code compiled for the x86-64 baseline then runs legacy-SSE instructions, and
//! on the Sapphire Rapids machines handgrad is measured on every such instruction pays a merge
//! with the dirty state: the 200×10 softmax right after the forward GEMM took 0.43 ms instead of
//! 0.02 ms (`crates/fcnet/examples/step_timing.rs` before and after). `vzeroupper` clears the state;
//! [`zero_upper`] runs it, and every faer call in handgrad is followed by it.
//! (Intel® 64 and IA-32 Architectures Optimization Reference Manual, "Mixing AVX code with SSE code".)

/// Run `vzeroupper` when the CPU has AVX (a no-op elsewhere, and without `std`).
#[inline]
pub fn zero_upper() {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX, the only requirement of `vzeroupper`.
        #[allow(unsafe_code)]
        unsafe {
            vzeroupper()
        }
    }
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx")]
fn vzeroupper() {
    core::arch::x86_64::_mm256_zeroupper();
}

pub use crate::kernels::KernelPath;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub use crate::kernels::peak::{flops_per_iter as fma_loop_flops, fma_loop};

/// This core's f32 FMA throughput on `path`, in GFLOP/s: the best of 41 timed runs (about 1 ms
/// each at 100 GFLOP/s, after a 20 ms warm-up that lets the clock ramp up) of the register-blocked
/// loop [`fma_loop`], twelve independent ymm accumulators for `avx2`, twenty-four zmm for
/// `avx512`. `None` for `portable`, for a path the CPU cannot run, or off x86-64.
///
/// The best run rather than the median: on a shared host the other runs lost time to other
/// processes (short runs are often not preempted at all), and a peak is what the core can do. Measured on the 2-core AMD EPYC (Zen 3) of
/// issue 13: see the README's speed section.
#[cfg(feature = "std")]
pub fn fma_peak_gflops(path: KernelPath) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::time::Instant;
        let per_iter = fma_loop_flops(path);
        let iters = 1e8 as u64 / per_iter.max(1);
        core::hint::black_box(fma_loop(path, 20 * iters)?);
        let mut best = 0.0f64;
        for _ in 0..41 {
            let t = Instant::now();
            core::hint::black_box(fma_loop(path, iters));
            best = best.max((per_iter * iters) as f64 / t.elapsed().as_secs_f64());
        }
        Some(best / 1e9)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = path;
        None
    }
}
