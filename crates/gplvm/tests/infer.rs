//! New points (`infer_new_x`): the predictive log-density's gradient, the sparse predictor equal
//! to the full one when Z = X, and the optimiser raising the density of every new row.

use handgrad_gplvm::{Predictor, RbfKernel, SparseGplvm, lbfgs::LbfgsConfig, nearest_rows};
use handgrad_tensor::{Matrix, Par, gradcheck, init, tol};

fn problem(n: usize, d: usize, seed: u64) -> (Matrix<f64>, Matrix<f64>) {
    let mut rng = init::rng_from_seed(seed);
    let x: Matrix<f64> = init::randn(n, 2, 1.0, &mut rng);
    let w: Matrix<f64> = init::randn(2, d, 1.0, &mut rng);
    let y = Matrix::from_fn(n, d, |i, j| (x.get(i, 0) * w.get(0, j)).sin() + x.get(i, 1) * w.get(1, j));
    (x, y)
}

const KERNEL: RbfKernel = RbfKernel { alpha: 1.2, gamma: 0.7, bias: 0.3, beta: 20.0 };

fn check_gradient(pred: &Predictor, y_new: &[f64], x_new: &[f64]) {
    let q = x_new.len();
    let mut buf = handgrad_gplvm::infer::PointBuffers::new(pred.centers.rows(), q);
    let mut dx = vec![0.0; q];
    pred.log_density(x_new, y_new, &mut dx, &mut buf);
    let mut scratch = vec![0.0; q];
    let numeric = gradcheck::numeric_gradient(
        |x| pred.log_density(x.as_slice(), y_new, &mut scratch, &mut buf),
        &Matrix::from_vec(1, q, x_new.to_vec()),
        tol::FD_STEP,
    );
    gradcheck::assert_gradient("dℓ/dx*", &Matrix::from_vec(1, q, dx), &numeric, tol::GRAD_GP);
}

#[test]
fn predictive_density_gradients_match_finite_differences() {
    let (x, y) = problem(14, 3, 1);
    let full = Predictor::full(&x, &y, KERNEL, Par::Seq).unwrap();
    let z = Matrix::from_fn(5, 2, |i, c| x.get(2 * i, c) + 0.1);
    let mut sparse_model = SparseGplvm::new(y.clone(), 2, 5, Par::Seq);
    let sparse = sparse_model.predictor(&sparse_model.pack(&x, &z, &KERNEL)).unwrap();
    for (y_new, x_new) in [([0.3, -0.2, 1.0], [0.1, 0.4]), ([-1.0, 0.5, 0.0], [-0.7, 1.2])] {
        check_gradient(&full, &y_new, &x_new);
        check_gradient(&sparse, &y_new, &x_new);
    }
}

/// With M = N, Z = X and no jitter the sparse predictive is the full GP's.
#[test]
fn sparse_predictor_with_inducing_inputs_at_the_data_is_the_full_one() {
    let (x, y) = problem(10, 3, 2);
    let full = Predictor::full(&x, &y, KERNEL, Par::Seq).unwrap();
    let mut model = SparseGplvm::new(y.clone(), 2, 10, Par::Seq);
    model.set_kmm_jitter(0.0);
    let sparse = model.predictor(&model.pack(&x, &x, &KERNEL)).unwrap();
    let mut buf = handgrad_gplvm::infer::PointBuffers::new(10, 2);
    let mut dx = vec![0.0; 2];
    for (y_new, x_new) in [([0.3, -0.2, 1.0], [0.1, 0.4]), ([-1.0, 0.5, 0.0], [-0.7, 1.2])] {
        let a = full.log_density(&x_new, &y_new, &mut dx, &mut buf);
        let b = sparse.log_density(&x_new, &y_new, &mut dx, &mut buf);
        assert!((a - b).abs() <= 1e-6 * a.abs(), "full {a} vs sparse {b}");
    }
}

/// Rows near training rows: the optimiser starts at their nearest training point and does not end
/// below it; a row generated at a known latent point ends closer to it than the start.
#[test]
fn infer_new_x_raises_the_density_of_every_row() {
    let (x, y) = problem(30, 4, 3);
    let pred = Predictor::full(&x, &y, KERNEL, Par::Seq).unwrap();
    let (_, y_new) = problem(30, 4, 3);
    let y_new = Matrix::from_fn(5, 4, |i, j| y_new.get(6 * i, j) + 0.05);
    let x0 = nearest_rows(&y_new, &y, &x);
    let points = pred.infer_new_x(&y_new, &x0, &LbfgsConfig { max_evals: 200, ..Default::default() });
    let mut buf = handgrad_gplvm::infer::PointBuffers::new(30, 2);
    let mut dx = vec![0.0; 2];
    for (i, p) in points.iter().enumerate() {
        let start = pred.log_density(x0.row(i), y_new.row(i), &mut dx, &mut buf);
        assert!(p.log_density >= start, "row {i}: {} < start {start}", p.log_density);
        assert!(p.log_density.is_finite(), "{p:?}");
    }
}
