//! `cargo xtask train autoencoder`: a tied autoencoder on CIFAR-10 or the oil-flow data, measured
//! against the PCA optimum.
//!
//! The data are centred (CIFAR: per-pixel mean of the images used, then /255). The PCA oracle is
//! fitted to exactly the data fed to the model (`C = XᵀX/N`), so for the tied linear model the best
//! reachable loss is `L* = ½Σ_{j>m} λ_j(C)`. Training is a seeded mini-batch loop
//! ([`handgrad_autoencoder::train`]) with SGD, momentum or Adam and a step learning-rate schedule,
//! optionally followed by `--polish` full-batch gradient-descent steps at `lr = 1/(4λ₁)` (stable:
//! near the optimum the Hessian's largest eigenvalue is about `4λ₁`).
//!
//! The progress bar shows the full-data loss against `L*` (for the linear model it is evaluated from
//! `C`, `½ tr((WᵀW − I) C (WᵀW − I))`, which costs no pass over the data). The run folder
//! (default `runs/autoencoder-<data>-seed<seed>-<unix time>`) gets `metrics.csv`, `loss.svg`,
//! `gap.svg`, `summary.txt`/`summary.json` and, for CIFAR, `reconstructions.png` (images above
//! their reconstructions). The time to reach the target gap counts training steps only.

mod data;
mod report;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use handgrad_autoencoder::train::{StepInfo, TiedAutoencoder, TrainConfig, train};
use handgrad_autoencoder::{Activation, LinearCache, NonlinearCache, Pca, TiedLinearAe, TiedNonlinearAe};
use handgrad_nn::optim::{Adam, Momentum, Sgd, UpdateRule};
use handgrad_tensor::gemm::par_for_threads;
use handgrad_tensor::init::{Rng, randn, rng_from_seed};
use handgrad_tensor::{Matrix, Par, Scalar};
use indicatif::{ProgressBar, ProgressStyle};

use report::Point;

/// Which data to train on.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum DataSet {
    /// The first --n-images CIFAR-10 training images (3,072 dimensions, HWC order).
    Cifar,
    /// The oil-flow measurements (1,000 × 12).
    Oil,
}

/// Which autoencoder.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum ModelKind {
    /// Tied linear: ½‖WᵀW x − x‖² (the PCA optimum applies).
    Linear,
    /// ½‖f(Wᵀ f(W x)) − x‖² with f = sigmoid.
    Sigmoid,
    /// ... with f = tanh.
    Tanh,
    /// ... with f = ReLU.
    Relu,
    /// ... with f = identity (the linear model through the nonlinear code path).
    Identity,
}

/// The update rule.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum OptimizerKind {
    /// Plain SGD.
    Sgd,
    /// SGD with momentum 0.9.
    Momentum,
    /// Adam (β₁ = 0.9, β₂ = 0.999).
    Adam,
}

/// Flags of `cargo xtask train autoencoder`. Unset flags take per-data-set defaults (shown in
/// brackets as CIFAR / oil).
#[derive(clap::Args, Debug, serde::Serialize)]
pub struct Args {
    /// Data set.
    #[arg(long, value_enum, default_value_t = DataSet::Cifar)]
    pub data: DataSet,
    /// Folder holding the data (data_batch_*.bin or DataTrn.txt); otherwise an archive/folder to install
    /// from. Default: the copy under datasets/, installed first when missing (see fetch-cifar/fetch-oil).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Code size m [64 / 2].
    #[arg(long)]
    pub m: Option<usize>,
    /// CIFAR only: use the first N training images (mean-subtracted over them, /255).
    #[arg(long, default_value_t = 10_000)]
    pub n_images: usize,
    /// The model.
    #[arg(long, value_enum, default_value_t = ModelKind::Linear)]
    pub model: ModelKind,
    /// Update rule.
    #[arg(long, value_enum, default_value_t = OptimizerKind::Adam)]
    pub optimizer: OptimizerKind,
    /// Initial learning rate [Adam: 2e-3 / 1e-2; SGD: 0.25/λ₁; momentum: 0.025/λ₁].
    #[arg(long)]
    pub lr: Option<f64>,
    /// Optimiser steps [2000 / 3000].
    #[arg(long)]
    pub iters: Option<usize>,
    /// Mini-batch size; ≥ N means full batch [200 / 100].
    #[arg(long)]
    pub batch: Option<usize>,
    /// Multiply the learning rate by this every --decay-every steps [0.5 / 0.5].
    #[arg(long)]
    pub lr_decay: Option<f64>,
    /// Steps between learning-rate decays [250 / 500].
    #[arg(long)]
    pub decay_every: Option<usize>,
    /// Full-batch gradient-descent steps at lr = 1/(4λ₁) after training, linear model only [0 / 500].
    #[arg(long)]
    pub polish: Option<usize>,
    /// Evaluate the full-data loss every this many steps [50 / 50].
    #[arg(long)]
    pub eval_every: Option<usize>,
    /// Report the time to reach (L − L*)/L* ≤ this.
    #[arg(long, default_value_t = 0.01)]
    pub target_gap: f64,
    /// Stop training (before polishing) as soon as the target gap is reached.
    #[arg(long)]
    pub stop_at_target: bool,
    /// Standard deviation of the initial weights [1/√n].
    #[arg(long)]
    pub init_std: Option<f64>,
    /// Seed of the initial weights and the mini-batch order.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Threads for GEMMs and factorisations (1 = sequential).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Run folder (default: `runs/autoencoder-<data>-seed<seed>-<unix time>`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Hide the progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

/// Every hyperparameter after defaults are applied.
#[derive(Clone, Debug, serde::Serialize)]
struct Settings {
    m: usize,
    lr: f64,
    iters: usize,
    batch: usize,
    lr_decay: f64,
    decay_every: usize,
    polish: usize,
    eval_every: usize,
    init_std: f64,
}

impl Settings {
    fn resolve(args: &Args, n: usize, lambda1: f64) -> Self {
        let cifar = args.data == DataSet::Cifar;
        let lr = args.lr.unwrap_or(match args.optimizer {
            OptimizerKind::Adam if cifar => 2e-3,
            OptimizerKind::Adam => 1e-2,
            OptimizerKind::Sgd => 0.25 / lambda1,
            OptimizerKind::Momentum => 0.025 / lambda1,
        });
        Self {
            m: args.m.unwrap_or(if cifar { 64 } else { 2 }),
            lr,
            iters: args.iters.unwrap_or(if cifar { 2000 } else { 3000 }),
            batch: args.batch.unwrap_or(if cifar { 200 } else { 100 }),
            lr_decay: args.lr_decay.unwrap_or(0.5),
            decay_every: args.decay_every.unwrap_or(if cifar { 250 } else { 500 }),
            polish: if args.model == ModelKind::Linear {
                args.polish.unwrap_or(if cifar { 0 } else { 500 })
            } else {
                0
            },
            eval_every: args.eval_every.unwrap_or(50),
            init_std: args.init_std.unwrap_or(1.0 / (n as f64).sqrt()),
        }
    }

    fn rule(&self, kind: OptimizerKind) -> UpdateRule {
        match kind {
            OptimizerKind::Sgd => UpdateRule::Sgd(Sgd::new(self.lr)),
            OptimizerKind::Momentum => UpdateRule::Momentum(Momentum::new(self.lr)),
            OptimizerKind::Adam => UpdateRule::Adam(Adam::new(self.lr)),
        }
    }
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let root = crate::workspace_root();
    let par = par_for_threads(args.threads);
    let out = args.out.clone().unwrap_or_else(|| default_out(&root, &args));
    std::fs::create_dir_all(&out).with_context(|| format!("creating the run folder {}", out.display()))?;
    match args.data {
        DataSet::Cifar => {
            let dir = data::cifar_dir(args.data_dir.as_deref())?;
            let t = Instant::now();
            let (x, pre) = data::load_cifar(&dir, args.n_images)?;
            println!(
                "CIFAR-10: {} images × {} from {} in {:.1} s",
                x.rows(),
                x.cols(),
                dir.display(),
                t.elapsed().as_secs_f64()
            );
            let images = |w: &Matrix<f32>| -> Vec<Vec<u8>> { to_rgb(w, &pre) };
            run_on(&x, &args, &out, par, Some(&images))
        }
        DataSet::Oil => {
            let dir = data::oil_dir(args.data_dir.as_deref())?;
            let x = data::load_oil(&dir)?;
            println!("oil flow: {} × {} from {} (columns centred)", x.rows(), x.cols(), dir.display());
            run_on::<f64>(&x, &args, &out, par, None)
        }
    }
}

/// Rows (scaled, centred HWC) back to RGB bytes.
fn to_rgb(rows: &Matrix<f32>, pre: &handgrad_cifar::Preprocess<f32>) -> Vec<Vec<u8>> {
    rows.row_iter()
        .map(|r| {
            let unscaled: Vec<f32> = r.iter().map(|v| v * data::CIFAR_SCALE).collect();
            let mut rgb = vec![0u8; r.len()];
            pre.row_to_rgb(&unscaled, &mut rgb);
            rgb
        })
        .collect()
}

fn default_out(root: &Path, args: &Args) -> PathBuf {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let data = match args.data {
        DataSet::Cifar => "cifar",
        DataSet::Oil => "oil",
    };
    root.join("runs").join(format!("autoencoder-{data}-seed{}-{secs}", args.seed))
}

/// Rows of the data (scaled, centred) to RGB bytes, one `Vec` per row.
type ToRgb<'a> = &'a dyn Fn(&Matrix<f32>) -> Vec<Vec<u8>>;

/// The trained model's reconstruction map, rows to rows.
type Reconstruct<T> = Box<dyn Fn(&Matrix<T>) -> Matrix<T>>;

/// The images shown in `reconstructions.png`.
const SHOWN_IMAGES: usize = 10;

/// Trains on `x: (N, n)` and writes the run folder. `images` turns rows into RGB (CIFAR only).
fn run_on<T: Scalar>(x: &Matrix<T>, args: &Args, out: &Path, par: Par, images: Option<ToRgb<'_>>) -> Result<()> {
    let t = Instant::now();
    let pca = Pca::fit(x, par)?;
    let pca_seconds = t.elapsed().as_secs_f64();
    let s = Settings::resolve(args, x.cols(), pca.eigenvalues()[0]);
    anyhow::ensure!(s.m >= 1 && s.m <= x.cols(), "--m {} must be in 1..={}", s.m, x.cols());
    let optimum = pca.optimal_loss(s.m);
    let ev = pca.eigenvalues();
    println!(
        "PCA oracle ({pca_seconds:.1} s): λ₁ = {:.4}, λ_m = {:.4}, λ_(m+1) = {:.4}, tr C / 2 = {:.4}, L* = ½Σ_(j>{}) λ_j = {optimum:.6}",
        ev[0],
        ev[s.m - 1],
        ev.get(s.m).copied().unwrap_or(0.0),
        0.5 * ev.iter().sum::<f64>(),
        s.m
    );
    let mut rng = rng_from_seed(args.seed);
    let w0: Matrix<T> = randn(s.m, x.cols(), s.init_std, &mut rng);
    let config = TrainConfig {
        rule: s.rule(args.optimizer),
        batch_size: s.batch,
        iters: s.iters,
        lr_decay: s.lr_decay,
        decay_every: s.decay_every,
    };
    let target = Target { optimum, gap: args.target_gap, stop: args.stop_at_target };
    let bar = progress_bar(s.iters + s.polish, args.no_progress);
    let (fit, w, reconstruct): (Fit, Matrix<T>, Reconstruct<T>) = match args.model {
        ModelKind::Linear => {
            let mut ae = TiedLinearAe { w: w0, par };
            let mut fit =
                fit(&mut ae, x, &config, &mut rng, &|m| pca.loss(&m.w), s.eval_every, &target, &bar, Fit::default());
            if s.polish > 0 {
                let polish = TrainConfig {
                    rule: UpdateRule::Sgd(Sgd::new(0.25 / pca.eigenvalues()[0])),
                    batch_size: x.rows(),
                    iters: s.polish,
                    lr_decay: 1.0,
                    decay_every: 1,
                };
                let no_stop = Target { stop: false, ..target };
                fit = self::fit(&mut ae, x, &polish, &mut rng, &|m| pca.loss(&m.w), s.eval_every, &no_stop, &bar, fit);
            }
            let model = ae.clone();
            (fit, ae.w, Box::new(move |rows| model.reconstruct(rows)))
        }
        kind => {
            let f = activation(kind);
            let mut ae = TiedNonlinearAe { w: w0, activation: f, par };
            let fit = fit(
                &mut ae,
                x,
                &config,
                &mut rng,
                &|m| nonlinear_loss(m, x),
                s.eval_every,
                &target,
                &bar,
                Fit::default(),
            );
            let model = ae.clone();
            (fit, ae.w, Box::new(move |rows| model.forward(rows).1.y))
        }
    };
    bar.finish_and_clear();
    let summary = summarize(x, &pca, &w, &fit, &target, args, &s, pca_seconds)?;
    println!("{summary}");
    std::fs::write(out.join("summary.txt"), &summary)?;
    report::write_csv(&out.join("metrics.csv"), &fit.points, optimum)?;
    let title = format!("tied {:?} autoencoder, m = {}, {:?}", args.model, s.m, args.optimizer).to_lowercase();
    report::loss_svg(&out.join("loss.svg"), &fit.points, optimum, &title)?;
    report::gap_svg(&out.join("gap.svg"), &fit.points, optimum, args.target_gap, &title)?;
    let json = serde_json::json!({ "args": args, "settings": s, "points": fit.points, "target_hit": fit.hit,
        "pca_optimum": optimum, "pca_seconds": pca_seconds, "train_seconds": fit.train_seconds });
    std::fs::write(out.join("summary.json"), serde_json::to_string_pretty(&json)?)?;
    if let Some(images) = images {
        let shown = Matrix::from_vec(SHOWN_IMAGES, x.cols(), x.as_slice()[..SHOWN_IMAGES * x.cols()].to_vec());
        let recon = reconstruct(&shown);
        report::image_grid_png(&out.join("reconstructions.png"), &images(&shown.cast()), &images(&recon.cast()), 3)?;
    }
    println!("run folder: {}", out.display());
    Ok(())
}

fn activation(kind: ModelKind) -> Activation {
    match kind {
        ModelKind::Sigmoid => Activation::Sigmoid,
        ModelKind::Tanh => Activation::Tanh,
        ModelKind::Relu => Activation::Relu,
        ModelKind::Identity | ModelKind::Linear => Activation::Identity,
    }
}

/// The stopping/recording target: `(L − L*)/L* ≤ gap`.
#[derive(Clone, Copy, Debug)]
struct Target {
    optimum: f64,
    gap: f64,
    stop: bool,
}

/// The evaluations of a run and when the target was first met.
#[derive(Clone, Debug, Default)]
struct Fit {
    points: Vec<Point>,
    hit: Option<Point>,
    steps: usize,
    train_seconds: f64,
}

/// Trains `model`, evaluating `eval` (the full-data loss) every `eval_every` steps; continues the
/// counts of `prev` (so a polishing phase extends the same curve).
fn fit<T: Scalar, M: TiedAutoencoder<T>>(
    model: &mut M,
    x: &Matrix<T>,
    config: &TrainConfig,
    rng: &mut Rng,
    eval: &dyn Fn(&M) -> f64,
    eval_every: usize,
    target: &Target,
    bar: &ProgressBar,
    prev: Fit,
) -> Fit {
    let Fit { mut points, mut hit, steps: offset, mut train_seconds } = prev;
    if points.is_empty() {
        points.push(Point { iter: 0, train_seconds: 0.0, batch_loss: f64::NAN, full_loss: eval(model), lr: 0.0 });
    }
    let mut last = Instant::now();
    let steps = train(model, x, config, rng, |m, info: StepInfo| {
        train_seconds += last.elapsed().as_secs_f64();
        let mut flow = ControlFlow::Continue(());
        if info.iter.is_multiple_of(eval_every.max(1)) || info.iter == config.iters {
            let full_loss = eval(m);
            let p =
                Point { iter: offset + info.iter, train_seconds, batch_loss: info.batch_loss, full_loss, lr: info.lr };
            points.push(p);
            let gap = (full_loss - target.optimum) / target.optimum;
            bar.set_message(format!(
                "loss {full_loss:.6} | PCA optimum {:.6} | gap {:.3}%",
                target.optimum,
                100.0 * gap
            ));
            if gap <= target.gap && hit.is_none() {
                hit = Some(p);
                if target.stop {
                    flow = ControlFlow::Break(());
                }
            }
        }
        bar.set_position((offset + info.iter) as u64);
        last = Instant::now();
        flow
    });
    Fit { points, hit, steps: offset + steps, train_seconds }
}

fn progress_bar(len: usize, hidden: bool) -> ProgressBar {
    if hidden {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("[{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, eta {eta}) {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

/// Rows per chunk when evaluating a loss over all the data (bounds the temporaries).
const EVAL_CHUNK: usize = 1000;

/// `(1/2N) Σ_i ‖x̂_i − x_i‖²` over all rows, accumulated in f64, for any reconstruction map.
fn chunked_loss<T: Scalar>(x: &Matrix<T>, mut residual_sq: impl FnMut(&Matrix<T>) -> f64) -> f64 {
    let n = x.cols();
    let mut total = 0.0;
    for start in (0..x.rows()).step_by(EVAL_CHUNK) {
        let end = (start + EVAL_CHUNK).min(x.rows());
        let chunk = Matrix::from_vec(end - start, n, x.as_slice()[start * n..end * n].to_vec());
        total += residual_sq(&chunk);
    }
    total / (2 * x.rows()) as f64
}

fn nonlinear_loss<T: Scalar>(ae: &TiedNonlinearAe<T>, x: &Matrix<T>) -> f64 {
    let mut cache = NonlinearCache::new();
    chunked_loss(x, |chunk| {
        ae.forward_into(chunk, &mut cache);
        cache.y.as_slice().iter().zip(chunk.as_slice()).map(|(&y, &v)| (y - v).to_f64().powi(2)).sum()
    })
}

fn linear_loss<T: Scalar>(w: &Matrix<T>, x: &Matrix<T>, par: Par) -> f64 {
    let ae = TiedLinearAe { w: w.clone(), par };
    let mut cache = LinearCache::new();
    chunked_loss(x, |chunk| {
        ae.forward_into(chunk, &mut cache);
        cache.r.as_slice().iter().map(|r| r.to_f64().powi(2)).sum()
    })
}

/// The text report: settings, time to target, and the PCA comparison of the final weights.
fn summarize<T: Scalar>(
    x: &Matrix<T>,
    pca: &Pca,
    w: &Matrix<T>,
    fit: &Fit,
    target: &Target,
    args: &Args,
    s: &Settings,
    pca_seconds: f64,
) -> Result<String> {
    use std::fmt::Write as _;
    let mut out = String::new();
    writeln!(out, "data {:?}: N = {}, n = {}, m = {}, model {:?}", args.data, x.rows(), x.cols(), s.m, args.model)?;
    writeln!(
        out,
        "optimizer {:?}, lr {:.3e} ×{} every {} steps, batch {}, {} steps + {} polish (full-batch GD, lr 1/(4λ₁)), seed {}, threads {}",
        args.optimizer, s.lr, s.lr_decay, s.decay_every, s.batch, s.iters, s.polish, args.seed, args.threads
    )?;
    writeln!(out, "PCA oracle fit: {pca_seconds:.2} s; training steps: {} in {:.2} s", fit.steps, fit.train_seconds)?;
    match fit.hit {
        Some(p) => writeln!(
            out,
            "reached (L − L*)/L* ≤ {} at step {} after {:.2} s of training (loss {:.6}, L* {:.6})",
            target.gap, p.iter, p.train_seconds, p.full_loss, target.optimum
        )?,
        None => writeln!(out, "did NOT reach (L − L*)/L* ≤ {} in {} steps", target.gap, fit.steps)?,
    }
    let direct = final_loss(x, w, args.model);
    writeln!(out, "final loss over all N rows (direct, f64 sums): {direct:.12e}")?;
    writeln!(out, "relative gap (direct − L*)/L*: {:.3e}", (direct - target.optimum) / target.optimum)?;
    if args.model == ModelKind::Linear {
        let cmp = pca.compare(w)?;
        writeln!(out, "{cmp}")?;
        let a = &cmp.principal_angles; // ascending
        writeln!(
            out,
            "principal angles (rad): median {:.3e}, 90th percentile {:.3e}, max {:.3e}; {} of {} below 0.1",
            a[a.len() / 2],
            a[(9 * a.len()) / 10],
            cmp.max_angle(),
            a.iter().filter(|&&t| t < 0.1).count(),
            a.len()
        )?;
        let show = cmp.wcw_eigenvalues.len().min(4);
        writeln!(out, "eig(WCWᵀ)[..{show}] = {:?}", &cmp.wcw_eigenvalues[..show])?;
        writeln!(out, "λ[..{show}]         = {:?}", &cmp.top_eigenvalues[..show])?;
    }
    Ok(out)
}

/// The loss of the final weights over all rows, computed directly (not from `C`).
fn final_loss<T: Scalar>(x: &Matrix<T>, w: &Matrix<T>, model: ModelKind) -> f64 {
    match model {
        ModelKind::Linear => linear_loss(w, x, Par::Seq),
        kind => nonlinear_loss(&TiedNonlinearAe { w: w.clone(), activation: activation(kind), par: Par::Seq }, x),
    }
}
