//! The Solver's divergence guard: a NaN loss, a finite loss that explodes (Adam at a huge learning
//! rate), NaN weights the loss does not show, and non-finite initial parameters each stop the run
//! with a typed error naming the iteration and the learning rate; the model gets back the last
//! verified parameters and the error carries the history so far.

mod common;

use std::ops::ControlFlow;

use common::TwoLayer;
use handgrad_nn::optim::{Adam, Sgd, UpdateRule};
use handgrad_nn::solver::{Divergence, Guard, InMemory, Kept, Model, Solver, SolverConfig, TrainError};
use handgrad_tensor::init::{Rng, randn, rng_from_seed};
use handgrad_tensor::{Matrix, Par};

/// One parameter `w`; every SGD step with lr 1 adds 1 to it (the gradient is −1). The loss is
/// `loss(w)`, and from call `nan_grad_at` on the gradient is NaN (so `w` becomes NaN while the
/// loss, a function the test picks, may stay finite).
struct Scripted {
    w: Matrix<f64>,
    calls: usize,
    loss: fn(f64) -> f64,
    nan_grad_at: Option<usize>,
}

impl Scripted {
    fn new(loss: fn(f64) -> f64) -> Self {
        Self { w: Matrix::zeros(1, 1), calls: 0, loss, nan_grad_at: None }
    }
    fn w(&self) -> f64 {
        self.w.get(0, 0)
    }
}

impl Model<f64> for Scripted {
    type Params = Matrix<f64>;
    type Cache = ();
    fn params(&self) -> &Matrix<f64> {
        &self.w
    }
    fn params_mut(&mut self) -> &mut Matrix<f64> {
        &mut self.w
    }
    fn new_cache(&self) {}
    fn loss_and_grads(
        &mut self,
        _: &Matrix<f64>,
        _: &[usize],
        _: &mut (),
        g: &mut Matrix<f64>,
        _: &mut Rng,
        _: Par,
    ) -> f64 {
        let nan = self.nan_grad_at.is_some_and(|k| self.calls >= k);
        self.calls += 1;
        g.fill(if nan { f64::NAN } else { -1.0 });
        (self.loss)(self.w())
    }
}

/// Plain SGD at lr 1, one row, `iters` iterations, no checks (the autoencoders' setting), the
/// parameters verified every `every` iterations.
fn config(iters: usize, every: usize) -> SolverConfig {
    let mut c = SolverConfig::new(UpdateRule::Sgd(Sgd::new(1.0)));
    (c.batch_size, c.iters, c.check_at, c.keep_best) = (1, Some(iters), handgrad_nn::solver::CheckAt::Never, false);
    c.guard.params_every = every;
    c
}

fn run(config: SolverConfig, model: &mut Scripted) -> Result<handgrad_nn::solver::History, TrainError> {
    let data = InMemory::unlabelled(Matrix::zeros(1, 1));
    Solver::new(config)
        .train(model, &data, None::<&InMemory<f64>>, &mut rng_from_seed(0), Par::Seq, |_, _| ControlFlow::Continue(()))
}

#[test]
fn a_finite_loss_that_explodes_is_divergence() {
    // Loss 10^w: 1 at the first iteration, above 10⁶ × 1 from w = 7 on (iteration 7).
    let mut model = Scripted::new(|w| 10f64.powf(w));
    let err = run(config(20, 3), &mut model).unwrap_err();
    let TrainError::Diverged { iteration, lr, loss, cause, kept, history } = &err else { panic!("{err:?}") };
    assert_eq!((*iteration, *lr, *loss), (7, 1.0, 1e7));
    assert_eq!(*cause, Divergence::LossExploded { first: 1.0, factor: 1e6 });
    // Verified after iterations 2 and 5 (every 3rd; w = 3 and 6), each confirmed by the next
    // iteration's loss; iterations 6 and 7 are undone.
    assert_eq!(*kept, Kept::After(5));
    assert_eq!(model.w(), 6.0, "the last verified parameters are restored");
    assert_eq!(history.loss, (0..7).map(|w| 10f64.powi(w)).collect::<Vec<_>>(), "the history before iteration 7");
    let msg = err.to_string();
    assert!(msg.contains("iteration 7") && msg.contains("learning rate 1e0"), "{msg}");
    assert!(msg.contains("more than 1e6 × the first iteration's 1.0000"), "{msg}");
    assert!(msg.contains("keeps the parameters verified after iteration 5"), "{msg}");
}

#[test]
fn nan_weights_the_loss_does_not_show_are_found_at_the_next_verification() {
    // The loss ignores w (as a ReLU net ignores NaN weights it zeroes); from iteration 4 on the
    // gradient, and so w, is NaN.
    let mut model = Scripted::new(|_| 2.0);
    model.nan_grad_at = Some(4);
    let err = run(config(50, 5), &mut model).unwrap_err();
    let TrainError::Diverged { iteration, cause, kept, history, .. } = &err else { panic!("{err:?}") };
    assert_eq!(*iteration, 4, "verified after iterations 4, 9, …: found after iteration 4's update");
    assert_eq!(*cause, Divergence::NonFiniteParameter { tensor: "W".into() });
    assert_eq!((*kept, model.w()), (Kept::Initial, 0.0), "no verification passed: the initial parameters");
    assert_eq!(history.loss.len(), 4);
    assert!(err.to_string().contains("tensor W holds NaN or ±∞ after the update"), "{err}");

    // Verified after iteration 2 (w = 3, confirmed by iteration 3's loss) and 5 (NaN from
    // iteration 4 on): w = 3 comes back.
    let mut model = Scripted::new(|_| 2.0);
    model.nan_grad_at = Some(4);
    let err = run(config(50, 3), &mut model).unwrap_err();
    assert!(matches!(err, TrainError::Diverged { iteration: 5, kept: Kept::After(2), .. }), "{err:?}");
    assert_eq!(model.w(), 3.0);
}

#[test]
fn a_nan_loss_restores_the_last_verified_parameters() {
    let mut model = Scripted::new(|w| if w >= 4.0 { f64::NAN } else { 1.0 });
    let err = run(config(10, 2), &mut model).unwrap_err();
    let TrainError::Diverged { iteration, loss, cause, kept, history, .. } = &err else { panic!("{err:?}") };
    assert_eq!((*iteration, *cause == Divergence::NonFiniteLoss, loss.is_nan()), (4, true, true));
    // Verified after iteration 1 (w = 2, its loss at iteration 2 is finite) and 3 (w = 4, whose
    // loss at iteration 4 is NaN): w = 2 comes back.
    assert_eq!((*kept, model.w()), (Kept::After(1), 2.0));
    assert_eq!(history.loss, [1.0; 4]);
}

#[test]
fn the_guard_can_be_turned_off_and_a_run_that_stays_finite_passes() {
    let mut c = config(20, 0);
    c.guard.loss_factor = f64::INFINITY;
    let mut model = Scripted::new(|w| 10f64.powf(w));
    let h = run(c, &mut model).unwrap();
    assert_eq!((h.loss.len(), model.w()), (20, 20.0));
    // With the default guard a loss that grows by less than 10⁶ is no divergence.
    let mut model = Scripted::new(|w| 1.0 + w);
    assert_eq!(run(config(100, 1), &mut model).unwrap().loss.len(), 100);
}

#[test]
fn non_finite_initial_parameters_are_refused_before_the_first_iteration() {
    let mut model = Scripted::new(|_| 1.0);
    model.w.fill(f64::INFINITY);
    let err = run(config(5, 1), &mut model).unwrap_err();
    assert_eq!(err, TrainError::NonFiniteStart { tensor: "W".into() });
    assert_eq!(model.calls, 0);
    assert!(err.to_string().contains("initial parameters hold NaN or ±∞ (tensor W)"), "{err}");
}

/// Adam at learning rate 1e9: every step moves each weight by about 1e9, so the loss stays finite
/// (far above 10⁶ × the first) while the weights grow; the guard stops the run and restores the
/// initial weights: the weights after iteration 0 passed the NaN test but their loss exploded
/// (before the guard, this run ended with Ok).
#[test]
fn adam_at_a_huge_learning_rate_diverges() {
    let mut rng = rng_from_seed(5);
    let x: Matrix<f32> = randn(60, 20, 1.0, &mut rng);
    let data = InMemory::labelled(x, (0..60).map(|i| i % 4).collect());
    let mut model = TwoLayer::<f32>::new(20, 30, 4, 0.0, 1);
    let start = model.params().clone();
    let mut config = SolverConfig::new(UpdateRule::Adam(Adam::new(1e9)));
    (config.batch_size, config.epochs) = (20, 20);
    let err = Solver::new(config)
        .train(&mut model, &data, Some(&data), &mut rng_from_seed(0), Par::Seq, |_, _| ControlFlow::Continue(()))
        .unwrap_err();
    let TrainError::Diverged { iteration, lr, loss, cause, kept, history } = &err else { panic!("{err:?}") };
    assert_eq!((*iteration, *lr), (1, 1e9), "the first update already blows the loss up: {loss}");
    assert!(matches!(cause, Divergence::LossExploded { .. }), "{cause:?}");
    assert_eq!(*kept, Kept::Initial);
    assert_eq!(history.loss.len(), 1);
    assert_eq!(model.params(), &start, "the initial weights are restored");
}

#[test]
fn default_guard_values() {
    assert_eq!(Guard::DEFAULT, Guard { loss_factor: 1e6, params_every: 100 });
    assert_eq!(SolverConfig::notebook(1e-3, 0.95, 200, 10).guard, Guard::DEFAULT);
}
