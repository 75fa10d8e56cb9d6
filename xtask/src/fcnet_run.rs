//! What `train fcnet` and `tune fcnet` share around `handgrad_fcnet::train`: the progress bar, the
//! run's summary, and the run folder (`loss.csv`, `metrics.csv`, `loss.svg`, `accuracy.svg`,
//! `weights.png`, `model.safetensors`, `summary.json` / `summary.txt`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use handgrad_cifar::Layout;
use handgrad_fcnet::{CifarData, ModelKind, Outcome, Recipe, Trained};
use handgrad_nn::solver::{History, Progress};
use handgrad_tensor::Scalar;
use handgrad_tensor::gemm::par_for_threads;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::report::{fcnet_plots, images};
use crate::run_dir::{self, CHECKPOINT};

/// What `summary.json` holds.
#[derive(Serialize)]
pub struct Summary {
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
    /// Final training loss (mean of the last 50 iterations).
    pub final_loss: f64,
    /// Wall time of the training loop, seconds.
    pub train_seconds: f64,
    /// Wall time of the whole command (data, training, evaluation, report), seconds.
    pub total_seconds: f64,
    /// Milliseconds per training iteration (checks included).
    pub ms_per_iter: f64,
    /// Epochs covered.
    pub epochs: f64,
    /// Everything the run was configured with.
    pub recipe: Recipe,
    /// Scalar type of parameters and data.
    pub dtype: &'static str,
    /// The CIFAR-10 folder used.
    pub data_dir: String,
    /// Checkpoint file name.
    pub checkpoint: String,
    /// The command line.
    pub command: String,
}

impl Summary {
    /// The summary of `outcome` (trained in `T`).
    pub fn new<T: Scalar>(
        recipe: &Recipe,
        outcome: &Outcome<T>,
        test: Result<f64, String>,
        data_dir: &Path,
        total_seconds: f64,
    ) -> Self {
        let loss = &outcome.history.loss;
        let tail = &loss[loss.len().saturating_sub(50)..];
        let train_seconds = outcome.train_time.as_secs_f64();
        let (test_acc, test_note) = match test {
            Ok(a) => (Some(a), None),
            Err(note) => (None, Some(note)),
        };
        let final_model = match recipe.model {
            ModelKind::TwoLayer => "the parameters after the last iteration (the notebook's schedule)",
            ModelKind::Fc => "the parameters of the check with the best validation accuracy (the Solver restores them)",
        };
        Self {
            val_acc: outcome.val_acc,
            final_model: final_model.into(),
            best_check_val_acc: outcome.history.best_val_acc(),
            test_acc,
            test_note,
            final_loss: tail.iter().sum::<f64>() / tail.len().max(1) as f64,
            train_seconds,
            total_seconds,
            ms_per_iter: 1e3 * train_seconds / recipe.iters.max(1) as f64,
            epochs: recipe.epochs(),
            recipe: recipe.clone(),
            dtype: T::NAME,
            data_dir: data_dir.display().to_string(),
            checkpoint: CHECKPOINT.into(),
            command: run_dir::command_line(),
        }
    }

    /// The human-readable summary.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{}", self.recipe);
        let _ =
            writeln!(s, "validation accuracy: {:.4} (best at a check {:.4})", self.val_acc, self.best_check_val_acc);
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

/// Writes every file of the run folder `dir`.
pub fn write_run<T: Scalar>(dir: &Path, outcome: &Outcome<T>, summary: &Summary) -> Result<()> {
    write_loss_csv(&dir.join("loss.csv"), &outcome.history)?;
    write_metrics_csv(&dir.join("metrics.csv"), &outcome.history)?;
    let title = summary.recipe.short();
    fcnet_plots::plot_loss_svg(&dir.join("loss.svg"), &outcome.history, &format!("Training loss: {title}"))?;
    let train_label = match summary.recipe.model {
        ModelKind::TwoLayer => "train (the current minibatch, as the notebook)",
        ModelKind::Fc => "train (1,000 sampled training images)",
    };
    fcnet_plots::plot_accuracy_svg(&dir.join("accuracy.svg"), &outcome.history, "Accuracy at each check", train_label)?;
    images::write_weights_png(&dir.join("weights.png"), outcome.model.first_weights(), summary.recipe.layout)?;
    outcome.model.save(&dir.join(CHECKPOINT), &checkpoint_metadata(summary))?;
    let json = serde_json::to_value(summary).expect("the summary serialises");
    run_dir::write_summary(dir, &json, &summary.text())
}

/// Metadata stored in the checkpoint beside the model config: what is needed to rebuild the
/// preprocessing and to check a reloaded model against the run.
pub fn checkpoint_metadata(summary: &Summary) -> BTreeMap<String, String> {
    let r = &summary.recipe;
    BTreeMap::from([
        ("val_acc".into(), summary.val_acc.to_string()),
        ("seed".into(), r.seed.to_string()),
        ("layout".into(), r.layout.name().into()),
        ("train_rows".into(), r.train_rows.to_string()),
        ("val_rows".into(), r.val_rows.to_string()),
        ("run_config".into(), serde_json::to_string(r).expect("the recipe serialises")),
    ])
}

fn write_loss_csv(path: &Path, h: &History) -> Result<()> {
    let mut s = String::from("iter,loss\n");
    for (i, l) in h.loss.iter().enumerate() {
        let _ = writeln!(s, "{i},{l}");
    }
    std::fs::write(path, s).with_context(|| format!("writing {}", path.display()))
}

fn write_metrics_csv(path: &Path, h: &History) -> Result<()> {
    let mut s = String::from("epoch,iter,loss,train_acc,val_acc,lr\n");
    for c in &h.checks {
        let loss = h.loss.get(c.iteration).copied().unwrap_or(f64::NAN);
        let (train, val) = (c.train_acc.unwrap_or(f64::NAN), c.val_acc.unwrap_or(f64::NAN));
        let _ = writeln!(s, "{},{},{loss},{train},{val},{}", c.epoch, c.iteration, c.lr);
    }
    std::fs::write(path, s).with_context(|| format!("writing {}", path.display()))
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
