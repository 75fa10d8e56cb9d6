//! `cargo xtask tune fcnet`: the notebook's hyperparameter search, within a budget.
//!
//! Random search (default) draws the learning rate and reg log-uniformly between the smallest and
//! largest values given, and hidden sizes, epochs and decay from the lists; grid search tries
//! every combination of the lists. Trials run one after another until `--trials` or
//! `--budget-minutes` is used up (a trial that has started is finished). It prints a table sorted
//! by validation accuracy, writes it to `trials.csv`, keeps the best model (a full run folder:
//! checkpoint, plots, weight picture, summary), and measures the best model's test accuracy once
//! (or says that the test batch is missing).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};
use handgrad_cifar::SplitConfig;
use handgrad_tensor::init::rng_from_seed;
use indicatif::{ProgressBar, ProgressStyle};
use rand::Rng as _;

use crate::train_fcnet::fcnet::config::{DtypeArg, LayoutArg, ModelKind, RunConfig, Update};
use crate::train_fcnet::fcnet::data::{Cifar, resolve_dir};
use crate::train_fcnet::fcnet::driver::{self, Outcome};
use crate::train_fcnet::fcnet::report::{self, Summary};
use crate::train_fcnet::test_accuracy;

/// Flags.
#[derive(clap::Args, Debug, Clone)]
#[command(after_long_help = AFTER_HELP)]
pub struct Args {
    /// Which net to tune (see `cargo xtask train fcnet --help`).
    #[arg(long, value_enum, default_value_t = ModelKind::TwoLayer)]
    pub model: ModelKind,
    /// `random`: draw --trials configurations; `grid`: try every combination of the lists.
    #[arg(long, value_enum, default_value_t = Search::Random)]
    pub search: Search,
    /// Learning rates: random search draws log-uniformly between the smallest and the largest.
    #[arg(long, value_delimiter = ',', default_values_t = [3e-4, 3e-3])]
    pub lr: Vec<f64>,
    /// L2 strengths: random search draws log-uniformly between the smallest and the largest.
    #[arg(long, value_delimiter = ',', default_values_t = [1e-3, 0.5])]
    pub reg: Vec<f64>,
    /// Architectures to choose from, comma-separated; layers of one architecture joined by `x`
    /// (two-layer: single sizes, e.g. `100,200,300`; fc: e.g. `100x100,200x100`).
    #[arg(long, value_delimiter = ',', default_values_t = ["100".to_string(), "200".to_string(), "300".to_string()])]
    pub hidden: Vec<String>,
    /// Training lengths in epochs to choose from.
    #[arg(long, value_delimiter = ',', default_values_t = [5.0, 10.0])]
    pub epochs: Vec<f64>,
    /// Learning-rate decays per epoch to choose from.
    #[arg(long, value_delimiter = ',', default_values_t = [0.9, 0.95])]
    pub lr_decay: Vec<f64>,
    /// Update rule (fc only; the two-layer net uses plain SGD) [fc: adam].
    #[arg(long, value_enum)]
    pub update: Option<Update>,
    /// fc only: dropout probability for every trial.
    #[arg(long, default_value_t = 0.0)]
    pub dropout: f64,
    /// fc only: batch normalisation in every trial.
    #[arg(long)]
    pub batchnorm: bool,
    /// Minibatch size.
    #[arg(long, default_value_t = 200)]
    pub batch: usize,
    /// Std of the initial weights [two-layer: 1e-4; fc: 1e-2].
    #[arg(long)]
    pub weight_scale: Option<f64>,
    /// Most trials to run (random search; grid search stops at the end of the grid).
    #[arg(long, default_value_t = 8)]
    pub trials: usize,
    /// Start no new trial after this many minutes.
    #[arg(long, default_value_t = 15.0)]
    pub budget_minutes: f64,
    /// Seed of the search (which configurations are drawn) and of every trial's training.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Threads for the matrix products.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// CIFAR-10: an extracted folder (used in place) or an archive; installed when missing.
    #[arg(long, value_name = "PATH")]
    pub data: Option<PathBuf>,
    /// Folder for the table and the best run [runs/fcnet-tune-MODEL-YYYYMMDD-HHMMSS-sSEED].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Row layout [two-layer: hwc; fc: chw].
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
}

/// Search strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Search {
    /// Random configurations.
    Random,
    /// Every combination.
    Grid,
}

const AFTER_HELP: &str = "\
Examples:
  cargo xtask tune fcnet                                    # 8 random two-layer trials, 15 min budget
  cargo xtask tune fcnet --search grid --lr 5e-4,1e-3 --reg 0.05,0.25 --hidden 100,200 --epochs 5 --lr-decay 0.95
  cargo xtask tune fcnet --model fc --hidden 100x100,200x100 --batchnorm --trials 6";

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let start = Instant::now();
    let dir = resolve_dir(args.data.as_deref())?;
    let candidates = candidates(&args)?;
    let split = SplitConfig::default();
    let cifar = Cifar::open(&dir, split)?;
    let out = args.out.clone().unwrap_or_else(|| {
        let kind = if args.model == ModelKind::Fc { "tune-fc" } else { "tune-two-layer" };
        report::unique_run_dir(&crate::workspace_root(), kind, args.seed)
    });
    println!("{} trial(s) planned, budget {} min; data {}", candidates.len(), args.budget_minutes, dir.display());
    let bar = ProgressBar::new(candidates.len() as u64);
    bar.set_style(ProgressStyle::with_template("[{elapsed_precise}] trial {pos}/{len} {wide_msg}").expect("template"));
    let mut rows: Vec<(RunConfig, f64, f64)> = Vec::new();
    let mut best: Option<Outcome<f32>> = None;
    for cfg in candidates {
        if start.elapsed().as_secs_f64() > 60.0 * args.budget_minutes {
            bar.suspend(|| println!("budget of {} min used up: stopping", args.budget_minutes));
            break;
        }
        bar.set_message(cfg.short());
        let outcome = match driver::train::<f32>(&cfg, &cifar, false) {
            Ok(o) => o,
            Err(e) => {
                bar.suspend(|| println!("{}: failed: {e}", cfg.short()));
                rows.push((cfg, f64::NAN, f64::NAN));
                bar.inc(1);
                continue;
            }
        };
        let (acc, secs) = (outcome.val_acc, outcome.train_time.as_secs_f64());
        bar.suspend(|| println!("val {acc:.4}  {secs:>6.1} s  {}", cfg.short()));
        rows.push((cfg, outcome.val_acc, outcome.train_time.as_secs_f64()));
        if best.as_ref().is_none_or(|b| outcome.val_acc > b.val_acc) {
            best = Some(outcome);
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let Some(mut best) = best else { bail!("no trial finished; see the messages above") };
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    let table = table(&rows);
    print!("{table}");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("trials.csv"), trials_csv(&rows))?;
    let cfg = rows.iter().find(|r| r.1 == best.val_acc).map(|r| r.0.clone()).expect("best is in the table");
    let test = test_accuracy(&mut best.model, &cifar, cfg.layout);
    let summary = Summary::new(&cfg, &best, test, &dir, start.elapsed().as_secs_f64());
    report::write_run(&out.join("best"), &best, &summary)?;
    println!("best: {}", cfg.short());
    print!("{}", summary.text());
    println!("table: {}; best run folder: {}", out.join("trials.csv").display(), out.join("best").display());
    Ok(())
}

/// The configurations to try, in order.
fn candidates(args: &Args) -> Result<Vec<RunConfig>> {
    let two = args.model == ModelKind::TwoLayer;
    let archs: Vec<Vec<usize>> = args.hidden.iter().map(|h| parse_arch(h)).collect::<Result<_>>()?;
    if two && archs.iter().any(|a| a.len() != 1) {
        bail!("the two-layer net has one hidden layer: give single sizes to --hidden (e.g. 100,200)");
    }
    for (name, v) in
        [("--lr", &args.lr), ("--reg", &args.reg), ("--epochs", &args.epochs), ("--lr-decay", &args.lr_decay)]
    {
        if v.is_empty() || v.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
            bail!("{name} needs non-negative numbers");
        }
    }
    let base = |hidden: Vec<usize>, lr: f64, reg: f64, epochs: f64, decay: f64, seed: u64| {
        let per_epoch = (SplitConfig::default().train / args.batch.max(1)).max(1);
        RunConfig {
            model: args.model,
            hidden,
            update: args.update.unwrap_or(if two { Update::Sgd } else { Update::Adam }),
            learning_rate: lr,
            lr_decay: decay,
            reg,
            batch: args.batch.max(1),
            iters: ((epochs * per_epoch as f64).round() as usize).max(1),
            weight_scale: args.weight_scale.unwrap_or(if two { 1e-4 } else { 1e-2 }),
            dropout: args.dropout,
            batchnorm: args.batchnorm,
            seed,
            threads: args.threads.max(1),
            layout: args.layout.unwrap_or(if two { LayoutArg::Hwc } else { LayoutArg::Chw }),
            dtype: DtypeArg::F32,
            train_rows: SplitConfig::default().train,
            val_rows: SplitConfig::default().val,
        }
    };
    let mut out = Vec::new();
    match args.search {
        Search::Grid => {
            for h in &archs {
                for &lr in &args.lr {
                    for &reg in &args.reg {
                        for &e in &args.epochs {
                            for &d in &args.lr_decay {
                                out.push(base(h.clone(), lr, reg, e, d, args.seed));
                            }
                        }
                    }
                }
            }
        }
        Search::Random => {
            let mut rng = rng_from_seed(args.seed);
            for _ in 0..args.trials {
                let lr = log_uniform(&mut rng, &args.lr);
                let reg = log_uniform(&mut rng, &args.reg);
                let h = archs[rng.random_range(0..archs.len())].clone();
                let e = args.epochs[rng.random_range(0..args.epochs.len())];
                let d = args.lr_decay[rng.random_range(0..args.lr_decay.len())];
                out.push(base(h, lr, reg, e, d, args.seed));
            }
        }
    }
    Ok(out)
}

/// `100x100` → `[100, 100]`.
fn parse_arch(s: &str) -> Result<Vec<usize>> {
    let sizes: Vec<usize> = s.split('x').map(|p| p.trim().parse::<usize>()).collect::<Result<_, _>>()?;
    if sizes.contains(&0) {
        bail!("--hidden: sizes must be positive in '{s}'");
    }
    Ok(sizes)
}

/// A draw between the smallest and largest of `v`, uniform in log space (0 stays 0).
fn log_uniform(rng: &mut handgrad_tensor::init::Rng, v: &[f64]) -> f64 {
    let (lo, hi) = v.iter().fold((f64::INFINITY, 0.0f64), |(l, h), &x| (l.min(x), h.max(x)));
    if lo <= 0.0 || hi <= lo {
        return hi;
    }
    (lo.ln() + (hi.ln() - lo.ln()) * rng.random::<f64>()).exp()
}

fn table(rows: &[(RunConfig, f64, f64)]) -> String {
    let mut s = String::from("\n  rank  val acc   train s  configuration\n");
    for (i, (cfg, acc, secs)) in rows.iter().enumerate() {
        let _ = writeln!(s, "  {:>4}  {acc:>7.4}  {secs:>8.1}  {}", i + 1, cfg.short());
    }
    s
}

fn trials_csv(rows: &[(RunConfig, f64, f64)]) -> String {
    let mut s =
        String::from("rank,val_acc,train_seconds,hidden,learning_rate,reg,epochs,lr_decay,iters,update,batch\n");
    for (i, (c, acc, secs)) in rows.iter().enumerate() {
        let hidden: Vec<String> = c.hidden.iter().map(usize::to_string).collect();
        let update = serde_json::to_value(c.update).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        let _ = writeln!(
            s,
            "{},{acc},{secs},{},{},{},{},{},{},{update},{}",
            i + 1,
            hidden.join("x"),
            c.learning_rate,
            c.reg,
            c.epochs(),
            c.lr_decay,
            c.iters,
            c.batch
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architectures_parse() {
        assert_eq!(parse_arch("100x50").unwrap(), [100, 50]);
        assert_eq!(parse_arch("300").unwrap(), [300]);
        assert!(parse_arch("100x0").is_err() && parse_arch("abc").is_err());
    }

    #[test]
    fn log_uniform_stays_in_range() {
        let mut rng = rng_from_seed(1);
        for _ in 0..100 {
            let v = log_uniform(&mut rng, &[1e-4, 1e-2]);
            assert!((1e-4..=1e-2).contains(&v), "{v}");
        }
        assert_eq!(log_uniform(&mut rng, &[0.5]), 0.5);
    }
}
