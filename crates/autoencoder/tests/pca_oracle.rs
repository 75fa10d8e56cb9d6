//! The PCA oracle on data with a known spectrum, and a tiny linear autoencoder trained to it.

use handgrad_autoencoder::{Pca, TiedLinearAe};
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, Par, ops};

/// Six samples ±√3·(3e₁), ±√3·(2e₂), ±√3·e₃ in 3-D: C = XᵀX/6 = diag(9, 4, 1) exactly
/// (each axis appears twice, so C_jj = 2·3σ_j²/6 = σ_j²).
fn diagonal_data() -> Matrix<f64> {
    let s = 3.0_f64.sqrt();
    Matrix::from_rows(&[
        [3.0 * s, 0.0, 0.0],
        [-3.0 * s, 0.0, 0.0],
        [0.0, 2.0 * s, 0.0],
        [0.0, -2.0 * s, 0.0],
        [0.0, 0.0, s],
        [0.0, 0.0, -s],
    ])
}

#[test]
fn spectrum_and_optimal_loss_of_known_data() {
    let pca = Pca::fit(&diagonal_data(), Par::Seq).unwrap();
    let ev = pca.eigenvalues();
    for (got, want) in ev.iter().zip([9.0, 4.0, 1.0]) {
        assert!((got - want).abs() < 1e-12, "eigenvalues {ev:?}");
    }
    assert!((pca.optimal_loss(1) - 2.5).abs() < 1e-12);
    assert!((pca.optimal_loss(2) - 0.5).abs() < 1e-12);
    assert_eq!(pca.optimal_loss(3), 0.0);
}

/// W = (cos t, 0, sin t) makes angle t with e₁; the sine-based formula resolves t = 1e-9, where
/// acos of a cosine would return 0.
#[test]
fn principal_angles_are_accurate_small_and_large() {
    let pca = Pca::fit(&diagonal_data(), Par::Seq).unwrap();
    for t in [1e-9_f64, 1e-4, 0.7, 1.5] {
        let w = Matrix::from_rows(&[[t.cos(), 0.0, t.sin()]]);
        let cmp = pca.compare(&w).unwrap();
        assert!((cmp.max_angle() - t).abs() <= 1e-15 + 1e-12 * t, "t = {t}: got {}", cmp.max_angle());
        assert!(cmp.orthonormality_error < 1e-15);
    }
    // Two codes spanning {e₁, e₃} against the top-2 {e₁, e₂}: angles 0 and π/2.
    let cmp = pca.compare(&Matrix::from_rows(&[[2.0, 0.0, 0.0], [0.0, 0.0, 0.5]])).unwrap();
    assert!(
        cmp.principal_angles[0].abs() < 1e-15 && (cmp.principal_angles[1] - core::f64::consts::FRAC_PI_2).abs() < 1e-15
    );
    assert!((cmp.orthonormality_error - (9.0_f64 + 0.5625).sqrt()).abs() < 1e-12);
}

/// On random correlated data: the oracle's loss from C equals the model's loss over X, the top
/// components (rotated by any orthogonal Q) reach ½Σ_{j>m}λ_j with zero angles and WWᵀ = I, and
/// eig(WCWᵀ) = λ₁..λ_m.
#[test]
fn optimum_is_rotation_invariant_and_losses_agree() {
    let mut rng = rng_from_seed(7);
    let z = randn::<f64, _>(200, 6, 1.0, &mut rng);
    let mix = randn::<f64, _>(6, 6, 1.0, &mut rng);
    let mut x = Matrix::zeros(200, 6);
    handgrad_tensor::gemm::matmul(&mut x, &z, &mix, handgrad_tensor::Accum::Replace, Par::Seq);
    let pca = Pca::fit(&x, Par::Seq).unwrap();

    let w_rand = randn::<f64, _>(2, 6, 0.3, &mut rng);
    let direct = TiedLinearAe::new(w_rand.clone()).forward(&x).0;
    assert!((pca.loss(&w_rand) - direct).abs() <= 1e-12 * direct);

    let (c, s) = (0.6_f64, 0.8_f64);
    let q = Matrix::from_rows(&[[c, -s], [s, c]]);
    let mut w = Matrix::zeros(2, 6);
    handgrad_tensor::gemm::matmul(&mut w, &q, &pca.components(2), handgrad_tensor::Accum::Replace, Par::Seq);
    let cmp = pca.compare(&w).unwrap();
    let direct = TiedLinearAe::new(w.clone()).forward(&x).0;
    assert!((direct - pca.optimal_loss(2)).abs() <= 1e-12 * direct);
    assert!(cmp.relative_gap().abs() < 1e-12 && cmp.max_angle() < 1e-7 && cmp.orthonormality_error < 1e-13);
    assert!(cmp.eigenvalue_error() < 1e-13, "{cmp}");
    // A random W is measurably worse on every count.
    let bad = pca.compare(&w_rand).unwrap();
    assert!(bad.relative_gap() > 0.01 && bad.max_angle() > 0.01 && bad.orthonormality_error > 0.01);
}

/// "Overfits a tiny batch": plain gradient descent from a small random W reaches the PCA optimum of
/// the batch to 1e-10 (relative), with angles below 1e-6 rad and WWᵀ = I to 1e-6.
#[test]
fn gradient_descent_converges_to_pca_on_a_tiny_batch() {
    let mut rng = rng_from_seed(3);
    let scales = Matrix::from_rows(&[[3.0, 2.0, 1.0, 0.5, 0.25]]);
    let mut x = randn::<f64, _>(40, 5, 1.0, &mut rng);
    for row in 0..40 {
        for j in 0..5 {
            x.set(row, j, x.get(row, j) * scales.get(0, j));
        }
    }
    let pca = Pca::fit(&x, Par::Seq).unwrap();
    let mut ae = TiedLinearAe::new(randn(2, 5, 0.1, &mut rng));
    let mut dw = Matrix::zeros(2, 5);
    let lr = 0.25 / pca.eigenvalues()[0];
    let mut cache = handgrad_autoencoder::LinearCache::default();
    for _ in 0..3000 {
        ae.forward_into(&x, &mut cache, Par::Seq);
        ae.backward(&x, &mut cache, &mut dw, Par::Seq);
        ops::axpy(&mut ae.w, -lr, &dw);
    }
    let cmp = pca.compare(&ae.w).unwrap();
    assert!(cmp.relative_gap() < 1e-10, "{cmp}");
    assert!(cmp.max_angle() < 1e-6 && cmp.orthonormality_error < 1e-6, "{cmp}");
}
