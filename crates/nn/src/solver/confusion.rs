//! Per-class results of a classifier: the confusion matrix and the per-class accuracies, the
//! evaluation the homework notebooks show besides the overall [`accuracy`](crate::solver::accuracy).
//!
//! With `k` classes, `C[t][p]` counts the rows of true class `t` predicted as `p`. Then
//! - row sums are the class counts: `n_t = Σ_p C[t][p]`, and `N = Σ_t n_t`;
//! - the overall accuracy is the trace over `N`: `acc = Σ_t C[t][t] / N`;
//! - the accuracy of class `t` is `acc_t = C[t][t] / n_t` (undefined when `n_t = 0`);
//! - so the class-count-weighted mean of the per-class accuracies is the overall accuracy,
//!   `Σ_t (n_t / N)·acc_t = acc`, and for balanced classes their plain mean is.

use alloc::vec;
use alloc::vec::Vec;

use handgrad_tensor::{Par, Scalar};

use crate::solver::{Dataset, EVAL_CHUNK, EvalBuffers, Model};

/// Counts of (true class, predicted class) pairs for `k` classes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfusionMatrix {
    classes: usize,
    /// Row-major `(k, k)`: `counts[t·k + p]`.
    counts: Vec<usize>,
}

impl ConfusionMatrix {
    /// An empty matrix for `classes` classes.
    pub fn new(classes: usize) -> Self {
        Self { classes, counts: vec![0; classes * classes] }
    }

    /// The matrix of predictions `pred` against true labels `truth` (same length, all `< classes`).
    ///
    /// # Panics
    /// If the lengths differ or a label is `≥ classes`.
    #[track_caller]
    pub fn from_labels(pred: &[usize], truth: &[usize], classes: usize) -> Self {
        assert_eq!(pred.len(), truth.len(), "ConfusionMatrix: {} predictions for {} labels", pred.len(), truth.len());
        let mut m = Self::new(classes);
        for (&p, &t) in pred.iter().zip(truth) {
            m.add(t, p);
        }
        m
    }

    /// Counts one row of true class `truth` predicted as `pred`.
    ///
    /// # Panics
    /// If either is `≥ classes`.
    #[track_caller]
    pub fn add(&mut self, truth: usize, pred: usize) {
        let k = self.classes;
        assert!(truth < k && pred < k, "ConfusionMatrix::add: class {truth} or {pred} outside 0..{k}");
        self.counts[truth * k + pred] += 1;
    }

    /// Number of classes `k`.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// `C[truth][pred]`.
    pub fn count(&self, truth: usize, pred: usize) -> usize {
        self.counts[truth * self.classes + pred]
    }

    /// Row `truth` of the matrix: how its rows were predicted, `(k,)`.
    pub fn row(&self, truth: usize) -> &[usize] {
        &self.counts[truth * self.classes..(truth + 1) * self.classes]
    }

    /// Rows of true class `truth`, `n_t` (the row sum).
    pub fn class_count(&self, truth: usize) -> usize {
        self.row(truth).iter().sum()
    }

    /// All rows counted, `N`.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// Correct predictions, the trace.
    pub fn correct(&self) -> usize {
        (0..self.classes).map(|t| self.count(t, t)).sum()
    }

    /// Overall accuracy `trace / N` (0 for an empty matrix, as [`accuracy`](crate::solver::accuracy)).
    pub fn accuracy(&self) -> f64 {
        let n = self.total();
        if n == 0 { 0.0 } else { self.correct() as f64 / n as f64 }
    }

    /// Accuracy of class `truth`, `C[t][t] / n_t`; `None` when the class has no rows.
    pub fn class_accuracy(&self, truth: usize) -> Option<f64> {
        let n = self.class_count(truth);
        (n > 0).then(|| self.count(truth, truth) as f64 / n as f64)
    }

    /// [`class_accuracy`](Self::class_accuracy) of every class, `(k,)`.
    pub fn per_class_accuracy(&self) -> Vec<Option<f64>> {
        (0..self.classes).map(|t| self.class_accuracy(t)).collect()
    }
}

/// Eval-mode predictions for every row of `data`, in order, with the rows' labels:
/// `(pred, labels)`, each `(len,)`. `None` when the model does not predict classes or the data is
/// unlabelled. Evaluated in chunks of [`EVAL_CHUNK`] rows; allocates its buffers.
pub fn predictions<T, M, D>(model: &mut M, data: &D, par: Par) -> Option<(Vec<usize>, Vec<usize>)>
where
    T: Scalar,
    M: Model<T> + ?Sized,
    D: Dataset<T> + ?Sized,
{
    let mut cache = model.new_cache();
    let mut buffers = EvalBuffers::new(EVAL_CHUNK.min(data.len()));
    buffers.predict_all(model, data, &mut cache, par)
}

/// The confusion matrix of `model` (eval mode) over every row of `data`, for `classes` classes;
/// `None` when the model does not predict or the data is unlabelled.
///
/// # Panics
/// If a label or prediction is `≥ classes`.
#[track_caller]
pub fn confusion_matrix<T, M, D>(model: &mut M, data: &D, classes: usize, par: Par) -> Option<ConfusionMatrix>
where
    T: Scalar,
    M: Model<T> + ?Sized,
    D: Dataset<T> + ?Sized,
{
    predictions(model, data, par).map(|(pred, truth)| ConfusionMatrix::from_labels(&pred, &truth, classes))
}
