//! Saving and loading a [`FullyConnectedNet`] as a [`checkpoint`](crate::checkpoint) of kind
//! [`FC_KIND`]: tensors `W1, b1, …, WL, bL`, with batchnorm also `gamma{l}, beta{l}`,
//! `running_mean{l}, running_var{l}` (all `(1, H_l)`); the [`FcConfig`] as the `config` metadata.

use std::collections::BTreeMap;
use std::path::Path;

use handgrad_nn::params::Params;
use handgrad_tensor::init::rng_from_seed;
use handgrad_tensor::{Matrix, Scalar};

use crate::checkpoint::{self, Checkpoint, CheckpointError};
use crate::fc_net::{FcConfig, FullyConnectedNet};

/// The `model` metadata value of fully connected checkpoints.
pub const FC_KIND: &str = "fc";

impl<T: Scalar> FullyConnectedNet<T> {
    /// Every tensor a checkpoint holds, by name: the parameters, then the running statistics.
    pub fn named_tensors(&self) -> Vec<(String, &Matrix<T>)> {
        let p = &self.params;
        let mut out: Vec<(String, &Matrix<T>)> = (0..p.len()).map(|i| (p.name(i), p.get(i))).collect();
        for (l, s) in self.norm_states.iter().enumerate() {
            out.push((format!("running_mean{}", l + 1), &s.running_mean));
            out.push((format!("running_var{}", l + 1), &s.running_var));
        }
        out
    }

    /// Saves parameters, running statistics, the config and `extra` metadata to `path` (atomically).
    ///
    /// # Errors
    /// [`CheckpointError::Io`].
    pub fn save(&self, path: &Path, extra: &BTreeMap<String, String>) -> Result<(), CheckpointError> {
        let json = serde_json::to_string(&self.config).expect("config serialises");
        let named = self.named_tensors();
        let refs: Vec<(&str, &Matrix<T>)> = named.iter().map(|(n, m)| (n.as_str(), *m)).collect();
        checkpoint::save(path, FC_KIND, &json, &refs, extra)
    }

    /// Loads a net saved by [`save`](Self::save), checking kind, dtype, names and shapes.
    ///
    /// # Errors
    /// Any [`CheckpointError`].
    pub fn load(path: &Path) -> Result<(Self, Checkpoint), CheckpointError> {
        let ckpt = Checkpoint::read(path)?;
        ckpt.expect_model(FC_KIND)?;
        let config: FcConfig = ckpt.config()?;
        // The initial values are overwritten below; the seed only fills them meanwhile.
        let mut net = Self::new(&config, &mut rng_from_seed(0));
        let shapes: Vec<(String, (usize, usize))> =
            net.named_tensors().into_iter().map(|(n, m)| (n, m.shape())).collect();
        let names: Vec<&str> = shapes.iter().map(|(n, _)| n.as_str()).collect();
        ckpt.expect_names(&names)?;
        let params = net.params.len();
        for (i, (name, shape)) in shapes.iter().enumerate() {
            let m = ckpt.matrix::<T>(name, *shape)?;
            if i < params {
                net.params.get_mut(i).copy_from(&m);
            } else {
                let (l, k) = ((i - params) / 2, (i - params) % 2);
                let s = &mut net.norm_states[l];
                if k == 0 { s.running_mean.copy_from(&m) } else { s.running_var.copy_from(&m) }
            }
        }
        Ok((net, ckpt))
    }
}
