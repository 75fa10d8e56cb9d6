//! Checkpoints: round trip, and a typed error for each way a file can be wrong.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use handgrad_fcnet::checkpoint::{self, Checkpoint};
use handgrad_fcnet::{CheckpointError, SgdSchedule, TwoLayerConfig, TwoLayerNet, accuracy};
use handgrad_tensor::init::rng_from_seed;
use handgrad_tensor::{Matrix, Par};

fn net_and_config() -> (TwoLayerNet<f32>, TwoLayerConfig) {
    let config = TwoLayerConfig { input_dim: 6, hidden_dim: 5, num_classes: 3, std: 0.3 };
    (TwoLayerNet::new(&config, &mut rng_from_seed(3)), config)
}

fn saved(dir: &Path) -> std::path::PathBuf {
    let (net, config) = net_and_config();
    let path = dir.join("model.safetensors");
    let extra = BTreeMap::from([("seed".to_string(), "3".to_string())]);
    net.save(&path, &config, &extra).unwrap();
    path
}

#[test]
fn round_trip_preserves_parameters_config_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let path = saved(dir.path());
    let (net, config) = net_and_config();
    let (loaded, loaded_config, ckpt) = TwoLayerNet::<f32>::load(&path).unwrap();
    assert_eq!(loaded, net);
    assert_eq!(loaded_config, config);
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
    let config =
        serde_json::to_string(&TwoLayerConfig { input_dim: 6, hidden_dim: 5, num_classes: 3, std: 0.1 }).unwrap();
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
    let (mut net, config) = net_and_config();
    let schedule =
        SgdSchedule { learning_rate: 0.05, learning_rate_decay: 0.95, reg: 1e-3, num_iters: 100, batch_size: 20 };
    net.train(&data, &data, &schedule, &mut rng_from_seed(1), Par::Seq, |_| {}).unwrap();
    let reported = accuracy(&mut net, &data);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.safetensors");
    let extra = BTreeMap::from([("val_acc".to_string(), reported.to_string())]);
    net.save(&path, &config, &extra).unwrap();
    let (mut loaded, _, ckpt) = TwoLayerNet::<f32>::load(&path).unwrap();
    let stored: f64 = ckpt.meta("val_acc").unwrap().parse().unwrap();
    assert_eq!(accuracy(&mut loaded, &data), stored);
    assert!(stored > 0.5, "the blobs are separable enough to learn: {stored}");
}
