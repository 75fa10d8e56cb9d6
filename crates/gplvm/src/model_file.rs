//! Saving and loading a fitted RBF GP-LVM, full or sparse, in the safetensors format (`std` only).
//!
//! The format follows `handgrad-fcnet`'s checkpoints, and shares their machinery
//! ([`handgrad_data::tensor_file`]: the payload checksum and the atomic write):
//!
//! - tensors (dtype `F64`, shape `[rows, cols]` as the [`Matrix`]): `X: (N, q)` the latent points,
//!   `Y: (N, D)` the preprocessed data they explain, `log_hypers: (1, 4)` the optimiser's
//!   `ln α, ln γ, ln b, ln β` exactly as fitted, `mean: (1, D)` and `scale: (1, D)` the
//!   preprocessing (`y = (raw − mean) / scale`), for the sparse model `Z: (M, q)`, and when the
//!   data are labelled `labels: (1, N)` (class indices as `f64`);
//! - metadata: `format` = [`FORMAT`], `model` = `"gplvm"` or `"sparse-gplvm"`, `kernel` =
//!   `"rbf"`, `dtype` = `"f64"`, `config` = `{"q": .., "m": .., "kmm_jitter": ..}` as JSON, and
//!   `payload_sha256` = SHA-256 (hex) over the tensors in name order, each contributing its UTF-8
//!   name, one zero byte, then its bytes.
//!
//! Loading checks the safetensors structure, the tag, the checksum, and every tensor's presence
//! and shape; each failure is a [`ModelFileError`] saying what to do. Writing is atomic (a synced
//! temporary file in the destination folder, renamed over the target). The log-hyperparameters
//! are stored as fitted, so a reloaded model's θ, and hence its likelihood, is bit-identical.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::vec::Vec;
use std::{format, vec};

use handgrad_data::tensor_file::{self, payload_sha256};
use handgrad_tensor::{Matrix, Par};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::{GplvmError, Kernel, Predictor, RbfKernel, SparseGplvm};

/// The value of the `format` metadata key written by this version.
pub const FORMAT: &str = "handgrad-gplvm-model/1";

/// What can go wrong reading or writing a model file.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    /// The file system refused.
    #[error("cannot {action} model file {path}: {source}; check the path and its permissions")]
    Io {
        /// What was being done ("read", "write", "sync", "rename").
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not a readable safetensors file.
    #[error("{path} is not a valid safetensors file ({reason}); it is truncated or not a model file: fit again")]
    Format {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
    /// A metadata key is missing or wrong.
    #[error("{path}: metadata '{key}' {problem}; the file was not written by handgrad-gplvm's model file: fit again")]
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
        "{path}: payload checksum mismatch (stored {stored}, computed {computed}); the file was edited or is corrupt: restore it or fit again"
    )]
    Integrity {
        /// The file.
        path: PathBuf,
        /// Checksum in the metadata.
        stored: String,
        /// Checksum of the bytes read.
        computed: String,
    },
    /// A tensor is absent, of another dtype, or of the wrong shape.
    #[error("{path}: tensor '{name}' {problem}; the file does not hold a consistent GP-LVM: fit again")]
    Tensor {
        /// The file.
        path: PathBuf,
        /// The tensor.
        name: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// A fitted RBF GP-LVM as stored on disk.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedModel {
    /// Latent points `(N, q)`.
    pub x: Matrix<f64>,
    /// Inducing inputs `(M, q)` of the sparse model; `None` for the full model.
    pub z: Option<Matrix<f64>>,
    /// `ln α, ln γ, ln b, ln β`, exactly the optimiser's values.
    pub log_hypers: [f64; 4],
    /// The preprocessed data `(N, D)` the model was fitted to.
    pub y: Matrix<f64>,
    /// Column means subtracted from the raw data (length D).
    pub mean: Vec<f64>,
    /// Column scales the centred data were divided by (length D; ones when only centred).
    pub scale: Vec<f64>,
    /// Class labels of the N training rows, if any.
    pub labels: Option<Vec<usize>>,
    /// Jitter δ of the sparse model's `K_MM` (0 for the full model).
    pub kmm_jitter: f64,
}

impl SavedModel {
    /// The parameter vector θ of [`crate::Gplvm::pack`] (full) or [`crate::SparseGplvm::pack`]
    /// (sparse), bit for bit as fitted.
    pub fn theta(&self) -> Vec<f64> {
        let mut theta = self.x.as_slice().to_vec();
        if let Some(z) = &self.z {
            theta.extend_from_slice(z.as_slice());
        }
        theta.extend_from_slice(&self.log_hypers);
        theta
    }

    /// The fitted kernel.
    pub fn kernel(&self) -> RbfKernel {
        let mut k = RbfKernel::default();
        k.set_log_hypers(&self.log_hypers);
        k
    }

    /// Raw rows `raw: (P, D)` preprocessed as the training data were: `(raw − mean) / scale`.
    ///
    /// # Panics
    /// If `raw` does not have D columns.
    #[track_caller]
    pub fn preprocess(&self, raw: &Matrix<f64>) -> Matrix<f64> {
        let d = self.mean.len();
        assert!(raw.cols() == d, "SavedModel::preprocess: raw {:?} for a model of {d} columns", raw.shape());
        Matrix::from_fn(raw.rows(), d, |i, j| (raw.get(i, j) - self.mean[j]) / self.scale[j])
    }

    /// The predictor of new points ([`crate::infer`]) of this model, full or sparse, on `par`.
    ///
    /// # Errors
    /// As [`Predictor::full`] or [`SparseGplvm::predictor`] (a factorisation that fails).
    pub fn predictor(&self, par: Par) -> Result<Predictor, GplvmError> {
        match &self.z {
            None => Predictor::full(&self.x, &self.y, self.kernel(), par),
            Some(z) => {
                let mut model = SparseGplvm::new(self.y.clone(), self.x.cols(), z.rows(), par);
                model.set_kmm_jitter(self.kmm_jitter);
                model.predictor(&self.theta())
            }
        }
    }

    /// Writes the model to `path` atomically.
    ///
    /// # Errors
    /// [`ModelFileError::Io`] when the folder is not writable.
    ///
    /// # Panics
    /// If the parts' shapes disagree (a caller bug).
    #[track_caller]
    pub fn save(&self, path: &Path) -> Result<(), ModelFileError> {
        let (n, q) = self.x.shape();
        let d = self.y.cols();
        assert!(
            self.y.rows() == n && self.mean.len() == d && self.scale.len() == d,
            "SavedModel::save: x {:?}, y {:?}, mean {}, scale {}",
            self.x.shape(),
            self.y.shape(),
            self.mean.len(),
            self.scale.len()
        );
        let mut named: BTreeMap<&str, (Vec<usize>, Vec<u8>)> = BTreeMap::new();
        let mut put = |name, rows, cols, data: &[f64]| {
            named.insert(name, (vec![rows, cols], data.iter().flat_map(|v| v.to_le_bytes()).collect()));
        };
        put("X", n, q, self.x.as_slice());
        put("Y", n, d, self.y.as_slice());
        put("log_hypers", 1, 4, &self.log_hypers);
        put("mean", 1, d, &self.mean);
        put("scale", 1, d, &self.scale);
        let m = self.z.as_ref().map_or(0, |z| {
            assert!(z.cols() == q, "SavedModel::save: z {:?} for x {:?}", z.shape(), self.x.shape());
            z.rows()
        });
        if let Some(z) = &self.z {
            put("Z", m, q, z.as_slice());
        }
        if let Some(labels) = &self.labels {
            assert!(labels.len() == n, "SavedModel::save: {} labels for {n} points", labels.len());
            let l: Vec<f64> = labels.iter().map(|&c| c as f64).collect();
            put("labels", 1, n, &l);
        }
        let mut meta = BTreeMap::new();
        meta.insert("format".to_string(), FORMAT.to_string());
        meta.insert("model".into(), if self.z.is_some() { "sparse-gplvm" } else { "gplvm" }.into());
        meta.insert("kernel".into(), "rbf".into());
        meta.insert("dtype".into(), "f64".into());
        meta.insert("config".into(), format!(r#"{{"q": {q}, "m": {m}, "kmm_jitter": {:e}}}"#, self.kmm_jitter));
        meta.insert("payload_sha256".into(), payload_sha256(named.iter().map(|(n, (_, b))| (*n, b.as_slice()))));
        let views: Vec<(&str, TensorView<'_>)> = named
            .iter()
            .map(|(n, (shape, bytes))| {
                (*n, TensorView::new(Dtype::F64, shape.clone(), bytes).expect("sizes match by construction"))
            })
            .collect();
        let bytes = safetensors::serialize(views, Some(meta.into_iter().collect()))
            .expect("serialising in-memory tensors with consistent sizes cannot fail");
        write_atomic(path, &bytes)
    }

    /// Reads and verifies a model file.
    ///
    /// # Errors
    /// Any [`ModelFileError`]: unreadable, truncated, edited, or inconsistent files are refused.
    pub fn load(path: &Path) -> Result<Self, ModelFileError> {
        let bytes =
            fs::read(path).map_err(|source| ModelFileError::Io { action: "read", path: path.into(), source })?;
        let format_err =
            |e: safetensors::SafeTensorError| ModelFileError::Format { path: path.into(), reason: e.to_string() };
        let (_, header) = SafeTensors::read_metadata(&bytes).map_err(format_err)?;
        let parsed = SafeTensors::deserialize(&bytes).map_err(format_err)?;
        let meta: BTreeMap<String, String> = header.metadata().clone().unwrap_or_default().into_iter().collect();
        let file = File { path, meta, parsed };
        file.expect_meta("format", &[FORMAT])?;
        file.expect_meta("kernel", &["rbf"])?;
        file.expect_meta("dtype", &["f64"])?;
        let sparse = file.expect_meta("model", &["gplvm", "sparse-gplvm"])? == "sparse-gplvm";
        let stored = file.meta("payload_sha256")?.to_string();
        let mut names: Vec<String> = file.parsed.names().into_iter().map(|s| s.to_string()).collect();
        names.sort();
        let computed = payload_sha256(
            names.iter().map(|n| (n.as_str(), file.parsed.tensor(n).expect("listed by the file").data())),
        );
        if stored != computed {
            return Err(ModelFileError::Integrity { path: path.into(), stored, computed });
        }
        let config = file.meta("config")?;
        let kmm_jitter = parse_config_number(config, "kmm_jitter")
            .ok_or_else(|| file.meta_err("config", format!("'{config}' has no kmm_jitter")))?;
        let (n, q) = file.shape_of("X")?;
        let d = file.shape_of("Y")?.1;
        let x = file.matrix("X", (n, q))?;
        let y = file.matrix("Y", (n, d))?;
        let h = file.matrix("log_hypers", (1, 4))?;
        let log_hypers = [h.get(0, 0), h.get(0, 1), h.get(0, 2), h.get(0, 3)];
        let mean = file.matrix("mean", (1, d))?.into_vec();
        let scale = file.matrix("scale", (1, d))?.into_vec();
        let z = if sparse {
            let m = file.shape_of("Z")?.0;
            Some(file.matrix("Z", (m, q))?)
        } else {
            None
        };
        let labels = match file.parsed.tensor("labels") {
            Ok(_) => Some(file.matrix("labels", (1, n))?.as_slice().iter().map(|&c| c as usize).collect()),
            Err(_) => None,
        };
        Ok(Self { x, z, log_hypers, y, mean, scale, labels, kmm_jitter })
    }
}

/// A parsed file being checked.
struct File<'a> {
    path: &'a Path,
    meta: BTreeMap<String, String>,
    parsed: SafeTensors<'a>,
}

impl File<'_> {
    fn meta(&self, key: &str) -> Result<&str, ModelFileError> {
        self.meta.get(key).map(String::as_str).ok_or_else(|| self.meta_err(key, "is missing".into()))
    }

    fn expect_meta(&self, key: &str, allowed: &[&str]) -> Result<&str, ModelFileError> {
        let v = self.meta(key)?;
        if allowed.contains(&v) {
            Ok(v)
        } else {
            Err(self.meta_err(key, format!("is '{v}', expected one of {allowed:?}")))
        }
    }

    fn meta_err(&self, key: &str, problem: String) -> ModelFileError {
        ModelFileError::Metadata { path: self.path.into(), key: key.into(), problem }
    }

    fn tensor_err(&self, name: &str, problem: String) -> ModelFileError {
        ModelFileError::Tensor { path: self.path.into(), name: name.into(), problem }
    }

    fn shape_of(&self, name: &str) -> Result<(usize, usize), ModelFileError> {
        let t = self.parsed.tensor(name).map_err(|_| self.tensor_err(name, "is missing".into()))?;
        match t.shape() {
            [r, c] => Ok((*r, *c)),
            other => Err(self.tensor_err(name, format!("has shape {other:?}, expected two dimensions"))),
        }
    }

    fn matrix(&self, name: &str, expected: (usize, usize)) -> Result<Matrix<f64>, ModelFileError> {
        let t = self.parsed.tensor(name).map_err(|_| self.tensor_err(name, "is missing".into()))?;
        if t.dtype() != Dtype::F64 {
            return Err(self.tensor_err(name, format!("is {:?}, expected F64", t.dtype())));
        }
        if t.shape() != [expected.0, expected.1] {
            return Err(self.tensor_err(name, format!("has shape {:?}, expected {expected:?}", t.shape())));
        }
        let data = t.data().chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect();
        Ok(Matrix::from_vec(expected.0, expected.1, data))
    }
}

/// The number after `"key":` in a flat JSON object.
fn parse_config_number(config: &str, key: &str) -> Option<f64> {
    let start = config.find(&format!("\"{key}\""))? + key.len() + 2;
    let rest = config[start..].trim_start().strip_prefix(':')?.trim_start();
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

/// [`handgrad_data::tensor_file::write_atomic`], its failure as a [`ModelFileError::Io`] naming the step.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ModelFileError> {
    tensor_file::write_atomic(path, bytes).map_err(|e| ModelFileError::Io {
        action: e.step.as_str(),
        path: e.path,
        source: e.source,
    })
}
