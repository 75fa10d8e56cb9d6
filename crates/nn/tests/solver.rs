//! The Solver: a two-layer net built from the layers overfits a tiny batch; checks, decay,
//! best-parameter restore, the non-finite-loss error and determinism are tested on a counter model
//! whose every number is known by hand.

mod common;

use std::ops::ControlFlow;

use common::TwoLayer;
use handgrad_nn::Params;
use handgrad_nn::optim::{Adam, Sgd, UpdateRule};
use handgrad_nn::solver::{Dataset, InMemory, LrSchedule, Model, Sampling, Solver, SolverConfig, TrainError, accuracy};
use handgrad_tensor::init::{Rng, randn, rng_from_seed};
use handgrad_tensor::{Matrix, Par};

/// A callback that lets every iteration run.
fn go<M>(_: &handgrad_nn::solver::Progress<'_>, _: &mut M) -> ControlFlow<()> {
    ControlFlow::Continue(())
}

fn tiny_problem(n: usize, d: usize, classes: usize, seed: u64) -> InMemory<f32> {
    let mut rng = rng_from_seed(seed);
    let x = randn(n, d, 1.0, &mut rng);
    InMemory::labelled(x, (0..n).map(|i| (i * 7 + i / 3) % classes).collect())
}

#[test]
fn two_layer_net_overfits_a_tiny_batch() {
    let data = tiny_problem(50, 20, 5, 1);
    let mut model = TwoLayer::<f32>::new(20, 40, 5, 0.0, 2);
    let mut config = SolverConfig::new(UpdateRule::Adam(Adam::new(1e-2)));
    config.batch_size = 25;
    config.epochs = 60;
    let before = accuracy(&mut model, &data, Par::Seq);
    let mut reports = 0;
    let h = Solver::new(config)
        .train(&mut model, &data, Some(&data), &mut rng_from_seed(0), Par::Seq, |_, _| {
            reports += 1;
            ControlFlow::Continue(())
        })
        .unwrap();
    let after = accuracy(&mut model, &data, Par::Seq);
    assert_eq!(h.loss.len(), 120);
    assert!(before < 0.5 && after == 1.0, "train accuracy {before} → {after}");
    assert!(h.loss[119] < 0.05 * h.loss[0], "loss {} → {}", h.loss[0], h.loss[119]);
    assert_eq!(h.best.unwrap().val_acc, Some(1.0));
    assert_eq!(reports, 120, "the callback sees every iteration");
}

/// A model with one parameter `w` whose every number is known: each SGD step with lr 1 adds 1 to
/// `w` (the gradient is −1); it predicts class 0 (the validation label) only while `w == 3`; its eval
/// loss is `(w − 3)²`; it can be told to return NaN at one iteration.
struct Counter {
    w: Matrix<f64>,
    calls: usize,
    nan_at: Option<usize>,
    predicts: bool,
    /// The number of rows of every training batch seen.
    batch_rows: Vec<usize>,
}

impl Counter {
    fn new(predicts: bool) -> Self {
        Self { w: Matrix::zeros(1, 1), calls: 0, nan_at: None, predicts, batch_rows: Vec::new() }
    }
    fn w(&self) -> f64 {
        self.w.get(0, 0)
    }
}

impl Model<f64> for Counter {
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
        x: &Matrix<f64>,
        _: &[usize],
        _: &mut (),
        g: &mut Matrix<f64>,
        _: &mut Rng,
        _: Par,
    ) -> f64 {
        self.calls += 1;
        self.batch_rows.push(x.rows());
        g.fill(-1.0);
        if self.nan_at == Some(self.calls - 1) { f64::NAN } else { 10.0 - self.w() }
    }
    fn predict(&mut self, x: &Matrix<f64>, _: &mut (), out: &mut [usize], _: Par) -> bool {
        assert_eq!(out.len(), x.rows());
        out.fill(if self.w() == 3.0 { 0 } else { 1 });
        self.predicts
    }
    fn eval_loss(&mut self, _: &Matrix<f64>, _: &[usize], _: &mut (), _: Par) -> Option<f64> {
        Some((self.w() - 3.0).powi(2))
    }
}

/// Trains `model` with `config`, checking on `val`, every iteration let through.
fn train(
    config: SolverConfig,
    model: &mut Counter,
    data: &InMemory<f64>,
    val: Option<&InMemory<f64>>,
) -> Result<handgrad_nn::solver::History, TrainError> {
    Solver::new(config).train(model, data, val, &mut rng_from_seed(0), Par::Seq, go)
}

/// 4 rows, labels all 0.
fn four_rows() -> InMemory<f64> {
    InMemory::labelled(Matrix::zeros(4, 2), vec![0; 4])
}

fn sgd_config(batch: usize, epochs: usize) -> SolverConfig {
    let mut c = SolverConfig::new(UpdateRule::Sgd(Sgd::new(1.0)));
    c.batch_size = batch;
    c.epochs = epochs;
    c
}

#[test]
fn best_validation_parameters_are_restored() {
    let data = four_rows();
    let mut model = Counter::new(true);
    // One iteration per epoch (4 rows, batch 4): w = 1, 2, …, 6 after iterations 0..6; val accuracy
    // is 1 only after iteration 2 (w = 3).
    let h = train(sgd_config(4, 6), &mut model, &data, Some(&data)).unwrap();
    assert_eq!(h.checks.len(), 6);
    let best = h.best.unwrap();
    assert_eq!((best.iteration, best.val_acc, best.train_acc), (2, Some(1.0), Some(1.0)));
    assert_eq!(model.w(), 3.0, "best parameters restored");
    assert_eq!(h.loss, vec![10.0, 9.0, 8.0, 7.0, 6.0, 5.0]);
}

#[test]
fn models_without_predictions_keep_the_lowest_validation_loss() {
    let data = InMemory::unlabelled(Matrix::zeros(4, 2));
    let mut model = Counter::new(false);
    let h = train(sgd_config(4, 6), &mut model, &data, Some(&data)).unwrap();
    assert!(h.checks.iter().all(|c| c.train_acc.is_none() && c.val_acc.is_none()));
    assert_eq!(h.best.unwrap().val_loss, Some(0.0));
    assert_eq!(model.w(), 3.0);
}

#[test]
fn epochs_checks_and_learning_rate_decay_follow_the_homework() {
    let mut data = four_rows();
    data.x = Matrix::zeros(50, 2);
    data.y = vec![0; 50];
    let mut config = sgd_config(20, 3); // 50 / 20 = 2 iterations per epoch, 6 in all
    config.schedule = LrSchedule::EpochEnd { factor: 0.5 };
    let mut model = Counter::new(true);
    let mut seen = Vec::new();
    let h = Solver::new(config)
        .train(&mut model, &data, None::<&InMemory<f64>>, &mut rng_from_seed(0), Par::Seq, |p, _| {
            seen.extend(p.check.map(|c| c.iteration));
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(h.iterations_per_epoch, 2);
    // Checks at the first iteration and at each epoch end (the last iteration is one).
    let at: Vec<_> = h.checks.iter().map(|c| (c.iteration, c.epoch, c.lr)).collect();
    assert_eq!(at, vec![(0, 0, 1.0), (1, 1, 1.0), (3, 2, 0.5), (5, 3, 0.25)]);
    assert_eq!(seen, vec![0, 1, 3, 5]);
    // w = 1 + 1 + 0.5 + 0.5 + 0.25 + 0.25 (no validation data: nothing restored).
    assert_eq!(model.w(), 3.5);
    assert!(h.best.is_none());
}

#[test]
fn non_finite_loss_returns_a_typed_error() {
    let data = four_rows();
    let mut model = Counter::new(true);
    model.nan_at = Some(3);
    let err = train(sgd_config(4, 6), &mut model, &data, Some(&data)).unwrap_err();
    match err {
        TrainError::Diverged { iteration, lr, loss, kept, ref history, .. } => {
            assert!(iteration == 3 && lr == 1.0 && loss.is_nan(), "{err:?}");
            // Verified after every iteration (each is a check): after iteration 1 (w = 2) and
            // confirmed by iteration 2's loss; w = 3 after iteration 2 gave the NaN at 3.
            assert_eq!(kept, handgrad_nn::solver::Kept::After(1));
            assert_eq!(history.loss, [10.0, 9.0, 8.0]);
        }
        other => panic!("expected Diverged, got {other:?}"),
    }
    assert_eq!(model.calls, 4, "training stops at the failing iteration");
    assert_eq!(model.w(), 2.0, "the last good parameters are restored");
    let msg = err.to_string();
    assert!(msg.contains("iteration 3") && msg.contains("lower the learning rate"), "{msg}");
}

#[test]
fn a_diverging_two_layer_net_returns_the_typed_error() {
    let data = tiny_problem(50, 20, 5, 3);
    let mut model = TwoLayer::<f32>::new(20, 40, 5, 0.0, 4);
    let mut config = SolverConfig::new(UpdateRule::Sgd(Sgd::new(1e30)));
    config.batch_size = 10;
    match Solver::new(config).train(&mut model, &data, Some(&data), &mut rng_from_seed(0), Par::Seq, go) {
        Err(TrainError::Diverged { iteration, lr, .. }) => {
            assert!(iteration < 50 && lr == 1e30, "iteration {iteration}, lr {lr}");
        }
        other => panic!("expected Diverged, got {other:?}"),
    }
}

#[test]
fn same_seed_gives_identical_loss_histories() {
    let data = tiny_problem(60, 10, 3, 5);
    let run = |seed: u64| {
        let mut model = TwoLayer::<f32>::new(10, 16, 3, 1e-3, 6);
        let mut config = SolverConfig::new(UpdateRule::Adam(Adam::new(1e-3)));
        config.batch_size = 8;
        config.epochs = 2;
        Solver::new(config).train(&mut model, &data, Some(&data), &mut rng_from_seed(seed), Par::Seq, go).unwrap()
    };
    let (a, b, c) = (run(7), run(7), run(8));
    assert_eq!(a, b);
    assert_ne!(a.loss, c.loss);
}

#[test]
fn in_memory_gather_resizes_and_fills_labels() {
    let data = InMemory::labelled(Matrix::<f64>::from_rows(&[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), vec![7, 8, 9]);
    let (mut x, mut y) = (Matrix::zeros(5, 5), vec![1, 2, 3, 4]);
    data.gather(&[2, 0, 2], &mut x, &mut y, Par::Seq);
    assert_eq!(x, Matrix::from_rows(&[[5.0, 6.0], [1.0, 2.0], [5.0, 6.0]]));
    assert_eq!(y, vec![9, 7, 9]);
    InMemory::unlabelled(data.x.clone()).gather(&[1], &mut x, &mut y, Par::Seq);
    assert!(y.is_empty() && x.shape() == (1, 2));
}

#[test]
fn two_layer_model_gradients_match_finite_differences() {
    // The composition (affine–ReLU, affine, softmax, L2) through the Model interface, in f64.
    let mut rng = rng_from_seed(9);
    let x: Matrix<f64> = randn(6, 5, 1.0, &mut rng);
    let y = [0, 2, 1, 1, 0, 2];
    let mut model = TwoLayer::<f64>::new(5, 7, 3, 0.1, 10);
    let (mut cache, mut grads) = (model.new_cache(), model.params().zeros_like());
    model.loss_and_grads(&x, &y, &mut cache, &mut grads, &mut rng, Par::Seq);
    for i in 0..grads.len() {
        let p0 = model.params().get(i).clone();
        let mut scratch = model.params().zeros_like();
        let numeric = handgrad_tensor::gradcheck::numeric_gradient(
            |p| {
                model.params_mut().get_mut(i).copy_from(p);
                model.loss_and_grads(&x, &y, &mut cache, &mut scratch, &mut rng_from_seed(0), Par::Seq)
            },
            &p0,
            handgrad_tensor::tol::FD_STEP,
        );
        model.params_mut().get_mut(i).copy_from(&p0);
        let name = model.params().name(i);
        handgrad_tensor::gradcheck::assert_gradient(&name, grads.get(i), &numeric, handgrad_tensor::tol::GRAD_KINKED);
    }
}

#[test]
fn the_notebook_schedule_checks_and_decays_at_each_epoch_start() {
    // 50 rows, batch 20: 2 iterations per epoch; 6 iterations of SGD at lr 1, decay 0.5.
    let data = InMemory::labelled(Matrix::zeros(50, 2), vec![0; 50]);
    let mut model = Counter::new(true);
    let h = train(SolverConfig::notebook(1.0, 0.5, 20, 6), &mut model, &data, Some(&data)).unwrap();
    let at: Vec<_> = h.checks.iter().map(|c| (c.iteration, c.epoch, c.lr)).collect();
    assert_eq!(at, vec![(0, 0, 1.0), (2, 1, 0.5), (4, 2, 0.25)]);
    // The first decay follows iteration 0: lr 1, 0.5, 0.5, 0.25, 0.25, 0.125.
    assert_eq!(model.w(), 2.625, "final parameters kept (no best-model restore)");
    assert!(h.best.is_none());
    // Training accuracy on the iteration's own minibatch: w = 1 after iteration 0 predicts class 1.
    assert_eq!(h.checks[0].train_acc, Some(0.0));
    assert!(model.batch_rows.iter().all(|&r| r == 20));
}

#[test]
fn full_batches_read_the_data_in_place_and_shuffled_batches_cover_the_rows() {
    let data = InMemory::labelled(Matrix::zeros(30, 2), vec![0; 30]);
    let mut config = sgd_config(100, 1);
    config.sampling = Sampling::FullBatch;
    config.iters = Some(3);
    let mut model = Counter::new(true);
    train(config, &mut model, &data, None).unwrap();
    assert_eq!(model.batch_rows, [30, 30, 30]);
    config.sampling = Sampling::Shuffled;
    config.batch_size = 7;
    let mut model = Counter::new(true);
    train(config, &mut model, &data, None).unwrap();
    assert_eq!(model.batch_rows, [7, 7, 7]);
}

#[test]
fn the_callback_can_stop_the_run() {
    let data = four_rows();
    let mut model = Counter::new(true);
    let h = Solver::new(sgd_config(4, 6))
        .train(&mut model, &data, Some(&data), &mut rng_from_seed(0), Par::Seq, |p, _| {
            if p.iteration == 2 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        })
        .unwrap();
    assert_eq!((h.loss.len(), model.calls), (3, 3));
}
