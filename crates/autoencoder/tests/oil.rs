//! Acceptance on real data: the oil-flow set (1,000 × 12, centred), m = 2. A converged tied linear
//! autoencoder must match PCA: loss within 1e-8 (relative) of ½Σ_{j>2}λ_j, largest principal angle
//! below 1e-6 rad, ‖WWᵀ − I‖ below 1e-6. Skips, saying how to install the data, when they are absent.

use std::path::{Path, PathBuf};

use handgrad_autoencoder::fit::{Fit, FitConfig, Measure, fit};
use handgrad_autoencoder::{LinearCache, Pca, TiedLinearAe};
use handgrad_data::{locate, oil};
use handgrad_nn::optim::{Adam, UpdateRule};
use handgrad_nn::solver::InMemory;
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::stats::center_columns;
use handgrad_tensor::{Matrix, Par, ops};

/// The installed oil-flow folder (`cargo xtask fetch-oil`, see `handgrad_data::locate`), or
/// `None` after printing why the test is skipped.
fn oil_dir() -> Option<PathBuf> {
    let workspace =
        Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("crates/autoencoder lies two levels down");
    match locate::oil(&locate::datasets_dir(workspace)) {
        Ok(dir) => Some(dir),
        Err(e) => {
            eprintln!("SKIPPED: {e}");
            None
        }
    }
}

/// The `(1000, 12)` measurements, each column centred.
fn load_centred(dir: &Path) -> Matrix<f64> {
    let mut x = oil::load(dir).unwrap().y;
    center_columns(&mut x);
    x
}

#[test]
fn oil_m2_reaches_the_pca_optimum() {
    let Some(path) = oil_dir() else { return };
    let x = load_centred(&path);
    assert_eq!(x.shape(), (1000, 12));
    let pca = Pca::fit(&x, Par::Seq).unwrap();

    // Full-batch gradient descent from a small seeded W. Near the optimum the Hessian's largest
    // eigenvalue is about 4λ₁ (scaling W along itself), so lr = 1/(4λ₁) is stable.
    let mut ae = TiedLinearAe::new(randn(2, 12, 0.1, &mut rng_from_seed(0)));
    let lr = 0.25 / pca.eigenvalues()[0];
    let mut cache = LinearCache::default();
    let mut dw = Matrix::zeros(2, 12);
    let mut steps = 0;
    while steps < 5000 {
        ae.forward_into(&x, &mut cache, Par::Seq);
        ae.backward(&x, &mut cache, &mut dw, Par::Seq);
        ops::axpy(&mut ae.w, -lr, &dw);
        steps += 1;
        if steps % 100 == 0 && ops::max_abs(&dw) < 1e-13 {
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

/// The same acceptance through the crate's fitting recipe, as `cargo xtask train autoencoder
/// --dataset oil` runs it: mini-batch Adam (which stalls at a noise floor of about 1e-6 relative),
/// then the full-batch polish at lr = 1/(4λ₁).
#[test]
fn oil_m2_adam_then_polish_reaches_the_pca_optimum() {
    let Some(path) = oil_dir() else { return };
    let data = InMemory::unlabelled(load_centred(&path));
    let pca = Pca::fit(&data.x, Par::Seq).unwrap();
    let mut rng = rng_from_seed(1);
    let mut ae = TiedLinearAe::new(randn(2, 12, 1.0 / 12f64.sqrt(), &mut rng));
    let adam = FitConfig::minibatch(UpdateRule::Adam(Adam::new(1e-2)), 1000, 100, 3000, 0.5, 500, 50, 1e-2);
    let mut full = |m: &mut TiedLinearAe<f64>| pca.loss(&m.w);
    let mut measure = Measure { optimum: pca.optimal_loss(2), full_loss: &mut full, clock: &|| 0.0, stop: &|| false };
    let record = fit(&mut ae, &data, &adam, &mut measure, Fit::default(), &mut rng, Par::Seq, |_, _| {}).unwrap();
    let after_adam = pca.compare(&ae.w).unwrap().relative_gap();
    let polish = FitConfig::polish(&pca, 1000, 500, 50, 1e-2);
    let record = fit(&mut ae, &data, &polish, &mut measure, record, &mut rng, Par::Seq, |_, _| {}).unwrap();
    let cmp = pca.compare(&ae.w).unwrap();
    let rel = (ae.forward(&data.x).0 - pca.optimal_loss(2)) / pca.optimal_loss(2);
    eprintln!("oil m=2: gap after Adam {after_adam:.2e}; after polish {rel:.2e}\n{cmp}");
    assert!(after_adam < 1e-2, "Adam alone should get within 1 %: {after_adam:.3e}");
    assert!(record.hit.is_some() && record.steps == 3500, "{:?} in {} steps", record.hit, record.steps);
    assert!(rel.abs() < 1e-8 && cmp.max_angle() < 1e-6 && cmp.orthonormality_error < 1e-6, "{cmp}");
}
