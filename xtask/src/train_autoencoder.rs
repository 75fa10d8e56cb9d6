//! `cargo xtask train autoencoder`: a tied autoencoder on CIFAR-10 or the oil-flow data, measured
//! against the PCA optimum.
//!
//! Thin: flags → the defaults table below → [`handgrad_autoencoder::fit`] (the one training loop,
//! the full-data loss every `--eval-every` iterations, the optional polish) → the run folder.
//! The data are centred (CIFAR: per-pixel mean of the images used, then /255). The PCA oracle is
//! fitted to exactly the data fed to the model (`C = XᵀX/N`), so for the tied linear model the best
//! reachable loss is `L* = ½Σ_{j>m} λ_j(C)`; for the linear model the progress bar's loss is
//! evaluated from `C` ([`Pca::loss`], no pass over the data). The run folder gets `metrics.csv`,
//! `loss.svg`, `gap.svg`, `summary.txt`/`summary.json` and, for CIFAR, `reconstructions.png`
//! (images above their reconstructions). The time to reach the target gap counts training
//! iterations only.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};
use handgrad_autoencoder::fit::{Fit, FitConfig, Measure, Point, data_loss, fit};
use handgrad_autoencoder::{Activation, Pca, TiedLinearAe, TiedNonlinearAe};
use handgrad_cifar::{Cifar10, Layout, PixelMean, Preprocess};
use handgrad_data::locate::Dataset;
use handgrad_fcnet::checkpoint;
use handgrad_nn::optim::UpdateKind;
use handgrad_nn::solver::InMemory;
use handgrad_tensor::gemm::par_for_threads;
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, Par, Scalar, ops};
use indicatif::{ProgressBar, ProgressStyle};

use crate::args::{OptimArgs, RunArgs, activations};
use crate::report::html::{Page, REPORT};
use crate::report::{autoencoder_plots, images};
use crate::run_dir::{self, BEST, Existing, LAST};
use crate::run_log::CsvLog;

/// CIFAR pixels are divided by this after the mean is subtracted: values in about [−1, 1].
const CIFAR_SCALE: f32 = 255.0;

/// The images shown in `reconstructions.png`.
const SHOWN_IMAGES: usize = 10;

/// Which data to train on.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum DataSet {
    /// The first --n-images CIFAR-10 training images (3,072 dimensions, HWC order).
    Cifar,
    /// The oil-flow measurements (1,000 × 12).
    Oil,
}

/// Flags of `cargo xtask train autoencoder`. Unset flags take the defaults table below (CIFAR /
/// oil).
#[derive(clap::Args, Debug)]
#[command(after_long_help = AFTER_HELP)]
pub struct Args {
    /// The dataset.
    #[arg(long, value_enum, default_value_t = DataSet::Cifar)]
    pub dataset: DataSet,
    /// Code size m, at least 1 and below the rank of the centred data (at m ≥ rank the PCA
    /// optimum is 0 and the relative gap undefined) [64 / 2].
    #[arg(long, value_parser = crate::args::positive)]
    pub m: Option<usize>,
    /// CIFAR only: use the first N training images, 2..=50,000 (mean-subtracted over them, /255).
    #[arg(long, default_value_t = 10_000, value_parser = n_images)]
    pub n_images: usize,
    /// The nonlinearity f of ½‖f(Wᵀ f(W x)) − x‖²; none (the default) is the tied linear model,
    /// whose optimum is PCA's.
    #[arg(long, value_parser = activations())]
    pub activation: Option<String>,
    /// Update rule, learning rate, decay factor, batch size (1..=N; N: full batch), iterations,
    /// weight scale [adam; lr: adam and rmsprop 2e-3 / 1e-2, sgd 0.25/λ₁, momentum and nesterov 0.025/λ₁;
    /// decay 0.5; batch 200 / 100; 2000 / 3000 iterations; weight scale 1/√n].
    #[command(flatten)]
    pub optim: OptimArgs,
    /// Iterations between learning-rate decays [250 / 500].
    #[arg(long, value_parser = crate::args::positive)]
    pub decay_every: Option<usize>,
    /// Full-batch gradient-descent iterations at lr = 1/(4λ₁) after training, 0..=10,000,000;
    /// linear model only [0 / 500].
    #[arg(long, value_parser = crate::args::iterations_or_zero)]
    pub polish: Option<usize>,
    /// Evaluate the full-data loss every this many iterations (default 50).
    #[arg(long, value_parser = crate::args::positive)]
    pub eval_every: Option<usize>,
    /// Report the time to reach (L − L*)/L* ≤ this (a finite number > 0).
    #[arg(long, default_value_t = 0.01, value_parser = crate::args::positive_real)]
    pub target_gap: f64,
    /// Stop training (before polishing) as soon as the target gap is reached.
    #[arg(long)]
    pub stop_at_target: bool,
    /// Seed (initial weights, minibatch order), threads, data, run folder, progress.
    #[command(flatten)]
    pub run: RunArgs,
}

const AFTER_HELP: &str = "\
Examples:
  cargo xtask train autoencoder                                   # linear, CIFAR, m = 64
  cargo xtask train autoencoder --dataset oil --polish 500        # to the PCA optimum to rounding
  cargo xtask train autoencoder --dataset oil --activation tanh --iters 5000";

/// Every hyperparameter after the defaults table is applied.
#[derive(Clone, Debug, serde::Serialize)]
struct Settings {
    m: usize,
    update: &'static str,
    lr: f64,
    iters: usize,
    batch_size: usize,
    lr_decay: f64,
    decay_every: usize,
    polish: usize,
    eval_every: usize,
    weight_scale: f64,
}

impl Settings {
    /// The defaults table (CIFAR / oil), overridden by the flags; `n` the data dimension.
    fn resolve(args: &Args, n: usize, lambda1: f64) -> Self {
        let (cifar, o) = (args.dataset == DataSet::Cifar, &args.optim);
        let update = o.update_kind().unwrap_or(UpdateKind::Adam);
        let lr = o.lr.unwrap_or(match update {
            UpdateKind::Adam | UpdateKind::AdamW | UpdateKind::RmsProp if cifar => 2e-3,
            UpdateKind::Adam | UpdateKind::AdamW | UpdateKind::RmsProp => 1e-2,
            UpdateKind::Sgd => 0.25 / lambda1,
            UpdateKind::Momentum | UpdateKind::Nesterov => 0.025 / lambda1,
        });
        Self {
            m: args.m.unwrap_or(if cifar { 64 } else { 2 }),
            update: update.name(),
            lr,
            iters: o.iters.unwrap_or(if cifar { 2000 } else { 3000 }),
            batch_size: o.batch_size.unwrap_or(if cifar { 200 } else { 100 }),
            lr_decay: o.lr_decay.unwrap_or(0.5),
            decay_every: args.decay_every.unwrap_or(if cifar { 250 } else { 500 }),
            polish: if args.activation.is_none() { args.polish.unwrap_or(if cifar { 0 } else { 500 }) } else { 0 },
            eval_every: args.eval_every.unwrap_or(50),
            weight_scale: o.weight_scale.unwrap_or(1.0 / (n as f64).sqrt()),
        }
    }

    fn fit_config(&self, n_rows: usize, args: &Args) -> FitConfig {
        let update = UpdateKind::from_name(self.update).expect("a known rule").with_lr(self.lr);
        let mut c = FitConfig::minibatch(
            update,
            n_rows,
            self.batch_size,
            self.iters,
            self.lr_decay,
            self.decay_every,
            self.eval_every,
            args.target_gap,
        );
        c.stop_at_target = args.stop_at_target;
        c
    }
}

/// Eigenvalues of `C` at most this fraction of `λ₁` are zero to rounding: they do not count
/// towards the rank of the centred data.
const RANK_TOL: f64 = 1e-10;

fn n_images(s: &str) -> Result<usize, String> {
    crate::args::whole_in(s, 2, handgrad_cifar::TRAIN_FILES.len() * handgrad_cifar::RECORDS_PER_FILE)
}

/// Runs the command: the flags are checked, the data is loaded and checked against them (batch
/// size, code size against the data's rank), then the run folder is created and training starts.
pub fn run(args: Args) -> Result<()> {
    let par = par_for_threads(args.run.threads);
    if args.activation.is_some() && args.polish.is_some() {
        bail!(
            "--polish applies to the linear model only (its full-batch steps use the PCA oracle's λ₁); drop --polish or --activation"
        );
    }
    match args.dataset {
        DataSet::Cifar => {
            let dir = crate::fetch::cifar_dir(args.run.data.as_deref())?;
            let t = Instant::now();
            let (x, pre) = load_cifar(&dir, args.n_images)?;
            println!(
                "CIFAR-10: {} images × {} from {} in {:.1} s",
                x.rows(),
                x.cols(),
                dir.display(),
                t.elapsed().as_secs_f64()
            );
            let to_rgb = |rows: &Matrix<f32>| -> Vec<Vec<u8>> { to_rgb(rows, &pre) };
            run_on(x, &args, par, Some(&to_rgb))
        }
        DataSet::Oil => {
            let dir = crate::fetch::oil_dir(args.run.data.as_deref())?;
            let loaded =
                handgrad_data::oil::load(&dir).map_err(|e| crate::fetch::reader_failed(Dataset::Oil, &dir, e.into()));
            let mut x = loaded?.y;
            if (1..x.rows()).all(|i| x.row(i) == x.row(0)) {
                let file = handgrad_data::oil::DATA_FILE;
                bail!(
                    "{}: all {} rows of {file} are equal: there is nothing to reconstruct; use other data",
                    dir.display(),
                    x.rows()
                );
            }
            handgrad_tensor::stats::center_columns(&mut x);
            println!("oil flow: {} × {} from {} (columns centred)", x.rows(), x.cols(), dir.display());
            run_on::<f64>(x, &args, par, None)
        }
    }
}

/// Checks the code size `m` against the centred data `x: (N, n)`: `m` below the data's rank (the
/// eigenvalues of `C` above [`RANK_TOL`]·λ₁), so that the PCA optimum `L*` is positive and the
/// relative gap `(L − L*)/L*` defined.
fn check_code_size<T: Scalar>(m: usize, pca: &Pca, x: &Matrix<T>) -> Result<()> {
    let ev = pca.eigenvalues();
    let (n_rows, n) = x.shape();
    let rank = if ev[0] > 0.0 { ev.iter().filter(|&&l| l > RANK_TOL * ev[0]).count() } else { 0 };
    if rank == 0 {
        bail!(
            "the {n_rows} rows are all equal after centring (no variance): there is nothing to reconstruct; use other data"
        );
    }
    if m >= rank {
        let fix = if rank > 1 { format!("use --m {} or less", rank - 1) } else { "use more rows".to_string() };
        bail!(
            "--m {m}: the centred data ({n_rows} rows × {n} columns) has rank {rank}, so for m ≥ {rank} the PCA optimum \
             L* = ½Σ_(j>m) λ_j is 0 (here {:.3e}) and the relative gap (L − L*)/L* is undefined; {fix}",
            pca.optimal_loss(m.min(n))
        );
    }
    Ok(())
}

fn dataset_name(d: DataSet) -> &'static str {
    match d {
        DataSet::Cifar => "cifar",
        DataSet::Oil => "oil",
    }
}

/// The first `n` CIFAR-10 training images, HWC rows, mean-subtracted (mean of those `n`), /255,
/// and the preprocessing that maps a row back to RGB bytes (after multiplying by 255).
fn load_cifar(dir: &Path, n: usize) -> Result<(Matrix<f32>, Preprocess<f32>)> {
    let data = Cifar10::open(dir)
        .with_context(|| format!("opening CIFAR-10 in {}", dir.display()))
        .map_err(|e| crate::fetch::reader_failed(Dataset::Cifar10, dir, e))?;
    let total = data.train.len();
    ensure!(
        n >= 1 && n <= total,
        "--n-images {n}: the training set in {} has {total} images; pick 1..={total}",
        dir.display()
    );
    let pre = Preprocess::<f32>::new(&PixelMean::of(&data.train, 0..n), Layout::Hwc);
    let (mut x, _labels) = pre.to_matrix(&data.train, 0..n);
    ops::scale(&mut x, 1.0 / CIFAR_SCALE);
    Ok((x, pre))
}

/// Rows (scaled, centred HWC) back to RGB bytes.
fn to_rgb(rows: &Matrix<f32>, pre: &Preprocess<f32>) -> Vec<Vec<u8>> {
    rows.row_iter()
        .map(|r| {
            let unscaled: Vec<f32> = r.iter().map(|v| v * CIFAR_SCALE).collect();
            let mut rgb = vec![0u8; r.len()];
            pre.row_to_rgb(&unscaled, &mut rgb);
            rgb
        })
        .collect()
}

/// Rows of the data (scaled, centred) to RGB bytes, one `Vec` per row.
type ToRgb<'a> = &'a dyn Fn(&Matrix<f32>) -> Vec<Vec<u8>>;

/// The run folder of an autoencoder run as it goes: `metrics.csv` appended and flushed at every
/// evaluation (every `--eval-every` iterations), `last.safetensors` (W at the latest evaluation)
/// and `best.safetensors` (W of the lowest full-data loss) written atomically, `summary.json`
/// (state `running`, then `finished`, `diverged` or `interrupted`), the plots and `report.html`.
struct AeRun<'a> {
    out: &'a Path,
    log: CsvLog,
    optimum: f64,
    target_gap: f64,
    title: String,
    settings: serde_json::Value,
    best: f64,
    points: Vec<Point>,
    failure: Option<anyhow::Error>,
}

impl AeRun<'_> {
    /// Records evaluation `p` of the model with weights `w` (see the struct docs).
    fn point<T: Scalar>(&mut self, p: &Point, w: &Matrix<T>) {
        if self.failure.is_some() {
            return;
        }
        self.points.push(*p);
        if let Err(e) = self.record(p, w) {
            self.failure = Some(e);
        }
    }

    fn record<T: Scalar>(&mut self, p: &Point, w: &Matrix<T>) -> Result<()> {
        self.log.line(&autoencoder_plots::csv_line(p, self.optimum))?;
        self.log.flush()?;
        let meta = BTreeMap::from([
            ("iteration".to_string(), p.iter.to_string()),
            ("full_loss".into(), p.full_loss.to_string()),
        ]);
        let json = self.settings.to_string();
        checkpoint::save(&self.out.join(LAST), AE_KIND, &json, &[("W", w)], &meta)?;
        if p.full_loss < self.best {
            self.best = p.full_loss;
            checkpoint::save(&self.out.join(BEST), AE_KIND, &json, &[("W", w)], &meta)?;
        }
        self.status("running", None)
    }

    /// The plots, `summary.json` (for a run that is not finished) and `report.html`.
    fn status(&self, state: &str, note: Option<&str>) -> Result<()> {
        self.plots()?;
        let last = self.points.last();
        let json = serde_json::json!({ "state": state, "note": note, "settings": self.settings,
            "last_point": last.map(point_json), "pca_optimum": self.optimum, "command": run_dir::command_line() });
        let mut text = format!("state: {state}\n");
        if let Some(p) = last {
            let gap = (p.full_loss - self.optimum) / self.optimum;
            let _ = writeln!(
                text,
                "iteration {}: full-data loss {:.6} (PCA optimum {:.6}, gap {gap:.3e})",
                p.iter, p.full_loss, self.optimum
            );
        }
        if let Some(n) = note {
            let _ = writeln!(text, "{n}");
        }
        run_dir::write_summary(self.out, &json, &text)?;
        self.report(state, &text)
    }

    fn plots(&self) -> Result<()> {
        autoencoder_plots::loss_svg(&self.out.join("loss.svg"), &self.points, self.optimum, &self.title)?;
        autoencoder_plots::gap_svg(&self.out.join("gap.svg"), &self.points, self.optimum, self.target_gap, &self.title)
    }

    fn report(&self, state: &str, text: &str) -> Result<()> {
        let mut page = Page::new(&format!("{} — {state}", self.title), state == "running");
        page.heading(if state == "finished" { "Summary" } else { "State" });
        page.pre(text);
        page.heading("Settings");
        let rows: Vec<(&str, String)> =
            self.settings.as_object().into_iter().flatten().map(|(k, v)| (k.as_str(), v.to_string())).collect();
        page.pairs(&rows);
        page.heading("Loss against the PCA optimum");
        page.image_file(&self.out.join("loss.svg"), "full-data loss and the PCA optimum L*");
        page.image_file(&self.out.join("gap.svg"), "relative gap (L − L*)/L*");
        if self.out.join("reconstructions.png").exists() {
            page.heading("Reconstructions");
            page.image_file(&self.out.join("reconstructions.png"), "images (top) and their reconstructions (bottom)");
        }
        page.write(&self.out.join(REPORT))
    }
}

/// The `model` kind of autoencoder checkpoints (one tensor `W: (m, n)`).
const AE_KIND: &str = "tied-autoencoder";

/// Trains on `x: (N, n)` and writes the run folder. `images` turns rows into RGB (CIFAR only).
fn run_on<T: Scalar>(x: Matrix<T>, args: &Args, par: Par, images: Option<ToRgb<'_>>) -> Result<()> {
    let rows = x.rows();
    if let Some(b) = args.optim.batch_size.filter(|&b| b > rows) {
        bail!("--batch-size {b}: the data has {rows} rows; pick 1..={rows} ({rows}: full batch)");
    }
    let t = Instant::now();
    let pca = Pca::fit(&x, par)?;
    let pca_seconds = t.elapsed().as_secs_f64();
    let s = Settings::resolve(args, x.cols(), pca.eigenvalues()[0]);
    check_code_size(s.m, &pca, &x)?;
    let optimum = pca.optimal_loss(s.m);
    print_oracle(&pca, s.m, pca_seconds);
    let kind = format!("autoencoder-{}-{}", dataset_name(args.dataset), args.activation.as_deref().unwrap_or("linear"));
    let existing = if args.run.overwrite { Existing::Overwrite } else { Existing::Refuse };
    let dir = run_dir::open(args.run.out.as_deref(), &kind, args.run.seed, existing, 32 << 20)?;
    let out = dir.path();
    let mut rng = rng_from_seed(args.run.seed);
    let w0: Matrix<T> = randn(s.m, x.cols(), s.weight_scale, &mut rng);
    let data = InMemory::unlabelled(x);
    let config = s.fit_config(data.x.rows(), args);
    let bar = progress_bar(s.iters + s.polish, args.run.quiet);
    let clock = Instant::now();
    let elapsed = || clock.elapsed().as_secs_f64();
    let title =
        format!("tied {} autoencoder, m = {}, {}", args.activation.as_deref().unwrap_or("linear"), s.m, s.update);
    let settings = serde_json::json!({ "dataset": args.dataset, "activation": args.activation, "settings": s,
        "seed": args.run.seed, "threads": args.run.threads });
    let log = CsvLog::create(&out.join("metrics.csv"), autoencoder_plots::CSV_HEADER, [])?;
    let mut run = AeRun {
        out,
        log,
        optimum,
        target_gap: args.target_gap,
        title: title.clone(),
        settings,
        best: f64::INFINITY,
        points: Vec::new(),
        failure: None,
    };
    run.status("running", None)?;
    crate::interrupt::install();
    let stop = crate::interrupt::requested;
    let mut show = |p: &Point, w: &Matrix<T>| {
        bar.set_position(p.iter as u64);
        let gap = 100.0 * (p.full_loss - optimum) / optimum;
        bar.set_message(format!("loss {:.6} | PCA optimum {optimum:.6} | gap {gap:.3}%", p.full_loss));
        run.point(p, w);
    };
    let fitted = match args.activation.as_deref().and_then(Activation::from_name) {
        None => {
            let mut ae = TiedLinearAe::new(w0);
            let mut full = |m: &mut TiedLinearAe<T>| pca.loss(&m.w);
            let mut measure = Measure { optimum, full_loss: &mut full, clock: &elapsed, stop: &stop };
            let fitted =
                fit(&mut ae, &data, &config, &mut measure, Fit::default(), &mut rng, par, |p, m| show(p, &m.w));
            let fitted = fitted.and_then(|record| {
                if s.polish == 0 || record.stopped {
                    return Ok(record);
                }
                let polish = FitConfig::polish(&pca, data.x.rows(), s.polish, s.eval_every, args.target_gap);
                fit(&mut ae, &data, &polish, &mut measure, record, &mut rng, par, |p, m| show(p, &m.w))
            });
            let shown = reconstruct_shown(&data.x, images.is_some(), |rows| ae.reconstruct(rows));
            fitted.map(|record| (record, ae.w, shown))
        }
        Some(f) => {
            let mut ae = TiedNonlinearAe::new(w0, f);
            let mut full = |m: &mut TiedNonlinearAe<T>| data_loss(m, &data, par);
            let mut measure = Measure { optimum, full_loss: &mut full, clock: &elapsed, stop: &stop };
            let fitted =
                fit(&mut ae, &data, &config, &mut measure, Fit::default(), &mut rng, par, |p, m| show(p, &m.w));
            let shown = reconstruct_shown(&data.x, images.is_some(), |rows| ae.reconstruct(rows));
            fitted.map(|record| (record, ae.w, shown))
        }
    };
    bar.finish_and_clear();
    if let Some(e) = run.failure.take() {
        return Err(e.context(format!("the run in {} stopped: a file could not be written", out.display())));
    }
    let (fit_record, w, shown) = match fitted {
        Ok(f) => f,
        Err(e) => {
            let note = format!("{e}; kept: metrics.csv and {LAST}/{BEST} of the evaluations before it");
            run.status("diverged", Some(&note))?;
            return Err(anyhow::Error::new(e).context(format!("the run in {} diverged", out.display())));
        }
    };
    write_images(out, images, shown)?;
    if fit_record.stopped {
        let note = format!(
            "interrupted (Ctrl-C) after {} iterations; what was measured is in {} (metrics.csv, {LAST}, report.html); \
             autoencoder runs are short and start again from scratch",
            fit_record.steps,
            out.display()
        );
        run.status("interrupted", Some(&note))?;
        println!("{note}");
        run_dir::exit_interrupted(out);
    }
    let summary = summarize(&data, &pca, &w, &fit_record, optimum, args, &s, pca_seconds)?;
    println!("{summary}");
    autoencoder_plots::write_csv(&out.join("metrics.csv"), &fit_record.points, optimum)?;
    run.plots()?;
    let json = serde_json::json!({ "state": "finished", "dataset": args.dataset, "activation": args.activation, "settings": s,
        "seed": args.run.seed, "threads": args.run.threads, "points": fit_record.points.iter().map(point_json).collect::<Vec<_>>(),
        "target_hit": fit_record.hit.as_ref().map(point_json), "pca_optimum": optimum, "pca_seconds": pca_seconds,
        "command": run_dir::command_line() });
    run_dir::write_summary(out, &json, &summary)?;
    run.report("finished", &summary)?;
    println!("run folder: {} (open report.html)", out.display());
    Ok(())
}

fn point_json(p: &Point) -> serde_json::Value {
    serde_json::json!({ "iter": p.iter, "train_seconds": p.train_seconds, "batch_loss": p.batch_loss,
        "full_loss": p.full_loss, "lr": p.lr })
}

/// The first [`SHOWN_IMAGES`] rows and their reconstructions, when pictures are wanted.
fn reconstruct_shown<T: Scalar>(
    x: &Matrix<T>,
    wanted: bool,
    reconstruct: impl Fn(&Matrix<T>) -> Matrix<T>,
) -> Option<(Matrix<T>, Matrix<T>)> {
    if !wanted {
        return None;
    }
    let k = SHOWN_IMAGES.min(x.rows());
    let shown = Matrix::from_vec(k, x.cols(), x.as_slice()[..k * x.cols()].to_vec());
    let recon = reconstruct(&shown);
    Some((shown, recon))
}

/// `reconstructions.png`: the shown images (top row) above their reconstructions, ×3.
fn write_images<T: Scalar>(out: &Path, images: Option<ToRgb<'_>>, shown: Option<(Matrix<T>, Matrix<T>)>) -> Result<()> {
    let (Some(to_rgb), Some((shown, recon))) = (images, shown) else { return Ok(()) };
    let mut tiles = to_rgb(&shown.cast());
    tiles.extend(to_rgb(&recon.cast()));
    images::write_png(&out.join("reconstructions.png"), &images::tile_grid(&tiles, shown.rows()), 3)
}

fn print_oracle(pca: &Pca, m: usize, seconds: f64) {
    let ev = pca.eigenvalues();
    println!(
        "PCA oracle ({seconds:.1} s): λ₁ = {:.4}, λ_m = {:.4}, λ_(m+1) = {:.4}, tr C / 2 = {:.4}, L* = ½Σ_(j>{m}) λ_j = {:.6}",
        ev[0],
        ev[m - 1],
        ev.get(m).copied().unwrap_or(0.0),
        0.5 * ev.iter().sum::<f64>(),
        pca.optimal_loss(m)
    );
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

/// The text report: settings, time to target, and the PCA comparison of the final weights.
#[allow(clippy::too_many_arguments)]
fn summarize<T: Scalar>(
    data: &InMemory<T>,
    pca: &Pca,
    w: &Matrix<T>,
    fit: &Fit,
    optimum: f64,
    args: &Args,
    s: &Settings,
    pca_seconds: f64,
) -> Result<String> {
    let (x, act) = (&data.x, args.activation.as_deref().unwrap_or("linear"));
    let mut out = String::new();
    writeln!(out, "data {:?}: N = {}, n = {}, m = {}, model {act}", args.dataset, x.rows(), x.cols(), s.m)?;
    writeln!(
        out,
        "update {}, lr {:.3e} ×{} every {} iterations, batch {}, {} iterations + {} polish (full-batch GD, lr 1/(4λ₁)), seed {}, threads {}",
        s.update, s.lr, s.lr_decay, s.decay_every, s.batch_size, s.iters, s.polish, args.run.seed, args.run.threads
    )?;
    let train_seconds = fit.points.last().map_or(0.0, |p| p.train_seconds);
    writeln!(out, "PCA oracle fit: {pca_seconds:.2} s; training iterations: {} in {train_seconds:.2} s", fit.steps)?;
    match fit.hit {
        Some(p) => writeln!(
            out,
            "reached (L − L*)/L* ≤ {} at iteration {} after {:.2} s of training (loss {:.6}, L* {optimum:.6})",
            args.target_gap, p.iter, p.train_seconds, p.full_loss
        )?,
        None => writeln!(out, "did NOT reach (L − L*)/L* ≤ {} in {} iterations", args.target_gap, fit.steps)?,
    }
    let direct = match args.activation.as_deref().and_then(Activation::from_name) {
        None => data_loss(&mut TiedLinearAe::new(w.clone()), data, Par::Seq),
        Some(f) => data_loss(&mut TiedNonlinearAe::new(w.clone(), f), data, Par::Seq),
    };
    writeln!(out, "final loss over all N rows (direct, f64 sums): {direct:.12e}")?;
    writeln!(out, "relative gap (direct − L*)/L*: {:.3e}", (direct - optimum) / optimum)?;
    if args.activation.is_none() {
        write_comparison(&mut out, pca, w)?;
    }
    Ok(out)
}

/// The PCA comparison of the linear model's `w`.
fn write_comparison<T: Scalar>(out: &mut String, pca: &Pca, w: &Matrix<T>) -> Result<()> {
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
    Ok(())
}
