//! Checkpoints: named parameter tensors plus metadata, in the safetensors format.
//!
//! # Format
//! A standard safetensors file (8-byte little-endian header length, JSON header, raw little-endian
//! tensor bytes), readable by any safetensors tool (`safetensors.numpy.load_file` in Python):
//!
//! - one tensor per parameter, named as the model names them (`W1`, `b1`, `W2`, …), dtype `F32` or
//!   `F64`, shape `[rows, cols]` exactly as the [`Matrix`] (biases are `[1, m]`);
//! - the header's `__metadata__` string map holds
//!   - `format` = [`FORMAT`],
//!   - `model` = the model kind (`"two-layer"`, `"fc"`),
//!   - `dtype` = `"f32"` or `"f64"`,
//!   - `config` = the model's config as JSON,
//!   - `payload_sha256` = SHA-256 (hex) over the tensors in name order, each contributing its
//!     UTF-8 name, one zero byte, then its data bytes,
//!   - any extra keys the writer adds (seed, validation accuracy, …).
//!
//! Loading checks the safetensors structure (the crate validates header, offsets and sizes), the
//! format tag, the checksum, the stored config against the size bounds of [`crate::limits`], each
//! tensor's name and shape against what that config implies — all before the net is allocated —
//! then the dtype and that every value is finite; every failure is a typed [`CheckpointError`]. Writes are atomic: the bytes go to a
//! temporary file in the destination folder, are synced, and the file is renamed over the target.
//! They are also deterministic: the same tensors and metadata give the same bytes (every JSON map
//! of the header in sorted order), so two runs that end in the same state write identical files.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use handgrad_data::tensor_file::{self, payload_sha256};
use handgrad_tensor::{Matrix, Scalar};
use safetensors::tensor::{Dtype, SafeTensors};

/// The value of the `format` metadata key written by this version.
pub const FORMAT: &str = "handgrad-checkpoint/1";

/// What can go wrong reading or writing a checkpoint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The file system refused.
    #[error("cannot {action} checkpoint {path}: {source}; check the path and its permissions")]
    Io {
        /// What was being done ("read", "write", "sync", "rename").
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not a readable safetensors file.
    #[error(
        "{path} is not a valid safetensors file ({reason}); it is truncated or not a checkpoint: pass another file or train again"
    )]
    Format {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
    /// A metadata key is missing or wrong.
    #[error(
        "{path}: metadata '{key}' {problem}; the file was edited, damaged or written by another version: pass a checkpoint saved by this version of handgrad-fcnet (`Trained::save`, `Live::save`), or train again"
    )]
    Metadata {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The payload checksum does not match.
    #[error(
        "{path}: payload checksum mismatch (stored {stored}, computed {computed}); the file is corrupt: restore it or train again"
    )]
    Integrity {
        /// The file.
        path: PathBuf,
        /// Checksum in the metadata.
        stored: String,
        /// Checksum of the bytes read.
        computed: String,
    },
    /// The stored model config describes no net that can be built (a size of 0, a size beyond
    /// [`crate::limits`], a dropout outside `[0, 1)`, …).
    #[error(
        "{path}: the stored model config is invalid ({problem}); the file was edited or damaged: pass a checkpoint saved by this version of handgrad-fcnet (`Trained::save`, `Live::save`), or train again"
    )]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A tensor holds NaN or ±∞.
    #[error(
        "{path}: tensor '{name}' holds {value} at element {index}: the weights are unusable (saved from a diverged run, or damaged): pass another checkpoint or train again"
    )]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// The tensor.
        name: String,
        /// Row-major index of the first such element.
        index: usize,
        /// Its value (NaN, inf or -inf).
        value: f64,
    },
    /// The `model` metadata names no model this crate knows.
    #[error(
        "{path}: metadata 'model' is '{found}', not a model handgrad-fcnet knows ({known}); pass a checkpoint saved by this version of handgrad-fcnet (`Trained::save`, `Live::save`)"
    )]
    UnknownModel {
        /// The file.
        path: PathBuf,
        /// The known kinds.
        known: String,
        /// The kind in the file.
        found: String,
    },
    /// The checkpoint holds another kind of model.
    #[error("{path}: holds a '{found}' model, expected '{expected}'; load it as '{found}' or pass another checkpoint")]
    ModelKind {
        /// The file.
        path: PathBuf,
        /// Wanted kind.
        expected: String,
        /// Kind in the file.
        found: String,
    },
    /// The tensors have another scalar type than requested.
    #[error(
        "{path}: tensor '{name}' is {found}, expected {expected}; load the checkpoint with the scalar type it was saved in"
    )]
    Dtype {
        /// The file.
        path: PathBuf,
        /// The tensor.
        name: String,
        /// Wanted dtype.
        expected: String,
        /// Dtype in the file.
        found: String,
    },
    /// A tensor the model needs is absent.
    #[error(
        "{path}: missing tensor '{name}'; the checkpoint does not match this architecture: pass the matching config or another checkpoint"
    )]
    MissingTensor {
        /// The file.
        path: PathBuf,
        /// The tensor.
        name: String,
    },
    /// The file has a tensor the model does not know.
    #[error(
        "{path}: unexpected tensor '{name}'; the checkpoint does not match this architecture: pass the matching config or another checkpoint"
    )]
    UnexpectedTensor {
        /// The file.
        path: PathBuf,
        /// The tensor.
        name: String,
    },
    /// A tensor has the wrong shape.
    #[error(
        "{path}: tensor '{name}' has shape {found:?}, expected {expected:?}; the checkpoint does not match this architecture"
    )]
    Shape {
        /// The file.
        path: PathBuf,
        /// The tensor.
        name: String,
        /// Wanted shape.
        expected: Vec<usize>,
        /// Shape in the file.
        found: Vec<usize>,
    },
}

/// A checkpoint read into memory and verified (structure, format tag, checksum).
#[derive(Clone, Debug)]
pub struct Checkpoint {
    path: PathBuf,
    metadata: BTreeMap<String, String>,
    tensors: BTreeMap<String, (Dtype, Vec<usize>, Vec<u8>)>,
}

/// Writes `tensors` and metadata (`model` kind, `config` JSON, `extra` keys) to `path`, atomically.
///
/// # Errors
/// [`CheckpointError::Io`] when the folder is not writable.
///
/// # Panics
/// If two tensors share a name or `extra` uses a reserved key.
pub fn save<T: Scalar>(
    path: &Path,
    model: &str,
    config_json: &str,
    tensors: &[(&str, &Matrix<T>)],
    extra: &BTreeMap<String, String>,
) -> Result<(), CheckpointError> {
    let mut set = TensorSet::default();
    for (name, m) in tensors {
        set.push(name, m);
    }
    save_set::<T>(path, model, config_json, &set, extra)
}

/// Tensors to write, each with its own dtype: the net's (in its scalar type) and, under the
/// namespaces `input.` and `resume.`, what the run stores beside them (always `f64` or the net's
/// type). Names containing a `.` are not the net's: loading a net ignores them.
#[derive(Clone, Debug, Default)]
pub struct TensorSet {
    named: BTreeMap<String, Raw>,
}

/// A tensor as stored: dtype, shape, little-endian bytes.
type Raw = (Dtype, Vec<usize>, Vec<u8>);

impl TensorSet {
    /// Adds `m: (rows, cols)` as tensor `name` in `m`'s scalar type.
    ///
    /// # Panics
    /// If the name is taken.
    #[track_caller]
    pub fn push<T: Scalar>(&mut self, name: &str, m: &Matrix<T>) {
        let prev = self.named.insert(name.into(), (dtype_of::<T>(), vec![m.rows(), m.cols()], to_le_bytes(m)));
        assert!(prev.is_none(), "checkpoint: tensor name '{name}' used twice");
    }

    /// Adds `values` as an `f64` tensor of shape `[1, len]` (exact, e.g. a loss history).
    #[track_caller]
    pub fn push_row(&mut self, name: &str, values: &[f64]) {
        self.push(name, &Matrix::from_vec(1, values.len(), values.to_vec()));
    }
}

/// Writes the tensors of `set` with the metadata of [`save`] to `path`, atomically; `T` is the
/// net's scalar type (the `dtype` key).
///
/// # Errors
/// [`CheckpointError::Io`] when the folder is not writable.
///
/// # Panics
/// If `extra` uses a reserved key.
pub fn save_set<T: Scalar>(
    path: &Path,
    model: &str,
    config_json: &str,
    set: &TensorSet,
    extra: &BTreeMap<String, String>,
) -> Result<(), CheckpointError> {
    let mut meta = BTreeMap::new();
    for (k, v) in extra {
        assert!(!RESERVED.contains(&k.as_str()), "checkpoint::save: extra key '{k}' is reserved");
        meta.insert(k.clone(), v.clone());
    }
    meta.insert("format".into(), FORMAT.into());
    meta.insert("model".into(), model.into());
    meta.insert("dtype".into(), T::NAME.into());
    meta.insert("config".into(), config_json.into());
    let named = &set.named;
    meta.insert("payload_sha256".into(), payload_sha256(named.iter().map(|(n, (_, _, b))| (n.as_str(), b.as_slice()))));
    write_atomic(path, &serialize_sorted(named, &meta))
}

/// The safetensors bytes of `named` with metadata `meta`, laid out as `safetensors::serialize`
/// lays them out (tensors by descending dtype alignment, then name; header padded with spaces to a
/// multiple of 8) but with every JSON map in sorted key order — the crate writes its metadata map
/// in hash order, so the same checkpoint would not give the same bytes twice.
fn serialize_sorted(named: &BTreeMap<String, Raw>, meta: &BTreeMap<String, String>) -> Vec<u8> {
    let mut order: Vec<(&String, &Raw)> = named.iter().collect();
    order.sort_by(|(ln, (ld, _, _)), (rn, (rd, _, _))| rd.cmp(ld).then(ln.cmp(rn)));
    let mut header = serde_json::Map::new();
    header.insert("__metadata__".into(), serde_json::to_value(meta).expect("a string map serialises"));
    let mut offset = 0;
    for (name, (dtype, shape, bytes)) in &order {
        let info = serde_json::json!({ "dtype": format!("{dtype:?}"), "shape": shape, "data_offsets": [offset, offset + bytes.len()] });
        header.insert((*name).clone(), info);
        offset += bytes.len();
    }
    let mut head = serde_json::to_string(&header).expect("the header serialises").into_bytes();
    head.resize(head.len().next_multiple_of(8), b' ');
    let mut out = Vec::with_capacity(8 + head.len() + offset);
    out.extend_from_slice(&(head.len() as u64).to_le_bytes());
    out.extend_from_slice(&head);
    for (_, (_, _, bytes)) in &order {
        out.extend_from_slice(bytes);
    }
    out
}

const RESERVED: [&str; 5] = ["format", "model", "dtype", "config", "payload_sha256"];

impl Checkpoint {
    /// Reads and verifies a checkpoint: safetensors structure, `format` tag and payload checksum.
    ///
    /// # Errors
    /// [`CheckpointError::Io`], [`CheckpointError::Format`], [`CheckpointError::Metadata`] or
    /// [`CheckpointError::Integrity`].
    pub fn read(path: &Path) -> Result<Self, CheckpointError> {
        let io = |source| CheckpointError::Io { action: "read", path: path.to_path_buf(), source };
        let bytes = fs::read(path).map_err(io)?;
        let format_err =
            |e: safetensors::SafeTensorError| CheckpointError::Format { path: path.into(), reason: e.to_string() };
        let (_, header) = SafeTensors::read_metadata(&bytes).map_err(format_err)?;
        let parsed = SafeTensors::deserialize(&bytes).map_err(format_err)?;
        let metadata: BTreeMap<String, String> = header.metadata().clone().unwrap_or_default().into_iter().collect();
        let mut tensors = BTreeMap::new();
        for (name, view) in parsed.iter() {
            tensors.insert(name.to_string(), (view.dtype(), view.shape().to_vec(), view.data().to_vec()));
        }
        let ckpt = Self { path: path.to_path_buf(), metadata, tensors };
        let format = ckpt.meta("format")?;
        if format != FORMAT {
            return Err(ckpt.meta_err("format", format!("is '{format}', expected '{FORMAT}'")));
        }
        let stored = ckpt.meta("payload_sha256")?.to_string();
        let computed = payload_sha256(ckpt.tensors.iter().map(|(n, (_, _, b))| (n.as_str(), b.as_slice())));
        if stored != computed {
            return Err(CheckpointError::Integrity { path: ckpt.path.clone(), stored, computed });
        }
        Ok(ckpt)
    }

    /// A metadata value.
    ///
    /// # Errors
    /// [`CheckpointError::Metadata`] when the key is absent.
    pub fn meta(&self, key: &str) -> Result<&str, CheckpointError> {
        self.metadata.get(key).map(String::as_str).ok_or_else(|| self.meta_err(key, "is missing".into()))
    }

    /// A metadata value parsed as `V` (a number, …).
    ///
    /// # Errors
    /// [`CheckpointError::Metadata`] when the key is absent or its value does not parse.
    pub fn meta_parse<V: core::str::FromStr>(&self, key: &str) -> Result<V, CheckpointError> {
        let text = self.meta(key)?;
        text.parse().map_err(|_| {
            let what = core::any::type_name::<V>().rsplit("::").next().unwrap_or("value");
            self.meta_err(key, format!("is '{text}', not a valid {what}"))
        })
    }

    /// A [`CheckpointError::Config`] for this file.
    pub fn config_err(&self, problem: impl Into<String>) -> CheckpointError {
        CheckpointError::Config { path: self.path.clone(), problem: problem.into() }
    }

    /// Checks that the file holds exactly the tensors `expected`, with those shapes, before
    /// anything is allocated from them.
    ///
    /// # Errors
    /// [`CheckpointError::MissingTensor`], [`CheckpointError::UnexpectedTensor`] or
    /// [`CheckpointError::Shape`].
    pub fn expect_tensors(&self, expected: &[(String, (usize, usize))]) -> Result<(), CheckpointError> {
        let names: Vec<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
        self.expect_names(&names)?;
        for (name, (rows, cols)) in expected {
            let (_, shape, _) = &self.tensors[name];
            if shape.as_slice() != [*rows, *cols] {
                return Err(CheckpointError::Shape {
                    path: self.path.clone(),
                    name: name.clone(),
                    expected: vec![*rows, *cols],
                    found: shape.clone(),
                });
            }
        }
        Ok(())
    }

    /// All metadata, including the reserved keys.
    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.metadata
    }

    /// The file this was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checks the `model` kind.
    ///
    /// # Errors
    /// [`CheckpointError::ModelKind`] (or `Metadata` when absent).
    pub fn expect_model(&self, expected: &str) -> Result<(), CheckpointError> {
        let found = self.meta("model")?;
        if found != expected {
            return Err(CheckpointError::ModelKind {
                path: self.path.clone(),
                expected: expected.into(),
                found: found.into(),
            });
        }
        Ok(())
    }

    /// The `config` metadata, deserialised.
    ///
    /// # Errors
    /// [`CheckpointError::Metadata`] when absent or not valid JSON for `C`.
    pub fn config<C: serde::de::DeserializeOwned>(&self) -> Result<C, CheckpointError> {
        serde_json::from_str(self.meta("config")?).map_err(|e| self.meta_err("config", format!("is not valid: {e}")))
    }

    /// Checks that the file holds exactly the net's tensors `names` (no more, no fewer; tensors
    /// whose name contains a `.` — `input.*`, `resume.*` — are the run's, not the net's, and are
    /// not counted).
    ///
    /// # Errors
    /// [`CheckpointError::MissingTensor`] or [`CheckpointError::UnexpectedTensor`].
    pub fn expect_names(&self, names: &[&str]) -> Result<(), CheckpointError> {
        if let Some(missing) = names.iter().find(|n| !self.tensors.contains_key(**n)) {
            return Err(CheckpointError::MissingTensor { path: self.path.clone(), name: missing.to_string() });
        }
        if let Some(extra) = self.tensors.keys().find(|k| !k.contains('.') && !names.contains(&k.as_str())) {
            return Err(CheckpointError::UnexpectedTensor { path: self.path.clone(), name: extra.clone() });
        }
        Ok(())
    }

    /// Tensor `name` as a `Matrix<T>` of shape `expected`, every value finite.
    ///
    /// # Errors
    /// `MissingTensor`, `Dtype` (stored type is not `T`), `Shape` or `NonFinite`.
    pub fn matrix<T: Scalar>(&self, name: &str, expected: (usize, usize)) -> Result<Matrix<T>, CheckpointError> {
        let (dtype, shape, bytes) = self
            .tensors
            .get(name)
            .ok_or_else(|| CheckpointError::MissingTensor { path: self.path.clone(), name: name.into() })?;
        if *dtype != dtype_of::<T>() {
            let (expected, found) = (format!("{:?}", dtype_of::<T>()), format!("{dtype:?}"));
            return Err(CheckpointError::Dtype { path: self.path.clone(), name: name.into(), expected, found });
        }
        if shape.as_slice() != [expected.0, expected.1] {
            let expected = vec![expected.0, expected.1];
            return Err(CheckpointError::Shape {
                path: self.path.clone(),
                name: name.into(),
                expected,
                found: shape.clone(),
            });
        }
        let values = from_le_bytes::<T>(bytes);
        if let Some(index) = values.iter().position(|v| !v.is_finite()) {
            let (path, name, value) = (self.path.clone(), name.to_string(), values[index].to_f64());
            return Err(CheckpointError::NonFinite { path, name, index, value });
        }
        Ok(Matrix::from_vec(expected.0, expected.1, values))
    }

    /// The shape of tensor `name`, when the file has it.
    pub fn shape_of(&self, name: &str) -> Option<&[usize]> {
        self.tensors.get(name).map(|(_, shape, _)| shape.as_slice())
    }

    /// An `f64` tensor of shape `[1, len]` (see [`TensorSet::push_row`]) as its values.
    ///
    /// # Errors
    /// `MissingTensor`, `Dtype` or `Shape` (not one row).
    pub fn row(&self, name: &str) -> Result<Vec<f64>, CheckpointError> {
        let cols = match self.shape_of(name) {
            Some([1, cols]) => *cols,
            Some(other) => {
                let found = other.to_vec();
                return Err(CheckpointError::Shape {
                    path: self.path.clone(),
                    name: name.into(),
                    expected: vec![1, 0],
                    found,
                });
            }
            None => return Err(CheckpointError::MissingTensor { path: self.path.clone(), name: name.into() }),
        };
        Ok(self.matrix::<f64>(name, (1, cols))?.as_slice().to_vec())
    }

    /// A [`CheckpointError::Metadata`] about `key` of this file.
    pub fn meta_error(&self, key: &str, problem: String) -> CheckpointError {
        self.meta_err(key, problem)
    }

    fn meta_err(&self, key: &str, problem: String) -> CheckpointError {
        CheckpointError::Metadata { path: self.path.clone(), key: key.into(), problem }
    }
}

fn dtype_of<T: Scalar>() -> Dtype {
    match T::NAME {
        "f32" => Dtype::F32,
        "f64" => Dtype::F64,
        other => panic!("checkpoint: unsupported scalar type {other}"),
    }
}

fn to_le_bytes<T: Scalar>(m: &Matrix<T>) -> Vec<u8> {
    let mut out = Vec::with_capacity(m.len() * 8);
    for &v in m.as_slice() {
        match T::NAME {
            "f32" => out.extend_from_slice(&(v.to_f64() as f32).to_le_bytes()),
            _ => out.extend_from_slice(&v.to_f64().to_le_bytes()),
        }
    }
    out
}

fn from_le_bytes<T: Scalar>(bytes: &[u8]) -> Vec<T> {
    match T::NAME {
        "f32" => bytes.chunks_exact(4).map(|c| T::from_f64(f32::from_le_bytes(c.try_into().unwrap()) as f64)).collect(),
        _ => bytes.chunks_exact(8).map(|c| T::from_f64(f64::from_le_bytes(c.try_into().unwrap()))).collect(),
    }
}

/// [`handgrad_data::tensor_file::write_atomic`], its failure as a [`CheckpointError::Io`] naming the step.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CheckpointError> {
    tensor_file::write_atomic(path, bytes).map_err(|e| CheckpointError::Io {
        action: e.step.as_str(),
        path: e.path,
        source: e.source,
    })
}
