//! The sparse GP-LVM (Titsias's collapsed bound): equal to the full likelihood when the inducing
//! inputs are the data's latent points, and every gradient block against finite differences.

use handgrad_gplvm::{Gplvm, Kernel, RbfKernel, SparseGplvm};
use handgrad_tensor::{Matrix, Par, gradcheck, init, tol};

/// Latent points on a jittered grid, so that the noise-free `K_NN` is well conditioned.
fn spread_points(n: usize, seed: u64) -> Matrix<f64> {
    let mut rng = init::rng_from_seed(seed);
    let e: Matrix<f64> = init::randn(n, 2, 0.1, &mut rng);
    Matrix::from_fn(n, 2, |i, c| if c == 0 { (i % 4) as f64 } else { (i / 4) as f64 } + e.get(i, c))
}

fn data(n: usize, d: usize, seed: u64) -> Matrix<f64> {
    init::randn(n, d, 1.0, &mut init::rng_from_seed(seed))
}

/// With M = N, Z = X and no jitter, Q = K_NN: the bound is the full log-likelihood, and so are its
/// derivatives (∂F/∂X + ∂F/∂Z, moving both together, is the full ∂L/∂X).
#[test]
fn bound_with_inducing_inputs_at_the_data_equals_the_full_likelihood() {
    let (n, d) = (10, 3);
    let y = data(n, d, 1);
    let x = spread_points(n, 2);
    for kernel in [
        RbfKernel { alpha: 1.3, gamma: 0.8, bias: 0.4, beta: 5.0 },
        RbfKernel { alpha: 0.7, gamma: 1.5, bias: 1.1, beta: 50.0 },
    ] {
        let mut full = Gplvm::new(y.clone(), 2, kernel, Par::Seq);
        let theta_full = full.pack(&x, &kernel);
        let mut g_full = vec![0.0; theta_full.len()];
        let l = full.evaluate(&theta_full, &mut g_full).unwrap().log_likelihood;

        let mut sparse = SparseGplvm::new(y.clone(), 2, n, Par::Seq);
        sparse.set_kmm_jitter(0.0);
        let theta = sparse.pack(&x, &x, &kernel);
        let mut g = vec![0.0; theta.len()];
        let f = sparse.evaluate(&theta, &mut g).unwrap().log_likelihood;
        let rel = (f - l).abs() / l.abs();
        assert!(rel <= tol::SPARSE_EQUALS_FULL, "F = {f}, L = {l}: relative gap {rel:.2e}");

        let nq = n * 2;
        let dx_total = Matrix::from_fn(1, nq, |_, i| g[i] + g[nq + i]);
        let dx_full = Matrix::from_vec(1, nq, g_full[..nq].to_vec());
        assert!(gradcheck::rel_error(&dx_total, &dx_full) < 1e-6, "∂F/∂X + ∂F/∂Z vs ∂L/∂X");
        let dh = Matrix::from_vec(1, 4, g[2 * nq..].to_vec());
        let dh_full = Matrix::from_vec(1, 4, g_full[nq..].to_vec());
        assert!(gradcheck::rel_error(&dh, &dh_full) < 1e-6, "{dh:?} vs {dh_full:?}");
    }
}

/// With fewer inducing inputs the bound lies below the full likelihood (it is a lower bound).
#[test]
fn bound_is_below_the_full_likelihood() {
    let (n, d, m) = (12, 3, 4);
    let y = data(n, d, 3);
    let x = spread_points(n, 4);
    let z = Matrix::from_fn(m, 2, |i, c| x.get(3 * i, c) + 0.2);
    let kernel = RbfKernel { alpha: 1.0, gamma: 1.0, bias: 0.5, beta: 4.0 };
    let l = Gplvm::new(y.clone(), 2, kernel, Par::Seq)
        .log_likelihood(&Gplvm::new(y.clone(), 2, kernel, Par::Seq).pack(&x, &kernel))
        .unwrap();
    let mut sparse = SparseGplvm::new(y, 2, m, Par::Seq);
    let f = sparse.bound(&sparse.pack(&x, &z, &kernel)).unwrap();
    assert!(f < l, "F = {f} is not below L = {l}");
}

/// Finite differences of F for every block: X, Z and each log-hyperparameter.
#[test]
fn sparse_gradients_match_finite_differences() {
    for (n, d, m, q, seed, kernel) in [
        (12, 3, 5, 2, 10, RbfKernel { alpha: 1.2, gamma: 0.6, bias: 0.3, beta: 4.0 }),
        (15, 4, 6, 3, 11, RbfKernel { alpha: 0.5, gamma: 2.0, bias: 1.5, beta: 20.0 }),
    ] {
        let mut rng = init::rng_from_seed(seed);
        let y: Matrix<f64> = init::randn(n, d, 1.0, &mut rng);
        let x: Matrix<f64> = init::randn(n, q, 1.0, &mut rng);
        let z: Matrix<f64> = init::randn(m, q, 1.0, &mut rng);
        let mut model = SparseGplvm::new(y, q, m, Par::Seq);
        let theta = model.pack(&x, &z, &kernel);
        let mut grad = vec![0.0; theta.len()];
        model.evaluate(&theta, &mut grad).unwrap();
        let numeric = gradcheck::numeric_gradient(
            |t| model.bound(t.as_slice()).unwrap(),
            &Matrix::from_vec(1, theta.len(), theta.clone()),
            tol::FD_STEP,
        );
        let num = numeric.as_slice();
        let (nq, mq) = (n * q, m * q);
        let mut blocks = vec![("dF/dX".to_string(), 0..nq), ("dF/dZ".to_string(), nq..nq + mq)];
        for (h, name) in kernel.hyper_names().iter().enumerate() {
            blocks.push((format!("dF/dln {name}"), nq + mq + h..nq + mq + h + 1));
        }
        for (name, range) in blocks {
            let a = Matrix::from_vec(1, range.len(), grad[range.clone()].to_vec());
            let b = Matrix::from_vec(1, range.len(), num[range].to_vec());
            let e = gradcheck::assert_gradient(&name, &a, &b, tol::GRAD_GP);
            println!("sparse {name} rel_error {e:.2e}");
        }
    }
}
