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
use crate::limits;

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

    /// Loads a net saved by [`save`](Self::save), checking kind, the config (sizes within
    /// [`crate::limits`], dropout in `[0, 1)`, reg ≥ 0) and the tensors' names and shapes against
    /// it before allocating the net, then the dtype and that every value is finite.
    ///
    /// # Errors
    /// Any [`CheckpointError`].
    pub fn load(path: &Path) -> Result<(Self, Checkpoint), CheckpointError> {
        let ckpt = Checkpoint::read(path)?;
        ckpt.expect_model(FC_KIND)?;
        let config: FcConfig = ckpt.config()?;
        check_config(&config).map_err(|p| ckpt.config_err(p))?;
        let shapes = tensor_shapes(&config);
        ckpt.expect_tensors(&shapes)?;
        // The initial values are overwritten below; the seed only fills them meanwhile.
        let mut net = Self::new(&config, &mut rng_from_seed(0));
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

/// The config a checkpoint may hold: a net [`limits::check_net`] accepts, dropout in `[0, 1)`,
/// a finite reg ≥ 0.
fn check_config(c: &FcConfig) -> Result<(), String> {
    limits::check_net(c.input_dim, &c.hidden, c.num_classes, c.batchnorm)?;
    if !(0.0..1.0).contains(&c.dropout) {
        return Err(format!("dropout {} is not in [0, 1)", c.dropout));
    }
    if !(c.reg.is_finite() && c.reg >= 0.0) {
        return Err(format!("reg {} is not a finite number ≥ 0", c.reg));
    }
    Ok(())
}

/// The names and shapes of the tensors a net of `config` has, in checkpoint order (as
/// [`FullyConnectedNet::named_tensors`], without building the net).
fn tensor_shapes(config: &FcConfig) -> Vec<(String, (usize, usize))> {
    let mut out = Vec::new();
    let mut prev = config.input_dim;
    for (l, &h) in config.hidden.iter().enumerate() {
        out.push((format!("W{}", l + 1), (prev, h)));
        out.push((format!("b{}", l + 1), (1, h)));
        if config.batchnorm {
            out.push((format!("gamma{}", l + 1), (1, h)));
            out.push((format!("beta{}", l + 1), (1, h)));
        }
        prev = h;
    }
    let last = config.hidden.len() + 1;
    out.push((format!("W{last}"), (prev, config.num_classes)));
    out.push((format!("b{last}"), (1, config.num_classes)));
    if config.batchnorm {
        for (l, &h) in config.hidden.iter().enumerate() {
            out.push((format!("running_mean{}", l + 1), (1, h)));
            out.push((format!("running_var{}", l + 1), (1, h)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensor_shapes_are_those_of_the_built_net() {
        for (hidden, batchnorm) in [(vec![], false), (vec![5], false), (vec![5, 4], true), (vec![3, 2, 6], false)] {
            let config =
                FcConfig { input_dim: 7, hidden, num_classes: 3, weight_scale: 0.1, reg: 0.0, dropout: 0.0, batchnorm };
            let net = FullyConnectedNet::<f32>::new(&config, &mut rng_from_seed(0));
            let built: Vec<(String, (usize, usize))> =
                net.named_tensors().into_iter().map(|(n, m)| (n, m.shape())).collect();
            assert_eq!(tensor_shapes(&config), built, "{config:?}");
        }
    }
}
