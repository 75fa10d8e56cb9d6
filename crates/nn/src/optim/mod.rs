//! First-order optimizers: a config value plus per-parameter state created from the parameter.
//!
//! Usage: `let mut s = opt.init_state(&w);` once per parameter, then `opt.step(&mut w, &dw, &mut s)`
//! after each backward. Hyperparameters are `f64` in the configs and converted to the parameter's
//! scalar type inside `step`. The learning rate is always given explicitly (no default); the other
//! defaults follow CS231n assignment 2: momentum μ = 0.9; RMSProp ρ = 0.99, ε = 1e-8; Adam
//! β₁ = 0.9, β₂ = 0.999, ε = 1e-8; AdamW as Adam, with its weight decay given explicitly.
//!
//! [`UpdateRule`] and [`UpdateState`] wrap the six rules in enums for code (the Solver) that picks
//! the rule at run time; [`UpdateKind`] names them (the `--update` flag of every command).

pub mod adam;
pub mod adamw;
pub mod momentum;
pub mod nesterov;
pub mod rmsprop;
pub mod sgd;

use handgrad_tensor::{Matrix, Scalar};

use crate::params::ParamKind;

pub use adam::{Adam, AdamState};
pub use adamw::AdamW;
pub use momentum::{Momentum, Velocity};
pub use nesterov::Nesterov;
pub use rmsprop::{RmsProp, RmsPropState};
pub use sgd::Sgd;

/// An update rule: `w ← update(w, dw, state)`, one parameter at a time.
pub trait Optimizer<T: Scalar> {
    /// Per-parameter state (velocity, moment estimates, ...), created by [`Optimizer::init_state`].
    type State;

    /// Fresh state for parameter `w` (zeros of `w`'s shape where the rule keeps a running value).
    fn init_state(&self, w: &Matrix<T>) -> Self::State;

    /// One update of `w` with gradient `dw` (same shape as `w`), advancing `state`.
    ///
    /// # Panics
    /// If `w`, `dw` and the state differ in shape.
    fn step(&self, w: &mut Matrix<T>, dw: &Matrix<T>, state: &mut Self::State);
}

/// The six update rules by name, without their hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UpdateKind {
    /// Vanilla SGD.
    Sgd,
    /// SGD with momentum 0.9.
    Momentum,
    /// Nesterov momentum 0.9.
    Nesterov,
    /// RMSProp (ρ = 0.99).
    RmsProp,
    /// Adam (β₁ = 0.9, β₂ = 0.999).
    Adam,
    /// AdamW: Adam with decoupled weight decay on the weights.
    AdamW,
}

impl UpdateKind {
    /// All six, in a fixed order.
    pub const ALL: [UpdateKind; 6] = [
        UpdateKind::Sgd,
        UpdateKind::Momentum,
        UpdateKind::Nesterov,
        UpdateKind::RmsProp,
        UpdateKind::Adam,
        UpdateKind::AdamW,
    ];

    /// The rule's name: `"sgd"`, `"momentum"`, `"nesterov"`, `"rmsprop"`, `"adam"` or `"adamw"`.
    pub fn name(self) -> &'static str {
        match self {
            UpdateKind::Sgd => "sgd",
            UpdateKind::Momentum => "momentum",
            UpdateKind::Nesterov => "nesterov",
            UpdateKind::RmsProp => "rmsprop",
            UpdateKind::Adam => "adam",
            UpdateKind::AdamW => "adamw",
        }
    }

    /// The rule called `name` (one of [`UpdateKind::name`]'s values).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The rule with learning rate `lr` and its other hyperparameters at their defaults (AdamW:
    /// weight decay 0, i.e. Adam; see [`UpdateKind::with_lr_and_decay`]).
    pub fn with_lr(self, lr: f64) -> UpdateRule {
        self.with_lr_and_decay(lr, 0.0)
    }

    /// The rule with learning rate `lr`, AdamW's weight decay `weight_decay` (ignored by the other
    /// rules) and the other hyperparameters at their defaults.
    pub fn with_lr_and_decay(self, lr: f64, weight_decay: f64) -> UpdateRule {
        match self {
            UpdateKind::Sgd => UpdateRule::Sgd(Sgd::new(lr)),
            UpdateKind::Momentum => UpdateRule::Momentum(Momentum::new(lr)),
            UpdateKind::Nesterov => UpdateRule::Nesterov(Nesterov::new(lr)),
            UpdateKind::RmsProp => UpdateRule::RmsProp(RmsProp::new(lr)),
            UpdateKind::Adam => UpdateRule::Adam(Adam::new(lr)),
            UpdateKind::AdamW => UpdateRule::AdamW(AdamW::new(lr, weight_decay)),
        }
    }
}

/// One of the six update rules, chosen at run time (e.g. from a command-line flag).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UpdateRule {
    /// Vanilla SGD.
    Sgd(Sgd),
    /// SGD with momentum.
    Momentum(Momentum),
    /// Nesterov momentum.
    Nesterov(Nesterov),
    /// RMSProp.
    RmsProp(RmsProp),
    /// Adam.
    Adam(Adam),
    /// AdamW.
    AdamW(AdamW),
}

/// The state of an [`UpdateRule`] for one parameter.
#[derive(Clone, Debug)]
pub enum UpdateState<T: Scalar> {
    /// SGD keeps no state.
    Sgd,
    /// Momentum's velocity.
    Momentum(Velocity<T>),
    /// Nesterov's velocity.
    Nesterov(Velocity<T>),
    /// RMSProp's running mean of squared gradients.
    RmsProp(RmsPropState<T>),
    /// Adam's (and AdamW's) moments and step count.
    Adam(AdamState<T>),
}

impl UpdateRule {
    /// The current learning rate.
    pub fn lr(&self) -> f64 {
        match self {
            Self::Sgd(c) => c.lr,
            Self::Momentum(c) => c.lr,
            Self::Nesterov(c) => c.lr,
            Self::RmsProp(c) => c.lr,
            Self::Adam(c) => c.lr,
            Self::AdamW(c) => c.adam.lr,
        }
    }

    /// Sets the learning rate (the Solver's schedule).
    pub fn set_lr(&mut self, lr: f64) {
        match self {
            Self::Sgd(c) => c.lr = lr,
            Self::Momentum(c) => c.lr = lr,
            Self::Nesterov(c) => c.lr = lr,
            Self::RmsProp(c) => c.lr = lr,
            Self::Adam(c) => c.lr = lr,
            Self::AdamW(c) => c.adam.lr = lr,
        }
    }

    /// Which rule this is.
    pub fn kind(&self) -> UpdateKind {
        match self {
            Self::Sgd(_) => UpdateKind::Sgd,
            Self::Momentum(_) => UpdateKind::Momentum,
            Self::Nesterov(_) => UpdateKind::Nesterov,
            Self::RmsProp(_) => UpdateKind::RmsProp,
            Self::Adam(_) => UpdateKind::Adam,
            Self::AdamW(_) => UpdateKind::AdamW,
        }
    }

    /// The rule's name (see [`UpdateKind::name`]).
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// One update of a tensor of kind `kind`: AdamW decays [`ParamKind::Weight`] tensors only
    /// (biases and batchnorm's `γ`, `β` take the plain Adam step); every other rule ignores the
    /// kind and is [`Optimizer::step`].
    ///
    /// # Panics
    /// As [`Optimizer::step`].
    #[track_caller]
    pub fn step_param<T: Scalar>(
        &self,
        w: &mut Matrix<T>,
        dw: &Matrix<T>,
        state: &mut UpdateState<T>,
        kind: ParamKind,
    ) {
        match (self, state) {
            (Self::AdamW(c), UpdateState::Adam(s)) => c.step_with(w, dw, s, kind == ParamKind::Weight),
            (rule, state) => rule.step(w, dw, state),
        }
    }
}

impl<T: Scalar> Optimizer<T> for UpdateRule {
    type State = UpdateState<T>;

    fn init_state(&self, w: &Matrix<T>) -> UpdateState<T> {
        match self {
            Self::Sgd(_) => UpdateState::Sgd,
            Self::Momentum(c) => UpdateState::Momentum(c.init_state(w)),
            Self::Nesterov(c) => UpdateState::Nesterov(c.init_state(w)),
            Self::RmsProp(c) => UpdateState::RmsProp(c.init_state(w)),
            Self::Adam(c) => UpdateState::Adam(c.init_state(w)),
            Self::AdamW(c) => UpdateState::Adam(c.init_state(w)),
        }
    }

    #[track_caller]
    fn step(&self, w: &mut Matrix<T>, dw: &Matrix<T>, state: &mut UpdateState<T>) {
        match (self, state) {
            (Self::Sgd(c), UpdateState::Sgd) => c.step(w, dw, &mut ()),
            (Self::Momentum(c), UpdateState::Momentum(s)) => c.step(w, dw, s),
            (Self::Nesterov(c), UpdateState::Nesterov(s)) => c.step(w, dw, s),
            (Self::RmsProp(c), UpdateState::RmsProp(s)) => c.step(w, dw, s),
            (Self::Adam(c), UpdateState::Adam(s)) => c.step(w, dw, s),
            (Self::AdamW(c), UpdateState::Adam(s)) => c.step(w, dw, s),
            (rule, _) => panic!("UpdateRule::step: state was not created by a {} rule", rule.name()),
        }
    }
}
