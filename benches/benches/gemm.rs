//! GEMM helpers at the two-layer training shapes, with FLOP/s through criterion's throughput:
//! - forward          `(200, 3072) · (3072, H)`          (matmul)
//! - weight gradient  `(200, 3072)ᵀ · (200, H)`          (matmul_tn: the 3072×200 · 200×H product)
//! - the same with the fused L2 term and SGD step        (matmul_tn_sgd, the gradient discarded as training does)
//! - the second layer's small products, `(200, H)·(H, 10)`, `(200, H)ᵀ·(200, 10)`, `(200, 10)·(H, 10)ᵀ`
//!
//! for H ∈ {50, 100, 300}, one thread (`Par::Seq`). In f32 each product runs on every kernel path
//! the CPU supports (`…/portable`, `…/avx2`, `…/avx512`, forced with `kernels::with_path`; the
//! portable path is faer) and through faer directly (`…/faer`), side by side in one run, so the
//! choice of kernel or faer per shape (`handgrad_tensor::kernels::route`) is read off one run.
//! f64 (always faer) is timed for the forward and weight gradient.
//! Run: `cargo bench -p handgrad-benches --bench gemm`; "elements/s" in criterion's output is FLOP/s.

#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime};
use handgrad_tensor::gemm::{GradOut, gemm_flops, matmul, matmul_nt, matmul_tn, matmul_tn_sgd};
use handgrad_tensor::kernels::{self, KernelPath};
use handgrad_tensor::{Accum, Matrix, Par, Scalar, faer, init};

const BATCH: usize = 200;
const D: usize = 3072;
const CLASSES: usize = 10;
const HIDDEN: [usize; 3] = [50, 100, 300];

/// The kernel paths to time: all the CPU supports for f32, none (just the default) for f64.
fn paths<T: Scalar>() -> Vec<Option<KernelPath>> {
    if T::NAME == "f32" {
        KernelPath::ALL.into_iter().filter(|p| p.is_supported()).map(Some).collect()
    } else {
        vec![None]
    }
}

/// Times `f` as `name/<path>` on each path, and as `name/faer` through faer directly (f32).
fn each_path<T: Scalar>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    mut f: impl FnMut(),
    mut faer_direct: Option<impl FnMut()>,
) {
    for path in paths::<T>() {
        let id = format!("{name}/{}", path.map_or("faer", KernelPath::name));
        match path {
            Some(p) => kernels::with_path(p, || g.bench_function(&id, |b| b.iter(&mut f))),
            None => g.bench_function(&id, |b| b.iter(&mut f)),
        };
    }
    if let Some(direct) = faer_direct.as_mut().filter(|_| T::NAME == "f32") {
        g.bench_function(format!("{name}/faer"), |b| b.iter(&mut *direct));
    }
}

/// `c = a·b` (`a_t` false) or `c = aᵀ·b` straight through faer, then `vzeroupper`.
fn faer_product<T: Scalar>(c: &mut Matrix<T>, a: &Matrix<T>, b: &Matrix<T>, a_t: bool, b_t: bool) {
    let a = if a_t { a.as_faer().transpose() } else { a.as_faer() };
    let b = if b_t { b.as_faer().transpose() } else { b.as_faer() };
    faer::linalg::matmul::matmul(c.as_faer_mut(), Accum::Replace, a, b, T::ONE, Par::Seq);
    handgrad_tensor::cpu::zero_upper();
}

fn bench_type<T: Scalar>(c: &mut Criterion) {
    let mut rng = init::rng_from_seed(0);
    let x: Matrix<T> = init::randn(BATCH, D, 1.0, &mut rng);
    for h in HIDDEN {
        let w: Matrix<T> = init::randn(D, h, 1e-2, &mut rng);
        let dout: Matrix<T> = init::randn(BATCH, h, 1.0, &mut rng);
        let mut out = Matrix::<T>::zeros(BATCH, h);
        let mut dw = Matrix::<T>::zeros(D, h);
        let mut g = c.benchmark_group(format!("gemm_{}", T::NAME));
        g.throughput(Throughput::Elements(gemm_flops(BATCH, D, h)));
        let mut out2 = out.clone();
        each_path::<T>(
            &mut g,
            &format!("forward_200x3072_3072x{h}"),
            || matmul(&mut out, &x, &w, Accum::Replace, Par::Seq),
            Some(|| faer_product(&mut out2, &x, &w, false, false)),
        );
        let mut dw2 = dw.clone();
        each_path::<T>(
            &mut g,
            &format!("weight_grad_3072x200_200x{h}"),
            || matmul_tn(&mut dw, &x, &dout, Accum::Replace, Par::Seq),
            Some(|| faer_product(&mut dw2, &x, &dout, true, false)),
        );
        if T::NAME == "f32" {
            let mut w_sgd = w.clone();
            let (reg, lr) = (T::from_f64(0.1), T::from_f64(0.0)); // lr 0 keeps w unchanged between iterations
            each_path::<T>(
                &mut g,
                &format!("weight_grad_sgd_3072x200_200x{h}"),
                // As training runs it: the step only, the gradient not kept.
                || {
                    let sgd = matmul_tn_sgd(&mut dw, &mut w_sgd, &x, &dout, reg, lr, GradOut::Discard, Par::Seq);
                    std::hint::black_box(sgd);
                },
                None::<fn()>,
            );
            small_products(&mut g, h);
        }
        g.finish();
    }
}

/// The second layer's three products at hidden width `h` (f32).
fn small_products(g: &mut BenchmarkGroup<'_, WallTime>, h: usize) {
    let mut rng = init::rng_from_seed(1);
    let hid: Matrix<f32> = init::randn(BATCH, h, 1.0, &mut rng);
    let w2: Matrix<f32> = init::randn(h, CLASSES, 1e-2, &mut rng);
    let s: Matrix<f32> = init::randn(BATCH, CLASSES, 1.0, &mut rng);
    let (mut scores, mut dw2, mut dh) =
        (Matrix::zeros(BATCH, CLASSES), Matrix::zeros(h, CLASSES), Matrix::zeros(BATCH, h));
    let (mut s2, mut d2, mut h2) = (scores.clone(), dw2.clone(), dh.clone());
    g.throughput(Throughput::Elements(gemm_flops(BATCH, h, CLASSES)));
    each_path::<f32>(
        g,
        &format!("scores_200x{h}_{h}x10"),
        || matmul(&mut scores, &hid, &w2, Accum::Replace, Par::Seq),
        Some(|| faer_product(&mut s2, &hid, &w2, false, false)),
    );
    each_path::<f32>(
        g,
        &format!("dw2_{h}x200_200x10"),
        || matmul_tn(&mut dw2, &hid, &s, Accum::Replace, Par::Seq),
        Some(|| faer_product(&mut d2, &hid, &s, true, false)),
    );
    each_path::<f32>(
        g,
        &format!("dhidden_200x10_10x{h}"),
        || matmul_nt(&mut dh, &s, &w2, Accum::Replace, Par::Seq),
        Some(|| faer_product(&mut h2, &s, &w2, false, true)),
    );
    g.throughput(Throughput::Elements(gemm_flops(BATCH, D, h)));
}

fn gemm(c: &mut Criterion) {
    bench_type::<f32>(c);
    bench_type::<f64>(c);
}

criterion_group!(benches, gemm);
criterion_main!(benches);
