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

/// At random points, the model's ∂L/∂X (linear kernel) equals the homework's closed form
/// `α(K⁻¹YYᵀK⁻¹ − D·K⁻¹)X` and passes the check, while the partial sign error of a real submission,
/// `α(K⁻¹YYᵀK⁻¹ + D·K⁻¹)X`, the log-determinant term alone and the half gradient fail it far from
/// the tolerance. (Flipping the sign of the whole gradient, as this test used to, cannot pass.)
#[test]
fn partial_sign_errors_in_the_x_gradient_are_rejected() {
    for seed in 0..5 {
        let mut rng = init::rng_from_seed(40 + seed);
        let (n, d, q) = (8, 3, 2);
        let y: Matrix<f64> = init::randn(n, d, 1.0, &mut rng);
        let x: Matrix<f64> = init::randn(n, q, 1.0, &mut rng);
        let kernel =
            LinearKernel { alpha: 0.5 + init::uniform::<f64, _>(1, 1, 0.0, 1.5, &mut rng).get(0, 0), beta: 2.5 };
        let mut model = Gplvm::new(y.clone(), q, kernel, Par::Seq);
        let hypers = model.pack(&x, &kernel)[n * q..].to_vec();
        let theta = |x: &Matrix<f64>| [x.as_slice(), &hypers].concat();
        let mut grad = vec![0.0; n * q + hypers.len()];
        model.evaluate(&theta(&x), &mut grad).unwrap();
        let analytic = Matrix::from_vec(n, q, grad[..n * q].to_vec());
        let numeric = gradcheck::numeric_gradient(|xp| model.log_likelihood(&theta(xp)).unwrap(), &x, tol::FD_STEP);
        gradcheck::assert_gradient("linear dL/dX", &analytic, &numeric, tol::GRAD_GP);

        let scalar = |v: f64| Matrix::full(1, 1, v);
        let (alpha, beta, dd) = (scalar(kernel.alpha), scalar(kernel.beta), scalar(d as f64));
        let eye = Matrix::identity(n);
        let k = handgrad_check::evaluate(
            "alpha*X*X' + I/beta",
            &[("alpha", &alpha), ("beta", &beta), ("X", &x), ("I", &eye)],
        )
        .unwrap();
        let names = [("alpha", &alpha), ("D", &dd), ("K", &k), ("X", &x), ("Y", &y)];
        let form = |text: &str| handgrad_check::evaluate(text, &names).unwrap();
        let right = form("alpha*(inv(K)*Y*Y'*inv(K) - D*inv(K))*X");
        assert!(gradcheck::rel_error(&analytic, &right) < 1e-9, "the model is the homework's closed form");
        for wrong in [
            "alpha*(inv(K)*Y*Y'*inv(K) + D*inv(K))*X",
            "-alpha*D*inv(K)*X",
            "0.5*alpha*(inv(K)*Y*Y'*inv(K) - D*inv(K))*X",
        ] {
            let g = form(wrong);
            let err = gradcheck::rel_error(&g, &numeric);
            assert!(err > tol::GRAD_WRONG, "seed {seed}: {wrong} scored {err:.2e}");
            assert!(gradcheck::check_gradient(wrong, &g, &numeric, tol::GRAD_GP).is_err());
        }
    }
}
