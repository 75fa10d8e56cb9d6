//! A training run's [`RunState`] in a checkpoint, so that `last.safetensors` (the net, its input
//! spec and this state) is all a run needs to resume bit for bit.
//!
//! # Format
//! Everything is exact (no float goes through text):
//! - metadata [`STATE_KEY`] (`resume`): JSON `{"done", "iterations_per_epoch", "rng" (the PCG-64
//!   state and increment as integers), "states" (the rule of each tensor's optimizer state),
//!   "sampler_next", "best_check" (index into the checks, or null), "has_best"}`;
//! - `resume.loss` `(1, done)` `F64`: the loss of every iteration;
//! - `resume.checks` `(checks, 6)` `F64`: iteration, epoch, lr, train acc, val acc, val loss of each
//!   check (`NOT_TAKEN` = -1 for a measurement not taken: accuracies and losses are ≥ 0, and
//!   checkpoint tensors must be finite);
//! - `resume.sampler_order` `(1, n)` `F64`: a shuffled sampler's permutation (when it has one);
//! - `resume.state.{i}.{v|cache|m}` in the net's scalar type, and `resume.state.{i}.adam`
//!   `(1, 3)` `F64` = `[t, β₁ᵗ, β₂ᵗ]`: the optimizer state of parameter tensor `i`;
//! - `resume.best.{i}` in the net's scalar type: the kept best parameters.
//! - `resume.best_stat.{i}` in the net's scalar type: the running statistics kept with them (nets
//!   with batchnorm; absent in files written before they were kept, whose best check then restores
//!   the parameters only).

use std::collections::BTreeMap;

use handgrad_nn::optim::{AdamState, RmsPropState, UpdateState, Velocity};
use handgrad_nn::params::Params;
use handgrad_nn::solver::{Check, History, Model, RunState, SamplerState};
use handgrad_tensor::init::Rng;
use handgrad_tensor::{Matrix, Scalar};
use serde::{Deserialize, Serialize};

use crate::checkpoint::{Checkpoint, CheckpointError, TensorSet};

/// The value of a check's measurement that was not taken (an accuracy or loss is never negative).
const NOT_TAKEN: f64 = -1.0;

/// Metadata key of the state.
pub const STATE_KEY: &str = "resume";

#[derive(Serialize, Deserialize)]
struct Stored {
    done: usize,
    iterations_per_epoch: usize,
    rng: Rng,
    states: Vec<String>,
    sampler_next: usize,
    best_check: Option<usize>,
    has_best: bool,
}

/// Adds `state` to `set` and `meta` (the format in the module docs).
pub fn write_state<T: Scalar, P: Params<T>>(
    state: &RunState<T, P>,
    set: &mut TensorSet,
    meta: &mut BTreeMap<String, String>,
) {
    let h = &state.history;
    set.push_row("resume.loss", &h.loss);
    let opt = |v: Option<f64>| v.unwrap_or(NOT_TAKEN);
    let checks: Vec<f64> = h
        .checks
        .iter()
        .flat_map(|c| [c.iteration as f64, c.epoch as f64, c.lr, opt(c.train_acc), opt(c.val_acc), opt(c.val_loss)])
        .collect();
    set.push("resume.checks", &Matrix::from_vec(h.checks.len(), 6, checks));
    if !state.sampler.order.is_empty() {
        let order: Vec<f64> = state.sampler.order.iter().map(|&i| i as f64).collect();
        set.push_row("resume.sampler_order", &order);
    }
    let mut kinds = Vec::with_capacity(state.states.len());
    for (i, s) in state.states.iter().enumerate() {
        let name = |part: &str| format!("resume.state.{i}.{part}");
        kinds.push(
            match s {
                UpdateState::Sgd => "sgd",
                UpdateState::Momentum(v) => {
                    set.push(&name("v"), &v.v);
                    "momentum"
                }
                UpdateState::Nesterov(v) => {
                    set.push(&name("v"), &v.v);
                    "nesterov"
                }
                UpdateState::RmsProp(r) => {
                    set.push(&name("cache"), &r.cache);
                    "rmsprop"
                }
                UpdateState::Adam(a) => {
                    set.push(&name("m"), &a.m);
                    set.push(&name("v"), &a.v);
                    set.push_row(&name("adam"), &[a.t as f64, a.beta1_t, a.beta2_t]);
                    "adam"
                }
            }
            .to_string(),
        );
    }
    if let Some(best) = &state.best {
        for i in 0..best.len() {
            set.push(&format!("resume.best.{i}"), best.get(i));
        }
    }
    for (i, stat) in state.best_running_stats.iter().enumerate() {
        set.push(&format!("resume.best_stat.{i}"), stat);
    }
    let stored = Stored {
        done: state.done,
        iterations_per_epoch: h.iterations_per_epoch,
        rng: state.rng.clone(),
        states: kinds,
        sampler_next: state.sampler.next,
        best_check: h.best.and_then(|b| h.checks.iter().position(|c| *c == b)),
        has_best: state.best.is_some(),
    };
    meta.insert(STATE_KEY.into(), serde_json::to_string(&stored).expect("the run state serialises"));
}

/// The state stored in `ckpt` for a net shaped like `template` (its parameters and running
/// statistics); `None` when the checkpoint holds no state (a final model).
///
/// # Errors
/// [`CheckpointError::Metadata`] or a tensor error when the state is damaged or does not fit
/// `template`.
pub fn read_state<T: Scalar, M: Model<T>>(
    ckpt: &Checkpoint,
    model: &M,
) -> Result<Option<RunState<T, M::Params>>, CheckpointError> {
    let template = model.params();
    let Some(json) = ckpt.metadata().get(STATE_KEY) else { return Ok(None) };
    let bad = |problem: String| ckpt.meta_error(STATE_KEY, problem);
    let s: Stored = serde_json::from_str(json).map_err(|e| bad(format!("is not valid: {e}")))?;
    let loss = ckpt.row("resume.loss")?;
    if loss.len() != s.done {
        return Err(bad(format!("holds {} losses for {} iterations", loss.len(), s.done)));
    }
    let n_checks = ckpt.shape_of("resume.checks").map_or(0, |shape| shape[0]);
    let table = ckpt.matrix::<f64>("resume.checks", (n_checks, 6))?;
    let checks: Vec<Check> = (0..n_checks).map(|k| check_of_row(table.row(k))).collect();
    let best = match s.best_check {
        Some(k) => Some(*checks.get(k).ok_or_else(|| bad(format!("best check {k} of {n_checks}")))?),
        None => None,
    };
    let order = match ckpt.shape_of("resume.sampler_order") {
        Some(_) => ckpt.row("resume.sampler_order")?.into_iter().map(|v| v as usize).collect(),
        None => Vec::new(),
    };
    if !s.states.is_empty() && s.states.len() != template.len() {
        return Err(bad(format!("{} optimizer states for {} tensors", s.states.len(), template.len())));
    }
    let mut states = Vec::with_capacity(s.states.len());
    for (i, kind) in s.states.iter().enumerate() {
        states.push(read_update_state(ckpt, i, kind, template.get(i).shape()).map_err(|e| match e {
            ReadError::Checkpoint(e) => e,
            ReadError::Kind => bad(format!("unknown optimizer state '{kind}'")),
        })?);
    }
    let best_params = if s.has_best {
        let mut p = template.clone();
        for i in 0..p.len() {
            let m = ckpt.matrix::<T>(&format!("resume.best.{i}"), template.get(i).shape())?;
            p.get_mut(i).copy_from(&m);
        }
        Some(p)
    } else {
        None
    };
    let mut best_running_stats = Vec::new();
    if s.has_best && ckpt.shape_of("resume.best_stat.0").is_some() {
        for i in 0..model.running_stats_len() {
            best_running_stats.push(ckpt.matrix::<T>(&format!("resume.best_stat.{i}"), model.running_stat(i).shape())?);
        }
    }
    let history = History { loss, checks, best, iterations_per_epoch: s.iterations_per_epoch };
    Ok(Some(RunState {
        done: s.done,
        rng: s.rng,
        states,
        sampler: SamplerState { order, next: s.sampler_next },
        best: best_params,
        best_running_stats,
        history,
    }))
}

enum ReadError {
    Checkpoint(CheckpointError),
    Kind,
}

impl From<CheckpointError> for ReadError {
    fn from(e: CheckpointError) -> Self {
        Self::Checkpoint(e)
    }
}

fn read_update_state<T: Scalar>(
    ckpt: &Checkpoint,
    i: usize,
    kind: &str,
    shape: (usize, usize),
) -> Result<UpdateState<T>, ReadError> {
    let name = |part: &str| format!("resume.state.{i}.{part}");
    Ok(match kind {
        "sgd" => UpdateState::Sgd,
        "momentum" => UpdateState::Momentum(Velocity { v: ckpt.matrix(&name("v"), shape)? }),
        "nesterov" => UpdateState::Nesterov(Velocity { v: ckpt.matrix(&name("v"), shape)? }),
        "rmsprop" => UpdateState::RmsProp(RmsPropState { cache: ckpt.matrix(&name("cache"), shape)? }),
        "adam" => {
            let scalars = ckpt.matrix::<f64>(&name("adam"), (1, 3))?;
            let [t, beta1_t, beta2_t] = [0, 1, 2].map(|k| scalars.get(0, k));
            UpdateState::Adam(AdamState {
                m: ckpt.matrix(&name("m"), shape)?,
                v: ckpt.matrix(&name("v"), shape)?,
                t: t as u64,
                beta1_t,
                beta2_t,
            })
        }
        _ => return Err(ReadError::Kind),
    })
}

fn check_of_row(r: &[f64]) -> Check {
    let opt = |v: f64| (v != NOT_TAKEN).then_some(v);
    Check {
        iteration: r[0] as usize,
        epoch: r[1] as usize,
        lr: r[2],
        train_acc: opt(r[3]),
        val_acc: opt(r[4]),
        val_loss: opt(r[5]),
    }
}

#[cfg(test)]
mod tests {
    use rand::Rng as _;

    use super::Stored;

    /// The state of `Pcg64::seed_from_u64(231)` after 1,000 draws, as the checkpoints written before
    /// the rand 0.10 update store it (serialised by rand_pcg 0.9.0's serde), and the generator's
    /// next three outputs under rand_pcg 0.9.0.
    const OLD_RNG: &str =
        r#"{"state":146431887065662556443906848794986502614,"increment":303644033097414384928101184573886105961}"#;
    const OLD_NEXT: [u64; 3] = [340594006869208019, 9406904747899766790, 6876466070474021910];

    fn stored_with(rng: &str) -> String {
        format!(
            r#"{{"done":3,"iterations_per_epoch":2,"rng":{rng},"states":[],"sampler_next":1,"best_check":null,"has_best":false}}"#
        )
    }

    #[test]
    fn a_generator_state_written_by_rand_pcg_0_9_resumes_the_same_stream() {
        let mut s: Stored = serde_json::from_str(&stored_with(OLD_RNG)).unwrap();
        assert_eq!([0; 3].map(|_| s.rng.next_u64()), OLD_NEXT);
        let again = serde_json::to_string(&serde_json::from_str::<Stored>(&stored_with(OLD_RNG)).unwrap().rng).unwrap();
        assert_eq!(again, OLD_RNG, "the stored form is unchanged, so new checkpoints load in old builds too");
    }

    #[test]
    fn a_generator_state_in_another_form_is_refused_naming_the_field() {
        let e = serde_json::from_str::<Stored>(&stored_with(r#"{"state":1}"#)).err().unwrap();
        assert!(e.to_string().contains("increment"), "{e}");
        let e = serde_json::from_str::<Stored>(&stored_with(r#"{"state":-1,"increment":1}"#)).err().unwrap();
        assert!(e.to_string().contains("out of range"), "{e}");
    }
}
