//! Saving and loading a [`TwoLayerNet`] as a [`checkpoint`](crate::checkpoint) of kind
//! [`TWO_LAYER_KIND`], with tensors `W1 (D, H)`, `b1 (1, H)`, `W2 (H, C)`, `b2 (1, C)` and the
//! [`TwoLayerConfig`] as the `config` metadata.

use std::collections::BTreeMap;
use std::path::Path;

use handgrad_nn::layers::Affine;
use handgrad_nn::params::Params;
use handgrad_tensor::{Matrix, Scalar};

use crate::checkpoint::{self, Checkpoint, CheckpointError};
use crate::limits;
use crate::two_layer::{TwoLayerConfig, TwoLayerNet, TwoLayerParams};

/// The `model` metadata value of two-layer checkpoints.
pub const TWO_LAYER_KIND: &str = "two-layer";

impl<T: Scalar> TwoLayerNet<T> {
    /// Saves the parameters, the config and `extra` metadata to `path` (atomically).
    ///
    /// # Errors
    /// [`CheckpointError::Io`].
    pub fn save(&self, path: &Path, extra: &BTreeMap<String, String>) -> Result<(), CheckpointError> {
        let json = serde_json::to_string(&self.config).expect("config serialises");
        let names: Vec<String> = (0..self.params.len()).map(|i| self.params.name(i)).collect();
        let named: Vec<(&str, &Matrix<T>)> =
            names.iter().enumerate().map(|(i, n)| (n.as_str(), self.params.get(i))).collect();
        checkpoint::save(path, TWO_LAYER_KIND, &json, &named, extra)
    }

    /// Loads a net saved by [`save`](Self::save), checking kind, the config (sizes within
    /// [`crate::limits`], reg ≥ 0) and the tensors' names and shapes against it before
    /// allocating, then the dtype and that every value is finite.
    ///
    /// # Errors
    /// Any [`CheckpointError`].
    pub fn load(path: &Path) -> Result<(Self, Checkpoint), CheckpointError> {
        let ckpt = Checkpoint::read(path)?;
        ckpt.expect_model(TWO_LAYER_KIND)?;
        let config: TwoLayerConfig = ckpt.config()?;
        let (d, h, c) = (config.input_dim, config.hidden, config.num_classes);
        limits::check_net(d, &[h], c, false).map_err(|p| ckpt.config_err(p))?;
        if !(config.reg.is_finite() && config.reg >= 0.0) {
            return Err(ckpt.config_err(format!("reg {} is not a finite number ≥ 0", config.reg)));
        }
        let name = |n: &str| n.to_string();
        ckpt.expect_tensors(&[(name("W1"), (d, h)), (name("b1"), (1, h)), (name("W2"), (h, c)), (name("b2"), (1, c))])?;
        let fc1 = Affine::new(ckpt.matrix("W1", (d, h))?, ckpt.matrix("b1", (1, h))?);
        let fc2 = Affine::new(ckpt.matrix("W2", (h, c))?, ckpt.matrix("b2", (1, c))?);
        Ok((Self::from_params(config, TwoLayerParams { fc1, fc2 }), ckpt))
    }
}
