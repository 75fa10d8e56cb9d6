//! Training one configuration on CIFAR-10, with an optional progress bar, and evaluating it.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use handgrad_fcnet::{
    Dataset, EpochRecord, FcConfig, FullyConnectedNet, Progress, SgdSchedule, TrainHistory, TwoLayerConfig,
    TwoLayerNet, accuracy,
};
use handgrad_nn::optim::{Adam, Momentum, Nesterov, RmsProp, Sgd, UpdateRule};
use handgrad_nn::solver::{self, Solver, SolverConfig};
use handgrad_tensor::gemm::par_for_threads;
use handgrad_tensor::init::rng_from_seed;
use handgrad_tensor::{Matrix, Scalar};
use indicatif::{ProgressBar, ProgressStyle};

use super::config::{ModelKind, RunConfig, Update};
use super::data::Cifar;

/// A trained net of either kind.
pub enum Trained<T: Scalar> {
    /// The two-layer net and its architecture (boxed, like the other: the enum stays small).
    TwoLayer(Box<TwoLayerNet<T>>, TwoLayerConfig),
    /// The fully connected net (boxed: it carries its step buffers).
    Fc(Box<FullyConnectedNet<T>>),
}

impl<T: Scalar> Trained<T> {
    /// First-layer weights `(3072, H1)`, for the weight picture.
    pub fn first_weights(&self) -> &Matrix<T> {
        match self {
            Self::TwoLayer(net, _) => &net.w1,
            Self::Fc(net) => net.weight(0),
        }
    }

    /// Accuracy on a whole split (evaluation mode).
    pub fn accuracy<D: Dataset<T> + ?Sized>(&mut self, data: &D) -> f64 {
        match self {
            Self::TwoLayer(net, _) => accuracy(&mut **net, data),
            Self::Fc(net) => accuracy(net.as_mut(), data),
        }
    }

    /// Saves the checkpoint with `extra` metadata.
    pub fn save(&self, path: &Path, extra: &BTreeMap<String, String>) -> Result<()> {
        match self {
            Self::TwoLayer(net, cfg) => net.save(path, cfg, extra)?,
            Self::Fc(net) => net.save(path, extra)?,
        }
        Ok(())
    }
}

/// What a run produced.
pub struct Outcome<T: Scalar> {
    /// The trained net.
    pub model: Trained<T>,
    /// Losses and per-epoch accuracies.
    pub history: TrainHistory,
    /// Validation accuracy of the final model.
    pub val_acc: f64,
    /// Wall time of the training loop (epoch-end evaluations included).
    pub train_time: Duration,
}

/// Trains `cfg` on the splits of `cifar`, showing a progress bar and one line per epoch when
/// `progress`.
pub fn train<T: Scalar>(cfg: &RunConfig, cifar: &Cifar, progress: bool) -> Result<Outcome<T>> {
    let pre = cifar.preprocess::<T>(cfg.layout.layout());
    let (train, val, _) = cifar.samples(&pre);
    let bar = progress_bar(cfg, progress);
    let mut rng = rng_from_seed(cfg.seed);
    let par = par_for_threads(cfg.threads);
    let start = Instant::now();
    let (model, history) = match cfg.model {
        ModelKind::TwoLayer => {
            if cfg.hidden.len() != 1 || cfg.update != Update::Sgd || cfg.dropout > 0.0 || cfg.batchnorm {
                bail!(
                    "the two-layer net has exactly one hidden layer and trains with plain SGD, without dropout or batchnorm; use --model fc for the others"
                );
            }
            let arch = TwoLayerConfig {
                input_dim: train.n_features(),
                hidden_dim: cfg.hidden[0],
                num_classes: 10,
                std: cfg.weight_scale,
            };
            let mut net = TwoLayerNet::<T>::new(&arch, &mut rng);
            let schedule = SgdSchedule {
                learning_rate: cfg.learning_rate,
                learning_rate_decay: cfg.lr_decay,
                reg: cfg.reg,
                num_iters: cfg.iters,
                batch_size: cfg.batch,
            };
            let history = net.train(&train, &val, &schedule, &mut rng, par, |p| tick(&bar, p, progress))?;
            (Trained::TwoLayer(Box::new(net), arch), history)
        }
        ModelKind::Fc => {
            let arch = FcConfig {
                input_dim: train.n_features(),
                hidden: cfg.hidden.clone(),
                num_classes: 10,
                weight_scale: cfg.weight_scale,
                reg: cfg.reg,
                dropout: cfg.dropout,
                batchnorm: cfg.batchnorm,
            };
            let mut net = FullyConnectedNet::<T>::new(&arch, &mut rng);
            net.par = par;
            let mut solver = Solver::new(solver_config(cfg));
            let h = solver.train(&mut net, &train, Some(&val), |p| tick_solver(&bar, p, progress))?;
            (Trained::Fc(Box::new(net)), history_of(h))
        }
    };
    let train_time = start.elapsed();
    bar.finish_and_clear();
    let mut model = model;
    let val_acc = model.accuracy(&val);
    Ok(Outcome { model, history, val_acc, train_time })
}

/// The Solver's configuration for `cfg` (its RNG seeded from `seed + 1`; the weights use `seed`).
fn solver_config(cfg: &RunConfig) -> SolverConfig {
    let lr = cfg.learning_rate;
    let update = match cfg.update {
        Update::Sgd => UpdateRule::Sgd(Sgd::new(lr)),
        Update::Momentum => UpdateRule::Momentum(Momentum::new(lr)),
        Update::Nesterov => UpdateRule::Nesterov(Nesterov::new(lr)),
        Update::Rmsprop => UpdateRule::RmsProp(RmsProp::new(lr)),
        Update::Adam => UpdateRule::Adam(Adam::new(lr)),
    };
    let mut c = SolverConfig::new(update);
    c.lr_decay = cfg.lr_decay;
    c.batch_size = cfg.batch;
    c.num_iterations = Some(cfg.iters);
    c.seed = cfg.seed.wrapping_add(1);
    c.report_every = 20;
    c
}

/// The Solver's history in the report's terms (one record per check).
fn history_of(h: solver::History) -> TrainHistory {
    let epochs = h
        .checks
        .iter()
        .map(|c| EpochRecord {
            iter: c.iteration,
            epoch: c.epoch,
            train_acc: c.train_acc.unwrap_or(f64::NAN),
            val_acc: c.val_acc.unwrap_or(f64::NAN),
            learning_rate: c.learning_rate,
        })
        .collect();
    TrainHistory { loss: h.loss, epochs }
}

/// Progress-bar update from the Solver's reports (every 20 iterations and at each check).
fn tick_solver(bar: &ProgressBar, p: &solver::Progress<'_>, show_lines: bool) {
    let record = p.check.map(|c| EpochRecord {
        iter: c.iteration,
        epoch: c.epoch,
        train_acc: c.train_acc.unwrap_or(f64::NAN),
        val_acc: c.val_acc.unwrap_or(f64::NAN),
        learning_rate: c.learning_rate,
    });
    tick(
        bar,
        &Progress { iter: p.iteration, iters: p.num_iterations, loss: p.loss, record: record.as_ref() },
        show_lines,
    );
}

fn progress_bar(cfg: &RunConfig, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(cfg.iters as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} it (eta {eta}) {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

/// Progress-bar update for one iteration: position every time, message every 20 iterations and at
/// each epoch boundary (formatting a message costs an allocation); with `show_lines`, one printed
/// line per epoch boundary.
fn tick(bar: &ProgressBar, p: &Progress<'_>, show_lines: bool) {
    bar.set_position(p.iter as u64 + 1);
    if let Some(r) = p.record {
        bar.set_message(format!(
            "loss {:.3} | epoch {} train {:.1}% val {:.1}%",
            p.loss,
            r.epoch,
            100.0 * r.train_acc,
            100.0 * r.val_acc
        ));
        if show_lines {
            // println through the bar, so that the line also reaches a log when stderr is no terminal.
            bar.suspend(|| {
                println!(
                    "epoch {:>3} (iter {:>6}): loss {:.4}, train acc {:.3}, val acc {:.3}, lr {:.3e}",
                    r.epoch, r.iter, p.loss, r.train_acc, r.val_acc, r.learning_rate
                )
            });
        }
    } else if p.iter.is_multiple_of(20) {
        let msg = bar.message();
        let tail = msg.split_once('|').map(|(_, t)| t.to_string()).unwrap_or_default();
        bar.set_message(format!("loss {:.3} |{tail}", p.loss));
    }
}
