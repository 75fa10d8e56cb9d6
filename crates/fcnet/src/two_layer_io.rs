//! Saving and loading a [`TwoLayerNet`] as a [`checkpoint`](crate::checkpoint) of kind
//! [`TWO_LAYER_KIND`], with tensors `W1 (D, H)`, `b1 (1, H)`, `W2 (H, C)`, `b2 (1, C)` and the
//! [`TwoLayerConfig`] as the `config` metadata.

use std::collections::BTreeMap;
use std::path::Path;

use handgrad_tensor::Scalar;

use crate::checkpoint::{self, Checkpoint, CheckpointError};
use crate::two_layer::{TwoLayerConfig, TwoLayerNet};

/// The `model` metadata value of two-layer checkpoints.
pub const TWO_LAYER_KIND: &str = "two-layer";

impl<T: Scalar> TwoLayerNet<T> {
    /// Saves the parameters, `config` and `extra` metadata to `path` (atomically).
    ///
    /// # Errors
    /// [`CheckpointError::Io`].
    ///
    /// # Panics
    /// If `config` does not describe this net's shapes.
    pub fn save(
        &self,
        path: &Path,
        config: &TwoLayerConfig,
        extra: &BTreeMap<String, String>,
    ) -> Result<(), CheckpointError> {
        assert!(
            (config.input_dim, config.hidden_dim, config.num_classes)
                == (self.input_dim(), self.hidden_dim(), self.num_classes()),
            "TwoLayerNet::save: config {config:?} does not describe w1{:?}, w2{:?}",
            self.w1.shape(),
            self.w2.shape()
        );
        let json = serde_json::to_string(config).expect("config serialises");
        checkpoint::save(path, TWO_LAYER_KIND, &json, &self.named_params(), extra)
    }

    /// Loads a net saved by [`save`](Self::save), checking kind, dtype, names and shapes.
    ///
    /// # Errors
    /// Any [`CheckpointError`].
    pub fn load(path: &Path) -> Result<(Self, TwoLayerConfig, Checkpoint), CheckpointError> {
        let ckpt = Checkpoint::read(path)?;
        ckpt.expect_model(TWO_LAYER_KIND)?;
        let config: TwoLayerConfig = ckpt.config()?;
        ckpt.expect_names(&["W1", "b1", "W2", "b2"])?;
        let (d, h, c) = (config.input_dim, config.hidden_dim, config.num_classes);
        let net = Self {
            w1: ckpt.matrix("W1", (d, h))?,
            b1: ckpt.matrix("b1", (1, h))?,
            w2: ckpt.matrix("W2", (h, c))?,
            b2: ckpt.matrix("b2", (1, c))?,
        };
        Ok((net, config, ckpt))
    }
}
