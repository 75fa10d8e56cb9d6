//! The data of `cargo xtask train gplvm`: the oil-flow measurements or CIFAR-10 training images
//! reduced to their top principal components, as `(N, D)` rows with labels and class names.
//!
//! CIFAR-10: the first `--rows` training images (HWC order), minus their pixel mean, divided by
//! 255 (`f32`, the autoencoder's preprocessing), then `handgrad_tensor::pca` on those rows and the
//! scores on the top `--pca-dims` components (`f64`). The images stay memory-mapped; the `f32`
//! matrix is dropped once the scores exist.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use handgrad_cifar::{Cifar10, Layout, PixelMean, Preprocess};
use handgrad_data::locate::Dataset;
use handgrad_data::oil;
use handgrad_tensor::pca::Pca;
use handgrad_tensor::{Matrix, Par, ops};

/// Which data set to embed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DataSet {
    /// The 1,000 oil-flow points (12 measurements, 3 flow regimes).
    Oil,
    /// CIFAR-10 training images reduced to their top `--pca-dims` principal components.
    Cifar,
}

/// CIFAR-10 bytes are divided by this after centring.
const CIFAR_SCALE: f32 = 255.0;

/// Rows to embed, their labels and class names, and where they came from.
pub struct Loaded {
    /// The rows `(N, D)`, not yet centred (oil) or centred by the pixel mean (CIFAR scores).
    pub y: Matrix<f64>,
    /// Class of each row.
    pub labels: Vec<usize>,
    /// `class_names[label]`.
    pub class_names: Vec<String>,
    /// The folder read.
    pub dir: PathBuf,
    /// One line saying what the rows are.
    pub description: String,
}

/// Loads the first `rows` rows (all when `None`) of `dataset` from `--data` (or the installed
/// copy), CIFAR reduced to `pca_dims` principal components on `par`.
pub fn load(
    dataset: DataSet,
    data: Option<&Path>,
    rows: Option<usize>,
    pca_dims: usize,
    par: Par,
) -> anyhow::Result<Loaded> {
    match dataset {
        DataSet::Oil => {
            let dir = crate::fetch::oil_dir(data)?;
            let d = oil::load(&dir).map_err(|e| crate::fetch::reader_failed(Dataset::Oil, &dir, e.into()))?;
            let n = check_rows(rows, d.y.rows(), &dir)?;
            let y = Matrix::from_vec(n, d.y.cols(), d.y.as_slice()[..n * d.y.cols()].to_vec());
            let description = format!("oil flow: {n} points × {} features from {}", y.cols(), dir.display());
            let class_names = oil::CLASS_NAMES.iter().map(|s| s.to_string()).collect();
            Ok(Loaded { y, labels: d.labels[..n].to_vec(), class_names, dir, description })
        }
        DataSet::Cifar => {
            let dir = crate::fetch::cifar_dir(data)?;
            let cifar = Cifar10::open(&dir)
                .with_context(|| format!("opening CIFAR-10 in {}", dir.display()))
                .map_err(|e| crate::fetch::reader_failed(Dataset::Cifar10, &dir, e))?;
            let n = check_rows(rows, cifar.train.len(), &dir)?;
            let t = Instant::now();
            let pre = Preprocess::<f32>::new(&PixelMean::of(&cifar.train, 0..n), Layout::Hwc);
            let (mut x, labels) = pre.to_matrix(&cifar.train, 0..n);
            ops::scale(&mut x, 1.0 / CIFAR_SCALE);
            anyhow::ensure!(
                (1..=x.cols()).contains(&pca_dims),
                "--pca-dims {pca_dims}: pick 1..={} (the pixels of an image)",
                x.cols()
            );
            let pca = Pca::fit(&x, par).context("PCA of the CIFAR-10 rows")?;
            let y = pca.scores(&x, pca_dims, par);
            let kept: f64 = pca.eigenvalues()[..pca_dims].iter().sum::<f64>() / pca.eigenvalues().iter().sum::<f64>();
            let description = format!(
                "CIFAR-10: the first {n} training images from {}, centred, /255, reduced to their top {pca_dims} \
                 principal components ({:.1}% of the variance; PCA {:.1} s)",
                dir.display(),
                100.0 * kept,
                t.elapsed().as_secs_f64()
            );
            Ok(Loaded { y, labels, class_names: cifar.classes.clone(), dir, description })
        }
    }
}

/// `rows` checked against the `available` rows (all of them when `None`).
fn check_rows(rows: Option<usize>, available: usize, dir: &Path) -> anyhow::Result<usize> {
    let n = rows.unwrap_or(available);
    anyhow::ensure!(
        (2..=available).contains(&n),
        "--rows {n}: {} holds {available} rows; pick 2..={available}",
        dir.display()
    );
    Ok(n)
}
