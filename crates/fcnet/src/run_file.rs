//! What a run writes into a checkpoint: the net (its kind, config and tensors — [`NetFile`]), its
//! [`InputSpec`], and, for a checkpoint to resume from, the loop's [`RunState`] ([`StateFile`]).
//! One file holds all three, written atomically, so that a kill at any moment leaves either the
//! previous complete file or the new one.

use std::collections::BTreeMap;
use std::path::Path;

use handgrad_nn::params::Params;
use handgrad_nn::solver::{History, RunState};
use handgrad_tensor::{Matrix, Scalar};

use crate::checkpoint::{self, CheckpointError, TensorSet};
use crate::input_spec::InputSpec;
use crate::resume::write_state;
use crate::{FC_KIND, FullyConnectedNet, TWO_LAYER_KIND, TwoLayerNet};

/// The checkpoint side of a net.
pub trait NetFile<T: Scalar> {
    /// The `model` kind.
    fn kind(&self) -> &'static str;
    /// The `config` metadata (JSON).
    fn config_json(&self) -> String;
    /// Every tensor of the net, by name (parameters and non-learned state).
    fn net_tensors(&self) -> Vec<(String, &Matrix<T>)>;
}

impl<T: Scalar> NetFile<T> for TwoLayerNet<T> {
    fn kind(&self) -> &'static str {
        TWO_LAYER_KIND
    }
    fn config_json(&self) -> String {
        serde_json::to_string(&self.config).expect("config serialises")
    }
    fn net_tensors(&self) -> Vec<(String, &Matrix<T>)> {
        (0..self.params.len()).map(|i| (self.params.name(i), self.params.get(i))).collect()
    }
}

impl<T: Scalar> NetFile<T> for FullyConnectedNet<T> {
    fn kind(&self) -> &'static str {
        FC_KIND
    }
    fn config_json(&self) -> String {
        serde_json::to_string(&self.config).expect("config serialises")
    }
    fn net_tensors(&self) -> Vec<(String, &Matrix<T>)> {
        self.named_tensors()
    }
}

/// A loop state that can be written into a checkpoint and read as a history (any parameter type).
pub trait StateFile<T: Scalar> {
    /// The losses and checks so far.
    fn history(&self) -> &History;
    /// Adds the state to a checkpoint's tensors and metadata.
    fn write(&self, set: &mut TensorSet, meta: &mut BTreeMap<String, String>);
}

impl<T: Scalar, P: Params<T>> StateFile<T> for RunState<T, P> {
    fn history(&self) -> &History {
        &self.history
    }
    fn write(&self, set: &mut TensorSet, meta: &mut BTreeMap<String, String>) {
        write_state(self, set, meta);
    }
}

/// Writes `net`, its `input` spec (when known), the loop `state` (for a checkpoint to resume from)
/// and `extra` metadata to `path`, atomically.
///
/// # Errors
/// [`CheckpointError::Io`].
pub fn save<T: Scalar>(
    path: &Path,
    net: &dyn NetFile<T>,
    input: Option<&InputSpec>,
    state: Option<&dyn StateFile<T>>,
    extra: &BTreeMap<String, String>,
) -> Result<(), CheckpointError> {
    let mut set = TensorSet::default();
    for (name, m) in net.net_tensors() {
        set.push(&name, m);
    }
    let mut meta = extra.clone();
    if let Some(input) = input {
        input.write(&mut set, &mut meta);
    }
    if let Some(state) = state {
        state.write(&mut set, &mut meta);
    }
    checkpoint::save_set::<T>(path, net.kind(), &net.config_json(), &set, &meta)
}
