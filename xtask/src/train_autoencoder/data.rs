//! The data the autoencoder is trained on: CIFAR-10 images or the oil-flow measurements, centred
//! (each column minus its mean over the rows used) and, for CIFAR, scaled to pixel/255 units.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use handgrad_cifar::{Cifar10, Layout, PixelMean, Preprocess};
use handgrad_tensor::stats::center_columns;
use handgrad_tensor::{Matrix, ops};

/// CIFAR pixels are divided by this after the mean is subtracted: values in about [−1, 1].
pub const CIFAR_SCALE: f32 = 255.0;

/// The first `n` CIFAR-10 training images, HWC rows, mean-subtracted (mean of those `n`), /255,
/// and the preprocessing that maps a row back to RGB bytes (after multiplying by 255).
pub fn load_cifar(dir: &Path, n: usize) -> Result<(Matrix<f32>, Preprocess<f32>)> {
    let data = Cifar10::open(dir).with_context(|| format!("opening CIFAR-10 in {}", dir.display()))?;
    if n == 0 || n > data.train.len() {
        bail!(
            "--n-images {n}: the training set in {} has {} images; pick 1..={}",
            dir.display(),
            data.train.len(),
            data.train.len()
        );
    }
    let mean = PixelMean::of(&data.train, 0..n);
    let pre = Preprocess::<f32>::new(&mean, Layout::Hwc);
    let (mut x, _labels) = pre.to_matrix(&data.train, 0..n);
    ops::scale(&mut x, 1.0 / CIFAR_SCALE);
    Ok((x, pre))
}

/// The oil-flow measurements `(1000, 12)`, each column centred.
pub fn load_oil(dir: &Path) -> Result<Matrix<f64>> {
    let mut x = handgrad_gplvm::oil::load(dir)?.y;
    center_columns(&mut x);
    Ok(x)
}

/// The CIFAR folder: `--data-dir` when it holds the batch files; otherwise the installed copy
/// under `datasets/`, installed first when missing (from `--data-dir` as an archive or folder when
/// given, see `cargo xtask fetch-cifar`).
pub fn cifar_dir(given: Option<&Path>) -> Result<PathBuf> {
    match given {
        Some(dir) if dir.join("data_batch_1.bin").is_file() => Ok(dir.to_path_buf()),
        from => crate::fetch::ensure_cifar(from),
    }
}

/// The oil folder: `--data-dir` when it holds `DataTrn.txt`; otherwise `datasets/oil`, installed
/// first when missing (see `cargo xtask fetch-oil`).
pub fn oil_dir(given: Option<&Path>) -> Result<PathBuf> {
    match given {
        Some(dir) if dir.join(handgrad_gplvm::oil::DATA_FILE).is_file() => Ok(dir.to_path_buf()),
        from => crate::fetch::ensure_oil(from),
    }
}
