//! GEMM helpers at the two-layer training shapes, with FLOP/s through criterion's throughput:
//! - forward          `(200, 3072) · (3072, H)`          (matmul)
//! - weight gradient  `(200, 3072)ᵀ · (200, H)`          (matmul_tn: the 3072×200 · 200×H product)
//!
//! for H ∈ {50, 100}, f32 and f64, one thread (`Par::Seq`). For f32 the weight gradient runs on
//! handgrad's skinny AVX-512 kernel when the CPU has AVX-512F; `weight_grad_faer_*` times the same
//! product through faer directly, side by side, so the kernel's gain is read off one run.
//! Run: `cargo bench -p handgrad-benches --bench gemm`; "elements/s" in criterion's output is FLOP/s.

#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use handgrad_tensor::gemm::{gemm_flops, matmul, matmul_tn};
use handgrad_tensor::{Accum, Matrix, Par, Scalar, faer, init};

const BATCH: usize = 200;
const D: usize = 3072;

fn bench_type<T: Scalar>(c: &mut Criterion) {
    let mut rng = init::rng_from_seed(0);
    let x: Matrix<T> = init::randn(BATCH, D, 1.0, &mut rng);
    for h in [50usize, 100] {
        let w: Matrix<T> = init::randn(D, h, 1e-2, &mut rng);
        let dout: Matrix<T> = init::randn(BATCH, h, 1.0, &mut rng);
        let mut out = Matrix::<T>::zeros(BATCH, h);
        let mut dw = Matrix::<T>::zeros(D, h);
        let mut g = c.benchmark_group(format!("gemm_{}", T::NAME));
        g.throughput(Throughput::Elements(gemm_flops(BATCH, D, h)));
        g.bench_function(format!("forward_200x3072_3072x{h}"), |b| {
            b.iter(|| matmul(&mut out, &x, &w, Accum::Replace, Par::Seq))
        });
        g.bench_function(format!("weight_grad_3072x200_200x{h}"), |b| {
            b.iter(|| matmul_tn(&mut dw, &x, &dout, Accum::Replace, Par::Seq))
        });
        if T::NAME == "f32" {
            g.bench_function(format!("weight_grad_faer_3072x200_200x{h}"), |b| {
                b.iter(|| {
                    let xt = x.as_faer().transpose();
                    faer::linalg::matmul::matmul(
                        dw.as_faer_mut(),
                        Accum::Replace,
                        xt,
                        dout.as_faer(),
                        T::ONE,
                        Par::Seq,
                    );
                    handgrad_tensor::cpu::zero_upper();
                })
            });
        }
        g.finish();
    }
}

fn gemm(c: &mut Criterion) {
    bench_type::<f32>(c);
    bench_type::<f64>(c);
}

criterion_group!(benches, gemm);
criterion_main!(benches);
