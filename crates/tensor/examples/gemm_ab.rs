//! A/B timing of the f32 GEMM helpers on each kernel path, for a shared, noisy host: the paths
//! alternate call by call, calls during which the thread was preempted (its
//! `nonvoluntary_ctxt_switches` in `/proc/thread-self/status` grew) are dropped, and the table
//! gives the best and the median GFLOP/s of the rest, beside the core's FMA peak. Criterion
//! (`cargo bench -p handgrad-benches --bench gemm`) is the record; this is the quick look.
//!
//! `cargo run --release -p handgrad-tensor --example gemm_ab -- [reps] [hidden,...] [paths,...]`
//! (`CASES=small` or `CASES=all` for the second layer's products; `MICRO=1` for L1-sized ones).
#![allow(missing_docs)]

use std::time::Instant;

use handgrad_tensor::gemm::{GradOut, gemm_flops, matmul, matmul_nt, matmul_tn, matmul_tn_sgd};
use handgrad_tensor::kernels::{self, KernelPath};
use handgrad_tensor::{Accum, Matrix, Par, cpu, init};

/// The step's buffers for one hidden width.
struct Shapes {
    x: Matrix<f32>,
    w: Matrix<f32>,
    dh: Matrix<f32>,
    out: Matrix<f32>,
    dw: Matrix<f32>,
    w2: Matrix<f32>,
    s: Matrix<f32>,
    dw2: Matrix<f32>,
}

#[derive(Clone, Copy, Debug)]
enum Case {
    Forward,
    WeightGrad,
    WeightGradSgd,
    /// The fused step as training runs it: the gradient not kept.
    WeightGradStep,
    Scores,
    Dw2,
    Dhidden,
}

impl Shapes {
    fn run(&mut self, case: Case) {
        match case {
            Case::Forward => matmul(&mut self.out, &self.x, &self.w, Accum::Replace, Par::Seq),
            Case::WeightGrad => matmul_tn(&mut self.dw, &self.x, &self.dh, Accum::Replace, Par::Seq),
            // lr = 0 keeps w unchanged from call to call.
            Case::WeightGradSgd | Case::WeightGradStep => {
                let grad = if matches!(case, Case::WeightGradStep) { GradOut::Discard } else { GradOut::Keep };
                let (dw, w) = (&mut self.dw, &mut self.w);
                std::hint::black_box(matmul_tn_sgd(dw, w, &self.x, &self.dh, 0.1, 0.0, grad, Par::Seq));
            }
            Case::Scores => matmul(&mut self.s, &self.out, &self.w2, Accum::Replace, Par::Seq),
            Case::Dw2 => matmul_tn(&mut self.dw2, &self.out, &self.s, Accum::Replace, Par::Seq),
            Case::Dhidden => matmul_nt(&mut self.dh, &self.s, &self.w2, Accum::Replace, Par::Seq),
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let reps: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(200);
    let hidden: Vec<usize> =
        args.next().map(|s| s.split(',').filter_map(|h| h.parse().ok()).collect()).unwrap_or(vec![50, 100, 300]);
    let paths: Vec<KernelPath> = match args.next() {
        Some(list) => list.split(',').map(|p| p.parse().expect("paths: portable, avx2, avx512")).collect(),
        None => KernelPath::ALL.into_iter().filter(|p| p.is_supported()).collect(),
    };
    for p in &paths {
        if let Some(g) = cpu::fma_peak_gflops(*p) {
            println!("FMA peak, {p}: {g:.1} GFLOP/s");
        }
    }
    let mut rng = init::rng_from_seed(0);
    if std::env::var_os("MICRO").is_some() {
        micro(&paths, reps, &mut rng);
    }
    let x: Matrix<f32> = init::randn(200, 3072, 1.0, &mut rng);
    let header: String = paths.iter().map(|p| format!("{:>24}", format!("{p} best/median"))).collect();
    println!("{:<30}{header}   (GFLOP/s)", "product");
    for h in hidden {
        let mut s = Shapes {
            x: x.clone(),
            w: init::randn(3072, h, 1e-2, &mut rng),
            dh: init::randn(200, h, 1.0, &mut rng),
            out: Matrix::zeros(200, h),
            dw: Matrix::zeros(3072, h),
            w2: init::randn(h, 10, 1e-2, &mut rng),
            s: init::randn(200, 10, 1.0, &mut rng),
            dw2: Matrix::zeros(h, 10),
        };
        s.out = init::randn(200, h, 1.0, &mut rng);
        let first_layer = [Case::Forward, Case::WeightGrad, Case::WeightGradSgd, Case::WeightGradStep];
        let second_layer = [Case::Scores, Case::Dw2, Case::Dhidden];
        let cases: Vec<Case> = match std::env::var("CASES").ok().as_deref() {
            Some("small") => second_layer.to_vec(),
            Some("all") => [first_layer.as_slice(), &second_layer].concat(),
            _ => first_layer.to_vec(),
        };
        for case in cases {
            let flops = match case {
                Case::Forward | Case::WeightGrad | Case::WeightGradSgd | Case::WeightGradStep => {
                    gemm_flops(200, 3072, h)
                }
                _ => gemm_flops(200, h, 10),
            } as f64;
            let mut times = vec![Vec::new(); paths.len()];
            let mut dropped = 0;
            for _ in 0..reps {
                for (i, &p) in paths.iter().enumerate() {
                    let before = preemptions();
                    let t = Instant::now();
                    kernels::with_path(p, || s.run(case));
                    let dt = t.elapsed().as_secs_f64();
                    if preemptions() == before {
                        times[i].push(dt);
                    } else {
                        dropped += 1;
                    }
                }
            }
            if times.iter().any(Vec::is_empty) {
                println!("{case:?} H={h}: every run was preempted");
                continue;
            }
            let base = {
                let t0 = &mut times[0];
                t0.sort_by(f64::total_cmp);
                t0[t0.len() / 2]
            };
            let cols: String = times
                .iter_mut()
                .map(|t| {
                    t.sort_by(f64::total_cmp);
                    let med = t[t.len() / 2];
                    format!(
                        "{:>24}",
                        format!("{:.1} / {:.1} ({:.2}x)", flops / t[0] / 1e9, flops / med / 1e9, base / med)
                    )
                })
                .collect();
            println!("{:<30}{cols}   ({dropped} preempted runs dropped)", format!("{case:?} H={h}"));
        }
    }
}

/// This thread's involuntary context switches so far (0 if the file cannot be read).
fn preemptions() -> u64 {
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("nonvoluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// The register tile alone: `(m, k) · (k, n)` products small enough to stay in L1/L2, 50 per timing.
fn micro(paths: &[KernelPath], reps: usize, rng: &mut init::Rng) {
    for (m, k, n) in [(24, 128, 32), (96, 256, 32), (24, 128, 48)] {
        let a: Matrix<f32> = init::randn(m, k, 1.0, rng);
        let b: Matrix<f32> = init::randn(k, n, 1.0, rng);
        let at = a.transpose();
        let mut c = Matrix::zeros(m, n);
        for tn in [false, true] {
            let mut best = vec![f64::INFINITY; paths.len()];
            for _ in 0..reps {
                for (i, &p) in paths.iter().enumerate() {
                    let t = Instant::now();
                    kernels::with_path(p, || {
                        for _ in 0..50 {
                            if tn {
                                matmul_tn(&mut c, &at, &b, Accum::Replace, Par::Seq);
                            } else {
                                matmul(&mut c, &a, &b, Accum::Replace, Par::Seq);
                            }
                        }
                    });
                    best[i] = best[i].min(t.elapsed().as_secs_f64());
                }
            }
            let f = 50.0 * gemm_flops(m, k, n) as f64;
            let cols: String = best.iter().map(|t| format!("{:>24.1}", f / t / 1e9)).collect();
            println!("{:<30}{cols}", format!("L1 {} {m}x{k}x{n}", if tn { "tn" } else { "nn" }));
        }
    }
}
