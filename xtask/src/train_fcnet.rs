//! `cargo xtask train fcnet`: train the two-layer or a fully connected net on CIFAR-10 and write a
//! run folder (metrics CSV, SVG plots, first-layer weight picture, checkpoint, summary).
//!
//! Thin: flags → a [`Recipe`] (starting from the model's defaults table, [`Recipe::defaults`]) →
//! [`handgrad_fcnet::train()`] → the run folder ([`crate::fcnet_run`]). Installs CIFAR-10 first when it
//! is missing. The homework's split: the first 49,000 training images train, the next 1,000
//! validate; the test batch is used when present (the development copy has none, and the summary
//! says so).
//!
//! The run folder is written as the run goes ([`crate::fcnet_run`]): logs, a checkpoint at every
//! epoch end, a summary that says `running` / `finished` / `diverged` / `interrupted`, and
//! `report.html`. Ctrl-C stops it cleanly; `--resume RUN_DIR` continues it from its
//! `last.safetensors` to the same end, bit for bit, and refuses a changed configuration (any flag
//! given that differs from the run's) or another dataset.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use handgrad_cifar::{Layout, SplitConfig};
use handgrad_data::locate::Dataset;
use handgrad_fcnet::{Checkpoint, CifarData, InputSpec, ModelKind, Recipe, Resumed, Trained, train_from};
use handgrad_nn::solver::{MAX_ITERS, TrainError};
use handgrad_tensor::Scalar;
use handgrad_tensor::gemm::par_for_threads;

use crate::args::{Hidden, OptimArgs, RecipeArgs, RunArgs, hidden_sizes, layouts, model_kinds};
use crate::explicit::Given;
use crate::fcnet_run::{Lifecycle, RunInfo};
use crate::report::evaluation;
use crate::report::html::{Page, REPORT};
use crate::run_dir::{self, Existing, LAST, RunDir};

/// Flags. Every value left out takes the default of the chosen `--model` (in brackets, see also
/// `handgrad_fcnet::recipe`).
#[derive(clap::Args, Debug, Clone)]
#[command(after_long_help = AFTER_HELP)]
pub struct Args {
    /// Which net: `two-layer` (affine–ReLU–affine–softmax, the two-layer notebook's plain SGD with
    /// minibatches drawn with replacement) or `fc` (any number of hidden layers, optional dropout
    /// and batchnorm, trained by the Solver with any update rule) (default: two-layer).
    #[arg(long, value_parser = model_kinds())]
    pub model: Option<String>,
    /// Start from a preset instead of the model's defaults; the other flags apply over it.
    /// `best`: the best fully connected recipe for a 15-minute run on 2 threads (implies
    /// --model fc; see `handgrad_fcnet::Recipe::best` and the README).
    #[arg(long, value_enum)]
    pub preset: Option<Preset>,
    /// Hidden layer sizes of the net, comma-separated (two-layer: exactly one) [two-layer: 300;
    /// fc: 100,100].
    #[arg(long, value_parser = hidden_sizes, value_name = "H1,H2,...")]
    pub hidden: Option<Hidden>,
    /// Update rule, learning rate, decay, batch size, iterations, weight scale
    /// [two-layer: sgd (the only one), lr 1e-3, decay 0.95 per epoch, batch 200, weight scale 1e-4;
    /// fc: adam, lr 1e-3, decay 0.95, batch 200, weight scale 1e-2].
    #[command(flatten)]
    pub optim: OptimArgs,
    /// L2 regularisation strength ≥ 0: the loss adds 0.5·reg·ΣW² over the weights [two-layer: 0.1;
    /// fc: 0].
    #[arg(long, value_parser = crate::args::non_negative_real)]
    pub reg: Option<f64>,
    /// Training length in epochs (one epoch = 49,000 / batch-size iterations), > 0 and at least
    /// one iteration [two-layer: 30; fc: 10].
    #[arg(long, conflicts_with = "iters", value_parser = crate::args::positive_real)]
    pub epochs: Option<f64>,
    /// fc only: probability in [0, 1) of dropping each hidden unit during training (inverted
    /// dropout) (default: 0, off).
    #[arg(long, value_parser = crate::args::dropout_probability)]
    pub dropout: Option<f64>,
    /// fc only: batch normalisation after every hidden affine layer.
    #[arg(long)]
    pub batchnorm: bool,
    /// How an image becomes a row: `hwc` (the two-layer notebook) or `chw` (the FC notebook)
    /// [two-layer: hwc; fc: chw].
    #[arg(long, value_parser = layouts())]
    pub layout: Option<String>,
    /// Augmentation, label smoothing, schedule, warm-up, weight decay (fc only).
    #[command(flatten)]
    pub recipe: RecipeArgs,
    /// Scalar type of parameters and data (default: f32).
    #[arg(long, value_enum)]
    pub dtype: Option<DtypeArg>,
    /// Do not train: load this checkpoint, evaluate it on the validation (and test) split and
    /// compare with the accuracy its run reported. The model, scalar type, layout and splits are
    /// the checkpoint's own, so no training flag may be given with it (only --data, --threads,
    /// --out). The evaluation (per-class accuracy, confusion matrices, misclassified images,
    /// predictions) goes to --out, or a new folder under runs/.
    #[arg(long, value_name = "FILE", conflicts_with_all = EVAL_CONFLICTS)]
    pub eval_checkpoint: Option<PathBuf>,
    /// Continue the interrupted run in RUN_DIR from its last.safetensors (same seed and thread
    /// count: the same end, bit for bit). Flags that change its configuration are refused.
    #[arg(long, value_name = "RUN_DIR", conflicts_with = "out")]
    pub resume: Option<PathBuf>,
    /// Seed, threads, data, run folder, progress.
    #[command(flatten)]
    pub run: RunArgs,
}

/// A starting recipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// The best fully connected recipe (`Recipe::best`).
    Best,
}

/// Scalar type of the parameters and data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DtypeArg {
    /// 32-bit floats (fast; the default).
    F32,
    /// 64-bit floats.
    F64,
}

/// The flags that make no sense with `--eval-checkpoint` (the checkpoint fixes what they set;
/// `--out` is where its evaluation goes).
const EVAL_CONFLICTS: [&str; 23] = [
    "model",
    "preset",
    "augment",
    "pad",
    "label_smoothing",
    "schedule",
    "warmup",
    "weight_decay",
    "hidden",
    "update",
    "lr",
    "lr_decay",
    "batch_size",
    "iters",
    "weight_scale",
    "reg",
    "epochs",
    "dropout",
    "batchnorm",
    "layout",
    "dtype",
    "seed",
    "resume",
];

const AFTER_HELP: &str = "\
Examples:
  cargo xtask train fcnet                                   # tuned two-layer defaults
  cargo xtask train fcnet --hidden 50 --iters 1000 --lr 1e-4 --reg 0.25   # the notebook's first run
  cargo xtask train fcnet --model fc --hidden 100,100 --update adam --batchnorm --dropout 0.25
  cargo xtask train fcnet --preset best --threads 2                # the best fc recipe (README)
  cargo xtask train fcnet --preset best --threads 2 --augment none # the same without augmentation
  cargo xtask train fcnet --eval-checkpoint runs/<run>/model.safetensors
  cargo xtask train fcnet --resume runs/<run>                # continue an interrupted run

The run folder holds, as the run goes: loss.csv, metrics.csv (appended and flushed every epoch),
last.safetensors (every epoch end: the net and the loop state), best.safetensors (best validation
accuracy), summary.json (state running / finished / diverged / interrupted), report.html; at the
end model.safetensors (self-contained: it classifies images without the dataset, see
`cargo xtask predict`), loss.svg, accuracy.svg, weights.png, per_class_val.csv,
confusion_val.csv/.svg and misclassified_val.csv/.png/.svg. Ctrl-C stops after the current
iteration and saves the run; --resume continues it. An --out that holds a run is refused unless
--overwrite or --resume.";

impl Args {
    /// The recipe: the model's defaults with every given flag applied, validated (every bound,
    /// before any data is read).
    pub fn resolve(&self) -> Result<Recipe> {
        let mut r = match self.preset {
            Some(Preset::Best) => {
                if self.model.as_deref().is_some_and(|m| m != ModelKind::Fc.name()) {
                    bail!("--preset best is a fully connected recipe: drop --model or use --model fc");
                }
                Recipe::best()
            }
            None => {
                let model: ModelKind =
                    self.model.as_deref().unwrap_or("two-layer").parse().map_err(anyhow::Error::msg)?;
                Recipe::defaults(model)
            }
        };
        let epochs = self.epochs.unwrap_or(r.epochs());
        if let Some(Hidden(h)) = &self.hidden {
            r.hidden = h.clone();
        }
        let o = &self.optim;
        r.update = o.update_kind().unwrap_or(r.update);
        self.apply_numbers(&mut r);
        self.recipe.apply(&mut r);
        r.dropout = self.dropout.unwrap_or(r.dropout);
        r.batchnorm |= self.batchnorm;
        r.seed = self.run.seed;
        r.threads = self.run.threads;
        r.layout = self.layout.as_deref().and_then(Layout::from_name).unwrap_or(r.layout);
        match o.iters {
            Some(iters) => r.iters = iters,
            None => r.iters = epoch_iters(epochs, r.iters_per_epoch())?,
        }
        r.validate()?;
        Ok(r)
    }

    /// The numeric training flags the user gave (lr, lr decay, batch size, weight scale, reg)
    /// written over `r`; the others keep `r`'s values.
    fn apply_numbers(&self, r: &mut Recipe) {
        let o = &self.optim;
        r.lr = o.lr.unwrap_or(r.lr);
        r.lr_decay = o.lr_decay.unwrap_or(r.lr_decay);
        r.batch_size = o.batch_size.unwrap_or(r.batch_size);
        r.weight_scale = o.weight_scale.unwrap_or(r.weight_scale);
        r.reg = self.reg.unwrap_or(r.reg);
    }

    fn dtype(&self) -> DtypeArg {
        self.dtype.unwrap_or(DtypeArg::F32)
    }

    /// The recipe of a resumed run: `saved`, with every flag the user typed applied; refused when
    /// that changes anything but the thread count.
    pub fn resume_recipe(&self, saved: &Recipe, given: &Given, run: &Path) -> Result<Recipe> {
        let mut r = saved.clone();
        let o = &self.optim;
        if let Some(model) = &self.model {
            r.model = model.parse().map_err(anyhow::Error::msg)?;
        }
        if let (true, Some(Hidden(h))) = (given.has("hidden"), &self.hidden) {
            r.hidden = h.clone();
        }
        if given.has("update") {
            r.update = o.update_kind().unwrap_or(r.update);
        }
        self.apply_numbers(&mut r);
        self.recipe.apply(&mut r);
        r.dropout = self.dropout.unwrap_or(r.dropout);
        if given.has("batchnorm") {
            r.batchnorm = self.batchnorm;
        }
        if given.has("layout") {
            r.layout = self.layout.as_deref().and_then(Layout::from_name).unwrap_or(r.layout);
        }
        if given.has("seed") {
            r.seed = self.run.seed;
        }
        match (o.iters, self.epochs) {
            (Some(iters), _) => r.iters = iters,
            (None, Some(epochs)) => r.iters = epoch_iters(epochs, r.iters_per_epoch())?,
            (None, None) => {}
        }
        if given.has("threads") && self.run.threads != saved.threads {
            println!(
                "note: resuming with {} thread(s) instead of the run's {}: the rest of the run will not be bit-identical \
                 to an uninterrupted one",
                self.run.threads, saved.threads
            );
            r.threads = self.run.threads;
        }
        let changed = changed_fields(saved, &r);
        if !changed.is_empty() {
            bail!(
                "cannot resume {}: it was started with {}; a resumed run keeps its configuration: drop those flags, \
                 or start a new run",
                run.display(),
                changed.join(", ")
            );
        }
        Ok(r)
    }
}

/// The fields of `b` that differ from `a` (except the thread count), as `name a (not b)`.
fn changed_fields(a: &Recipe, b: &Recipe) -> Vec<String> {
    let (va, vb) = (serde_json::to_value(a).expect("serialises"), serde_json::to_value(b).expect("serialises"));
    let (Some(ma), Some(mb)) = (va.as_object(), vb.as_object()) else { return vec![] };
    ma.iter()
        .filter(|(k, v)| k.as_str() != "threads" && mb.get(*k) != Some(*v))
        .map(|(k, v)| format!("{k} {v} (not {})", mb.get(k).map_or("?".into(), ToString::to_string)))
        .collect()
}

/// What a run folder's `last.safetensors` says about the run.
struct SavedRun {
    recipe: Recipe,
    dtype: DtypeArg,
    fingerprint: Option<String>,
}

fn saved_run(run: &Path) -> Result<SavedRun> {
    let path = run.join(LAST);
    if !path.exists() {
        let state = run_dir::read_summary(run).and_then(|s| s["state"].as_str().map(String::from));
        bail!(
            "{} has no {LAST} to resume from{}: a run saves it at its first epoch end; start a new run instead",
            run.display(),
            state.map_or(String::new(), |s| format!(" (its summary says: {s})"))
        );
    }
    let ckpt = Checkpoint::read(&path)?;
    let config = ckpt.meta("run_config")?;
    let recipe: Recipe =
        serde_json::from_str(config).with_context(|| format!("{}: metadata run_config", path.display()))?;
    let dtype = if ckpt.meta("dtype")? == "f64" { DtypeArg::F64 } else { DtypeArg::F32 };
    Ok(SavedRun { recipe, dtype, fingerprint: ckpt.metadata().get("data_fingerprint").cloned() })
}

/// Bytes a run writes (three checkpoints, the loop state, plots and logs), for the space check.
pub fn expected_bytes(recipe: &Recipe, dtype_bytes: u64) -> u64 {
    let dims: Vec<u64> = std::iter::once(3072).chain(recipe.hidden.iter().map(|&h| h as u64)).chain([10]).collect();
    let params: u64 = dims.windows(2).map(|w| w[0] * w[1] + w[1]).sum();
    let states = match recipe.update.name() {
        "sgd" => 0,
        "adam" | "adamw" => 2,
        _ => 1,
    };
    params * dtype_bytes * (3 + 1 + states) + 16 * recipe.iters as u64 + (8 << 20)
}

/// `--epochs` as whole iterations: at least one, at most [`MAX_ITERS`].
pub fn epoch_iters(epochs: f64, per_epoch: usize) -> Result<usize> {
    let iters = (epochs * per_epoch as f64).round();
    if iters < 1.0 {
        bail!(
            "--epochs {epochs}: less than one iteration ({per_epoch} iterations per epoch); give more epochs or --iters"
        );
    }
    if iters > MAX_ITERS as f64 {
        bail!("--epochs {epochs}: {iters} iterations ({per_epoch} per epoch), more than the limit of {MAX_ITERS}");
    }
    Ok(iters as usize)
}

/// Runs the command: flags checked first, then the data opened, then training.
pub fn run(args: Args, given: &Given) -> Result<()> {
    let start = Instant::now();
    if let Some(ckpt) = &args.eval_checkpoint {
        return eval_checkpoint(ckpt, &args);
    }
    let (recipe, dtype, saved) = match &args.resume {
        Some(run) => {
            let saved = saved_run(run)?;
            if let Some(d) = args.dtype.filter(|d| *d != saved.dtype) {
                bail!("cannot resume {}: it trains in {:?}, not {d:?}; drop --dtype", run.display(), saved.dtype);
            }
            (args.resume_recipe(&saved.recipe, given, run)?, saved.dtype, Some(saved))
        }
        None => (args.resolve()?, args.dtype(), None),
    };
    let dir = crate::fetch::cifar_dir(args.run.data.as_deref())?;
    let data = open(&dir, &recipe)?;
    let fingerprint = data.fingerprint();
    if let Some(want) = saved.as_ref().and_then(|s| s.fingerprint.as_ref()).filter(|f| **f != fingerprint) {
        bail!(
            "cannot resume {}: the dataset in {} is not the one the run trained on (fingerprint {}… instead of {}…); \
             pass --data with the run's dataset (its summary.json names it)",
            args.resume.as_deref().unwrap_or(Path::new("")).display(),
            dir.display(),
            &fingerprint[..12],
            &want[..12]
        );
    }
    let existing = match (&args.resume, args.run.overwrite) {
        (Some(_), _) => Existing::Resume,
        (None, true) => Existing::Overwrite,
        (None, false) => Existing::Refuse,
    };
    let out_arg = args.resume.as_deref().or(args.run.out.as_deref());
    let size = if dtype == DtypeArg::F64 { 8 } else { 4 };
    let kind = format!("fcnet-{}", recipe.model.name());
    let out = run_dir::open(out_arg, &kind, recipe.seed, existing, expected_bytes(&recipe, size))?;
    let info = RunInfo {
        recipe: recipe.clone(),
        dtype: if dtype == DtypeArg::F64 { "f64" } else { "f32" },
        data_dir: dir.clone(),
        fingerprint,
        resume_command: format!("cargo xtask train fcnet --resume {}", out.path().display()),
        show: !args.run.quiet,
    };
    println!("{} {recipe}", if saved.is_some() { "resuming" } else { "training" });
    println!("data: {} ({} train / {} val images)", dir.display(), recipe.train_rows, recipe.val_rows);
    println!("run folder: {} (report.html is rewritten every epoch)", out.path().display());
    crate::interrupt::install();
    match dtype {
        DtypeArg::F32 => train_run::<f32>(&info, &data, &out, saved.is_some(), start),
        DtypeArg::F64 => train_run::<f64>(&info, &data, &out, saved.is_some(), start),
    }
}

/// The CIFAR-10 folder `dir` with the recipe's split.
pub fn open(dir: &Path, recipe: &Recipe) -> Result<CifarData> {
    let split = SplitConfig { train: recipe.train_rows, val: recipe.val_rows, ..SplitConfig::default() };
    open_split(dir, split)
}

fn open_split(dir: &Path, split: SplitConfig) -> Result<CifarData> {
    CifarData::open(dir, split)
        .with_context(|| format!("opening CIFAR-10 in {}", dir.display()))
        .map_err(|e| crate::fetch::reader_failed(Dataset::Cifar10, dir, e))
}

/// Trains (or resumes) one run into `out`; the process exits with status 130 after a Ctrl-C (the
/// run saved), 1 after a divergence (the run kept as far as it went).
fn train_run<T: Scalar>(info: &RunInfo, data: &CifarData, out: &RunDir, resume: bool, start: Instant) -> Result<()> {
    let resumed = if resume { Some(Resumed::<T>::load(&out.join(LAST))?) } else { None };
    if let Some(r) = &resumed {
        println!("continuing after iteration {} of {}", r.state.done(), info.recipe.iters);
    }
    let mut life = Lifecycle::start(out.path(), info, data, resumed.as_ref().map(|r| r.state.history()))?;
    let result = train_from::<T>(&info.recipe, data, resumed, |live| life.on_iter(live));
    if let Some(e) = life.failure() {
        return Err(e.context(format!("the run in {} stopped: a file could not be written", out.path().display())));
    }
    match result {
        Ok(_) if life.interrupted().is_some() => {
            println!("{}", life.resume_note(life.interrupted().unwrap_or(0)));
            run_dir::exit_interrupted(out.path());
        }
        Ok(mut outcome) => {
            let summary = life.finish(&mut outcome, data, start)?;
            print!("{}", summary.text());
            println!("run folder: {} (open report.html)", out.path().display());
            Ok(())
        }
        Err(e @ TrainError::Diverged { iteration, .. }) => {
            life.diverged(&e, iteration)?;
            Err(anyhow::Error::new(e).context(format!(
                "the run in {} diverged; its logs and last checkpoints are kept",
                out.path().display()
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// `--eval-checkpoint`: reload (in the scalar type it was saved in, checked before the data is
/// read), evaluate on the validation (and test) split with the checkpoint's own preprocessing,
/// compare with the stored accuracy, and write the evaluation (per-class accuracy, confusion
/// matrices, misclassified images, the prediction of every validation image) into `--out` or a
/// new run folder.
fn eval_checkpoint(path: &Path, args: &Args) -> Result<()> {
    let ckpt = Checkpoint::read(path)?;
    match ckpt.meta("dtype")? {
        "f64" => eval_typed::<f64>(path, args),
        "f32" => eval_typed::<f32>(path, args),
        other => bail!(
            "{}: metadata 'dtype' is '{other}', not f32 or f64; pass a checkpoint written by `cargo xtask train fcnet`",
            path.display()
        ),
    }
}

fn eval_typed<T: Scalar>(path: &Path, args: &Args) -> Result<()> {
    let (mut model, ckpt) = Trained::<T>::load(path)?;
    let spec = InputSpec::read(&ckpt)?;
    let layout = match &spec {
        Some(s) => s.layout,
        None => Layout::from_name(ckpt.meta("layout")?).with_context(|| {
            format!(
                "{}: metadata 'layout' is not hwc or chw; pass a checkpoint written by `cargo xtask train fcnet`",
                path.display()
            )
        })?,
    };
    let (train, val) = (ckpt.meta_parse::<usize>("train_rows")?, ckpt.meta_parse::<usize>("val_rows")?);
    let reported: f64 = ckpt.meta_parse("val_acc")?;
    let images = handgrad_cifar::TRAIN_FILES.len() * handgrad_cifar::RECORDS_PER_FILE;
    if train == 0 || val == 0 || train.saturating_add(val) > images {
        bail!(
            "{}: metadata train_rows {train} and val_rows {val} do not split the {images} training images \
             (each ≥ 1, together at most {images}); pass a checkpoint written by `cargo xtask train fcnet`",
            path.display()
        );
    }
    let dir = crate::fetch::cifar_dir(args.run.data.as_deref())?;
    let data = open_split(&dir, SplitConfig { train, val, ..SplitConfig::default() })?;
    let pre = match &spec {
        Some(s) => {
            if s.mean.chw() != data.mean.chw() {
                println!(
                    "note: the checkpoint's stored pixel mean differs from this dataset's: it was trained on other data; \
                     evaluating with its own preprocessing"
                );
            }
            s.preprocess::<T>()
        }
        None => {
            println!(
                "note: {} has no stored preprocessing (written before checkpoints were self-contained); using the \
                 training mean of {} (train_rows {train})",
                path.display(),
                dir.display(),
            );
            data.preprocess::<T>(layout)
        }
    };
    let par = par_for_threads(args.run.threads);
    let evals = evaluation::evaluate(&mut model, &data, &pre, par);
    let val_acc = evals[0].confusion.accuracy();
    println!("checkpoint {} ({}, {})", path.display(), ckpt.meta("model")?, ckpt.meta("dtype")?);
    println!("validation accuracy: {val_acc:.4} (the run reported {reported:.4})");
    match evals.iter().find(|e| e.split == "test") {
        Some(t) => println!("test accuracy:       {:.4}", t.confusion.accuracy()),
        None => println!("test accuracy:       not measured: {}", data.test_note().unwrap_or_default()),
    }
    let existing = if args.run.overwrite { Existing::Overwrite } else { Existing::Refuse };
    let stem = path.file_stem().map_or("checkpoint".into(), |s| s.to_string_lossy().into_owned());
    let out = run_dir::open(args.run.out.as_deref(), &format!("eval-{stem}"), 0, existing, 8 << 20)?;
    evaluation::write(out.path(), &evals, &data)?;
    write_predictions(&out.join("val_predictions.csv"), &mut model, &data, &pre, par)?;
    let mut page = Page::new(&format!("evaluation of {}", path.display()), false);
    page.pre(&format!(
        "checkpoint {}\nvalidation accuracy {val_acc:.4} (the run reported {reported:.4})\n",
        path.display()
    ));
    evaluation::add_to_page(&mut page, out.path(), &evals, &data.set.classes);
    page.write(&out.join(REPORT))?;
    println!("evaluation written to {} (report.html, val_predictions.csv, confusion_val.svg, …)", out.path().display());
    if val_acc != reported {
        bail!("the reloaded model's validation accuracy {val_acc} differs from the reported {reported}");
    }
    println!("identical to the reported accuracy");
    Ok(())
}

/// `val_predictions.csv`: record index, true class, predicted class and its probability, for every
/// validation image.
fn write_predictions<T: Scalar>(
    path: &Path,
    model: &mut Trained<T>,
    data: &CifarData,
    pre: &handgrad_cifar::Preprocess<T>,
    par: handgrad_tensor::Par,
) -> Result<()> {
    use std::fmt::Write as _;
    let (_, val, _) = data.samples(pre);
    let (pred, labels) = model.predictions(&val, par);
    let classes = &data.set.classes;
    let mut s = String::from("record,true,predicted\n");
    for (k, i) in val.rows().enumerate() {
        let _ = writeln!(s, "{i},{},{}", classes[labels[k]], classes[pred[k]]);
    }
    std::fs::write(path, s).with_context(|| format!("cannot write {}", path.display()))
}
