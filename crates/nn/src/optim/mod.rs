//! First-order optimizers: a config value plus per-parameter state created from the parameter.
//!
//! Usage: `let mut s = opt.init_state(&w);` once per parameter, then `opt.step(&mut w, &dw, &mut s)`
//! after each backward. Hyperparameters are `f64` in the configs and converted to the parameter's
//! scalar type inside `step`. The learning rate is always given explicitly (no default); the other
//! defaults follow CS231n assignment 2: momentum μ = 0.9; RMSProp ρ = 0.99, ε = 1e-8; Adam
//! β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
//!
//! [`UpdateRule`] and [`UpdateState`] wrap the five rules in enums for code (the Solver) that picks
//! the rule at run time.

pub mod adam;
pub mod momentum;
pub mod nesterov;
pub mod rmsprop;
pub mod sgd;

use handgrad_tensor::{Matrix, Scalar};

pub use adam::{Adam, AdamState};
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

/// One of the five update rules, chosen at run time (e.g. from a command-line flag).
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
    /// Adam's moments and step count.
    Adam(AdamState<T>),
}

impl UpdateRule {
    /// The current learning rate.
    pub fn learning_rate(&self) -> f64 {
        match self {
            Self::Sgd(c) => c.lr,
            Self::Momentum(c) => c.lr,
            Self::Nesterov(c) => c.lr,
            Self::RmsProp(c) => c.lr,
            Self::Adam(c) => c.lr,
        }
    }

    /// Sets the learning rate (the Solver's per-epoch decay).
    pub fn set_learning_rate(&mut self, lr: f64) {
        match self {
            Self::Sgd(c) => c.lr = lr,
            Self::Momentum(c) => c.lr = lr,
            Self::Nesterov(c) => c.lr = lr,
            Self::RmsProp(c) => c.lr = lr,
            Self::Adam(c) => c.lr = lr,
        }
    }

    /// A short name: `"sgd"`, `"momentum"`, `"nesterov"`, `"rmsprop"` or `"adam"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sgd(_) => "sgd",
            Self::Momentum(_) => "momentum",
            Self::Nesterov(_) => "nesterov",
            Self::RmsProp(_) => "rmsprop",
            Self::Adam(_) => "adam",
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
            (rule, _) => panic!("UpdateRule::step: state was not created by a {} rule", rule.name()),
        }
    }
}
