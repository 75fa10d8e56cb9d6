//! One CPU chore: clearing the upper halves of the vector registers after faer's kernels.
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
