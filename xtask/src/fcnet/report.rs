//! The run folder: `loss.csv` (every iteration), `metrics.csv` (every epoch boundary),
//! `loss.svg`, `accuracy.svg`, `weights.png` (first-layer weights), `model.safetensors`
//! (checkpoint) and `summary.json` / `summary.txt`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use handgrad_fcnet::TrainHistory;
use handgrad_tensor::Scalar;
use serde::Serialize;

use super::config::{ModelKind, RunConfig};
use super::driver::Outcome;
use super::{plots, weights_png};

/// File name of the checkpoint inside a run folder.
pub const CHECKPOINT: &str = "model.safetensors";

/// What `summary.json` holds.
#[derive(Serialize)]
pub struct Summary {
    /// Validation accuracy of the final model (the checkpoint).
    pub val_acc: f64,
    /// Which parameters the final model holds.
    pub final_model: String,
    /// Best validation accuracy seen at an epoch boundary.
    pub best_epoch_val_acc: f64,
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
    /// Milliseconds per training iteration (epoch-end evaluations included).
    pub ms_per_iter: f64,
    /// Epochs covered.
    pub epochs: f64,
    /// Everything the run was configured with.
    pub config: RunConfig,
    /// The CIFAR-10 folder used.
    pub data_dir: String,
    /// Checkpoint file name.
    pub checkpoint: String,
    /// The command line.
    pub command: String,
}

impl Summary {
    /// Builds the summary of `outcome`.
    pub fn new<T: Scalar>(
        cfg: &RunConfig,
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
        let final_model = match cfg.model {
            ModelKind::TwoLayer => "the parameters after the last iteration (the notebook's schedule)",
            ModelKind::Fc => "the parameters of the check with the best validation accuracy (the Solver restores them)",
        };
        Self {
            val_acc: outcome.val_acc,
            final_model: final_model.into(),
            best_epoch_val_acc: outcome.history.best_val_acc(),
            test_acc,
            test_note,
            final_loss: tail.iter().sum::<f64>() / tail.len().max(1) as f64,
            train_seconds,
            total_seconds,
            ms_per_iter: 1e3 * train_seconds / cfg.iters.max(1) as f64,
            epochs: cfg.epochs(),
            config: cfg.clone(),
            data_dir: data_dir.display().to_string(),
            checkpoint: CHECKPOINT.into(),
            command: std::env::args().skip(1).collect::<Vec<_>>().join(" "),
        }
    }

    /// The human-readable summary.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{}", self.config.short());
        let _ = writeln!(
            s,
            "validation accuracy: {:.4} (best at an epoch end {:.4})",
            self.val_acc, self.best_epoch_val_acc
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
        let _ = writeln!(s, "final loss:          {:.4} (mean of the last 50 iterations)", self.final_loss);
        let _ = writeln!(
            s,
            "training:            {} iterations ({:.2} epochs) in {:.1} s ({:.2} ms/iter, {} thread(s), {})",
            self.config.iters,
            self.epochs,
            self.train_seconds,
            self.ms_per_iter,
            self.config.threads,
            serde_json::to_value(self.config.dtype).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
        );
        let _ = writeln!(s, "whole command:       {:.1} s", self.total_seconds);
        let _ = writeln!(s, "seed:                {}", self.config.seed);
        let _ = writeln!(s, "data:                {}", self.data_dir);
        s
    }
}

/// Writes every file of the run folder `dir` (created if needed).
pub fn write_run<T: Scalar>(dir: &Path, outcome: &Outcome<T>, summary: &Summary) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating the run folder {}", dir.display()))?;
    write_loss_csv(&dir.join("loss.csv"), &outcome.history)?;
    write_metrics_csv(&dir.join("metrics.csv"), &outcome.history)?;
    let title = summary.config.short();
    plots::loss_svg(&dir.join("loss.svg"), &outcome.history, &format!("Training loss: {title}"))?;
    let train_label = match summary.config.model {
        ModelKind::TwoLayer => "train (the current minibatch, as the notebook)",
        ModelKind::Fc => "train (1,000 sampled training images)",
    };
    plots::accuracy_svg(&dir.join("accuracy.svg"), &outcome.history, "Accuracy at each epoch boundary", train_label)?;
    weights_png::write_weight_png(
        &dir.join("weights.png"),
        outcome.model.first_weights(),
        summary.config.layout.layout(),
    )?;
    outcome.model.save(&dir.join(CHECKPOINT), &checkpoint_metadata(summary))?;
    let json = serde_json::to_string_pretty(summary).expect("summary serialises");
    std::fs::write(dir.join("summary.json"), json + "\n").context("writing summary.json")?;
    std::fs::write(dir.join("summary.txt"), summary.text()).context("writing summary.txt")?;
    Ok(())
}

/// Metadata stored in the checkpoint beside the model config: what is needed to rebuild the
/// preprocessing and to check a reloaded model against the run.
pub fn checkpoint_metadata(summary: &Summary) -> BTreeMap<String, String> {
    let c = &summary.config;
    BTreeMap::from([
        ("val_acc".into(), summary.val_acc.to_string()),
        ("seed".into(), c.seed.to_string()),
        ("layout".into(), c.layout.name().into()),
        ("train_rows".into(), c.train_rows.to_string()),
        ("val_rows".into(), c.val_rows.to_string()),
        ("run_config".into(), serde_json::to_string(c).expect("config serialises")),
    ])
}

fn write_loss_csv(path: &Path, h: &TrainHistory) -> Result<()> {
    let mut s = String::from("iter,loss\n");
    for (i, l) in h.loss.iter().enumerate() {
        let _ = writeln!(s, "{i},{l}");
    }
    std::fs::write(path, s).with_context(|| format!("writing {}", path.display()))
}

fn write_metrics_csv(path: &Path, h: &TrainHistory) -> Result<()> {
    let mut s = String::from("epoch,iter,loss,train_acc,val_acc,learning_rate\n");
    for r in &h.epochs {
        let loss = h.loss.get(r.iter).copied().unwrap_or(f64::NAN);
        let _ = writeln!(s, "{},{},{loss},{},{},{}", r.epoch, r.iter, r.train_acc, r.val_acc, r.learning_rate);
    }
    std::fs::write(path, s).with_context(|| format!("writing {}", path.display()))
}

/// A fresh run folder under `<root>/runs/`: `fcnet-<model>-<UTC time>-s<seed>`, with a numeric
/// suffix if that name is taken.
pub fn unique_run_dir(root: &Path, model: &str, seed: u64) -> PathBuf {
    let base = format!("fcnet-{model}-{}-s{seed}", utc_stamp());
    let runs = root.join("runs");
    let mut dir = runs.join(&base);
    let mut k = 2;
    while dir.exists() {
        dir = runs.join(format!("{base}-{k}"));
        k += 1;
    }
    dir
}

/// `YYYYMMDD-HHMMSS` in UTC (civil date from days since 1970, Howard Hinnant's algorithm).
fn utc_stamp() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}{m:02}{d:02}-{:02}{:02}{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use handgrad_fcnet::{EpochRecord, TwoLayerConfig, TwoLayerNet};
    use handgrad_tensor::init::rng_from_seed;

    use super::*;
    use crate::train_fcnet::fcnet::config::{DtypeArg, LayoutArg, Update};
    use crate::train_fcnet::fcnet::driver::Trained;

    /// A run folder written from a small synthetic outcome holds every file, and its checkpoint
    /// reloads to the same parameters with the reported accuracy in its metadata.
    #[test]
    fn run_folder_has_every_file_and_a_loadable_checkpoint() {
        let arch = TwoLayerConfig::cifar(4);
        let net = TwoLayerNet::<f32>::new(&arch, &mut rng_from_seed(0));
        let rec = |iter, epoch, acc| EpochRecord { iter, epoch, train_acc: acc, val_acc: acc, learning_rate: 1e-3 };
        let history = TrainHistory { loss: vec![2.3, 2.0, 1.8, 1.7], epochs: vec![rec(0, 0, 0.1), rec(2, 1, 0.3)] };
        let outcome = Outcome {
            model: Trained::TwoLayer(Box::new(net.clone()), arch),
            history,
            val_acc: 0.25,
            train_time: Duration::from_millis(5),
        };
        let cfg = RunConfig {
            model: ModelKind::TwoLayer,
            hidden: vec![4],
            update: Update::Sgd,
            learning_rate: 1e-3,
            lr_decay: 0.95,
            reg: 0.1,
            batch: 2,
            iters: 4,
            weight_scale: 1e-4,
            dropout: 0.0,
            batchnorm: false,
            seed: 0,
            threads: 1,
            layout: LayoutArg::Hwc,
            dtype: DtypeArg::F32,
            train_rows: 4,
            val_rows: 2,
        };
        let summary = Summary::new(&cfg, &outcome, Err("no test batch".into()), Path::new("/data"), 1.0);
        let dir = tempfile::tempdir().unwrap();
        write_run(dir.path(), &outcome, &summary).unwrap();
        for f in [
            "loss.csv",
            "metrics.csv",
            "loss.svg",
            "accuracy.svg",
            "weights.png",
            CHECKPOINT,
            "summary.json",
            "summary.txt",
        ] {
            assert!(dir.path().join(f).is_file(), "{f} missing");
        }
        let (loaded, _, ckpt) = TwoLayerNet::<f32>::load(&dir.path().join(CHECKPOINT)).unwrap();
        assert_eq!(loaded, net);
        assert_eq!(ckpt.meta("val_acc").unwrap(), "0.25");
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap()).unwrap();
        assert_eq!(json["val_acc"], 0.25);
        assert_eq!(json["test_note"], "no test batch");
        let metrics = std::fs::read_to_string(dir.path().join("metrics.csv")).unwrap();
        assert_eq!(metrics.lines().count(), 3, "{metrics}");
        assert!(summary.text().contains("not measured: no test batch"));
    }

    #[test]
    fn utc_stamp_has_the_expected_shape() {
        let s = super::utc_stamp();
        assert_eq!(s.len(), 15, "{s}");
        assert!(s.starts_with("20"), "{s}");
    }
}
