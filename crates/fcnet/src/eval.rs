//! Accuracy of a classifier over a whole [`Dataset`], evaluated in chunks.
//!
//! `accuracy = (1/N) Σ_i 1[argmax_j s_ij = y_i]` (ties go to the first class, as numpy's `argmax`).

use handgrad_tensor::{Matrix, Scalar};

use handgrad_nn::solver::Dataset;

/// Rows per chunk when evaluating a whole split (bounds the memory of one forward pass).
pub const EVAL_CHUNK: usize = 1000;

/// Anything that predicts a class per row.
pub trait Classifier<T: Scalar> {
    /// Predicted labels of `x: (N, D)` written into `out: (N,)` (test mode: no dropout, batchnorm
    /// with running statistics).
    fn predict_into(&mut self, x: &Matrix<T>, out: &mut [usize]);
}

/// Fraction of the rows of `data` whose predicted label equals the true one (0 for empty data).
pub fn accuracy<T: Scalar, M: Classifier<T> + ?Sized, D: Dataset<T> + ?Sized>(model: &mut M, data: &D) -> f64 {
    let n = data.len();
    if n == 0 {
        return 0.0;
    }
    let chunk = EVAL_CHUNK.min(n);
    let (mut x, mut y, mut pred, mut idx) =
        (Matrix::zeros(chunk, data.n_features()), Vec::with_capacity(chunk), vec![0; chunk], vec![]);
    let mut correct = 0usize;
    let mut start = 0;
    while start < n {
        let end = (start + chunk).min(n);
        idx.clear();
        idx.extend(start..end);
        let m = end - start;
        data.gather(&idx, &mut x, &mut y);
        model.predict_into(&x, &mut pred[..m]);
        correct += pred[..m].iter().zip(&y).filter(|(p, t)| p == t).count();
        start = end;
    }
    correct as f64 / n as f64
}

/// Fraction of equal entries of two label slices of one length.
///
/// # Panics
/// If the lengths differ.
#[track_caller]
pub fn batch_accuracy(pred: &[usize], y: &[usize]) -> f64 {
    assert_eq!(pred.len(), y.len(), "batch_accuracy: {} predictions for {} labels", pred.len(), y.len());
    if y.is_empty() {
        return 0.0;
    }
    pred.iter().zip(y).filter(|(p, t)| p == t).count() as f64 / y.len() as f64
}
