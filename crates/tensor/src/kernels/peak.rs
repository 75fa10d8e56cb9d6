//! The FMA throughput of one core: a register-blocked loop of independent fused multiply-adds
//! with no memory traffic, the ceiling that every f32 product is measured against.
//!
//! The loop keeps `CHAINS` accumulators (more than latency × pipes: Zen 3 has two FMA pipes
//! with latency 4, so 8 chains fill them; Intel's AVX-512 cores the same), each updated as
//! `acc ← acc · m + a` once per iteration. One iteration is `CHAINS · lanes · 2` FLOPs:
//! 12 · 8 · 2 = 192 for AVX2 (ymm), 24 · 16 · 2 = 768 for AVX-512 (zmm).
#![allow(unsafe_code)]

use core::arch::x86_64::{
    __m256, __m512, _mm_cvtss_f32, _mm256_add_ps, _mm256_castps256_ps128, _mm256_fmadd_ps, _mm256_set1_ps,
    _mm512_add_ps, _mm512_fmadd_ps, _mm512_reduce_add_ps, _mm512_set1_ps,
};

use super::KernelPath;

/// Independent accumulators of the AVX2 loop (12 of the 16 ymm registers).
const CHAINS_AVX2: usize = 12;
/// Independent accumulators of the AVX-512 loop (24 of the 32 zmm registers).
const CHAINS_AVX512: usize = 24;

/// FLOPs of one iteration of [`fma_loop`] on `path` (0 for `portable`, which has no such loop).
pub fn flops_per_iter(path: KernelPath) -> u64 {
    match path {
        KernelPath::Portable => 0,
        KernelPath::Avx2 => (CHAINS_AVX2 * 8 * 2) as u64,
        KernelPath::Avx512 => (CHAINS_AVX512 * 16 * 2) as u64,
    }
}

/// Runs `iters` iterations of the register-blocked FMA loop of `path` and returns a value that
/// depends on every accumulator (so the work cannot be dropped). `None` for `portable` or a
/// path the CPU cannot run.
pub fn fma_loop(path: KernelPath, iters: u64) -> Option<f32> {
    if path == KernelPath::Portable || !path.is_supported() {
        return None;
    }
    let (m, a) = (core::hint::black_box(0.999_999f32), core::hint::black_box(1e-6f32));
    // SAFETY: the CPU supports the path's features (checked just above).
    Some(unsafe {
        match path {
            KernelPath::Avx2 => loop_avx2(iters, m, a),
            _ => loop_avx512(iters, m, a),
        }
    })
}

#[target_feature(enable = "avx2,fma")]
fn loop_avx2(iters: u64, m: f32, a: f32) -> f32 {
    let (mv, av) = (_mm256_set1_ps(m), _mm256_set1_ps(a));
    let mut acc: [__m256; CHAINS_AVX2] = core::array::from_fn(|i| _mm256_set1_ps(i as f32));
    for _ in 0..iters {
        for x in acc.iter_mut() {
            *x = _mm256_fmadd_ps(*x, mv, av);
        }
    }
    let s = acc.into_iter().fold(_mm256_set1_ps(0.0), |s, x| _mm256_add_ps(s, x));
    _mm_cvtss_f32(_mm256_castps256_ps128(s))
}

#[target_feature(enable = "avx512f")]
fn loop_avx512(iters: u64, m: f32, a: f32) -> f32 {
    let (mv, av) = (_mm512_set1_ps(m), _mm512_set1_ps(a));
    let mut acc: [__m512; CHAINS_AVX512] = core::array::from_fn(|i| _mm512_set1_ps(i as f32));
    for _ in 0..iters {
        for x in acc.iter_mut() {
            *x = _mm512_fmadd_ps(*x, mv, av);
        }
    }
    _mm512_reduce_add_ps(acc.into_iter().fold(_mm512_set1_ps(0.0), |s, x| _mm512_add_ps(s, x)))
}
