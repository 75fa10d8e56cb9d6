//! Training a [`Recipe`] on CIFAR-10: build the net from the seed, configure the one training loop
//! ([`Solver`]) for it, run it, measure the final validation accuracy.
//!
//! - two-layer: [`SolverConfig::notebook`] (plain SGD, the notebook's per-epoch checks and decay),
//!   the fused SGD step; the weights and then the minibatches come from one generator seeded with
//!   `seed`;
//! - fc: [`SolverConfig::new`] (the CS231n Solver, best validation parameters restored) with the
//!   recipe's update rule (AdamW with its weight decay) and its per-epoch decay or cosine schedule;
//!   the weights come from `seed`, the minibatches, their augmentation and the dropout masks from
//!   a generator seeded with `seed + 1`. With augmentation the training split's minibatches are
//!   augmented ([`CifarSplit::with_augment`](crate::CifarSplit::with_augment)) and the training
//!   accuracy of a check is that of the current (augmented) minibatch
//!   ([`TrainAccuracy::Batch`]); validation is always on the clean split.
//!
//! Same recipe and thread count ⇒ same history, bit for bit. [`train_from`] also continues a run
//! saved by its callback ([`Live::save`] with the loop state, read back by [`Resumed::load`]): the
//! continued run ends bit for bit where the uninterrupted one does.

use core::ops::ControlFlow;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use handgrad_nn::Mode;
use handgrad_nn::solver::{
    ConfusionMatrix, Dataset, History, LrSchedule, Model, Progress, RunState, Solver, SolverConfig, TrainAccuracy,
    TrainError, accuracy, predictions,
};
use handgrad_tensor::gemm::par_for_threads;
use handgrad_tensor::init::rng_from_seed;
use handgrad_tensor::{Matrix, Par, Scalar};

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::input_spec::InputSpec;
use crate::recipe::{ModelKind, Recipe, Schedule};
use crate::resume::read_state;
use crate::run_file::{self, NetFile, StateFile};
use crate::{
    CifarData, FC_KIND, FcConfig, FcParams, FullyConnectedNet, TWO_LAYER_KIND, TwoLayerConfig, TwoLayerNet,
    TwoLayerParams,
};

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

    /// Saves a self-contained checkpoint: the net with its input spec (and `extra` metadata), so
    /// that it classifies images without the dataset.
    ///
    /// # Errors
    /// [`CheckpointError::Io`].
    pub fn save_with(
        &self,
        path: &Path,
        input: &InputSpec,
        extra: &BTreeMap<String, String>,
    ) -> Result<(), CheckpointError> {
        run_file::save(path, self.net_file(), Some(input), None, extra)
    }

    fn net_file(&self) -> &dyn NetFile<T> {
        match self {
            Self::TwoLayer(net) => net,
            Self::Fc(net) => net,
        }
    }

    /// Eval-mode class scores of `x: (n, 3072)`: `(n, C)`.
    pub fn scores(&mut self, x: &Matrix<T>, par: Par) -> Matrix<T> {
        match self {
            Self::TwoLayer(net) => {
                let mut cache = net.new_cache();
                net.forward(x, &mut cache, par);
                cache.scores
            }
            Self::Fc(net) => {
                let mut cache = net.new_cache();
                // Eval mode draws no random numbers; the generator only satisfies the signature.
                net.forward(x, Mode::Eval, &mut cache, &mut rng_from_seed(0), par);
                cache.scores
            }
        }
    }

    /// Class probabilities of `x: (n, 3072)`: the softmax of the eval-mode scores, `(n, C)`, in
    /// `f64` (each row shifted by its maximum before exponentiating).
    pub fn probabilities(&mut self, x: &Matrix<T>, par: Par) -> Matrix<f64> {
        let scores = self.scores(x, par);
        let mut p = Matrix::zeros(scores.rows(), scores.cols());
        for i in 0..scores.rows() {
            let row: Vec<f64> = scores.row(i).iter().map(|v| v.to_f64()).collect();
            let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = row.iter().map(|v| (v - max).exp()).sum();
            for (out, v) in p.row_mut(i).iter_mut().zip(&row) {
                *out = (v - max).exp() / sum;
            }
        }
        p
    }

    /// Eval-mode predictions of every row of `data` and the rows' labels, `(pred, labels)`.
    pub fn predictions<D: Dataset<T> + ?Sized>(&mut self, data: &D, par: Par) -> (Vec<usize>, Vec<usize>) {
        let out = match self {
            Self::TwoLayer(net) => predictions(net, data, par),
            Self::Fc(net) => predictions(net, data, par),
        };
        out.expect("both nets predict classes and CIFAR splits are labelled")
    }

    /// The confusion matrix of the net on every row of `data` (10 classes).
    pub fn confusion<D: Dataset<T> + ?Sized>(&mut self, data: &D, par: Par) -> ConfusionMatrix {
        let (pred, labels) = self.predictions(data, par);
        ConfusionMatrix::from_labels(&pred, &labels, self.num_classes())
    }

    /// Number of classes `C`.
    pub fn num_classes(&self) -> usize {
        match self {
            Self::TwoLayer(net) => net.config.num_classes,
            Self::Fc(net) => net.config().num_classes,
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
    /// Wall time of the training loop (its checks included; of this process only, for a resumed
    /// run).
    pub train_time: Duration,
    /// Whether the run reached its last iteration (false when the callback stopped it).
    pub finished: bool,
}

/// A run saved by [`Live::save`] with its loop state, loaded to be continued by [`train_from`].
#[derive(Clone, Debug)]
pub struct Resumed<T: Scalar> {
    /// The net as it stood.
    pub model: Trained<T>,
    /// The loop's state.
    pub state: SavedState<T>,
    /// The checkpoint it came from (its metadata: the run's configuration, the input spec).
    pub checkpoint: Checkpoint,
}

/// The loop state of either net.
#[derive(Clone, Debug)]
pub enum SavedState<T: Scalar> {
    /// Of a two-layer net.
    TwoLayer(RunState<T, TwoLayerParams<T>>),
    /// Of a fully connected net.
    Fc(RunState<T, FcParams<T>>),
}

impl<T: Scalar> SavedState<T> {
    /// The history so far.
    pub fn history(&self) -> &History {
        match self {
            Self::TwoLayer(s) => &s.history,
            Self::Fc(s) => &s.history,
        }
    }

    /// Iterations done.
    pub fn done(&self) -> usize {
        match self {
            Self::TwoLayer(s) => s.done,
            Self::Fc(s) => s.done,
        }
    }
}

impl<T: Scalar> Resumed<T> {
    /// Loads a checkpoint written with its loop state.
    ///
    /// # Errors
    /// Any [`CheckpointError`]; [`CheckpointError::Metadata`] (key `resume`) when the file holds no
    /// loop state (a final model, not a checkpoint to resume from).
    pub fn load(path: &Path) -> Result<Self, CheckpointError> {
        let (model, checkpoint) = Trained::<T>::load(path)?;
        let missing = || {
            checkpoint.meta_error(crate::resume::STATE_KEY, "is missing: the file is a final model, not a checkpoint to resume from (resume from a run folder's last.safetensors)".into())
        };
        let state = match &model {
            Trained::TwoLayer(net) => SavedState::TwoLayer(read_state(&checkpoint, net)?.ok_or_else(missing)?),
            Trained::Fc(net) => SavedState::Fc(read_state(&checkpoint, net)?.ok_or_else(missing)?),
        };
        Ok(Self { model, state, checkpoint })
    }
}

/// What the callback of [`train_from`] sees after every iteration: the progress report, the
/// history so far, and a way to save the run as it stands.
pub struct Live<'a, T: Scalar> {
    /// This iteration's report.
    pub progress: &'a Progress<'a>,
    net: &'a dyn NetFile<T>,
    state: &'a dyn StateFile<T>,
}

impl<T: Scalar> Live<'_, T> {
    /// Losses and checks so far.
    pub fn history(&self) -> &History {
        self.state.history()
    }

    /// The first layer's weights as they stand, `(3072, H1)` (for the weight picture).
    pub fn first_weights(&self) -> Matrix<T> {
        self.net.net_tensors().first().map(|(_, w)| (*w).clone()).expect("a net has a first layer")
    }

    /// Saves the net as it stands, with its input spec and `extra` metadata, to `path`
    /// (atomically); with `resumable`, also the loop state, so that [`Resumed::load`] and
    /// [`train_from`] continue the run from here.
    ///
    /// # Errors
    /// [`CheckpointError::Io`].
    pub fn save(
        &self,
        path: &Path,
        input: &InputSpec,
        resumable: bool,
        extra: &BTreeMap<String, String>,
    ) -> Result<(), CheckpointError> {
        run_file::save(path, self.net, Some(input), resumable.then_some(self.state), extra)
    }
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
    train_from(recipe, data, None, |live| progress(live.progress))
}

/// Trains `recipe` on the splits of `data`, from the start or continuing `resume`; `on_iter` sees
/// every iteration (and can save the run) and may stop it ([`Outcome::finished`] is then false and
/// the model holds its current parameters).
///
/// # Errors
/// [`TrainError::Diverged`] when a loss is not finite; [`TrainError::Resume`] when `resume` holds
/// another kind of net, another architecture, or a state that does not fit `recipe`.
///
/// # Panics
/// If `recipe.validate()` fails (check it first), or the splits do not match `recipe`'s row counts.
pub fn train_from<T: Scalar>(
    recipe: &Recipe,
    data: &CifarData,
    resume: Option<Resumed<T>>,
    mut on_iter: impl FnMut(&Live<'_, T>) -> ControlFlow<()>,
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
    let train = train.with_augment(recipe.augment);
    let par = par_for_threads(recipe.threads);
    let start = Instant::now();
    let mismatch = |what: &str| TrainError::Resume { reason: format!("the saved net {what}") };
    let (mut model, history) = match recipe.model {
        ModelKind::TwoLayer => {
            let arch = TwoLayerConfig {
                input_dim: train.n_features(),
                hidden: recipe.hidden[0],
                num_classes: 10,
                weight_scale: recipe.weight_scale,
                reg: recipe.reg,
            };
            let (mut net, mut state) = match resume {
                None => {
                    let mut rng = rng_from_seed(recipe.seed);
                    let net = TwoLayerNet::<T>::new(&arch, &mut rng);
                    (net, RunState::new(rng))
                }
                Some(Resumed { model: Trained::TwoLayer(net), state: SavedState::TwoLayer(state), .. }) => {
                    if net.config != arch {
                        return Err(mismatch("has another architecture or L2 strength than the recipe"));
                    }
                    (net, state)
                }
                Some(_) => return Err(mismatch("is a fully connected net, the recipe a two-layer net")),
            };
            let config = SolverConfig::notebook(recipe.lr, recipe.lr_decay, recipe.batch_size, recipe.iters);
            run_net(&mut net, config, &mut state, &train, &val, par, &mut on_iter)?;
            (Trained::TwoLayer(net), state.history)
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
            let (net, mut state) = match resume {
                None => {
                    let net = FullyConnectedNet::<T>::new(&arch, &mut rng_from_seed(recipe.seed));
                    (net, RunState::new(rng_from_seed(recipe.seed.wrapping_add(1))))
                }
                Some(Resumed { model: Trained::Fc(net), state: SavedState::Fc(state), .. }) => {
                    if *net.config() != arch {
                        return Err(mismatch("has another architecture, L2 strength or dropout than the recipe"));
                    }
                    (net, state)
                }
                Some(_) => return Err(mismatch("is a two-layer net, the recipe a fully connected net")),
            };
            let mut net = net.with_label_smoothing(recipe.label_smoothing);
            run_net(&mut net, solver_config(recipe), &mut state, &train, &val, par, &mut on_iter)?;
            (Trained::Fc(net), state.history)
        }
    };
    let train_time = start.elapsed();
    let finished = history.loss.len() == recipe.iters;
    let val_acc = model.measure_accuracy(&val, par);
    Ok(Outcome { model, history, val_acc, train_time, finished })
}

/// The loop for one net: [`Solver::run`] with a callback that shows `on_iter` the net and state.
fn run_net<T, N, D, V>(
    net: &mut N,
    config: SolverConfig,
    state: &mut RunState<T, N::Params>,
    train: &D,
    val: &V,
    par: Par,
    on_iter: &mut impl FnMut(&Live<'_, T>) -> ControlFlow<()>,
) -> Result<(), TrainError>
where
    T: Scalar,
    N: Model<T> + NetFile<T>,
    D: Dataset<T>,
    V: Dataset<T>,
{
    Solver::new(config)
        .run(net, train, Some(val), state, par, |p, net, state| on_iter(&Live { progress: p, net: &*net, state }))
}

/// The CS231n Solver for the fc net of `recipe`: its update rule (AdamW with its weight decay),
/// its schedule, and with augmentation the training accuracy of the augmented minibatch.
fn solver_config(recipe: &Recipe) -> SolverConfig {
    let mut c = SolverConfig::new(recipe.update.with_lr_and_decay(recipe.lr, recipe.weight_decay));
    c.schedule = match recipe.schedule {
        Schedule::Step => LrSchedule::EpochEnd { factor: recipe.lr_decay },
        Schedule::Cosine => LrSchedule::Cosine { warmup: recipe.warmup_iters(), total: recipe.iters },
    };
    if !recipe.augment.is_none() {
        c.train_accuracy = TrainAccuracy::Batch;
    }
    c.batch_size = recipe.batch_size;
    c.iters = Some(recipe.iters);
    c
}
