//! Training a [`Recipe`] on CIFAR-10: build the net from the seed, configure the one training loop
//! ([`Solver`]) for it, run it, measure the final validation accuracy.
//!
//! - two-layer: [`SolverConfig::notebook`] (plain SGD, the notebook's per-epoch checks and decay),
//!   the fused SGD step; the weights and then the minibatches come from one generator seeded with
//!   `seed`;
//! - fc: [`SolverConfig::new`] (the CS231n Solver, best validation parameters restored) with the
//!   recipe's update rule and per-epoch decay; the weights come from `seed`, the minibatches and
//!   dropout masks from a generator seeded with `seed + 1`.
//!
//! Same recipe and thread count ⇒ same history, bit for bit.

use core::ops::ControlFlow;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use handgrad_nn::solver::{Dataset, History, LrSchedule, Progress, Solver, SolverConfig, TrainError, accuracy};
use handgrad_tensor::gemm::par_for_threads;
use handgrad_tensor::init::rng_from_seed;
use handgrad_tensor::{Matrix, Par, Scalar};

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::recipe::{ModelKind, Recipe};
use crate::{CifarData, FC_KIND, FcConfig, FullyConnectedNet, TWO_LAYER_KIND, TwoLayerConfig, TwoLayerNet};

/// A net of either kind.
#[derive(Clone, Debug)]
pub enum Trained<T: Scalar> {
    /// The two-layer net.
    TwoLayer(TwoLayerNet<T>),
    /// The fully connected net.
    Fc(FullyConnectedNet<T>),
}

impl<T: Scalar> Trained<T> {
    /// First-layer weights `(3072, H1)`, for the weight picture.
    pub fn first_weights(&self) -> &Matrix<T> {
        match self {
            Self::TwoLayer(net) => &net.params.fc1.w,
            Self::Fc(net) => net.weight(0),
        }
    }

    /// Accuracy on a whole split (eval mode).
    pub fn measure_accuracy<D: Dataset<T> + ?Sized>(&mut self, data: &D, par: Par) -> f64 {
        match self {
            Self::TwoLayer(net) => accuracy(net, data, par),
            Self::Fc(net) => accuracy(net, data, par),
        }
    }

    /// Saves the checkpoint with `extra` metadata (atomically).
    ///
    /// # Errors
    /// [`CheckpointError::Io`].
    pub fn save(&self, path: &Path, extra: &BTreeMap<String, String>) -> Result<(), CheckpointError> {
        match self {
            Self::TwoLayer(net) => net.save(path, extra),
            Self::Fc(net) => net.save(path, extra),
        }
    }

    /// Loads a checkpoint of either kind (its `model` metadata says which).
    ///
    /// # Errors
    /// Any [`CheckpointError`], including [`CheckpointError::UnknownModel`] for a kind neither net is.
    pub fn load(path: &Path) -> Result<(Self, Checkpoint), CheckpointError> {
        let ckpt = Checkpoint::read(path)?;
        match ckpt.meta("model")? {
            TWO_LAYER_KIND => TwoLayerNet::load(path).map(|(net, c)| (Self::TwoLayer(net), c)),
            FC_KIND => FullyConnectedNet::load(path).map(|(net, c)| (Self::Fc(net), c)),
            other => Err(CheckpointError::UnknownModel {
                path: path.to_path_buf(),
                known: format!("{TWO_LAYER_KIND}, {FC_KIND}"),
                found: other.to_string(),
            }),
        }
    }
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct Outcome<T: Scalar> {
    /// The trained net.
    pub model: Trained<T>,
    /// Losses and checks.
    pub history: History,
    /// Validation accuracy of the final model.
    pub val_acc: f64,
    /// Wall time of the training loop (its checks included).
    pub train_time: Duration,
}

/// Trains `recipe` on the splits of `data`; `progress` sees every iteration and may stop the run.
///
/// # Errors
/// [`TrainError::Diverged`] when a loss is not finite.
///
/// # Panics
/// If `recipe.validate()` fails (check it first), or the splits do not match `recipe`'s row counts.
pub fn train<T: Scalar>(
    recipe: &Recipe,
    data: &CifarData,
    mut progress: impl FnMut(&Progress<'_>) -> ControlFlow<()>,
) -> Result<Outcome<T>, TrainError> {
    if let Err(e) = recipe.validate() {
        panic!("handgrad_fcnet::train: invalid recipe: {e}");
    }
    assert_eq!(
        (data.splits.train.len(), data.splits.val.len()),
        (recipe.train_rows, recipe.val_rows),
        "handgrad_fcnet::train: the data's splits do not match the recipe's train_rows and val_rows"
    );
    let pre = data.preprocess::<T>(recipe.layout);
    let (train, val, _) = data.samples(&pre);
    let par = par_for_threads(recipe.threads);
    let mut rng = rng_from_seed(recipe.seed);
    let start = Instant::now();
    let (mut model, history) = match recipe.model {
        ModelKind::TwoLayer => {
            let arch = TwoLayerConfig {
                input_dim: train.n_features(),
                hidden: recipe.hidden[0],
                num_classes: 10,
                weight_scale: recipe.weight_scale,
                reg: recipe.reg,
            };
            let mut net = TwoLayerNet::<T>::new(&arch, &mut rng);
            let config = SolverConfig::notebook(recipe.lr, recipe.lr_decay, recipe.batch_size, recipe.iters);
            let h = Solver::new(config).train(&mut net, &train, Some(&val), &mut rng, par, |p, _| progress(p))?;
            (Trained::TwoLayer(net), h)
        }
        ModelKind::Fc => {
            let arch = FcConfig {
                input_dim: train.n_features(),
                hidden: recipe.hidden.clone(),
                num_classes: 10,
                weight_scale: recipe.weight_scale,
                reg: recipe.reg,
                dropout: recipe.dropout,
                batchnorm: recipe.batchnorm,
            };
            let mut net = FullyConnectedNet::<T>::new(&arch, &mut rng);
            let mut loop_rng = rng_from_seed(recipe.seed.wrapping_add(1));
            let h = Solver::new(solver_config(recipe)).train(
                &mut net,
                &train,
                Some(&val),
                &mut loop_rng,
                par,
                |p, _| progress(p),
            )?;
            (Trained::Fc(net), h)
        }
    };
    let train_time = start.elapsed();
    let val_acc = model.measure_accuracy(&val, par);
    Ok(Outcome { model, history, val_acc, train_time })
}

/// The CS231n Solver for the fc net of `recipe`.
fn solver_config(recipe: &Recipe) -> SolverConfig {
    let mut c = SolverConfig::new(recipe.update.with_lr(recipe.lr));
    c.schedule = LrSchedule::EpochEnd { factor: recipe.lr_decay };
    c.batch_size = recipe.batch_size;
    c.iters = Some(recipe.iters);
    c
}
