//! The model file: a saved model reloads bit for bit; truncated or edited files are refused.

use std::path::PathBuf;

use handgrad_gplvm::{ModelFileError, RbfKernel, SavedModel, SparseGplvm};
use handgrad_tensor::{Matrix, Par, init};

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("handgrad-gplvm-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn sparse_fixture() -> (SavedModel, f64) {
    let mut rng = init::rng_from_seed(5);
    let (n, d, m) = (20, 3, 6);
    let y: Matrix<f64> = init::randn(n, d, 1.0, &mut rng);
    let x: Matrix<f64> = init::randn(n, 2, 1.0, &mut rng);
    let z: Matrix<f64> = init::randn(m, 2, 1.0, &mut rng);
    let kernel = RbfKernel { alpha: 1.1, gamma: 0.9, bias: 0.2, beta: 7.0 };
    let mut model = SparseGplvm::new(y.clone(), 2, m, Par::Seq);
    let mut theta = model.pack(&x, &z, &kernel);
    // Log-hyperparameters as an optimiser leaves them (not exactly ln of a round number).
    theta[(n + m) * 2] += 1e-3 / 7.0;
    let f = model.bound(&theta).unwrap();
    let mut log_hypers = [0.0; 4];
    log_hypers.copy_from_slice(&theta[(n + m) * 2..]);
    let saved = SavedModel {
        x,
        z: Some(z),
        log_hypers,
        y,
        mean: vec![0.5, -0.1, 2.0],
        scale: vec![1.0, 2.0, 0.5],
        labels: Some((0..n).map(|i| i % 3).collect()),
        kmm_jitter: handgrad_gplvm::sparse::DEFAULT_KMM_JITTER,
    };
    (saved, f)
}

#[test]
fn saved_sparse_model_reloads_with_the_same_bound_to_the_last_bit() {
    let (saved, f) = sparse_fixture();
    let path = temp_path("sparse.safetensors");
    saved.save(&path).unwrap();
    let loaded = SavedModel::load(&path).unwrap();
    assert_eq!(loaded, saved);
    let z = loaded.z.as_ref().unwrap();
    let mut model = SparseGplvm::new(loaded.y.clone(), 2, z.rows(), Par::Seq);
    model.set_kmm_jitter(loaded.kmm_jitter);
    let f2 = model.bound(&loaded.theta()).unwrap();
    assert_eq!(f.to_bits(), f2.to_bits(), "{f} vs {f2}");
}

#[test]
fn truncated_or_edited_files_are_refused() {
    let (saved, _) = sparse_fixture();
    let path = temp_path("edit.safetensors");
    saved.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();

    let truncated = temp_path("truncated.safetensors");
    std::fs::write(&truncated, &bytes[..bytes.len() - 100]).unwrap();
    let err = SavedModel::load(&truncated).unwrap_err();
    assert!(matches!(err, ModelFileError::Format { .. }), "{err:?}");
    assert!(err.to_string().contains("truncated"), "{err}");

    let mut edited = bytes.clone();
    let last = edited.len() - 3;
    edited[last] ^= 0x40;
    let edited_path = temp_path("edited.safetensors");
    std::fs::write(&edited_path, &edited).unwrap();
    let err = SavedModel::load(&edited_path).unwrap_err();
    assert!(matches!(err, ModelFileError::Integrity { .. }), "{err:?}");
    assert!(err.to_string().contains("checksum mismatch"), "{err}");

    let err = SavedModel::load(&temp_path("absent.safetensors")).unwrap_err();
    assert!(matches!(err, ModelFileError::Io { .. }), "{err:?}");
}

/// The payload checksum of the fixture as the model file wrote it before its machinery moved to
/// `handgrad_data::tensor_file` (the format is unchanged, so files written then still load).
const FIXTURE_PAYLOAD_SHA256: &str = "59eda384de217576f34e6cbeea2ad98feddbaa17bb98774f77f17a3d819f6b21";

#[test]
fn the_payload_checksum_is_the_one_earlier_versions_wrote() {
    let (saved, _) = sparse_fixture();
    let path = temp_path("earlier.safetensors");
    saved.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let header = String::from_utf8_lossy(&bytes[8..8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize]);
    let key = "\"payload_sha256\":\"";
    let start = header.find(key).expect("payload_sha256 in the header") + key.len();
    assert_eq!(&header[start..start + 64], FIXTURE_PAYLOAD_SHA256);
}

#[test]
fn saved_full_model_reloads_with_the_same_likelihood_and_predictions_to_the_last_bit() {
    let (sparse, _) = sparse_fixture();
    let saved = SavedModel { z: None, kmm_jitter: 0.0, ..sparse };
    let kernel = saved.kernel();
    let mut model = handgrad_gplvm::Gplvm::new(saved.y.clone(), 2, kernel, Par::Seq);
    let l = model.log_likelihood(&saved.theta()).unwrap();
    let path = temp_path("full.safetensors");
    saved.save(&path).unwrap();
    let loaded = SavedModel::load(&path).unwrap();
    assert_eq!(loaded, saved);
    let mut again = handgrad_gplvm::Gplvm::new(loaded.y.clone(), 2, loaded.kernel(), Par::Seq);
    assert_eq!(again.log_likelihood(&loaded.theta()).unwrap().to_bits(), l.to_bits());
    // The predictors of the saved and reloaded models place a new row identically.
    let y_new = loaded.preprocess(&Matrix::from_rows(&[[0.7, -0.2, 1.9]]));
    let x0 = handgrad_gplvm::nearest_rows(&y_new, &loaded.y, &loaded.x);
    let cfg = handgrad_gplvm::LbfgsConfig::default();
    let a = saved.predictor(Par::Seq).unwrap().infer_new_x(&y_new, &x0, &cfg);
    let b = loaded.predictor(Par::Seq).unwrap().infer_new_x(&y_new, &x0, &cfg);
    assert_eq!(a, b);
    assert!(a[0].log_density.is_finite());
}
