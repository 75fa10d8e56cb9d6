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
//! format tag, the checksum, the dtype, and then each tensor's name and shape against what the
//! model expects; every failure is a typed [`CheckpointError`]. Writes are atomic: the bytes go to a
//! temporary file in the destination folder, are synced, and the file is renamed over the target.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use handgrad_tensor::{Matrix, Scalar};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use sha2::{Digest, Sha256};

/// The value of the `format` metadata key written by this version.
pub const FORMAT: &str = "handgrad-checkpoint/1";

/// What can go wrong reading or writing a checkpoint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The file system refused.
    #[error("cannot {action} checkpoint {path}: {source}; check the path and its permissions")]
    Io {
        /// What was being done ("read", "write", "rename").
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
        "{path}: metadata '{key}' {problem}; the file was not written by this version of handgrad-fcnet: train again"
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
    let dtype = dtype_of::<T>();
    let mut named: BTreeMap<&str, (Vec<usize>, Vec<u8>)> = BTreeMap::new();
    for (name, m) in tensors {
        let prev = named.insert(name, (vec![m.rows(), m.cols()], to_le_bytes(m)));
        assert!(prev.is_none(), "checkpoint::save: tensor name '{name}' used twice");
    }
    let mut meta = BTreeMap::new();
    for (k, v) in extra {
        assert!(!RESERVED.contains(&k.as_str()), "checkpoint::save: extra key '{k}' is reserved");
        meta.insert(k.clone(), v.clone());
    }
    meta.insert("format".into(), FORMAT.into());
    meta.insert("model".into(), model.into());
    meta.insert("dtype".into(), T::NAME.into());
    meta.insert("config".into(), config_json.into());
    meta.insert("payload_sha256".into(), payload_sha256(named.iter().map(|(n, (_, b))| (*n, b.as_slice()))));
    let views: Vec<(&str, TensorView<'_>)> = named
        .iter()
        .map(|(n, (shape, bytes))| {
            (*n, TensorView::new(dtype, shape.clone(), bytes).expect("sizes match by construction"))
        })
        .collect();
    let bytes = safetensors::serialize(views, Some(meta.into_iter().collect()))
        .expect("serialising in-memory tensors with consistent sizes cannot fail");
    write_atomic(path, &bytes)
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

    /// Checks that the file holds exactly the tensors `names` (no more, no fewer).
    ///
    /// # Errors
    /// [`CheckpointError::MissingTensor`] or [`CheckpointError::UnexpectedTensor`].
    pub fn expect_names(&self, names: &[&str]) -> Result<(), CheckpointError> {
        if let Some(missing) = names.iter().find(|n| !self.tensors.contains_key(**n)) {
            return Err(CheckpointError::MissingTensor { path: self.path.clone(), name: missing.to_string() });
        }
        if let Some(extra) = self.tensors.keys().find(|k| !names.contains(&k.as_str())) {
            return Err(CheckpointError::UnexpectedTensor { path: self.path.clone(), name: extra.clone() });
        }
        Ok(())
    }

    /// Tensor `name` as a `Matrix<T>` of shape `expected`.
    ///
    /// # Errors
    /// `MissingTensor`, `Dtype` (stored type is not `T`) or `Shape`.
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
        Ok(Matrix::from_vec(expected.0, expected.1, from_le_bytes::<T>(bytes)))
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

fn payload_sha256<'a>(tensors: impl Iterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut h = Sha256::new();
    for (name, data) in tensors {
        h.update(name.as_bytes());
        h.update([0u8]);
        h.update(data);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `bytes` to `path` through a synced temporary file in the same folder, then renames it.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CheckpointError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "checkpoint".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let io = |action, source| CheckpointError::Io { action, path: path.to_path_buf(), source };
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(io("write", e));
    }
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io("rename", e)
    })
}
