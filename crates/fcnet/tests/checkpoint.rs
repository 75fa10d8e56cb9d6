//! Checkpoints: round trip, and a typed error for each way a file can be wrong.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use handgrad_fcnet::checkpoint::{self, Checkpoint};
use handgrad_fcnet::{CheckpointError, Trained, TwoLayerConfig, TwoLayerNet};
use handgrad_nn::solver::{SolverConfig, accuracy};
use handgrad_tensor::init::rng_from_seed;
use handgrad_tensor::{Matrix, Par};

fn config() -> TwoLayerConfig {
    TwoLayerConfig { input_dim: 6, hidden: 5, num_classes: 3, weight_scale: 0.3, reg: 1e-3 }
}

fn net() -> TwoLayerNet<f32> {
    TwoLayerNet::new(&config(), &mut rng_from_seed(3))
}

fn saved(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("model.safetensors");
    let extra = BTreeMap::from([("seed".to_string(), "3".to_string())]);
    net().save(&path, &extra).unwrap();
    path
}

#[test]
fn round_trip_preserves_parameters_config_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved(dir.path());
    let (loaded, ckpt) = TwoLayerNet::<f32>::load(&path).unwrap();
    assert_eq!(loaded, net(), "parameters and config (L2 strength included) survive");
    assert_eq!(ckpt.meta("seed").unwrap(), "3");
    assert_eq!(ckpt.meta("dtype").unwrap(), "f32");
    // No temporary file is left beside the checkpoint.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["model.safetensors"]);
}

#[test]
fn flipped_payload_byte_is_an_integrity_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    std::fs::write(&path, bytes).unwrap();
    let err = TwoLayerNet::<f32>::load(&path).unwrap_err();
    assert!(matches!(err, CheckpointError::Integrity { .. }), "{err}");
    assert!(err.to_string().contains("corrupt"), "{err}");
}

#[test]
fn truncated_file_is_a_format_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved(dir.path());
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
    let err = TwoLayerNet::<f32>::load(&path).unwrap_err();
    assert!(matches!(err, CheckpointError::Format { .. }), "{err}");
}

#[test]
fn missing_file_is_an_io_error() {
    let err = TwoLayerNet::<f32>::load(Path::new("/nonexistent/model.safetensors")).unwrap_err();
    assert!(matches!(err, CheckpointError::Io { .. }), "{err}");
}

#[test]
fn wrong_dtype_is_a_dtype_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved(dir.path());
    let err = TwoLayerNet::<f64>::load(&path).unwrap_err();
    assert!(matches!(err, CheckpointError::Dtype { .. }), "{err}");
}

#[test]
fn wrong_names_shapes_and_kind_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.safetensors");
    let (w1, b1) = (Matrix::<f32>::zeros(6, 5), Matrix::<f32>::zeros(1, 5));
    let config = serde_json::to_string(&config()).unwrap();
    let none = BTreeMap::new();
    // Missing W2/b2.
    checkpoint::save(&path, "two-layer", &config, &[("W1", &w1), ("b1", &b1)], &none).unwrap();
    assert!(matches!(TwoLayerNet::<f32>::load(&path).unwrap_err(), CheckpointError::MissingTensor { .. }));
    // An extra tensor.
    let (w2, b2, extra) = (Matrix::<f32>::zeros(5, 3), Matrix::<f32>::zeros(1, 3), Matrix::<f32>::zeros(1, 1));
    let all = [("W1", &w1), ("b1", &b1), ("W2", &w2), ("b2", &b2), ("gamma1", &extra)];
    checkpoint::save(&path, "two-layer", &config, &all, &none).unwrap();
    assert!(matches!(TwoLayerNet::<f32>::load(&path).unwrap_err(), CheckpointError::UnexpectedTensor { .. }));
    // Shapes that disagree with the config.
    let w2_bad = Matrix::<f32>::zeros(5, 4);
    checkpoint::save(&path, "two-layer", &config, &[("W1", &w1), ("b1", &b1), ("W2", &w2_bad), ("b2", &b2)], &none)
        .unwrap();
    let err = TwoLayerNet::<f32>::load(&path).unwrap_err();
    assert!(matches!(err, CheckpointError::Shape { ref name, .. } if name == "W2"), "{err}");
    // Another model kind.
    checkpoint::save(&path, "fc", &config, &[("W1", &w1)], &none).unwrap();
    assert!(matches!(TwoLayerNet::<f32>::load(&path).unwrap_err(), CheckpointError::ModelKind { .. }));
    // A config that is not valid JSON for the model.
    checkpoint::save(&path, "two-layer", "{\"hidden\": 3}", &[("W1", &w1)], &none).unwrap();
    assert!(matches!(TwoLayerNet::<f32>::load(&path).unwrap_err(), CheckpointError::Metadata { .. }));
    // A kind neither net knows: named, with the known kinds and what to pass instead.
    checkpoint::save(&path, "resnet", &config, &[("W1", &w1)], &none).unwrap();
    let err = Trained::<f32>::load(&path).unwrap_err();
    assert!(matches!(err, CheckpointError::UnknownModel { ref found, .. } if found == "resnet"), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("x.safetensors") && msg.contains("(two-layer, fc)"), "{msg}");
    assert!(
        msg.contains("pass a checkpoint saved by this version of handgrad-fcnet") && !msg.contains("xtask"),
        "{msg}"
    );
}

/// A checkpoint written before the config had `reg` and used the names `hidden_dim` and `std`
/// still loads (its L2 strength reads as 0).
#[test]
fn configs_of_earlier_checkpoints_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.safetensors");
    let old = r#"{"input_dim":6,"hidden_dim":5,"num_classes":3,"std":0.3}"#;
    let n = net();
    let p = &n.params;
    let tensors = [("W1", &p.fc1.w), ("b1", &p.fc1.b), ("W2", &p.fc2.w), ("b2", &p.fc2.b)];
    checkpoint::save(&path, "two-layer", old, &tensors, &BTreeMap::new()).unwrap();
    let (loaded, _) = TwoLayerNet::<f32>::load(&path).unwrap();
    assert_eq!(loaded.config, TwoLayerConfig { reg: 0.0, ..config() });
    assert_eq!(loaded.params, n.params);
}

#[test]
fn safetensors_file_from_elsewhere_without_our_tag_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("foreign.safetensors");
    let data = [0u8; 8];
    let view = safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![1, 2], &data).unwrap();
    std::fs::write(&path, safetensors::serialize([("W1", view)], None).unwrap()).unwrap();
    let err = Checkpoint::read(&path).unwrap_err();
    assert!(matches!(err, CheckpointError::Metadata { ref key, .. } if key == "format"), "{err}");
}

#[test]
fn reloaded_model_predicts_with_the_accuracy_the_run_reported() {
    let data = common::blobs::<f32>(200, 6, 3, 1.5, 4);
    let mut net = net();
    common::train(&mut net, &data, SolverConfig::notebook(0.05, 0.95, 20, 100), 1).unwrap();
    let reported = accuracy(&mut net, &data, Par::Seq);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.safetensors");
    let extra = BTreeMap::from([("val_acc".to_string(), reported.to_string())]);
    net.save(&path, &extra).unwrap();
    let (mut loaded, ckpt) = Trained::<f32>::load(&path).unwrap();
    let stored: f64 = ckpt.meta("val_acc").unwrap().parse().unwrap();
    assert_eq!(loaded.measure_accuracy(&data, Par::Seq), stored);
    assert!(stored > 0.5, "the blobs are separable enough to learn: {stored}");
}

/// The SHA-256 of the whole file [`saved`] writes, as checkpoints were written before their
/// machinery moved to `handgrad_data::tensor_file`: the bytes are unchanged (earlier files load).
const SAVED_FILE_SHA256: &str = "7218c632705963be85ba21c3e7b44eddd71c4ffad2c7e69f8b2e599b6a71bda5";

#[test]
fn checkpoint_bytes_are_those_earlier_versions_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(saved(tmp.path())).unwrap();
    assert_eq!(handgrad_data::install::sha256_hex(&bytes), SAVED_FILE_SHA256);
}
