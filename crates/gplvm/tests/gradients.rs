//! Finite-difference checks (f64) of ∂L/∂X and of every ∂L/∂ln h, for both kernels.

use handgrad_gplvm::{Gplvm, Kernel, LinearKernel, RbfKernel};
use handgrad_tensor::{Matrix, Par, gradcheck, init, tol};

/// Checks the analytic gradient of `L(θ)` block by block (X, then each hyperparameter).
fn check_model<K: Kernel>(kernel: K, n: usize, d: usize, q: usize, seed: u64) {
    let mut rng = init::rng_from_seed(seed);
    let y: Matrix<f64> = init::randn(n, d, 1.0, &mut rng);
    let x: Matrix<f64> = init::randn(n, q, 1.0, &mut rng);
    let mut model = Gplvm::new(y, q, kernel.clone(), Par::Seq);
    let theta = model.pack(&x, &kernel);
    let mut grad = vec![0.0; theta.len()];
    model.evaluate(&theta, &mut grad).unwrap();

    let p = theta.len();
    let numeric = gradcheck::numeric_gradient(
        |t| model.log_likelihood(t.as_slice()).unwrap(),
        &Matrix::from_vec(1, p, theta.clone()),
        tol::FD_STEP,
    );
    let nq = n * q;
    let analytic_x = Matrix::from_vec(1, nq, grad[..nq].to_vec());
    let numeric_x = Matrix::from_vec(1, nq, numeric.as_slice()[..nq].to_vec());
    let e = gradcheck::assert_gradient(&format!("{} dL/dX", K::NAME), &analytic_x, &numeric_x, tol::GRAD_GP);
    println!("{} dL/dX rel_error {e:.2e}", K::NAME);
    for (h, name) in kernel.hyper_names().iter().enumerate() {
        let a = Matrix::from_vec(1, 1, vec![grad[nq + h]]);
        let b = Matrix::from_vec(1, 1, vec![numeric.as_slice()[nq + h]]);
        let e = gradcheck::assert_gradient(&format!("{} dL/dln {name}", K::NAME), &a, &b, tol::GRAD_GP);
        println!("{} dL/dln {name} rel_error {e:.2e}", K::NAME);
    }
}

#[test]
fn linear_kernel_gradients_match_finite_differences() {
    check_model(LinearKernel { alpha: 0.7, beta: 2.5 }, 9, 4, 2, 11);
    check_model(LinearKernel { alpha: 1.3, beta: 0.8 }, 12, 3, 3, 12);
}

#[test]
fn rbf_kernel_gradients_match_finite_differences() {
    check_model(RbfKernel { alpha: 1.2, gamma: 0.6, bias: 0.3, beta: 4.0 }, 10, 4, 2, 21);
    check_model(RbfKernel { alpha: 0.5, gamma: 2.0, bias: 1.5, beta: 10.0 }, 8, 3, 3, 22);
}

/// The right closed form must pass, and a sign slip must be caught by the same check.
#[test]
fn a_wrong_x_gradient_is_rejected() {
    let mut rng = init::rng_from_seed(5);
    let (n, d, q) = (8, 3, 2);
    let y: Matrix<f64> = init::randn(n, d, 1.0, &mut rng);
    let x: Matrix<f64> = init::randn(n, q, 1.0, &mut rng);
    let kernel = RbfKernel { alpha: 1.0, gamma: 1.0, bias: 0.5, beta: 5.0 };
    let mut model = Gplvm::new(y, q, kernel, Par::Seq);
    let theta = model.pack(&x, &kernel);
    let mut grad = vec![0.0; theta.len()];
    model.evaluate(&theta, &mut grad).unwrap();
    let numeric = gradcheck::numeric_gradient(
        |t| model.log_likelihood(t.as_slice()).unwrap(),
        &Matrix::from_vec(1, theta.len(), theta.clone()),
        tol::FD_STEP,
    );
    let flipped: Vec<f64> = grad.iter().map(|g| -g).collect();
    let err = gradcheck::rel_error(&Matrix::from_vec(1, theta.len(), flipped), &numeric);
    assert!(err > tol::GRAD_WRONG, "a sign-flipped gradient scored {err:.2e}");
}
