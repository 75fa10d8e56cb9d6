//! Acceptance on real data: the oil-flow set (1,000 × 12, centred), m = 2. A converged tied linear
//! autoencoder must match PCA: loss within 1e-8 (relative) of ½Σ_{j>2}λ_j, largest principal angle
//! below 1e-6 rad, ‖WWᵀ − I‖ below 1e-6. Skips (with the reason) when the data are absent.

use std::path::{Path, PathBuf};

use std::ops::ControlFlow;

use handgrad_autoencoder::train::{TrainConfig, train};
use handgrad_autoencoder::{LinearCache, LinearGrads, Pca, TiedLinearAe};
use handgrad_nn::optim::{Adam, Sgd, UpdateRule};
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::stats::center_columns;
use handgrad_tensor::{Matrix, Par, ops};

/// `<root>/datasets/oil` (installed by `cargo xtask fetch-oil`) or `<root>/../shared/datasets/oil`.
fn oil_dir() -> Option<PathBuf> {
    handgrad_gplvm::oil::find_local_copy(Path::new(env!("CARGO_MANIFEST_DIR")))
}

/// The `(1000, 12)` measurements, each column centred.
fn load_centred(dir: &Path) -> Matrix<f64> {
    let mut x = handgrad_gplvm::oil::load(dir).unwrap().y;
    center_columns(&mut x);
    x
}

#[test]
fn oil_m2_reaches_the_pca_optimum() {
    let Some(path) = oil_dir() else {
        eprintln!(
            "SKIPPED: oil data not found under datasets/oil or ../shared/datasets/oil (run `cargo xtask fetch-oil`)"
        );
        return;
    };
    let x = load_centred(&path);
    assert_eq!(x.shape(), (1000, 12));
    let pca = Pca::fit(&x, Par::Seq).unwrap();

    // Full-batch gradient descent from a small seeded W. Near the optimum the Hessian's largest
    // eigenvalue is about 4λ₁ (scaling W along itself), so lr = 1/(4λ₁) is stable.
    let mut ae = TiedLinearAe::new(randn(2, 12, 0.1, &mut rng_from_seed(0)));
    let lr = 0.25 / pca.eigenvalues()[0];
    let mut cache = LinearCache::new();
    let mut grads = LinearGrads::new(2, 12);
    let mut steps = 0;
    while steps < 5000 {
        ae.forward_into(&x, &mut cache);
        ae.backward(&x, &cache, &mut grads);
        ops::axpy(&mut ae.w, -lr, &grads.dw);
        steps += 1;
        if steps % 100 == 0 && ops::max_abs(&grads.dw) < 1e-13 {
            break;
        }
    }
    let loss = ae.forward(&x).0;
    let cmp = pca.compare(&ae.w).unwrap();
    let rel = (loss - pca.optimal_loss(2)) / pca.optimal_loss(2);
    eprintln!(
        "oil m=2 after {steps} GD steps: loss {loss:.12e}, optimum {:.12e}, rel {rel:.2e}\n{cmp}",
        pca.optimal_loss(2)
    );
    assert!(rel.abs() < 1e-8, "relative gap {rel:.3e}");
    assert!(cmp.max_angle() < 1e-6, "max angle {:.3e}", cmp.max_angle());
    assert!(cmp.orthonormality_error < 1e-6, "‖WWᵀ − I‖ {:.3e}", cmp.orthonormality_error);
    assert!(cmp.eigenvalue_error() < 1e-8, "{cmp}");
}

/// The same acceptance through the training loop, as `cargo xtask train autoencoder --data oil`
/// runs it: mini-batch Adam (which stalls at a noise floor of about 1e-6 relative), then full-batch
/// gradient descent at lr = 1/(4λ₁) to polish.
#[test]
fn oil_m2_adam_then_polish_reaches_the_pca_optimum() {
    let Some(path) = oil_dir() else {
        eprintln!(
            "SKIPPED: oil data not found under datasets/oil or ../shared/datasets/oil (run `cargo xtask fetch-oil`)"
        );
        return;
    };
    let x = load_centred(&path);
    let pca = Pca::fit(&x, Par::Seq).unwrap();
    let mut rng = rng_from_seed(1);
    let mut ae = TiedLinearAe::new(randn(2, 12, 1.0 / 12f64.sqrt(), &mut rng));
    let adam = TrainConfig {
        rule: UpdateRule::Adam(Adam::new(1e-2)),
        batch_size: 100,
        iters: 3000,
        lr_decay: 0.5,
        decay_every: 500,
    };
    train(&mut ae, &x, &adam, &mut rng, |_, _| ControlFlow::Continue(()));
    let after_adam = pca.compare(&ae.w).unwrap().relative_gap();
    let lr = 0.25 / pca.eigenvalues()[0];
    let polish = TrainConfig {
        rule: UpdateRule::Sgd(Sgd::new(lr)),
        batch_size: 1000,
        iters: 500,
        lr_decay: 1.0,
        decay_every: 1,
    };
    train(&mut ae, &x, &polish, &mut rng, |_, _| ControlFlow::Continue(()));
    let cmp = pca.compare(&ae.w).unwrap();
    let rel = (ae.forward(&x).0 - pca.optimal_loss(2)) / pca.optimal_loss(2);
    eprintln!("oil m=2: gap after Adam {after_adam:.2e}; after polish {rel:.2e}\n{cmp}");
    assert!(after_adam < 1e-2, "Adam alone should get within 1 %: {after_adam:.3e}");
    assert!(rel.abs() < 1e-8 && cmp.max_angle() < 1e-6 && cmp.orthonormality_error < 1e-6, "{cmp}");
}
