//! Acceptance (issue 17): new points on real data. The sparse GP-LVM is fitted to the first 800
//! oil-flow rows, the last 200 are placed in its latent space with `infer_new_x`, and their 1-NN
//! classification error against the 800 fitted points must be at most PCA's on the same split
//! (PCA fitted to the same 800 rows, the 200 projected on its components). Skipped when the
//! oil-flow data are not installed.

use std::path::Path;
use std::time::Instant;

use handgrad_data::{locate, oil};
use handgrad_gplvm::{LbfgsConfig, RbfKernel, SparseGplvm, fit, nearest_labels, nearest_rows, pca_init};
use handgrad_tensor::pca::Pca;
use handgrad_tensor::stats::{center_columns, scale_columns};
use handgrad_tensor::{Matrix, Par};

/// Training rows (the rest are the new points).
const TRAIN: usize = 800;
/// Inducing inputs and the fit's evaluation budget (the CLI's oil settings, a smaller budget).
const M: usize = 100;
const MAX_EVALS: usize = 400;

fn rows(y: &Matrix<f64>, range: std::ops::Range<usize>) -> Matrix<f64> {
    let d = y.cols();
    Matrix::from_vec(range.len(), d, y.as_slice()[range.start * d..range.end * d].to_vec())
}

fn errors(predicted: &[usize], labels: &[usize]) -> usize {
    predicted.iter().zip(labels).filter(|(p, l)| p != l).count()
}

#[test]
fn projected_oil_points_are_classified_at_least_as_well_as_by_pca() {
    let workspace =
        Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("crates/gplvm lies two levels down");
    let dir = match locate::oil(&locate::datasets_dir(workspace)) {
        Ok(dir) => dir,
        Err(e) => return println!("SKIPPED: {e}"),
    };
    let data = oil::load(&dir).unwrap();
    let n = data.y.rows();
    let (mut train, mut test) = (rows(&data.y, 0..TRAIN), rows(&data.y, TRAIN..n));
    let (train_labels, test_labels) = (&data.labels[..TRAIN], &data.labels[TRAIN..]);
    // Standardised with the training rows' statistics only.
    let mean = center_columns(&mut train);
    let scale = scale_columns(&mut train);
    for i in 0..test.rows() {
        for (j, v) in test.row_mut(i).iter_mut().enumerate() {
            *v = (*v - mean[j]) / scale[j];
        }
    }

    let pca = Pca::fit(&train, Par::Seq).unwrap();
    let (pca_train, pca_test) = (pca.scores(&train, 2, Par::Seq), pca.scores(&test, 2, Par::Seq));
    let pca_errors = errors(&nearest_labels(&pca_train, train_labels, &pca_test), test_labels);

    let t = Instant::now();
    let x0 = pca_init(&train, 2).unwrap();
    let z0 = Matrix::from_fn(M, 2, |i, c| x0.get(i * TRAIN / M, c));
    let mut model = SparseGplvm::new(train.clone(), 2, M, Par::Seq);
    let mut theta = model.pack(&x0, &z0, &RbfKernel::default());
    let cfg = LbfgsConfig { max_evals: MAX_EVALS, ..Default::default() };
    let rep = fit(&mut model, &mut theta, &cfg, |_| {}).unwrap();
    let (x, _, _) = model.unpack(&theta);
    let fit_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let predictor = model.predictor(&theta).unwrap();
    let placed = predictor.infer_new_x(&test, &nearest_rows(&test, &train, &x), &LbfgsConfig::default());
    let x_new = Matrix::from_fn(placed.len(), 2, |i, c| placed[i].x[c]);
    let gp_errors = errors(&nearest_labels(&x, train_labels, &x_new), test_labels);
    println!(
        "1-NN errors of the last {} oil rows against the first {TRAIN}: sparse GP-LVM (M = {M}, F = {:.2}, {} evals, \
         {fit_secs:.1} s; infer_new_x {:.2} s) {gp_errors}, PCA {pca_errors}",
        test.rows(),
        rep.log_likelihood,
        rep.optimiser.evals,
        t.elapsed().as_secs_f64()
    );
    assert!(placed.iter().all(|p| p.log_density.is_finite()), "every new point placed");
    assert!(gp_errors <= pca_errors, "GP-LVM {gp_errors} errors > PCA {pca_errors}");
}
