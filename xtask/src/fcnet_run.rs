//! The life of an fcnet run folder, shared by `train fcnet` and each trial of `tune fcnet`:
//! streamed logs, per-epoch checkpoints, a summary that says where the run stands, the report, and
//! the evaluation at the end.
//!
//! While the loop runs ([`Lifecycle::on_iter`], the callback of `handgrad_fcnet::train_from`):
//! - every loss goes to `loss.csv` and every check to `metrics.csv` as they are produced (buffered,
//!   flushed and synced at every epoch end);
//! - a check with a better validation accuracy than any before writes `best.safetensors` (the net
//!   at that check); every epoch end (and the last iteration) writes `last.safetensors` — the net,
//!   its input spec and the loop state, what `--resume` continues — then `summary.json` (state
//!   `running`) and `report.html`; all atomically;
//! - on Ctrl-C the loop stops after the current iteration: the logs are flushed, `last.safetensors`
//!   is written as the run stands, and the summary (state `interrupted`) says how to resume.
//!
//! At the end ([`Lifecycle::finish`]): `model.safetensors` (self-contained: the input spec is in
//! it), the evaluation (per-class accuracy, confusion matrices, misclassified images), the plots,
//! the weight picture, `summary.json` (state `finished`) and the final report. A diverged run
//! ([`Lifecycle::diverged`]) keeps its logs and last checkpoints and says so (state `diverged`).
//!
//! Nothing time-dependent goes into a checkpoint, so a resumed run writes the same
//! `model.safetensors` and `loss.csv`, byte for byte, as an uninterrupted one.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use handgrad_cifar::Layout;
use handgrad_fcnet::{CifarData, InputSpec, Live, ModelKind, Outcome, Recipe, Trained};
use handgrad_nn::solver::{Check, History, Progress, TrainError};
use handgrad_tensor::Scalar;
use handgrad_tensor::gemm::par_for_threads;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::interrupt;
use crate::report::evaluation::{self, SplitEval};
use crate::report::html::{Page, REPORT};
use crate::report::{fcnet_plots, images};
use crate::run_dir::{self, BEST, CHECKPOINT, LAST};
use crate::run_log::CsvLog;

/// What a run is, besides its recipe: the data it reads and how to resume it.
#[derive(Clone, Debug)]
pub struct RunInfo {
    /// Everything the run is configured with.
    pub recipe: Recipe,
    /// Scalar type of parameters and data.
    pub dtype: &'static str,
    /// The CIFAR-10 folder.
    pub data_dir: PathBuf,
    /// [`CifarData::fingerprint`] of the splits.
    pub fingerprint: String,
    /// The command that continues this run (printed when it is interrupted).
    pub resume_command: String,
    /// Show the progress bar and the per-epoch lines.
    pub show: bool,
}

impl RunInfo {
    /// Metadata of every checkpoint of the run: what rebuilds and checks it (no timings: a resumed
    /// run writes the same bytes).
    fn checkpoint_metadata(&self) -> BTreeMap<String, String> {
        let r = &self.recipe;
        BTreeMap::from([
            ("seed".into(), r.seed.to_string()),
            ("layout".into(), r.layout.name().into()),
            ("train_rows".into(), r.train_rows.to_string()),
            ("val_rows".into(), r.val_rows.to_string()),
            ("run_config".into(), serde_json::to_string(r).expect("the recipe serialises")),
            ("data_fingerprint".into(), self.fingerprint.clone()),
        ])
    }
}

/// What `summary.json` holds at the end of a run.
#[derive(Serialize)]
pub struct Summary {
    /// `finished`.
    pub state: &'static str,
    /// Validation accuracy of the final model (the checkpoint).
    pub val_acc: f64,
    /// Which parameters the final model holds.
    pub final_model: String,
    /// Best validation accuracy seen at a check.
    pub best_check_val_acc: f64,
    /// Test accuracy, when the test batch exists.
    pub test_acc: Option<f64>,
    /// Why there is no test accuracy.
    pub test_note: Option<String>,
    /// Validation accuracy of each class (class name, accuracy).
    pub per_class_val_acc: Vec<(String, Option<f64>)>,
    /// Final training loss (mean of the last 50 iterations).
    pub final_loss: f64,
    /// Wall time of the training loop, seconds (over every process of a resumed run).
    pub train_seconds: f64,
    /// Wall time of this command (data, training, evaluation, report), seconds.
    pub total_seconds: f64,
    /// Milliseconds per training iteration (checks and checkpoints included).
    pub ms_per_iter: f64,
    /// Epochs covered.
    pub epochs: f64,
    /// Everything the run was configured with.
    pub recipe: Recipe,
    /// Scalar type of parameters and data.
    pub dtype: &'static str,
    /// The CIFAR-10 folder used.
    pub data_dir: String,
    /// Fingerprint of the splits (a resume against other data is refused).
    pub data_fingerprint: String,
    /// Checkpoint file name.
    pub checkpoint: String,
    /// The command line.
    pub command: String,
}

impl Summary {
    /// The human-readable summary.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{}", self.recipe);
        let _ = writeln!(
            s,
            "validation accuracy: {:.4} (best at a check {:.4}; validation (clean split){})",
            self.val_acc,
            self.best_check_val_acc,
            if self.recipe.augment.is_none() { "" } else { ", train accuracy on augmented batches" }
        );
        let _ = writeln!(s, "final model:         {}", self.final_model);
        match (self.test_acc, &self.test_note) {
            (Some(a), _) => {
                let _ = writeln!(s, "test accuracy:       {a:.4}");
            }
            (None, Some(note)) => {
                let _ = writeln!(s, "test accuracy:       not measured: {note}");
            }
            (None, None) => {}
        }
        let per: Vec<String> = self
            .per_class_val_acc
            .iter()
            .map(|(c, a)| format!("{c} {}", a.map_or("–".into(), |a| format!("{:.0}%", 100.0 * a))))
            .collect();
        let _ = writeln!(s, "per class (val):     {}", per.join(", "));
        let _ = writeln!(s, "final loss:          {:.4} (mean of the last 50 iterations)", self.final_loss);
        let _ = writeln!(
            s,
            "training:            {} iterations ({:.2} epochs) in {:.1} s ({:.2} ms/iter, {} thread(s), {})",
            self.recipe.iters, self.epochs, self.train_seconds, self.ms_per_iter, self.recipe.threads, self.dtype
        );
        let _ = writeln!(s, "whole command:       {:.1} s", self.total_seconds);
        let _ = writeln!(s, "seed:                {}", self.recipe.seed);
        let _ = writeln!(s, "data:                {}", self.data_dir);
        s
    }
}

/// The run folder of one fcnet run, as the run goes.
pub struct Lifecycle<'a> {
    dir: Folder<'a>,
    info: &'a RunInfo,
    spec: InputSpec,
    loss: CsvLog,
    metrics: CsvLog,
    logged_loss: usize,
    logged_checks: usize,
    best_val: f64,
    bar: ProgressBar,
    prior_seconds: f64,
    clock: Instant,
    failure: Option<anyhow::Error>,
    interrupted: Option<usize>,
}

impl<'a> Lifecycle<'a> {
    /// Starts (or, with the `saved` history of a resumed run, continues) the run folder: the logs
    /// hold exactly the iterations done, the summary says `running`.
    pub fn start(dir: &'a Path, info: &'a RunInfo, data: &CifarData, saved: Option<&History>) -> Result<Self> {
        let dir = Folder(dir);
        let empty = History::default();
        let h = saved.unwrap_or(&empty);
        let loss = CsvLog::create(
            &dir.join("loss.csv"),
            "iter,loss",
            h.loss.iter().enumerate().map(|(i, l)| loss_line(i, *l)),
        )?;
        let metrics = CsvLog::create(
            &dir.join("metrics.csv"),
            METRICS_HEADER,
            h.checks.iter().map(|c| metrics_line(c, &h.loss)),
        )?;
        let prior_seconds = run_dir::read_summary(dir.path())
            .filter(|_| saved.is_some())
            .and_then(|s| s["train_seconds"].as_f64())
            .unwrap_or(0.0);
        let bar = progress_bar(info.recipe.iters, info.show);
        bar.set_position(h.loss.len() as u64);
        let life = Self {
            dir,
            info,
            spec: InputSpec::of(data, info.recipe.layout),
            loss,
            metrics,
            logged_loss: h.loss.len(),
            logged_checks: h.checks.len(),
            best_val: h.best_val_acc(),
            bar,
            prior_seconds,
            clock: Instant::now(),
            failure: None,
            interrupted: None,
        };
        life.write_status("running", h, None)?;
        Ok(life)
    }

    /// The training loop's callback (see the module docs). A failed write stops the run; the
    /// error comes back from [`Lifecycle::failure`].
    pub fn on_iter<T: Scalar>(&mut self, live: &Live<'_, T>) -> ControlFlow<()> {
        tick(&self.bar, live.progress, self.info.show);
        match self.record(live) {
            Ok(flow) => flow,
            Err(e) => {
                self.failure = Some(e);
                ControlFlow::Break(())
            }
        }
    }

    fn record<T: Scalar>(&mut self, live: &Live<'_, T>) -> Result<ControlFlow<()>> {
        let (h, p) = (live.history(), live.progress);
        for (i, l) in h.loss.iter().enumerate().skip(self.logged_loss) {
            self.loss.line(&loss_line(i, *l))?;
        }
        self.logged_loss = h.loss.len();
        for c in &h.checks[self.logged_checks..] {
            self.metrics.line(&metrics_line(c, &h.loss))?;
            if let Some(acc) = c.val_acc.filter(|&a| a > self.best_val || self.best_val.is_nan()) {
                self.best_val = acc;
                let mut meta = self.info.checkpoint_metadata();
                meta.insert("val_acc".into(), acc.to_string());
                meta.insert("iteration".into(), c.iteration.to_string());
                live.save(&self.dir.join(BEST), &self.spec, false, &meta)?;
            }
        }
        self.logged_checks = h.checks.len();
        let epoch_end = (p.iteration + 1).is_multiple_of(h.iterations_per_epoch) || p.iteration + 1 == p.iters;
        let stop = interrupt::requested();
        if epoch_end || stop {
            self.loss.flush()?;
            self.metrics.flush()?;
            live.save(&self.dir.join(LAST), &self.spec, true, &self.info.checkpoint_metadata())?;
            images::write_weights_png(&self.dir.join("weights.png"), &live.first_weights(), self.info.recipe.layout)?;
            write_plots(self.dir.path(), h, &self.info.recipe)?;
        }
        if stop {
            self.interrupted = Some(p.iteration + 1);
            self.write_status("interrupted", h, Some(self.resume_note(p.iteration + 1)))?;
            return Ok(ControlFlow::Break(()));
        }
        if epoch_end {
            self.write_status("running", h, None)?;
        }
        Ok(ControlFlow::Continue(()))
    }

    /// A write that failed inside the loop (the run was stopped there).
    pub fn failure(&mut self) -> Option<anyhow::Error> {
        self.failure.take()
    }

    /// Iterations done when Ctrl-C stopped the run (after saving it), if it did.
    pub fn interrupted(&self) -> Option<usize> {
        self.interrupted
    }

    /// What to tell the user after a stop at `done` iterations.
    pub fn resume_note(&self, done: usize) -> String {
        format!(
            "interrupted after {done} of {} iterations; the run is saved in {} ({LAST}); resume it with: {}",
            self.info.recipe.iters,
            self.dir.path().display(),
            self.info.resume_command
        )
    }

    /// A diverged run: flushes the logs, keeps the checkpoints of the last epoch end and the best
    /// check, and records the error in the summary and the report.
    pub fn diverged(&mut self, err: &TrainError, history_len: usize) -> Result<()> {
        self.bar.finish_and_clear();
        self.loss.flush()?;
        self.metrics.flush()?;
        let kept: Vec<String> = [(LAST, "of the last epoch end"), (BEST, "of the best check")]
            .iter()
            .filter(|(file, _)| self.dir.join(file).exists())
            .map(|(file, what)| format!(", {file} {what}"))
            .collect();
        let note = format!(
            "{err}. Kept: the losses of the {history_len} iterations before it (loss.csv, metrics.csv){}.",
            kept.concat()
        );
        let h = History { loss: Vec::new(), ..History::default() };
        self.write_status("diverged", &h, Some(note))
    }

    /// The end of a finished run: final checkpoint, evaluation, plots, summary and report.
    pub fn finish<T: Scalar>(
        &mut self,
        outcome: &mut Outcome<T>,
        data: &CifarData,
        started: Instant,
    ) -> Result<Summary> {
        self.bar.finish_and_clear();
        self.loss.flush()?;
        self.metrics.flush()?;
        let r = &self.info.recipe;
        let par = par_for_threads(r.threads);
        let evals = evaluation::evaluate(&mut outcome.model, data, &data.preprocess::<T>(r.layout), par);
        let test = test_accuracy(&mut outcome.model, data, r.layout, r.threads);
        let train_seconds = self.prior_seconds + outcome.train_time.as_secs_f64();
        let summary =
            summary(r, outcome, &evals, test, self.info, data, train_seconds, started.elapsed().as_secs_f64());
        let mut meta = self.info.checkpoint_metadata();
        meta.insert("val_acc".into(), outcome.val_acc.to_string());
        outcome.model.save_with(&self.dir.join(CHECKPOINT), &self.spec, &meta)?;
        evaluation::write(self.dir.path(), &evals, data)?;
        write_plots(self.dir.path(), &outcome.history, r)?;
        images::write_weights_png(&self.dir.join("weights.png"), outcome.model.first_weights(), r.layout)?;
        let json = serde_json::to_value(&summary).expect("the summary serialises");
        run_dir::write_summary(self.dir.path(), &json, &summary.text())?;
        write_report(
            self.dir.path(),
            self.info,
            "finished",
            &outcome.history,
            Some(&summary.text()),
            &evals,
            &data.set.classes,
        )?;
        Ok(summary)
    }

    /// `summary.json` and `report.html` for a run that is not finished.
    fn write_status(&self, state: &str, h: &History, note: Option<String>) -> Result<()> {
        let r = &self.info.recipe;
        let done = h.loss.len().max(self.logged_loss);
        let last = h.checks.last();
        let json = serde_json::json!({
            "state": state,
            "iterations_done": done,
            "iters": r.iters,
            "epochs_done": done as f64 / r.iters_per_epoch() as f64,
            "last_check": last.map(check_json),
            "best_val_acc": (!self.best_val.is_nan()).then_some(self.best_val),
            "note": note,
            "train_seconds": self.prior_seconds + self.clock.elapsed().as_secs_f64(),
            "resume_command": self.info.resume_command,
            "recipe": r,
            "dtype": self.info.dtype,
            "data_dir": self.info.data_dir.display().to_string(),
            "data_fingerprint": self.info.fingerprint,
            "command": run_dir::command_line(),
        });
        let mut text = format!("{r}\nstate: {state}, {done} of {} iterations\n", r.iters);
        if let Some(c) = last {
            let _ = writeln!(text, "last check: epoch {}, val acc {:.4}", c.epoch, c.val_acc.unwrap_or(f64::NAN));
        }
        if let Some(n) = &note {
            let _ = writeln!(text, "{n}");
        }
        run_dir::write_summary(self.dir.path(), &json, &text)?;
        let history = if h.loss.is_empty() { None } else { Some(h) };
        write_report_live(self.dir.path(), self.info, state, history, &text)
    }
}

/// The run folder (`join` and `path` as a [`crate::run_dir::RunDir`] has them).
#[derive(Clone, Copy)]
struct Folder<'a>(&'a Path);

impl Folder<'_> {
    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    fn path(&self) -> &Path {
        self.0
    }
}

const METRICS_HEADER: &str = "epoch,iter,loss,train_acc,val_acc,lr";

fn loss_line(i: usize, l: f64) -> String {
    format!("{i},{l}")
}

fn metrics_line(c: &Check, loss: &[f64]) -> String {
    let l = loss.get(c.iteration).copied().unwrap_or(f64::NAN);
    let (train, val) = (c.train_acc.unwrap_or(f64::NAN), c.val_acc.unwrap_or(f64::NAN));
    format!("{},{},{l},{train},{val},{}", c.epoch, c.iteration, c.lr)
}

fn check_json(c: &Check) -> serde_json::Value {
    serde_json::json!({ "iteration": c.iteration, "epoch": c.epoch, "lr": c.lr, "train_acc": c.train_acc, "val_acc": c.val_acc })
}

#[allow(clippy::too_many_arguments)]
fn summary<T: Scalar>(
    recipe: &Recipe,
    outcome: &Outcome<T>,
    evals: &[SplitEval],
    test: Result<f64, String>,
    info: &RunInfo,
    data: &CifarData,
    train_seconds: f64,
    total_seconds: f64,
) -> Summary {
    let loss = &outcome.history.loss;
    let tail = &loss[loss.len().saturating_sub(50)..];
    let (test_acc, test_note) = match test {
        Ok(a) => (Some(a), None),
        Err(note) => (None, Some(note)),
    };
    let final_model = match recipe.model {
        ModelKind::TwoLayer => "the parameters after the last iteration (the notebook's schedule)",
        ModelKind::Fc => {
            "the parameters (and batchnorm running statistics) of the check with the best validation accuracy (the \
             Solver restores them)"
        }
    };
    let per_class_val_acc = evals
        .iter()
        .find(|e| e.split == "val")
        .map(|e| data.set.classes.iter().cloned().zip(e.confusion.per_class_accuracy()).collect())
        .unwrap_or_default();
    Summary {
        state: "finished",
        val_acc: outcome.val_acc,
        final_model: final_model.into(),
        best_check_val_acc: outcome.history.best_val_acc(),
        test_acc,
        test_note,
        per_class_val_acc,
        final_loss: tail.iter().sum::<f64>() / tail.len().max(1) as f64,
        train_seconds,
        total_seconds,
        ms_per_iter: 1e3 * train_seconds / recipe.iters.max(1) as f64,
        epochs: recipe.epochs(),
        recipe: recipe.clone(),
        dtype: info.dtype,
        data_dir: info.data_dir.display().to_string(),
        data_fingerprint: info.fingerprint.clone(),
        checkpoint: CHECKPOINT.into(),
        command: run_dir::command_line(),
    }
}

/// Test accuracy of `model` on rows flattened in `layout`, or the reason there is none.
pub fn test_accuracy<T: Scalar>(
    model: &mut Trained<T>,
    data: &CifarData,
    layout: Layout,
    threads: usize,
) -> Result<f64, String> {
    let pre = data.preprocess::<T>(layout);
    match data.samples(&pre).2 {
        Some(test) => Ok(model.measure_accuracy(&test, par_for_threads(threads))),
        None => Err(data.test_note().unwrap_or_else(|| "no test split".into())),
    }
}

/// `loss.svg` and `accuracy.svg` of `history`.
fn write_plots(dir: &Path, history: &History, recipe: &Recipe) -> Result<()> {
    let title = recipe.short();
    fcnet_plots::plot_loss_svg(&dir.join("loss.svg"), history, &format!("Training loss: {title}"))?;
    let train_label = match recipe.model {
        ModelKind::TwoLayer => "train (the current minibatch, as the notebook)",
        ModelKind::Fc if !recipe.augment.is_none() => "train (augmented batches)",
        ModelKind::Fc => "train (1,000 sampled training images)",
    };
    fcnet_plots::plot_accuracy_svg(&dir.join("accuracy.svg"), history, "Accuracy at each check", train_label)
}

/// The configuration table of a report.
fn config_rows(info: &RunInfo) -> Vec<(&'static str, String)> {
    let r = &info.recipe;
    let hidden: Vec<String> = r.hidden.iter().map(usize::to_string).collect();
    vec![
        ("model", r.model.name().to_string()),
        ("hidden", hidden.join(", ")),
        ("update", r.update.name().to_string()),
        ("lr / lr decay per epoch", format!("{:e} / {}", r.lr, r.lr_decay)),
        ("reg", r.reg.to_string()),
        ("batch size", r.batch_size.to_string()),
        ("iterations (epochs)", format!("{} ({:.2})", r.iters, r.epochs())),
        ("weight scale", r.weight_scale.to_string()),
        ("dropout / batchnorm", format!("{} / {}", r.dropout, r.batchnorm)),
        ("schedule / warm-up epochs", format!("{} / {}", r.schedule.name(), r.warmup)),
        ("weight decay / label smoothing", format!("{} / {}", r.weight_decay, r.label_smoothing)),
        ("augmentation (training batches only)", r.augment.describe()),
        ("layout", r.layout.name().to_string()),
        ("seed / threads / dtype", format!("{} / {} / {}", r.seed, r.threads, info.dtype)),
        ("data", format!("{} (fingerprint {}…)", info.data_dir.display(), &info.fingerprint[..12])),
    ]
}

/// `report.html` of a run that is going (or stopped): its state, configuration, plots so far.
fn write_report_live(dir: &Path, info: &RunInfo, state: &str, h: Option<&History>, status: &str) -> Result<()> {
    let mut page = Page::new(&format!("fcnet run {} — {state}", folder_name(dir)), state == "running");
    page.heading("State");
    page.pre(status);
    page.heading("Configuration");
    page.pairs(&config_rows(info));
    if h.is_some() || dir.join("loss.svg").exists() {
        page.heading("Training so far");
        page.image_file(&dir.join("loss.svg"), "training loss per iteration");
        page.image_file(&dir.join("accuracy.svg"), "training and validation accuracy at each check");
        page.image_file(&dir.join("weights.png"), "first-layer weights, one tile per hidden unit");
    }
    page.write(&dir.join(REPORT))
}

/// `report.html` of a finished run.
fn write_report(
    dir: &Path,
    info: &RunInfo,
    state: &str,
    h: &History,
    summary: Option<&str>,
    evals: &[SplitEval],
    classes: &[String],
) -> Result<()> {
    let mut page = Page::new(&format!("fcnet run {} — {state}", folder_name(dir)), false);
    page.heading("Final metrics");
    if let Some(s) = summary {
        page.pre(s);
    }
    page.heading("Configuration");
    page.pairs(&config_rows(info));
    page.heading("Loss and accuracy");
    page.para(&format!("{} iterations, {} checks.", h.loss.len(), h.checks.len()));
    page.image_file(&dir.join("loss.svg"), "training loss per iteration");
    page.image_file(&dir.join("accuracy.svg"), "training and validation accuracy at each check");
    evaluation::add_to_page(&mut page, dir, evals, classes);
    page.heading("First-layer weights");
    page.image_file(&dir.join("weights.png"), "first-layer weights, one tile per hidden unit");
    page.write(&dir.join(REPORT)).context("writing report.html")
}

fn folder_name(dir: &Path) -> String {
    dir.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned())
}

/// A progress bar over `iters` iterations (hidden when `show` is false).
pub fn progress_bar(iters: usize, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(iters as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} it (eta {eta}) {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

/// Progress-bar update for one iteration: position every time, message every 20 iterations and at
/// each check (formatting a message costs an allocation); with `lines`, one printed line per check.
pub fn tick(bar: &ProgressBar, p: &Progress<'_>, lines: bool) {
    bar.set_position(p.iteration as u64 + 1);
    let pct = |a: Option<f64>| 100.0 * a.unwrap_or(f64::NAN);
    if let Some(c) = p.check {
        bar.set_message(format!(
            "loss {:.3} | epoch {} train {:.1}% val {:.1}%",
            p.loss,
            c.epoch,
            pct(c.train_acc),
            pct(c.val_acc)
        ));
        if lines {
            // Printed through the bar, so that the line also reaches a log when stderr is no terminal.
            bar.suspend(|| {
                println!(
                    "epoch {:>3} (iter {:>6}): loss {:.4}, train acc {:.3}, val acc {:.3}, lr {:.3e}",
                    c.epoch,
                    c.iteration,
                    p.loss,
                    c.train_acc.unwrap_or(f64::NAN),
                    c.val_acc.unwrap_or(f64::NAN),
                    c.lr
                )
            });
        }
    } else if p.iteration.is_multiple_of(20) {
        let msg = bar.message();
        let tail = msg.split_once('|').map(|(_, t)| t.to_string()).unwrap_or_default();
        bar.set_message(format!("loss {:.3} |{tail}", p.loss));
    }
}
