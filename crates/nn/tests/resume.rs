//! Resuming the Solver: a run stopped after any iteration and continued from its [`RunState`]
//! (and the model as it stood) ends bit for bit where the uninterrupted run ends — parameters,
//! history, optimizer and sampler states, the best copy and the generator — for every update rule
//! and both random samplings; a state that does not fit the run is refused.

mod common;

use std::ops::ControlFlow;

use common::TwoLayer;
use handgrad_nn::optim::{UpdateKind, UpdateState};
use handgrad_nn::solver::{InMemory, LrSchedule, Model, RunState, Sampling, Solver, SolverConfig, TrainError};
use handgrad_nn::{Matrix, Params};
use handgrad_tensor::Par;
use handgrad_tensor::init::{randn, rng_from_seed};
use rand::Rng as _;

fn data() -> InMemory<f32> {
    let mut rng = rng_from_seed(11);
    let x = randn(90, 12, 1.0, &mut rng);
    InMemory::labelled(x, (0..90).map(|i| (i * 5 + i / 4) % 4).collect())
}

/// 90 rows in minibatches of 20: 4 iterations per epoch, 5 epochs; checks sample 30 training rows
/// (from the generator), the best validation parameters are kept, the learning rate decays.
fn config(update: UpdateKind, sampling: Sampling) -> SolverConfig {
    let mut c = SolverConfig::new(update.with_lr(if update == UpdateKind::Sgd { 0.05 } else { 5e-3 }));
    c.batch_size = 20;
    c.epochs = 5;
    c.sampling = sampling;
    c.schedule = LrSchedule::EpochEnd { factor: 0.9 };
    c.train_accuracy = handgrad_nn::solver::TrainAccuracy::Sample(30);
    c
}

fn bits(m: &Matrix<f32>) -> Vec<u32> {
    m.as_slice().iter().map(|v| v.to_bits()).collect()
}

fn param_bits<P: Params<f32>>(p: &P) -> Vec<Vec<u32>> {
    (0..p.len()).map(|i| bits(p.get(i))).collect()
}

fn state_bits(s: &UpdateState<f32>) -> Vec<Vec<u32>> {
    match s {
        UpdateState::Sgd => vec![],
        UpdateState::Momentum(v) | UpdateState::Nesterov(v) => vec![bits(&v.v)],
        UpdateState::RmsProp(r) => vec![bits(&r.cache)],
        UpdateState::Adam(a) => vec![bits(&a.m), bits(&a.v), vec![a.t as u32, a.beta1_t.to_bits() as u32]],
    }
}

/// Runs `config` from scratch, stopping after iteration `stop` when given; returns the model and
/// the state.
fn run(config: SolverConfig, stop: Option<usize>) -> (TwoLayer<f32>, RunState<f32, common::Net<f32>>) {
    let d = data();
    let mut model = TwoLayer::<f32>::new(12, 16, 4, 1e-3, 3);
    let mut state = RunState::new(rng_from_seed(5));
    Solver::new(config)
        .run(&mut model, &d, Some(&d), &mut state, Par::Seq, |p, _, _| {
            if Some(p.iteration) == stop { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        })
        .unwrap();
    (model, state)
}

/// Continues `state` with a copy of `model` (what loading a saved run gives), to the end.
fn resume(
    config: SolverConfig,
    model: &TwoLayer<f32>,
    state: &RunState<f32, common::Net<f32>>,
) -> (TwoLayer<f32>, RunState<f32, common::Net<f32>>) {
    let d = data();
    let mut fresh = TwoLayer::<f32>::new(12, 16, 4, 1e-3, 99);
    for i in 0..fresh.params().len() {
        fresh.params_mut().get_mut(i).copy_from(model.params().get(i));
    }
    let mut state = state.clone();
    Solver::new(config)
        .run(&mut fresh, &d, Some(&d), &mut state, Par::Seq, |_, _, _| ControlFlow::Continue(()))
        .unwrap();
    (fresh, state)
}

#[test]
fn an_interrupted_and_resumed_run_equals_the_uninterrupted_one_bit_for_bit() {
    for update in UpdateKind::ALL {
        for sampling in [Sampling::WithReplacement, Sampling::Shuffled] {
            let c = config(update, sampling);
            let (whole, mut whole_state) = run(c, None);
            assert_eq!(whole_state.done, 20);
            // Stops inside an epoch, at a check (epoch ends are iterations 3, 7, …), the first
            // iteration and the one before the last.
            for stop in [0, 2, 3, 9, 18] {
                let (cut, cut_state) = run(c, Some(stop));
                assert_eq!(cut_state.done, stop + 1);
                assert_eq!(cut_state.history.loss.len(), stop + 1);
                let (resumed, mut resumed_state) = resume(c, &cut, &cut_state);
                let what = format!("{update:?} {sampling:?} stopped after iteration {stop}");
                assert_eq!(param_bits(resumed.params()), param_bits(whole.params()), "parameters: {what}");
                assert_eq!(resumed_state.history, whole_state.history, "history: {what}");
                assert_eq!(resumed_state.sampler, whole_state.sampler, "sampler: {what}");
                let states = |s: &RunState<f32, common::Net<f32>>| s.states.iter().map(state_bits).collect::<Vec<_>>();
                assert_eq!(states(&resumed_state), states(&whole_state), "optimizer states: {what}");
                assert_eq!(resumed_state.rng.next_u64(), whole_state.rng.clone().next_u64(), "generator: {what}");
            }
            // The run kept a best copy and restored it at its end.
            let best = whole_state.history.best.expect("validation data: a best check");
            assert!(whole_state.history.checks.contains(&best));
            assert_eq!(param_bits(whole.params()), param_bits(whole_state.best.as_ref().unwrap()));
            let _ = whole_state.rng.next_u64();
        }
    }
}

#[test]
fn a_run_stopped_early_keeps_its_current_parameters() {
    let c = config(UpdateKind::Adam, Sampling::WithReplacement);
    let (cut, state) = run(c, Some(9));
    // The best check was at an earlier iteration, so its copy differs from the current parameters.
    let best = state.best.as_ref().unwrap();
    assert_ne!(param_bits(best), param_bits(cut.params()), "a stopped run is not rolled back to its best check");
    let mut restored = cut.clone();
    state.restore_best(&mut restored);
    assert_eq!(param_bits(restored.params()), param_bits(best));
}

#[test]
fn a_state_that_does_not_fit_the_run_is_refused() {
    let c = config(UpdateKind::Adam, Sampling::WithReplacement);
    let (cut, state) = run(c, Some(5));
    let d = data();
    let attempt = |config: SolverConfig, state: &RunState<f32, common::Net<f32>>, hidden: usize| {
        let mut model = TwoLayer::<f32>::new(12, hidden, 4, 1e-3, 3);
        if hidden == 16 {
            model.net = cut.net.clone();
        }
        let mut state = state.clone();
        Solver::new(config).run(&mut model, &d, Some(&d), &mut state, Par::Seq, |_, _, _| ControlFlow::Continue(()))
    };
    let reason = |r: Result<(), TrainError>| match r {
        Err(TrainError::Resume { reason }) => reason,
        other => panic!("expected a Resume error, got {other:?}"),
    };
    // Another update rule: Adam's moments do not fit momentum.
    assert!(reason(attempt(config(UpdateKind::Momentum, Sampling::WithReplacement), &state, 16)).contains("momentum"));
    // Another batch size: 90 / 30 = 3 iterations per epoch instead of 4.
    let mut other = c;
    other.batch_size = 30;
    assert!(reason(attempt(other, &state, 16)).contains("iterations per epoch"));
    // Another architecture.
    assert!(reason(attempt(c, &state, 8)).contains("does not fit"));
    // A shorter run than the iterations done.
    let mut short = c;
    short.epochs = 1;
    assert!(reason(attempt(short, &state, 16)).contains("6 iterations are done"));
    // The state as saved resumes.
    assert!(attempt(c, &state, 16).is_ok());
}
