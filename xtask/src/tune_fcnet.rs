//! `cargo xtask tune fcnet`: the notebook's hyperparameter search, within a budget.
//!
//! Thin: flags → a [`SearchSpace`] around the model's defaults ([`Recipe::defaults`], the same
//! table `train fcnet` uses) → one [`handgrad_fcnet::train()`] per candidate until `--trials` or
//! `--budget-minutes` is used up (a trial that has started is finished). It prints a table sorted
//! by validation accuracy, writes it to `trials.csv`, keeps the best model (a full run folder:
//! checkpoint, plots, weight picture, summary), and measures the best model's test accuracy once
//! (or says that the test batch is missing).

use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::time::Instant;

use anyhow::{Result, bail};
use handgrad_cifar::Layout;
use handgrad_fcnet::{ModelKind, Outcome, Recipe, SearchSpace};
use indicatif::{ProgressBar, ProgressStyle};

use crate::args::{Hidden, RunArgs, hidden_sizes, layouts, model_kinds, update_kinds};
use crate::fcnet_run::{self, Summary};
use crate::run_dir;

/// Flags.
#[derive(clap::Args, Debug, Clone)]
#[command(after_long_help = AFTER_HELP)]
pub struct Args {
    /// Which net to tune (see `cargo xtask train fcnet --help`).
    #[arg(long, value_parser = model_kinds(), default_value = "two-layer")]
    pub model: String,
    /// `random`: draw --trials configurations; `grid`: try every combination of the lists.
    #[arg(long, value_enum, default_value_t = Search::Random)]
    pub search: Search,
    /// Learning rates (each a finite number > 0): random search draws log-uniformly between the
    /// smallest and the largest.
    #[arg(long, value_delimiter = ',', default_values_t = [3e-4, 3e-3], value_parser = crate::args::positive_real)]
    pub lr: Vec<f64>,
    /// L2 strengths (each ≥ 0; random search draws log-uniformly between the smallest and the
    /// largest, so there each must be > 0 — try 0 with --search grid).
    #[arg(long, value_delimiter = ',', default_values_t = [1e-3, 0.5], value_parser = crate::args::non_negative_real)]
    pub reg: Vec<f64>,
    /// One candidate architecture: hidden layer sizes, comma-separated (as in `train fcnet`);
    /// repeat the flag for more candidates, e.g. `--hidden 100 --hidden 200`
    /// [two-layer: 100, 200 and 300; fc: 100,100].
    #[arg(long, value_parser = hidden_sizes, value_name = "H1,H2,...", action = clap::ArgAction::Append)]
    pub hidden: Vec<Hidden>,
    /// Training lengths in epochs to choose from (each > 0, at least one iteration).
    #[arg(long, value_delimiter = ',', default_values_t = [5.0, 10.0], value_parser = crate::args::positive_real)]
    pub epochs: Vec<f64>,
    /// Learning-rate decays per epoch to choose from (each in (0, 1]).
    #[arg(long, value_delimiter = ',', default_values_t = [0.9, 0.95], value_parser = crate::args::decay_factor)]
    pub lr_decay: Vec<f64>,
    /// Update rule (fc only; the two-layer net uses plain SGD) [fc: adam].
    #[arg(long, value_parser = update_kinds())]
    pub update: Option<String>,
    /// fc only: dropout probability in [0, 1) for every trial.
    #[arg(long, default_value_t = 0.0, value_parser = crate::args::dropout_probability)]
    pub dropout: f64,
    /// fc only: batch normalisation in every trial.
    #[arg(long)]
    pub batchnorm: bool,
    /// Rows per minibatch, 1..=49,000 (default 200).
    #[arg(long, value_parser = crate::args::positive)]
    pub batch_size: Option<usize>,
    /// Std of the initial weights, > 0 [two-layer: 1e-4; fc: 1e-2].
    #[arg(long, value_parser = crate::args::positive_real)]
    pub weight_scale: Option<f64>,
    /// Row layout [two-layer: hwc; fc: chw].
    #[arg(long, value_parser = layouts())]
    pub layout: Option<String>,
    /// Most trials to run, 1..=10,000 (random search; grid search stops at the end of the grid,
    /// which may hold at most 10,000 combinations).
    #[arg(long, default_value_t = 8, value_parser = trials)]
    pub trials: usize,
    /// Start no new trial after this many minutes (> 0).
    #[arg(long, default_value_t = 15.0, value_parser = crate::args::positive_real)]
    pub budget_minutes: f64,
    /// Seed (of the search's draws and of every trial's training), threads, data, run folder.
    #[command(flatten)]
    pub run: RunArgs,
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
  cargo xtask tune fcnet --search grid --lr 5e-4,1e-3 --reg 0.05,0.25 --hidden 100 --hidden 200 --epochs 5 --lr-decay 0.95
  cargo xtask tune fcnet --model fc --hidden 100,100 --hidden 200,100 --batchnorm --trials 6";

/// Most trials of one search (each is a full training run).
pub const MAX_TRIALS: usize = 10_000;

fn trials(s: &str) -> Result<usize, String> {
    crate::args::whole_in(s, 1, MAX_TRIALS)
}

/// Runs the command: flags and every candidate checked first, then the data opened.
pub fn run(args: Args) -> Result<()> {
    let start = Instant::now();
    let base = base_recipe(&args)?;
    let candidates = candidates(&args, &base)?;
    let dir = crate::fetch::cifar_dir(args.run.data.as_deref())?;
    let data = crate::train_fcnet::open(&dir, &base)?;
    let out = run_dir::create(args.run.out.as_deref(), &format!("tune-fcnet-{}", base.model.name()), base.seed)?;
    println!("{} trial(s) planned, budget {} min; data {}", candidates.len(), args.budget_minutes, dir.display());
    let bar = ProgressBar::new(candidates.len() as u64);
    bar.set_style(ProgressStyle::with_template("[{elapsed_precise}] trial {pos}/{len} {wide_msg}").expect("template"));
    let mut rows: Vec<(Recipe, f64, f64)> = Vec::new();
    let mut best: Option<(Recipe, Outcome<f32>)> = None;
    for recipe in candidates {
        if start.elapsed().as_secs_f64() > 60.0 * args.budget_minutes {
            bar.suspend(|| println!("budget of {} min used up: stopping", args.budget_minutes));
            break;
        }
        bar.set_message(recipe.short());
        match handgrad_fcnet::train::<f32>(&recipe, &data, |_| ControlFlow::Continue(())) {
            Ok(outcome) => {
                let (acc, secs) = (outcome.val_acc, outcome.train_time.as_secs_f64());
                bar.suspend(|| println!("val {acc:.4}  {secs:>6.1} s  {recipe}"));
                rows.push((recipe.clone(), acc, secs));
                if best.as_ref().is_none_or(|(_, b)| acc > b.val_acc) {
                    best = Some((recipe, outcome));
                }
            }
            Err(e) => {
                bar.suspend(|| println!("{recipe}: failed: {e}"));
                rows.push((recipe, f64::NAN, f64::NAN));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let Some((recipe, mut best)) = best else { bail!("no trial finished; see the messages above") };
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    print!("{}", table(&rows));
    std::fs::write(out.join("trials.csv"), trials_csv(&rows))?;
    let test = fcnet_run::test_accuracy(&mut best.model, &data, recipe.layout, recipe.threads);
    let summary = Summary::new(&recipe, &best, test, &dir, start.elapsed().as_secs_f64());
    let best_dir = out.join("best");
    std::fs::create_dir_all(&best_dir)?;
    fcnet_run::write_run(&best_dir, &best, &summary)?;
    println!("best: {recipe}");
    print!("{}", summary.text());
    println!("table: {}; best run folder: {}", out.join("trials.csv").display(), best_dir.display());
    Ok(())
}

/// The model's defaults with the flags every trial shares.
fn base_recipe(args: &Args) -> Result<Recipe> {
    let model: ModelKind = args.model.parse().map_err(anyhow::Error::msg)?;
    let mut r = Recipe::defaults(model);
    r.update = args.update.as_deref().and_then(handgrad_nn::optim::UpdateKind::from_name).unwrap_or(r.update);
    r.batch_size = args.batch_size.unwrap_or(r.batch_size);
    r.weight_scale = args.weight_scale.unwrap_or(r.weight_scale);
    r.layout = args.layout.as_deref().and_then(Layout::from_name).unwrap_or(r.layout);
    (r.dropout, r.batchnorm, r.seed, r.threads) = (args.dropout, args.batchnorm, args.run.seed, args.run.threads);
    r.validate()?;
    Ok(r)
}

/// The candidates to try, in order; each is validated.
fn candidates(args: &Args, base: &Recipe) -> Result<Vec<Recipe>> {
    for (name, v) in
        [("--lr", &args.lr), ("--reg", &args.reg), ("--epochs", &args.epochs), ("--lr-decay", &args.lr_decay)]
    {
        if v.is_empty() {
            bail!("{name} needs at least one value");
        }
    }
    if args.search == Search::Random && args.reg.len() > 1 && args.reg.contains(&0.0) {
        bail!(
            "--reg {:?}: random search draws reg log-uniformly between the smallest and the largest value, which \
             must then be > 0; give positive values, or try 0 with --search grid",
            args.reg
        );
    }
    for &e in &args.epochs {
        crate::train_fcnet::epoch_iters(e, base.iters_per_epoch())?;
    }
    let hidden = if args.hidden.is_empty() {
        match base.model {
            ModelKind::TwoLayer => vec![vec![100], vec![200], vec![300]],
            ModelKind::Fc => vec![base.hidden.clone()],
        }
    } else {
        args.hidden.iter().map(|Hidden(h)| h.clone()).collect()
    };
    let space = SearchSpace {
        lr: args.lr.clone(),
        reg: args.reg.clone(),
        hidden,
        epochs: args.epochs.clone(),
        lr_decay: args.lr_decay.clone(),
    };
    let combos = [space.hidden.len(), space.lr.len(), space.reg.len(), space.epochs.len(), space.lr_decay.len()]
        .into_iter()
        .try_fold(1usize, usize::checked_mul);
    if args.search == Search::Grid && combos.is_none_or(|n| n > MAX_TRIALS) {
        bail!(
            "the grid has more than {MAX_TRIALS} combinations; give shorter lists, or use --search random --trials N"
        );
    }
    let list = match args.search {
        Search::Grid => space.grid(base),
        Search::Random => space.random(base, args.trials, base.seed),
    };
    for r in &list {
        r.validate()?;
    }
    Ok(list)
}

fn table(rows: &[(Recipe, f64, f64)]) -> String {
    let mut s = String::from("\n  rank  val acc   train s  configuration\n");
    for (i, (r, acc, secs)) in rows.iter().enumerate() {
        let _ = writeln!(s, "  {:>4}  {acc:>7.4}  {secs:>8.1}  {r}", i + 1);
    }
    s
}

fn trials_csv(rows: &[(Recipe, f64, f64)]) -> String {
    let mut s = String::from("rank,val_acc,train_seconds,hidden,lr,reg,epochs,lr_decay,iters,update,batch_size\n");
    for (i, (r, acc, secs)) in rows.iter().enumerate() {
        let hidden: Vec<String> = r.hidden.iter().map(usize::to_string).collect();
        let _ = writeln!(
            s,
            "{},{acc},{secs},{},{},{},{},{},{},{},{}",
            i + 1,
            hidden.join("x"),
            r.lr,
            r.reg,
            r.epochs(),
            r.lr_decay,
            r.iters,
            r.update.name(),
            r.batch_size
        );
    }
    s
}
