//! Measures, on the real data, what the acceptance asks: resident memory right after
//! opening the 50,000-image training split, and the cost of a 200-row f32 minibatch gather next
//! to one `(200, 3072) · (3072, 100)` f32 GEMM, in the same run.
//!
//! `cargo run --release -p handgrad-cifar --example open_and_gather [-- <cifar-10-batches-bin>]`
//! (default folder: `<root>/datasets/cifar-10-batches-bin`, installed by `cargo xtask fetch-cifar`).
//! Environment: `REPS=n` timed random batches (default 501); `SHOW_MEAN=1` also prints mean and p90.

use std::path::PathBuf;
use std::time::Instant;

use handgrad_cifar::{Cifar10, Layout, PixelMean, Preprocess, SplitConfig};
use handgrad_tensor::gemm::{Accum, Par, matmul};
use handgrad_tensor::{Matrix, init};
use rand::RngExt as _;

/// VmRSS of this process in MiB (Linux).
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(f64::NAN);
    kb / 1024.0
}

/// Median of `reps` timings of `f`, in microseconds.
fn median_us(reps: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    let mean = t.iter().sum::<f64>() / reps as f64;
    t.sort_by(f64::total_cmp);
    if std::env::var_os("SHOW_MEAN").is_some() {
        println!("  (mean {mean:.1} µs, p90 {:.1} µs)", t[reps * 9 / 10]);
    }
    t[reps / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| root.join("datasets/cifar-10-batches-bin"));
    println!("VmRSS before open: {:.1} MiB", rss_mib());
    let t = Instant::now();
    let data = Cifar10::open(&dir)?;
    println!(
        "opened {} training records from {} in {:.1} ms; VmRSS after open: {:.1} MiB (files: 153.7 MB)",
        data.train.len(),
        dir.display(),
        t.elapsed().as_secs_f64() * 1e3,
        rss_mib()
    );
    let t = Instant::now();
    drop(Cifar10::open(&dir)?);
    println!("opening again (warm page cache) took {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let splits = data.splits(&SplitConfig::default())?;
    let t = Instant::now();
    let mean = PixelMean::of(&data.train, splits.train.clone());
    println!(
        "pixel mean of {} images: {:.1} ms; VmRSS now {:.1} MiB",
        splits.train.len(),
        t.elapsed().as_secs_f64() * 1e3,
        rss_mib()
    );

    let mut rng = init::rng_from_seed(1);
    let batches: Vec<Vec<usize>> =
        (0..64).map(|_| (0..200).map(|_| rng.random_range(splits.train.clone())).collect()).collect();
    let (mut x, mut y) = (Matrix::<f32>::zeros(0, 0), Vec::new());
    for layout in [Layout::Hwc, Layout::Chw] {
        let pre = Preprocess::<f32>::new(&mean, layout);
        let mut k = 0;
        let reps: usize = std::env::var("REPS").ok().and_then(|r| r.parse().ok()).unwrap_or(501);
        let us = median_us(reps, || {
            k = (k + 1) % batches.len();
            pre.gather(&data.train, &batches[k], &mut x, &mut y);
        });
        let hot = median_us(501, || pre.gather(&data.train, &batches[0], &mut x, &mut y));
        println!("gather 200 random rows {layout:?} f32: median {us:.1} µs (same batch again and again: {hot:.1} µs)");
    }
    let a: Matrix<f32> = init::randn(200, 3072, 1.0, &mut rng);
    let w: Matrix<f32> = init::randn(3072, 100, 0.01, &mut rng);
    let mut out = Matrix::zeros(200, 100);
    let us = median_us(201, || matmul(&mut out, &a, &w, Accum::Replace, Par::Seq));
    println!(
        "GEMM (200,3072)·(3072,100) f32, 1 thread: median {us:.1} µs ({:.1} GFLOP/s)",
        2.0 * 200.0 * 3072.0 * 100.0 / us / 1e3
    );
    Ok(())
}
