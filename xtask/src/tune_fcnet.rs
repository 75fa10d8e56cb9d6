//! `cargo xtask tune fcnet`: the notebook's hyperparameter search, within a budget.
//!
//! Thin: flags → a [`SearchSpace`] around the model's defaults ([`Recipe::defaults`], the same
//! table `train fcnet` uses) → one training run per candidate until `--trials` or
//! `--budget-minutes` is used up (a trial that has started is finished). Each trial is a full run
//! folder `trial-NNN/` written as it goes ([`crate::fcnet_run`]: streamed logs, per-epoch
//! checkpoints, its own summary, evaluation and report); `trials.csv` gets a line as each trial
//! ends; the search's `summary.json` and `report.html` are rewritten after every trial. At the end
//! the best trial's folder is copied to `best/` and the table sorted by validation accuracy is
//! printed and put in the report.
//!
//! Ctrl-C stops the running trial cleanly (saved) and the search with it; `--resume DIR` keeps the
//! finished trials, continues the interrupted one from its last checkpoint (bit for bit) and goes
//! on with the rest — the same candidates, since they are drawn from the seed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use handgrad_cifar::Layout;
use handgrad_fcnet::{CifarData, ModelKind, Recipe, Resumed, SearchSpace, train_from};
use handgrad_nn::solver::TrainError;

use crate::args::{Hidden, RecipeArgs, RunArgs, hidden_sizes, layouts, model_kinds, update_kinds};
use crate::explicit::Given;
use crate::fcnet_run::{Lifecycle, RunInfo};
use crate::report::html::{Page, REPORT};
use crate::run_dir::{self, CHECKPOINT, Existing, LAST, RunDir};
use crate::run_log::CsvLog;

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
    /// fc only, for every trial: augmentation, label smoothing, schedule, warm-up, weight decay
    /// (as in `train fcnet`).
    #[command(flatten)]
    pub recipe: RecipeArgs,
    /// fc only: decoupled weight decays (AdamW) to choose from, one per trial uniformly; overrides
    /// --weight-decay [the --weight-decay value].
    #[arg(long, value_delimiter = ',', value_parser = crate::args::non_negative_real)]
    pub weight_decays: Vec<f64>,
    /// fc only: dropout probabilities to choose from, one per trial uniformly; overrides
    /// --dropout [the --dropout value].
    #[arg(long, value_delimiter = ',', value_parser = crate::args::dropout_probability)]
    pub dropouts: Vec<f64>,
    /// Most trials to run, 1..=10,000 (random search; grid search stops at the end of the grid,
    /// which may hold at most 10,000 combinations).
    #[arg(long, default_value_t = 8, value_parser = trials)]
    pub trials: usize,
    /// Start no new trial after this many minutes (> 0; of the search, over every process of a
    /// resumed one).
    #[arg(long, default_value_t = 15.0, value_parser = crate::args::positive_real)]
    pub budget_minutes: f64,
    /// Continue the interrupted search in RUN_DIR: its finished trials are kept, the interrupted
    /// one resumes from its last checkpoint, the rest follow. Flags that change the search are
    /// refused.
    #[arg(long, value_name = "RUN_DIR", conflicts_with = "out")]
    pub resume: Option<PathBuf>,
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
  cargo xtask tune fcnet --model fc --hidden 100,100 --hidden 200,100 --batchnorm --trials 6
  cargo xtask tune fcnet --resume runs/<search>                # continue an interrupted search";

/// What defines the search (compared on `--resume`; the thread count may change).
fn settings(args: &Args) -> serde_json::Value {
    let hidden: Vec<Vec<usize>> = args.hidden.iter().map(|Hidden(h)| h.clone()).collect();
    serde_json::json!({
        "model": args.model, "search": format!("{:?}", args.search).to_lowercase(), "lr": args.lr, "reg": args.reg,
        "hidden": hidden, "epochs": args.epochs, "lr_decay": args.lr_decay, "update": args.update,
        "dropout": args.dropout, "batchnorm": args.batchnorm, "batch_size": args.batch_size,
        "weight_scale": args.weight_scale, "layout": args.layout, "trials": args.trials,
        "augment": args.recipe.augment, "pad": args.recipe.pad, "label_smoothing": args.recipe.label_smoothing,
        "schedule": args.recipe.schedule, "warmup": args.recipe.warmup, "weight_decay": args.recipe.weight_decay,
        "weight_decays": args.weight_decays, "dropouts": args.dropouts,
        "budget_minutes": args.budget_minutes, "seed": args.run.seed,
    })
}

/// The search file of a run folder: the settings and the candidates in order.
const SEARCH: &str = "search.json";

/// Most trials of one search (each is a full training run).
pub const MAX_TRIALS: usize = 10_000;

fn trials(s: &str) -> Result<usize, String> {
    crate::args::whole_in(s, 1, MAX_TRIALS)
}

/// Runs the command: flags and every candidate checked first, then the data opened.
pub fn run(args: Args, given: &Given) -> Result<()> {
    let start = Instant::now();
    let base = base_recipe(&args)?;
    let mut candidates = candidates(&args, &base)?;
    let existing = match (&args.resume, args.run.overwrite) {
        (Some(run), _) => {
            candidates = resumed_candidates(run, &args, given, candidates)?;
            Existing::Resume
        }
        (None, true) => Existing::Overwrite,
        (None, false) => Existing::Refuse,
    };
    let dir = crate::fetch::cifar_dir(args.run.data.as_deref())?;
    let data = crate::train_fcnet::open(&dir, &base)?;
    let fingerprint = data.fingerprint();
    if let Some(run) = &args.resume {
        let saved = std::fs::read_to_string(run.join(SEARCH))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
        if let Some(want) = saved.as_ref().and_then(|v| v["data_fingerprint"].as_str()).filter(|f| *f != fingerprint) {
            bail!(
                "cannot resume the search in {}: the dataset in {} is not the one it trained on (fingerprint {}… instead \
                 of {}…); pass --data with the search's dataset (its summary.json names it)",
                run.display(),
                dir.display(),
                &fingerprint[..12],
                &want[..12.min(want.len())]
            );
        }
    }
    let out_arg = args.resume.as_deref().or(args.run.out.as_deref());
    let bytes: u64 = candidates.iter().map(|r| crate::train_fcnet::expected_bytes(r, 4)).sum();
    let out = run_dir::open(out_arg, &format!("tune-fcnet-{}", base.model.name()), base.seed, existing, bytes)?;
    if args.resume.is_none() {
        let json = serde_json::json!({ "settings": settings(&args), "candidates": candidates, "data_fingerprint": fingerprint });
        run_dir::write_atomic(&out.join(SEARCH), serde_json::to_string_pretty(&json)?.as_bytes())?;
    }
    let prior = if args.resume.is_some() {
        run_dir::read_summary(out.path()).and_then(|s| s["elapsed_seconds"].as_f64()).unwrap_or(0.0)
    } else {
        0.0
    };
    println!("{} trial(s) planned, budget {} min; data {}", candidates.len(), args.budget_minutes, dir.display());
    println!("search folder: {} (report.html is rewritten after every trial)", out.path().display());
    crate::interrupt::install();
    let mut search =
        SearchRun { out: &out, data: &data, data_dir: &dir, fingerprint, args: &args, rows: Vec::new(), prior, start };
    search.run(&candidates)
}

/// The candidates of the search being resumed in `run`: its saved list, when the flags typed do
/// not change the search.
fn resumed_candidates(run: &Path, args: &Args, given: &Given, planned: Vec<Recipe>) -> Result<Vec<Recipe>> {
    let text = std::fs::read_to_string(run.join(SEARCH)).with_context(|| {
        format!("{} holds no search to resume (no {SEARCH}): give the folder of a tune run", run.display())
    })?;
    let saved: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}: {SEARCH}", run.display()))?;
    let now = settings(args);
    let changed: Vec<String> = now
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| given.has(k) && saved["settings"].get(k.as_str()) != Some(*v))
        .map(|(k, v)| format!("--{} {v} (it was {})", k.replace('_', "-"), saved["settings"][k.as_str()]))
        .collect();
    if !changed.is_empty() {
        bail!(
            "cannot resume the search in {}: {}; a resumed search keeps its settings: drop those flags, or start a new search",
            run.display(),
            changed.join(", ")
        );
    }
    let mut list: Vec<Recipe> = serde_json::from_value(saved["candidates"].clone())
        .with_context(|| format!("{}: {SEARCH} has no valid candidate list", run.display()))?;
    for r in &mut list {
        r.threads = args.run.threads;
    }
    if list.len() != planned.len() {
        println!("note: continuing the saved list of {} candidate(s)", list.len());
    }
    Ok(list)
}

/// One finished (or failed) trial: its recipe, validation accuracy and training seconds.
type Row = (usize, Recipe, f64, f64);

/// A search as it goes.
struct SearchRun<'a> {
    out: &'a RunDir,
    data: &'a CifarData,
    data_dir: &'a Path,
    fingerprint: String,
    args: &'a Args,
    rows: Vec<Row>,
    prior: f64,
    start: Instant,
}

/// How a trial ended.
enum Trial {
    Done(f64, f64),
    Failed(String),
    Interrupted(String),
}

impl SearchRun<'_> {
    fn elapsed(&self) -> f64 {
        self.prior + self.start.elapsed().as_secs_f64()
    }

    fn run(&mut self, candidates: &[Recipe]) -> Result<()> {
        let old = (0..candidates.len()).filter_map(|k| finished_row(&trial_dir(self.out.path(), k), k, &candidates[k]));
        let done: Vec<Row> = old.collect();
        let mut log = CsvLog::create(&self.out.join("trials.csv"), TRIALS_HEADER, done.iter().map(trial_line))?;
        self.rows = done;
        for (k, recipe) in candidates.iter().enumerate() {
            if self.rows.iter().any(|r| r.0 == k) {
                continue;
            }
            let dir = trial_dir(self.out.path(), k);
            let resumable = dir.join(LAST).exists();
            if !resumable && self.elapsed() > 60.0 * self.args.budget_minutes {
                println!("budget of {} min used up: stopping", self.args.budget_minutes);
                break;
            }
            println!("trial {}/{}: {recipe}", k + 1, candidates.len());
            let row = match self.trial(&dir, recipe, resumable)? {
                Trial::Done(acc, secs) => {
                    println!("  val {acc:.4}  {secs:>6.1} s");
                    (k, recipe.clone(), acc, secs)
                }
                Trial::Failed(e) => {
                    println!("  failed: {e}");
                    (k, recipe.clone(), f64::NAN, f64::NAN)
                }
                Trial::Interrupted(note) => {
                    self.write_status("interrupted", candidates.len(), Some(&note))?;
                    println!("{note}");
                    run_dir::exit_interrupted(self.out.path());
                }
            };
            log.line(&trial_line(&row))?;
            log.flush()?;
            self.rows.push(row);
            self.write_status("running", candidates.len(), None)?;
        }
        self.finish(candidates.len())
    }

    /// Trains (or resumes) one trial in `dir`.
    fn trial(&self, dir: &Path, recipe: &Recipe, resume: bool) -> Result<Trial> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let info = RunInfo {
            recipe: recipe.clone(),
            dtype: "f32",
            data_dir: self.data_dir.to_path_buf(),
            fingerprint: self.fingerprint.clone(),
            resume_command: format!("cargo xtask tune fcnet --resume {}", self.out.path().display()),
            show: !self.args.run.quiet,
        };
        let start = Instant::now();
        let resumed = if resume { Some(Resumed::<f32>::load(&dir.join(LAST))?) } else { None };
        let mut life = Lifecycle::start(dir, &info, self.data, resumed.as_ref().map(|r| r.state.history()))?;
        let result = train_from::<f32>(recipe, self.data, resumed, |live| life.on_iter(live));
        if let Some(e) = life.failure() {
            return Err(e.context(format!("trial {} stopped: a file could not be written", dir.display())));
        }
        Ok(match result {
            Ok(_) if life.interrupted().is_some() => {
                Trial::Interrupted(life.resume_note(life.interrupted().unwrap_or(0)))
            }
            Ok(mut outcome) => {
                let summary = life.finish(&mut outcome, self.data, start)?;
                // A finished trial needs no loop state: keep its final and best checkpoints only.
                let _ = std::fs::remove_file(dir.join(LAST));
                Trial::Done(summary.val_acc, summary.train_seconds)
            }
            Err(e @ TrainError::Diverged { iteration, .. }) => {
                life.diverged(&e, iteration)?;
                Trial::Failed(e.to_string())
            }
            Err(e) => Trial::Failed(e.to_string()),
        })
    }

    /// Copies the best trial to `best/`, writes the final summary and report.
    fn finish(&self, planned: usize) -> Result<()> {
        let Some(best) =
            self.rows.iter().filter(|r| !r.2.is_nan()).max_by(|a, b| a.2.total_cmp(&b.2).then(b.0.cmp(&a.0)))
        else {
            bail!("no trial finished; see the messages above");
        };
        let from = trial_dir(self.out.path(), best.0);
        let best_dir = self.out.join("best");
        copy_run(&from, &best_dir)?;
        print!("{}", table(&self.sorted()));
        println!("best: trial {} {}", best.0 + 1, best.1);
        if let Ok(text) = std::fs::read_to_string(best_dir.join("summary.txt")) {
            print!("{text}");
        }
        self.write_status("finished", planned, None)?;
        println!("table: {}; best run folder: {}", self.out.join("trials.csv").display(), best_dir.display());
        Ok(())
    }

    fn sorted(&self) -> Vec<Row> {
        let mut rows = self.rows.clone();
        rows.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        rows
    }

    /// The search's `summary.json` and `report.html`.
    fn write_status(&self, state: &str, planned: usize, note: Option<&str>) -> Result<()> {
        let sorted = self.sorted();
        let best = sorted.iter().find(|r| !r.2.is_nan());
        let json = serde_json::json!({
            "state": state, "trials_done": self.rows.len(), "trials_planned": planned,
            "best_trial": best.map(|r| r.0 + 1), "best_val_acc": best.map(|r| r.2), "best_recipe": best.map(|r| &r.1),
            "elapsed_seconds": self.elapsed(), "note": note, "settings": settings(self.args),
            "data_dir": self.data_dir.display().to_string(), "data_fingerprint": self.fingerprint,
            "resume_command": format!("cargo xtask tune fcnet --resume {}", self.out.path().display()),
            "command": run_dir::command_line(),
        });
        let mut text = format!("search {state}: {} of {planned} trial(s) done\n", self.rows.len());
        if let Some(b) = best {
            let _ = writeln!(text, "best so far: trial {} val {:.4} {}", b.0 + 1, b.2, b.1);
        }
        if let Some(n) = note {
            let _ = writeln!(text, "{n}");
        }
        run_dir::write_summary(self.out.path(), &json, &text)?;
        let mut page = Page::new(&format!("tune fcnet — {state}"), state == "running");
        page.heading("State");
        page.pre(&text);
        page.heading("Trials, best first");
        let rows: Vec<Vec<String>> = sorted
            .iter()
            .map(|(k, r, acc, secs)| vec![(k + 1).to_string(), format!("{acc:.4}"), format!("{secs:.1}"), r.short()])
            .collect();
        page.table(&["trial", "val acc", "train s", "configuration"], &rows);
        if let Some(b) = best {
            let dir = trial_dir(self.out.path(), b.0);
            page.heading(&format!("Best trial so far: trial {}", b.0 + 1));
            page.image_file(&dir.join("loss.svg"), "its training loss");
            page.image_file(&dir.join("accuracy.svg"), "its training and validation accuracy");
            page.image_file(&dir.join("confusion_val.svg"), "its validation confusion matrix");
            page.image_file(&dir.join("weights.png"), "its first-layer weights");
            page.para(&format!("Its full report: {}/report.html", dir.display()));
        }
        page.write(&self.out.join(REPORT))
    }
}

fn trial_dir(out: &Path, k: usize) -> PathBuf {
    out.join(format!("trial-{:03}", k + 1))
}

/// The row of trial `k` when its folder holds a finished run of `recipe` (or a diverged one).
fn finished_row(dir: &Path, k: usize, recipe: &Recipe) -> Option<Row> {
    let s = run_dir::read_summary(dir)?;
    match s["state"].as_str()? {
        "finished" => Some((k, recipe.clone(), s["val_acc"].as_f64()?, s["train_seconds"].as_f64()?)),
        "diverged" => Some((k, recipe.clone(), f64::NAN, f64::NAN)),
        _ => None,
    }
}

/// Copies the files of run folder `from` (not its loop state or lock) into `to`.
fn copy_run(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("cannot list {}", from.display()))? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if path.is_file() && name != LAST && name != run_dir::LOCK && !name.starts_with('.') {
            std::fs::copy(&path, to.join(&name))
                .with_context(|| format!("cannot copy {} to {}", path.display(), to.display()))?;
        }
    }
    debug_assert!(to.join(CHECKPOINT).exists());
    Ok(())
}

const TRIALS_HEADER: &str =
    "trial,val_acc,train_seconds,hidden,lr,reg,epochs,lr_decay,iters,update,batch_size,dropout,batchnorm,weight_decay";

fn trial_line((k, r, acc, secs): &Row) -> String {
    let hidden: Vec<String> = r.hidden.iter().map(usize::to_string).collect();
    format!(
        "{},{acc},{secs},{},{},{},{},{},{},{},{},{},{},{}",
        k + 1,
        hidden.join("x"),
        r.lr,
        r.reg,
        r.epochs(),
        r.lr_decay,
        r.iters,
        r.update.name(),
        r.batch_size,
        r.dropout,
        r.batchnorm,
        r.weight_decay
    )
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
    args.recipe.apply(&mut r);
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
        weight_decay: args.weight_decays.clone(),
        dropout: args.dropouts.clone(),
    };
    let combos = [
        space.hidden.len(),
        space.lr.len(),
        space.reg.len(),
        space.epochs.len(),
        space.lr_decay.len(),
        space.weight_decay.len().max(1),
        space.dropout.len().max(1),
    ]
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

fn table(rows: &[Row]) -> String {
    let mut s = String::from("\n  rank  trial  val acc   train s  configuration\n");
    for (i, (k, r, acc, secs)) in rows.iter().enumerate() {
        let _ = writeln!(s, "  {:>4}  {:>5}  {acc:>7.4}  {secs:>8.1}  {r}", i + 1, k + 1);
    }
    s
}
