//! Checkpoints whose config or values were edited: every one is a typed error naming the file,
//! found before the net is allocated (a config claiming `hidden [1e11, 100]` used to abort the
//! process asking for terabytes; dropout 1 or a zero size used to panic), and NaN/∞ weights are
//! reported (they used to load).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use handgrad_fcnet::checkpoint::{self, Checkpoint};
use handgrad_fcnet::{CheckpointError, FcConfig, FullyConnectedNet, Trained, TwoLayerConfig, TwoLayerNet};
use handgrad_tensor::Matrix;
use handgrad_tensor::init::rng_from_seed;

fn fc_config() -> FcConfig {
    FcConfig {
        input_dim: 6,
        hidden: vec![5, 4],
        num_classes: 3,
        weight_scale: 0.1,
        reg: 0.0,
        dropout: 0.0,
        batchnorm: false,
    }
}

/// A real fc checkpoint in `dir` whose stored config is then replaced by `edit(config)` (the
/// tensors, and so the checksum, stay valid).
fn fc_with_config(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let net = FullyConnectedNet::<f32>::new(&fc_config(), &mut rng_from_seed(1));
    let path = dir.join("fc.safetensors");
    net.save(&path, &BTreeMap::new()).unwrap();
    let mut json = serde_json::to_value(fc_config()).unwrap();
    edit(&mut json);
    let named = net.named_tensors();
    let refs: Vec<(&str, &Matrix<f32>)> = named.iter().map(|(n, m)| (n.as_str(), *m)).collect();
    checkpoint::save(&path, "fc", &json.to_string(), &refs, &BTreeMap::new()).unwrap();
    path
}

fn config_problem(err: CheckpointError) -> String {
    match err {
        CheckpointError::Config { ref problem, ref path } => {
            assert!(path.ends_with("fc.safetensors") || path.ends_with("two.safetensors"));
            let msg = err.to_string();
            assert!(
                msg.contains("stored model config is invalid") && msg.contains("handgrad-fcnet (`Trained::save`"),
                "{msg}"
            );
            problem.clone()
        }
        other => panic!("expected a Config error, got {other}"),
    }
}

#[test]
fn an_fc_config_that_cannot_be_built_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    for (edit, expect) in [
        (serde_json::json!({"dropout": 1.0}), "dropout 1 is not in [0, 1)"),
        (serde_json::json!({"hidden": [0, 4]}), "a hidden layer of 0 units"),
        (serde_json::json!({"hidden": [100_000_000_000u64, 100]}), "a hidden layer of 100000000000 units"),
        (serde_json::json!({"input_dim": 0}), "the input size (0)"),
        (serde_json::json!({"hidden": [16_000, 16_000]}), "more than the limit of 50000000"),
    ] {
        let path = fc_with_config(dir.path(), |c| {
            for (k, v) in edit.as_object().unwrap() {
                c[k] = v.clone();
            }
        });
        let problem = config_problem(FullyConnectedNet::<f32>::load(&path).unwrap_err());
        assert!(problem.contains(expect), "{edit}: {problem}");
        // Through the loader of either kind as well.
        assert!(matches!(Trained::<f32>::load(&path).unwrap_err(), CheckpointError::Config { .. }));
    }
}

#[test]
fn an_fc_config_that_disagrees_with_the_tensors_is_a_shape_error_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    // 16,000 × 3 units: a valid size, but not the 5 × 4 the tensors have.
    let path = fc_with_config(dir.path(), |c| c["hidden"] = serde_json::json!([16_000, 3]));
    let err = FullyConnectedNet::<f32>::load(&path).unwrap_err();
    assert!(matches!(err, CheckpointError::Shape { ref name, .. } if name == "W1"), "{err}");
    let path = fc_with_config(dir.path(), |c| c["batchnorm"] = serde_json::json!(true));
    let err = FullyConnectedNet::<f32>::load(&path).unwrap_err();
    assert!(matches!(err, CheckpointError::MissingTensor { ref name, .. } if name == "gamma1"), "{err}");
}

#[test]
fn a_two_layer_config_with_an_absurd_size_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.safetensors");
    let config = TwoLayerConfig { input_dim: 6, hidden: 5, num_classes: 3, weight_scale: 0.1, reg: 0.0 };
    let net = TwoLayerNet::<f32>::new(&config, &mut rng_from_seed(2));
    let p = &net.params;
    let tensors = [("W1", &p.fc1.w), ("b1", &p.fc1.b), ("W2", &p.fc2.w), ("b2", &p.fc2.b)];
    let huge = r#"{"input_dim":3072,"hidden":100000000000,"num_classes":10,"weight_scale":0.1,"reg":0.0}"#;
    checkpoint::save(&path, "two-layer", huge, &tensors, &BTreeMap::new()).unwrap();
    assert!(config_problem(TwoLayerNet::<f32>::load(&path).unwrap_err()).contains("1..=16384"));
    let negative_reg = r#"{"input_dim":6,"hidden":5,"num_classes":3,"weight_scale":0.1,"reg":-1.0}"#;
    checkpoint::save(&path, "two-layer", negative_reg, &tensors, &BTreeMap::new()).unwrap();
    assert!(config_problem(TwoLayerNet::<f32>::load(&path).unwrap_err()).contains("reg -1"));
}

#[test]
fn nan_and_infinite_weights_are_reported_with_tensor_and_element() {
    let dir = tempfile::tempdir().unwrap();
    let mut net = FullyConnectedNet::<f32>::new(&fc_config(), &mut rng_from_seed(1));
    net.params.hidden[1].affine.w.set(2, 3, f32::NAN);
    net.params.output.b.set(0, 1, f32::NEG_INFINITY);
    let path = dir.path().join("nan.safetensors");
    net.save(&path, &BTreeMap::new()).unwrap();
    let err = FullyConnectedNet::<f32>::load(&path).unwrap_err();
    match &err {
        CheckpointError::NonFinite { name, index, value, .. } => {
            assert_eq!((name.as_str(), *index), ("W2", 2 * 4 + 3));
            assert!(value.is_nan());
        }
        other => panic!("expected NonFinite, got {other}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("nan.safetensors: tensor 'W2' holds NaN at element 11"), "{msg}");
    assert!(msg.contains("pass another checkpoint or train again"), "{msg}");
}

#[test]
fn metadata_that_does_not_parse_names_the_file_the_key_and_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let net = FullyConnectedNet::<f32>::new(&fc_config(), &mut rng_from_seed(1));
    let path = dir.path().join("meta.safetensors");
    net.save(&path, &BTreeMap::from([("val_rows".to_string(), "abc".to_string())])).unwrap();
    let ckpt = Checkpoint::read(&path).unwrap();
    let err = ckpt.meta_parse::<usize>("val_rows").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("meta.safetensors: metadata 'val_rows' is 'abc', not a valid usize"), "{msg}");
    assert!(
        msg.contains("pass a checkpoint saved by this version of handgrad-fcnet") && !msg.contains("xtask"),
        "{msg}"
    );
    assert!(matches!(ckpt.meta_parse::<usize>("seed"), Err(CheckpointError::Metadata { .. })));
}
