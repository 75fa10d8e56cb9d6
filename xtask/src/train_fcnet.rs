//! `cargo xtask train fcnet`: train the two-layer or a fully connected net on CIFAR-10 and write a
//! run folder (metrics CSV, SVG plots, first-layer weight picture, checkpoint, summary).
//!
//! Installs CIFAR-10 first when it is missing (`crate::fetch::ensure_cifar`). The homework's split:
//! the first 49,000 training images train, the next 1,000 validate; the test batch is used when
//! present (the development copy has none, and the summary says so).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use handgrad_cifar::SplitConfig;
use handgrad_fcnet::{Checkpoint, FC_KIND, FullyConnectedNet, TWO_LAYER_KIND, TwoLayerNet};
use handgrad_tensor::Scalar;

#[path = "fcnet/mod.rs"]
pub mod fcnet;

use fcnet::config::{DtypeArg, LayoutArg, ModelKind, RunConfig, Update};
use fcnet::data::{Cifar, resolve_dir};
use fcnet::driver::{self, Trained};
use fcnet::report::{self, Summary};

/// Defaults of the two-layer net (tuned; see the README's results table).
pub mod two_layer_defaults {
    /// Hidden units.
    pub const HIDDEN: usize = 300;
    /// Initial learning rate.
    pub const LR: f64 = 1e-3;
    /// Learning-rate factor per epoch.
    pub const LR_DECAY: f64 = 0.95;
    /// L2 strength.
    pub const REG: f64 = 0.1;
    /// Epochs.
    pub const EPOCHS: f64 = 30.0;
    /// Std of the initial weights (the notebook's).
    pub const WEIGHT_SCALE: f64 = 1e-4;
}

/// Defaults of the fully connected net.
pub mod fc_defaults {
    /// Hidden sizes.
    pub const HIDDEN: [usize; 2] = [100, 100];
    /// Initial learning rate (Adam).
    pub const LR: f64 = 1e-3;
    /// Learning-rate factor per epoch.
    pub const LR_DECAY: f64 = 0.95;
    /// L2 strength.
    pub const REG: f64 = 0.0;
    /// Epochs.
    pub const EPOCHS: f64 = 10.0;
    /// Std of the initial weights.
    pub const WEIGHT_SCALE: f64 = 1e-2;
}

/// Flags. Every value left out takes the default of the chosen `--model` (shown in brackets).
#[derive(clap::Args, Debug, Clone)]
#[command(after_long_help = AFTER_HELP)]
pub struct Args {
    /// Which net: `two-layer` (affine–ReLU–affine–softmax, the two-layer notebook's plain SGD with
    /// minibatches drawn with replacement) or `fc` (any number of hidden layers, optional dropout
    /// and batchnorm, trained by the Solver with any update rule).
    #[arg(long, value_enum, default_value_t = ModelKind::TwoLayer)]
    pub model: ModelKind,
    /// Hidden layer sizes, comma-separated (two-layer: exactly one) [two-layer: 300; fc: 100,100].
    #[arg(long, value_delimiter = ',', value_name = "H1,H2,...")]
    pub hidden: Option<Vec<usize>>,
    /// Update rule of the fc net's Solver; the two-layer net always uses plain SGD [fc: adam].
    #[arg(long, value_enum)]
    pub update: Option<Update>,
    /// Initial learning rate [two-layer: 1e-3; fc: 1e-3].
    #[arg(long)]
    pub lr: Option<f64>,
    /// Learning-rate factor applied at each epoch boundary [0.95].
    #[arg(long)]
    pub lr_decay: Option<f64>,
    /// L2 regularisation strength: the loss adds 0.5·reg·ΣW² over the weights [two-layer: 0.1; fc: 0].
    #[arg(long)]
    pub reg: Option<f64>,
    /// Minibatch size.
    #[arg(long, default_value_t = 200)]
    pub batch: usize,
    /// Training length in epochs (one epoch = 49,000 / batch iterations) [two-layer: 30; fc: 10].
    #[arg(long, conflicts_with = "iters")]
    pub epochs: Option<f64>,
    /// Training length in iterations (instead of --epochs).
    #[arg(long)]
    pub iters: Option<usize>,
    /// Standard deviation of the initial weights, N(0, scale²) [two-layer: 1e-4 (the notebook's); fc: 1e-2].
    #[arg(long)]
    pub weight_scale: Option<f64>,
    /// fc only: probability of dropping each hidden unit during training (inverted dropout; 0 = off).
    #[arg(long, default_value_t = 0.0)]
    pub dropout: f64,
    /// fc only: batch normalisation after every hidden affine layer.
    #[arg(long)]
    pub batchnorm: bool,
    /// Seed of the initial weights, the minibatch draws and the dropout masks. Same seed and
    /// thread count give the same loss history.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Threads for the matrix products (1 is usually fastest on 2 cores at these sizes).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// CIFAR-10 to use: an extracted `cifar-10-batches-bin` folder (used in place) or a .tar.gz
    /// archive (installed under datasets/ first). Default: datasets/cifar-10-batches-bin, installed
    /// when missing.
    #[arg(long, value_name = "PATH")]
    pub data: Option<PathBuf>,
    /// Run folder to write [runs/fcnet-MODEL-YYYYMMDD-HHMMSS-sSEED].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// How an image becomes a row: `hwc` (the two-layer notebook) or `chw` (the FC notebook)
    /// [two-layer: hwc; fc: chw].
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// Scalar type of parameters and data (--eval-checkpoint uses the checkpoint's own).
    #[arg(long, value_enum, default_value_t = DtypeArg::F32)]
    pub dtype: DtypeArg,
    /// Do not train: load this checkpoint, evaluate it on the validation (and test) split and
    /// compare with the accuracy its run reported.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["hidden", "update", "lr", "epochs", "iters", "out"])]
    pub eval_checkpoint: Option<PathBuf>,
    /// Hide the progress bar.
    #[arg(long)]
    pub quiet: bool,
}

const AFTER_HELP: &str = "\
Examples:
  cargo xtask train fcnet                                   # tuned two-layer defaults
  cargo xtask train fcnet --hidden 50 --iters 1000 --lr 1e-4 --reg 0.25   # the notebook's first run
  cargo xtask train fcnet --model fc --hidden 100,100 --update adam --batchnorm --dropout 0.25
  cargo xtask train fcnet --eval-checkpoint runs/<run>/model.safetensors

The run folder holds loss.csv, metrics.csv, loss.svg, accuracy.svg, weights.png,
model.safetensors and summary.json / summary.txt.";

impl Args {
    /// Resolves every default for the chosen model.
    pub fn resolve(&self) -> Result<RunConfig> {
        let two = self.model == ModelKind::TwoLayer;
        use {fc_defaults as fd, two_layer_defaults as td};
        let hidden = self.hidden.clone().unwrap_or_else(|| if two { vec![td::HIDDEN] } else { fd::HIDDEN.to_vec() });
        let update = self.update.unwrap_or(if two { Update::Sgd } else { Update::Adam });
        if two && update != Update::Sgd {
            bail!("the two-layer net trains with the notebook's plain SGD; use --model fc for --update {update:?}");
        }
        if hidden.is_empty() || hidden.contains(&0) {
            bail!("--hidden needs positive sizes, e.g. --hidden 100,100");
        }
        if self.batch == 0 {
            bail!("--batch must be at least 1");
        }
        if !(0.0..1.0).contains(&self.dropout) {
            bail!("--dropout is a probability in [0, 1)");
        }
        let split = SplitConfig::default();
        let per_epoch = (split.train / self.batch).max(1);
        let epochs = self.epochs.unwrap_or(if two { td::EPOCHS } else { fd::EPOCHS });
        let iters = self.iters.unwrap_or((epochs * per_epoch as f64).round() as usize).max(1);
        Ok(RunConfig {
            model: self.model,
            hidden,
            update,
            learning_rate: self.lr.unwrap_or(if two { td::LR } else { fd::LR }),
            lr_decay: self.lr_decay.unwrap_or(if two { td::LR_DECAY } else { fd::LR_DECAY }),
            reg: self.reg.unwrap_or(if two { td::REG } else { fd::REG }),
            batch: self.batch,
            iters,
            weight_scale: self.weight_scale.unwrap_or(if two { td::WEIGHT_SCALE } else { fd::WEIGHT_SCALE }),
            dropout: self.dropout,
            batchnorm: self.batchnorm,
            seed: self.seed,
            threads: self.threads.max(1),
            layout: self.layout.unwrap_or(if two { LayoutArg::Hwc } else { LayoutArg::Chw }),
            dtype: self.dtype,
            train_rows: split.train,
            val_rows: split.val,
        })
    }
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let start = Instant::now();
    let dir = resolve_dir(args.data.as_deref())?;
    if let Some(ckpt) = &args.eval_checkpoint {
        return eval_checkpoint(ckpt, &dir);
    }
    let cfg = args.resolve()?;
    let cifar = Cifar::open(&dir, SplitConfig { train: cfg.train_rows, val: cfg.val_rows, ..SplitConfig::default() })?;
    let out = args.out.clone().unwrap_or_else(|| {
        report::unique_run_dir(
            &crate::workspace_root(),
            if cfg.model == ModelKind::Fc { "fc" } else { "two-layer" },
            cfg.seed,
        )
    });
    println!("training {}", cfg.short());
    println!("data: {} ({} train / {} val images)", dir.display(), cfg.train_rows, cfg.val_rows);
    match cfg.dtype {
        DtypeArg::F32 => train_and_report::<f32>(&cfg, &cifar, &dir, &out, !args.quiet, start),
        DtypeArg::F64 => train_and_report::<f64>(&cfg, &cifar, &dir, &out, !args.quiet, start),
    }
}

fn train_and_report<T: Scalar>(
    cfg: &RunConfig,
    cifar: &Cifar,
    dir: &Path,
    out: &Path,
    progress: bool,
    start: Instant,
) -> Result<()> {
    let mut outcome = driver::train::<T>(cfg, cifar, progress)?;
    let test = test_accuracy(&mut outcome.model, cifar, cfg.layout);
    let summary = Summary::new(cfg, &outcome, test, dir, start.elapsed().as_secs_f64());
    report::write_run(out, &outcome, &summary)?;
    print!("{}", summary.text());
    println!("run folder: {}", out.display());
    Ok(())
}

/// Test accuracy of `model`, or the reason there is none.
pub fn test_accuracy<T: Scalar>(model: &mut Trained<T>, cifar: &Cifar, layout: LayoutArg) -> Result<f64, String> {
    let pre = cifar.preprocess::<T>(layout.layout());
    let (_, _, test) = cifar.samples(&pre);
    match test {
        Some(test) => Ok(model.accuracy(&test)),
        None => Err(cifar.test_note().unwrap_or_else(|| "no test split".into())),
    }
}

/// `--eval-checkpoint`: reload (in the scalar type it was saved in), evaluate, compare with the
/// stored accuracy.
fn eval_checkpoint(path: &Path, dir: &Path) -> Result<()> {
    match Checkpoint::read(path)?.meta("dtype")? {
        "f64" => eval_typed::<f64>(path, dir),
        _ => eval_typed::<f32>(path, dir),
    }
}

fn eval_typed<T: Scalar>(path: &Path, dir: &Path) -> Result<()> {
    let ckpt = Checkpoint::read(path)?;
    let kind = ckpt.meta("model")?.to_string();
    let mut model = match kind.as_str() {
        TWO_LAYER_KIND => {
            let (net, arch, _) = TwoLayerNet::<T>::load(path)?;
            Trained::TwoLayer(Box::new(net), arch)
        }
        FC_KIND => Trained::Fc(Box::new(FullyConnectedNet::<T>::load(path)?.0)),
        other => bail!("{}: unknown model kind '{other}'", path.display()),
    };
    let num = |k: &str| -> Result<usize> { ckpt.meta(k)?.parse().with_context(|| format!("metadata {k}")) };
    let layout = LayoutArg::from_name(ckpt.meta("layout")?).context("metadata layout is not hwc or chw")?;
    let split = SplitConfig { train: num("train_rows")?, val: num("val_rows")?, ..SplitConfig::default() };
    let cifar = Cifar::open(dir, split)?;
    let pre = cifar.preprocess::<T>(layout.layout());
    let (_, val, _) = cifar.samples(&pre);
    let val_acc = model.accuracy(&val);
    let reported: f64 = ckpt.meta("val_acc")?.parse().context("metadata val_acc")?;
    println!("checkpoint {} ({kind}, {})", path.display(), ckpt.meta("dtype")?);
    println!("validation accuracy: {val_acc:.4} (the run reported {reported:.4})");
    match test_accuracy(&mut model, &cifar, layout) {
        Ok(a) => println!("test accuracy:       {a:.4}"),
        Err(note) => println!("test accuracy:       not measured: {note}"),
    }
    if val_acc != reported {
        bail!("the reloaded model's validation accuracy {val_acc} differs from the reported {reported}");
    }
    println!("identical to the reported accuracy");
    Ok(())
}
