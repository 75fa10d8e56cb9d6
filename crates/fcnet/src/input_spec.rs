//! [`InputSpec`]: what a checkpoint needs to classify an image on its own — the preprocessing
//! (per-pixel mean, flattening order, scaling) and the class names — stored in the safetensors
//! file beside the weights.
//!
//! # Format
//! - tensor [`MEAN_TENSOR`] (`input.pixel_mean`): the per-pixel mean `(1, 3072)`, `F64`, in the
//!   checkpoint's layout order (the row that is subtracted);
//! - metadata [`INPUT_KEY`] (`input`): JSON
//!   `{"layout": "hwc"|"chw", "scale": 1.0, "train_rows": 49000, "classes": ["airplane", …]}`.
//!
//! A row is `x[layout(r, c, ch)] = (pixel(r, c, ch) − μ[layout(r, c, ch)]) · scale`; the nets of
//! this crate train on `scale = 1` (the homework's 0–255 minus the mean), the only value accepted.
//! Checkpoints written before this format have neither key: [`InputSpec::read`] returns `None`,
//! and a caller rebuilds the preprocessing from the dataset (saying so).

use std::collections::BTreeMap;

use handgrad_cifar::{IMAGE_BYTES, Layout, PixelMean, Preprocess, Record};
use handgrad_tensor::{Matrix, Scalar};
use serde::{Deserialize, Serialize};

use crate::CifarData;
use crate::checkpoint::{Checkpoint, CheckpointError, TensorSet};

/// Name of the mean tensor.
pub const MEAN_TENSOR: &str = "input.pixel_mean";
/// Metadata key of the rest.
pub const INPUT_KEY: &str = "input";

/// How an image becomes a row of the net's input, and what its outputs are called.
#[derive(Clone, Debug, PartialEq)]
pub struct InputSpec {
    /// Flattening order of a row.
    pub layout: Layout,
    /// Factor applied after the mean is subtracted (1: none).
    pub scale: f64,
    /// The per-pixel mean of the training split.
    pub mean: PixelMean,
    /// Images the mean was taken over.
    pub train_rows: usize,
    /// Class names, label `i` at index `i`.
    pub classes: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    layout: String,
    scale: f64,
    train_rows: usize,
    classes: Vec<String>,
}

impl InputSpec {
    /// The preprocessing of `data`'s training split in `layout`, with its class names.
    pub fn of(data: &CifarData, layout: Layout) -> Self {
        Self {
            layout,
            scale: 1.0,
            mean: data.mean.clone(),
            train_rows: data.splits.train.len(),
            classes: data.set.classes.clone(),
        }
    }

    /// Adds the mean tensor to `set` and the `input` key to `meta`.
    pub fn write(&self, set: &mut TensorSet, meta: &mut BTreeMap<String, String>) {
        set.push_row(MEAN_TENSOR, &self.mean.values(self.layout));
        let stored = Stored {
            layout: self.layout.name().into(),
            scale: self.scale,
            train_rows: self.train_rows,
            classes: self.classes.clone(),
        };
        meta.insert(INPUT_KEY.into(), serde_json::to_string(&stored).expect("the input spec serialises"));
    }

    /// The spec stored in `ckpt`, or `None` for a checkpoint written before specs were stored.
    ///
    /// # Errors
    /// [`CheckpointError::Metadata`] or a tensor error when the stored spec is damaged.
    pub fn read(ckpt: &Checkpoint) -> Result<Option<Self>, CheckpointError> {
        let Some(json) = ckpt.metadata().get(INPUT_KEY) else { return Ok(None) };
        let bad = |problem: String| ckpt.meta_error(INPUT_KEY, problem);
        let stored: Stored = serde_json::from_str(json).map_err(|e| bad(format!("is not valid: {e}")))?;
        let layout = Layout::from_name(&stored.layout)
            .ok_or_else(|| bad(format!("layout '{}' is not hwc or chw", stored.layout)))?;
        if stored.scale != 1.0 {
            return Err(bad(format!("scale {} is not supported (the nets train on scale 1)", stored.scale)));
        }
        let values = ckpt.matrix::<f64>(MEAN_TENSOR, (1, IMAGE_BYTES))?;
        Ok(Some(Self {
            layout,
            scale: stored.scale,
            mean: PixelMean::from_values(values.as_slice(), layout),
            train_rows: stored.train_rows,
            classes: stored.classes,
        }))
    }

    /// The preprocessing in scalar type `T` (the training gather's own).
    pub fn preprocess<T: Scalar>(&self) -> Preprocess<T> {
        Preprocess::new(&self.mean, self.layout)
    }

    /// Rows `(n, 3072)` of `images`, each 32×32 interleaved RGB bytes (3,072 of them), through
    /// `pre` — exactly as the training gather writes a record's row.
    ///
    /// # Panics
    /// If an image is not 3,072 bytes.
    #[track_caller]
    pub fn rows<T: Scalar>(pre: &Preprocess<T>, images: &[Vec<u8>]) -> Matrix<T> {
        let mut x = Matrix::zeros(images.len(), IMAGE_BYTES);
        for (k, rgb) in images.iter().enumerate() {
            pre.write_row(&record_of_rgb(rgb), x.row_mut(k));
        }
        x
    }
}

/// The record (CHW planes) of a 32×32 interleaved RGB image.
///
/// # Panics
/// If `rgb` is not 3,072 bytes.
#[track_caller]
pub fn record_of_rgb(rgb: &[u8]) -> Record {
    assert_eq!(rgb.len(), IMAGE_BYTES, "record_of_rgb: {} bytes, a 32×32 RGB image has {IMAGE_BYTES}", rgb.len());
    let mut pixels = [0u8; IMAGE_BYTES];
    for (k, p) in pixels.iter_mut().enumerate() {
        *p = rgb[Layout::Hwc.column_of_chw(k)];
    }
    Record { label: 0, pixels }
}
