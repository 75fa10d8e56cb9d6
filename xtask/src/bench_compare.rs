//! `cargo xtask bench-compare`: handgrad's two-layer training step beside the numpy yardstick,
//! in the same sitting, alternating, with the thread count pinned on both sides.
//!
//! The step is the notebook's, exactly as training runs it (`handgrad_nn::solver::Step`): draw 200
//! row indices with replacement, gather them from the memory-mapped CIFAR-10 files (HWC order,
//! per-pixel mean subtracted), forward, softmax loss, backward, SGD update, for a `3072 → H → 10`
//! net in f32. numpy runs
//! `../shared/peers/numpy_twolayer.py` (or the project's copy `benches/peers/numpy_twolayer.py`)
//! with `OPENBLAS_NUM_THREADS` (and the MKL/OMP variables) set to the same thread count and reports
//! its own seconds per iteration. handgrad's five GEMMs are also timed alone, on the same buffers,
//! to show how far the step is from its physical floor.
//!
//! The table's header names the CPU (model and vector extensions, from `/proc/cpuinfo`) and the
//! kernel path (`HANDGRAD_KERNELS`; a forced path the CPU cannot run is refused here, so numbers
//! are never labelled with a path that did not run), and every GFLOP/s figure is also given as
//! a fraction of `threads ×` this core's f32 FMA peak (`handgrad_tensor::cpu::fma_peak_gflops`,
//! measured at the start and at the end; the larger is used). `--peak` only measures the peak.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use handgrad_cifar::{Layout, SplitConfig};
use handgrad_fcnet::{CifarData, CifarSplit, StepGemms, TwoLayerConfig, TwoLayerNet};
use handgrad_nn::optim::{Sgd, UpdateRule};
use handgrad_nn::solver::{Sampling, Step};
use handgrad_tensor::gemm::par_for_threads;
use handgrad_tensor::init::{Rng, rng_from_seed};
use handgrad_tensor::{Matrix, Par};

/// Batch size of the step (the notebook's).
const BATCH: usize = 200;

/// Flags.
#[derive(clap::Args)]
pub struct Args {
    /// Hidden sizes H to compare, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "50,100,300", value_parser = crate::args::hidden_size)]
    pub hidden: Vec<usize>,
    /// Thread counts, comma-separated; each side is pinned to the count (numpy through
    /// OPENBLAS_NUM_THREADS / MKL_NUM_THREADS / OMP_NUM_THREADS, handgrad through faer's `Par`).
    #[arg(long, value_delimiter = ',', default_value = "1", value_parser = crate::args::threads)]
    pub threads: Vec<usize>,
    /// Training steps per timed round, on each side.
    #[arg(long, default_value_t = 300, value_parser = crate::args::iterations)]
    pub iters: usize,
    /// Rounds; numpy and handgrad alternate within each round (handgrad's step and its GEMMs alone
    /// alternate in 10 chunks), and the medians and the medians of the per-round ratios are reported.
    #[arg(long, default_value_t = 3, value_parser = |s: &str| crate::args::whole_in(s, 1, 1000))]
    pub rounds: usize,
    /// CIFAR-10 data: a `cifar-10-batches-bin` folder or an archive. Default: the copy installed
    /// by `cargo xtask fetch-cifar`, fetched first when missing.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Python interpreter that has numpy.
    #[arg(long, default_value = "python3")]
    pub python: String,
    /// The numpy script. Default: ../shared/peers/numpy_twolayer.py when present, else the
    /// project's benches/peers/numpy_twolayer.py.
    #[arg(long)]
    pub peer: Option<PathBuf>,
    /// Seed of the weights and of the minibatch draws.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Skip numpy and time handgrad only.
    #[arg(long)]
    pub no_numpy: bool,
    /// Only measure and print this core's f32 FMA peak on every kernel path the CPU supports.
    #[arg(long)]
    pub peak: bool,
}

/// One configuration's medians. The ratios are medians of the per-round ratios: each pair was
/// measured seconds apart, so on a machine whose speed drifts (a shared host) they are steadier
/// than the ratio of the medians.
struct Row {
    hidden: usize,
    threads: usize,
    ours_ms: f64,
    gemm_ms: f64,
    numpy_ms: Option<f64>,
    numpy_ratio: Option<f64>,
    gemm_ratio: f64,
}

/// Runs the comparison and prints the table.
pub fn run(args: Args) -> anyhow::Result<()> {
    let machine = Machine::describe()?;
    println!("{}", machine.header());
    if args.peak {
        return Ok(());
    }
    let dir = crate::fetch::cifar_dir(args.data.as_deref())?;
    let peer = if args.no_numpy { None } else { find_numpy(&args)? };
    let data = CifarData::open(&dir, SplitConfig::default())
        .with_context(|| format!("opening CIFAR-10 in {}", dir.display()))
        .map_err(|e| crate::fetch::reader_failed(handgrad_data::locate::Dataset::Cifar10, &dir, e))?;
    let pre = data.preprocess::<f32>(Layout::Hwc);
    let train = data.samples(&pre).0;
    let mut rows = Vec::new();
    for &threads in &args.threads {
        for &hidden in &args.hidden {
            let (mut ours, mut gemm, mut numpy) = (Vec::new(), Vec::new(), Vec::new());
            for round in 0..args.rounds {
                if let Some(script) = &peer {
                    numpy.push(numpy_step_ms(&args, script, &dir, hidden, threads)?);
                }
                let par = par_for_threads(threads);
                let seed = args.seed + round as u64;
                let (step_ms, gemm_ms) = our_step_and_gemm_ms(&train, hidden, args.iters, seed, par);
                ours.push(step_ms);
                gemm.push(gemm_ms);
                println!(
                    "round {round}: H={hidden} threads={threads}: handgrad {:.3} ms/step (GEMMs alone {:.3}){}",
                    ours[round],
                    gemm[round],
                    numpy.last().map(|n| format!(", numpy {n:.3} ms/step")).unwrap_or_default()
                );
            }
            let mut numpy_ratios: Vec<f64> = numpy.iter().zip(&ours).map(|(n, o)| n / o).collect();
            let mut gemm_ratios: Vec<f64> = ours.iter().zip(&gemm).map(|(o, g)| o / g).collect();
            let numpy_ms = if numpy.is_empty() { None } else { Some(median(&mut numpy)) };
            let numpy_ratio = if numpy.is_empty() { None } else { Some(median(&mut numpy_ratios)) };
            rows.push(Row {
                hidden,
                threads,
                ours_ms: median(&mut ours),
                gemm_ms: median(&mut gemm),
                numpy_ms,
                numpy_ratio,
                gemm_ratio: median(&mut gemm_ratios),
            });
        }
    }
    let peak = machine.peak.max(Machine::peak_now().unwrap_or(0.0));
    print_table(&rows, args.iters, args.rounds, &machine, peak);
    Ok(())
}

/// The CPU, the kernel path and this core's FMA peak, for the table's header.
struct Machine {
    model: String,
    extensions: String,
    selection: &'static handgrad_tensor::kernels::Selection,
    /// GFLOP/s on the best SIMD path (0 when there is none).
    peak: f64,
    peak_lines: Vec<String>,
}

impl Machine {
    /// Reads `/proc/cpuinfo`, resolves the kernel path (refusing a forced path the CPU lacks)
    /// and measures the peak on every supported SIMD path.
    fn describe() -> anyhow::Result<Self> {
        use handgrad_tensor::cpu::{KernelPath, fma_peak_gflops};
        let selection = handgrad_tensor::kernels::selection();
        if let Some(why) = &selection.fallback {
            bail!(
                "{why}: refusing to measure one path under another's name; unset HANDGRAD_KERNELS or pick a path this CPU supports"
            );
        }
        let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let field = |name: &str| {
            info.lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        };
        let flags = field("flags").unwrap_or_default();
        let wanted = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni"];
        let extensions: Vec<&str> = wanted.into_iter().filter(|w| flags.split_whitespace().any(|f| f == *w)).collect();
        let mut peak_lines = Vec::new();
        let mut peak = 0.0f64;
        for path in KernelPath::ALL {
            if let Some(g) = fma_peak_gflops(path) {
                peak_lines.push(format!("{path} {g:.1} GFLOP/s"));
                peak = peak.max(g);
            }
        }
        Ok(Machine {
            model: field("model name").unwrap_or_else(|| "unknown CPU".into()),
            extensions: extensions.join(" "),
            selection,
            peak,
            peak_lines,
        })
    }

    /// The best SIMD path's peak measured again (the host's speed drifts).
    fn peak_now() -> Option<f64> {
        handgrad_tensor::cpu::fma_peak_gflops(handgrad_tensor::cpu::KernelPath::best())
    }

    fn header(&self) -> String {
        let sel = self.selection;
        let asked = sel.requested.as_deref().map(|r| format!(" (HANDGRAD_KERNELS={r})")).unwrap_or_default();
        format!(
            "CPU: {} [{}], {} logical CPUs; kernel path: {}{asked}; single-core f32 FMA peak: {}",
            self.model,
            self.extensions,
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            sel.active,
            if self.peak_lines.is_empty() { "n/a".into() } else { self.peak_lines.join(", ") }
        )
    }
}

/// Finds the numpy script and checks that the interpreter has numpy; `None` (with a clear
/// message) when numpy is missing.
fn find_numpy(args: &Args) -> anyhow::Result<Option<PathBuf>> {
    let root = crate::workspace_root();
    let script = match &args.peer {
        Some(p) => p.clone(),
        None => {
            let shared = root.join("../shared/peers/numpy_twolayer.py");
            if shared.exists() { shared } else { root.join("benches/peers/numpy_twolayer.py") }
        }
    };
    if !script.exists() {
        bail!("numpy script {} not found; pass --peer PATH or --no-numpy", script.display());
    }
    let ok = Command::new(&args.python).args(["-c", "import numpy"]).output().map(|o| o.status.success());
    if !matches!(ok, Ok(true)) {
        println!(
            "numpy is NOT installed for `{}`: timing handgrad only. Install it with \
             `{} -m pip install numpy` (or pass --python) to get the side-by-side ratio.",
            args.python, args.python
        );
        return Ok(None);
    }
    println!("numpy peer: {}", script.display());
    Ok(Some(script))
}

/// Runs the numpy script for `args.iters` steps and returns its milliseconds per step.
fn numpy_step_ms(args: &Args, script: &Path, dir: &Path, hidden: usize, threads: usize) -> anyhow::Result<f64> {
    let t = threads.to_string();
    let out = Command::new(&args.python)
        .arg(script)
        .arg(dir)
        .args(["--hidden", &hidden.to_string(), "--iters", &args.iters.to_string(), "--dtype", "float32"])
        .args(["--seed", &args.seed.to_string()])
        .envs([("OPENBLAS_NUM_THREADS", &t), ("MKL_NUM_THREADS", &t), ("OMP_NUM_THREADS", &t)])
        .output()
        .with_context(|| format!("could not run {} {}", args.python, script.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("numpy script failed ({}):\n{stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    }
    let sec = stdout
        .split_whitespace()
        .skip_while(|w| *w != "sec_per_iter")
        .nth(1)
        .and_then(|v| v.parse::<f64>().ok())
        .with_context(|| format!("no `sec_per_iter` in the numpy script's output:\n{stdout}"))?;
    Ok(1e3 * sec)
}

/// Chunks per round: handgrad's step and its GEMMs alone alternate chunk by chunk, so both
/// see the same machine.
const CHUNKS: usize = 10;

/// handgrad's training step and, alternating with it, the step's five products alone
/// ([`StepGemms`], on buffers of the step's shapes), `iters` times each after a warm-up:
/// milliseconds per step of each (medians over the chunks). The step is the one training runs:
/// a [`Step`] of the notebook's plain SGD on the two-layer net (draw, gather, fused `train_step`).
fn our_step_and_gemm_ms(train: &CifarSplit<'_, f32>, hidden: usize, iters: usize, seed: u64, par: Par) -> (f64, f64) {
    let mut rng: Rng = rng_from_seed(seed);
    let mut net = TwoLayerNet::<f32>::new(&TwoLayerConfig::cifar(hidden, 0.25), &mut rng);
    let update = UpdateRule::Sgd(Sgd::new(1e-3));
    let mut step = Step::new(&net, &update, Sampling::WithReplacement, BATCH);
    let mut run =
        |net: &mut TwoLayerNet<f32>, rng: &mut Rng| step.run(net, train, &update, rng, par, 0).unwrap_or(f64::NAN);
    let gemm_net = TwoLayerNet::<f32>::new(&TwoLayerConfig::cifar(hidden, 0.25), &mut rng_from_seed(seed));
    let gemm_x: Matrix<f32> = handgrad_tensor::init::randn(BATCH, 3072, 50.0, &mut rng_from_seed(seed + 1));
    let mut gemms = StepGemms::new(&gemm_net, BATCH);
    for _ in 0..iters.div_ceil(10).max(5) {
        run(&mut net, &mut rng);
        gemms.run(&gemm_net, &gemm_x, par);
    }
    let per_chunk = iters.div_ceil(CHUNKS).max(1);
    let (mut step_ms, mut gemm_ms, mut sink) = (Vec::new(), Vec::new(), 0.0);
    for _ in 0..CHUNKS {
        let t = Instant::now();
        for _ in 0..per_chunk {
            sink += run(&mut net, &mut rng);
        }
        step_ms.push(1e3 * t.elapsed().as_secs_f64() / per_chunk as f64);
        let t = Instant::now();
        for _ in 0..per_chunk {
            gemms.run(&gemm_net, &gemm_x, par);
        }
        gemm_ms.push(1e3 * t.elapsed().as_secs_f64() / per_chunk as f64);
    }
    std::hint::black_box(sink);
    (median(&mut step_ms), median(&mut gemm_ms))
}

/// Floating-point operations of one step's GEMMs.
fn step_flops(hidden: usize) -> u64 {
    let net = TwoLayerNet::<f32>::new(&TwoLayerConfig::cifar(hidden, 0.0), &mut rng_from_seed(0));
    StepGemms::flops(&net, BATCH)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) }
}

fn print_table(rows: &[Row], iters: usize, rounds: usize, machine: &Machine, peak: f64) {
    println!();
    println!("{}", machine.header());
    println!("medians of {rounds} alternating rounds of {iters} steps each (batch {BATCH}, f32, 3072→H→10);");
    println!("the two ratios are medians of the per-round ratios; % = GFLOP/s / (threads × {peak:.1} GFLOP/s peak)");
    println!(
        "{:>4} {:>7} | {:>12} {:>9} {:>8} {:>5} | {:>11} {:>6} {:>12} | {:>11} {:>6} {:>14}",
        "H",
        "threads",
        "handgrad ms",
        "images/s",
        "GFLOP/s",
        "%",
        "numpy ms",
        "%",
        "numpy/handgr",
        "GEMMs ms",
        "%",
        "step/GEMMs"
    );
    for r in rows {
        let flops = step_flops(r.hidden) as f64;
        let gflops = flops / (r.ours_ms * 1e6);
        let pct = |ms: f64| {
            if peak > 0.0 {
                format!("{:.0}", 100.0 * flops / (ms * 1e6) / (peak * r.threads as f64))
            } else {
                "n/a".into()
            }
        };
        let (np, np_pct, ratio) = match (r.numpy_ms, r.numpy_ratio) {
            (Some(n), Some(q)) => (format!("{n:.3}"), pct(n), format!("{q:.2}x")),
            _ => ("n/a".into(), "n/a".into(), "n/a".into()),
        };
        println!(
            "{:>4} {:>7} | {:>12.3} {:>9.0} {:>8.1} {:>5} | {:>11} {:>6} {:>12} | {:>11.3} {:>6} {:>13.2}x",
            r.hidden,
            r.threads,
            r.ours_ms,
            BATCH as f64 / (r.ours_ms * 1e-3),
            gflops,
            pct(r.ours_ms),
            np,
            np_pct,
            ratio,
            r.gemm_ms,
            pct(r.gemm_ms),
            r.gemm_ratio
        );
    }
}
