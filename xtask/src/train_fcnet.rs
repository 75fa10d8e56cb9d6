//! `cargo xtask train fcnet`: train the two-layer or a fully connected net on CIFAR-10 and write a
//! run folder (metrics CSV, SVG plots, first-layer weight picture, checkpoint, summary).
//!
//! Thin: flags → a [`Recipe`] (starting from the model's defaults table, [`Recipe::defaults`]) →
//! [`handgrad_fcnet::train()`] → the run folder ([`crate::fcnet_run`]). Installs CIFAR-10 first when it
//! is missing. The homework's split: the first 49,000 training images train, the next 1,000
//! validate; the test batch is used when present (the development copy has none, and the summary
//! says so).

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use handgrad_cifar::{Layout, SplitConfig};
use handgrad_data::locate::Dataset;
use handgrad_fcnet::{Checkpoint, CifarData, ModelKind, Recipe, Trained};
use handgrad_nn::solver::MAX_ITERS;
use handgrad_tensor::Scalar;
use handgrad_tensor::gemm::par_for_threads;

use crate::args::{Hidden, OptimArgs, RunArgs, hidden_sizes, layouts, model_kinds};
use crate::fcnet_run::{self, Summary};
use crate::run_dir;

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
    /// Scalar type of parameters and data (default: f32).
    #[arg(long, value_enum)]
    pub dtype: Option<DtypeArg>,
    /// Do not train: load this checkpoint, evaluate it on the validation (and test) split and
    /// compare with the accuracy its run reported. The model, scalar type, layout and splits are
    /// the checkpoint's own, so no training flag may be given with it (only --data, --threads).
    #[arg(long, value_name = "FILE", conflicts_with_all = EVAL_CONFLICTS)]
    pub eval_checkpoint: Option<PathBuf>,
    /// Seed, threads, data, run folder, progress.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Scalar type of the parameters and data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DtypeArg {
    /// 32-bit floats (fast; the default).
    F32,
    /// 64-bit floats.
    F64,
}

/// The flags that make no sense with `--eval-checkpoint` (the checkpoint fixes what they set).
const EVAL_CONFLICTS: [&str; 16] = [
    "model",
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
    "out",
];

const AFTER_HELP: &str = "\
Examples:
  cargo xtask train fcnet                                   # tuned two-layer defaults
  cargo xtask train fcnet --hidden 50 --iters 1000 --lr 1e-4 --reg 0.25   # the notebook's first run
  cargo xtask train fcnet --model fc --hidden 100,100 --update adam --batchnorm --dropout 0.25
  cargo xtask train fcnet --eval-checkpoint runs/<run>/model.safetensors

The run folder holds loss.csv, metrics.csv, loss.svg, accuracy.svg, weights.png,
model.safetensors and summary.json / summary.txt.";

impl Args {
    /// The recipe: the model's defaults with every given flag applied, validated (every bound,
    /// before any data is read).
    pub fn resolve(&self) -> Result<Recipe> {
        let model: ModelKind = self.model.as_deref().unwrap_or("two-layer").parse().map_err(anyhow::Error::msg)?;
        let mut r = Recipe::defaults(model);
        let epochs = self.epochs.unwrap_or(r.epochs());
        if let Some(Hidden(h)) = &self.hidden {
            r.hidden = h.clone();
        }
        let o = &self.optim;
        r.update = o.update_kind().unwrap_or(r.update);
        r.lr = o.lr.unwrap_or(r.lr);
        r.lr_decay = o.lr_decay.unwrap_or(r.lr_decay);
        r.batch_size = o.batch_size.unwrap_or(r.batch_size);
        r.weight_scale = o.weight_scale.unwrap_or(r.weight_scale);
        r.reg = self.reg.unwrap_or(r.reg);
        r.dropout = self.dropout.unwrap_or(0.0);
        r.batchnorm = self.batchnorm;
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

    fn dtype(&self) -> DtypeArg {
        self.dtype.unwrap_or(DtypeArg::F32)
    }
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
pub fn run(args: Args) -> Result<()> {
    let start = Instant::now();
    if let Some(ckpt) = &args.eval_checkpoint {
        return eval_checkpoint(ckpt, args.run.data.as_deref(), args.run.threads);
    }
    let recipe = args.resolve()?;
    let dir = crate::fetch::cifar_dir(args.run.data.as_deref())?;
    let data = open(&dir, &recipe)?;
    let out = run_dir::create(args.run.out.as_deref(), &format!("fcnet-{}", recipe.model.name()), recipe.seed)?;
    println!("training {recipe}");
    println!("data: {} ({} train / {} val images)", dir.display(), recipe.train_rows, recipe.val_rows);
    match args.dtype() {
        DtypeArg::F32 => train_and_report::<f32>(&recipe, &data, &dir, &out, !args.run.quiet, start),
        DtypeArg::F64 => train_and_report::<f64>(&recipe, &data, &dir, &out, !args.run.quiet, start),
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

fn train_and_report<T: Scalar>(
    recipe: &Recipe,
    data: &CifarData,
    dir: &Path,
    out: &Path,
    progress: bool,
    start: Instant,
) -> Result<()> {
    let bar = fcnet_run::progress_bar(recipe.iters, progress);
    let mut outcome = handgrad_fcnet::train::<T>(recipe, data, |p| {
        fcnet_run::tick(&bar, p, progress);
        ControlFlow::Continue(())
    })?;
    bar.finish_and_clear();
    let test = fcnet_run::test_accuracy(&mut outcome.model, data, recipe.layout, recipe.threads);
    let summary = Summary::new(recipe, &outcome, test, dir, start.elapsed().as_secs_f64());
    fcnet_run::write_run(out, &outcome, &summary)?;
    print!("{}", summary.text());
    println!("run folder: {}", out.display());
    Ok(())
}

/// `--eval-checkpoint`: reload (in the scalar type it was saved in, checked before the data is
/// read), evaluate, compare with the stored accuracy.
fn eval_checkpoint(path: &Path, data: Option<&Path>, threads: usize) -> Result<()> {
    let ckpt = Checkpoint::read(path)?;
    match ckpt.meta("dtype")? {
        "f64" => eval_typed::<f64>(path, data, threads),
        "f32" => eval_typed::<f32>(path, data, threads),
        other => bail!(
            "{}: metadata 'dtype' is '{other}', not f32 or f64; pass a checkpoint written by `cargo xtask train fcnet`",
            path.display()
        ),
    }
}

fn eval_typed<T: Scalar>(path: &Path, data: Option<&Path>, threads: usize) -> Result<()> {
    let (mut model, ckpt) = Trained::<T>::load(path)?;
    let Some(layout) = Layout::from_name(ckpt.meta("layout")?) else {
        bail!(
            "{}: metadata 'layout' is not hwc or chw; pass a checkpoint written by `cargo xtask train fcnet`",
            path.display()
        )
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
    let dir = crate::fetch::cifar_dir(data)?;
    let data = open_split(&dir, SplitConfig { train, val, ..SplitConfig::default() })?;
    let pre = data.preprocess::<T>(layout);
    let val_acc = model.measure_accuracy(&data.samples(&pre).1, par_for_threads(threads));
    println!("checkpoint {} ({}, {})", path.display(), ckpt.meta("model")?, ckpt.meta("dtype")?);
    println!("validation accuracy: {val_acc:.4} (the run reported {reported:.4})");
    match fcnet_run::test_accuracy(&mut model, &data, layout, threads) {
        Ok(a) => println!("test accuracy:       {a:.4}"),
        Err(note) => println!("test accuracy:       not measured: {note}"),
    }
    if val_acc != reported {
        bail!("the reloaded model's validation accuracy {val_acc} differs from the reported {reported}");
    }
    println!("identical to the reported accuracy");
    Ok(())
}
