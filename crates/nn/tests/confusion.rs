//! The confusion matrix and per-class accuracies against the overall accuracy: rows sum to the
//! class counts, the trace over N is `accuracy`, the class-count-weighted mean of the per-class
//! accuracies is the overall accuracy (and the plain mean for balanced classes).

mod common;

use common::TwoLayer;
use handgrad_nn::solver::{ConfusionMatrix, InMemory, accuracy, confusion_matrix, predictions};
use handgrad_tensor::Par;
use handgrad_tensor::init::{randn, rng_from_seed};

/// `n` rows of 8 features; labels from `label(i)`.
fn data(n: usize, label: impl Fn(usize) -> usize) -> InMemory<f64> {
    InMemory::labelled(randn(n, 8, 1.0, &mut rng_from_seed(4)), (0..n).map(label).collect())
}

#[test]
fn rows_sum_to_class_counts_and_weighted_class_accuracies_average_to_the_accuracy() {
    // 2,345 rows (more than one evaluation chunk), unbalanced classes 0..5.
    let d = data(2345, |i| if i % 3 == 0 { 0 } else { i % 5 });
    let mut model = TwoLayer::<f64>::new(8, 6, 5, 0.0, 1);
    let m = confusion_matrix(&mut model, &d, 5, Par::Seq).unwrap();
    let acc = accuracy(&mut model, &d, Par::Seq);
    assert!(acc > 0.0 && acc < 1.0, "a random net gets some rows right and some wrong: {acc}");
    for t in 0..5 {
        let n_t = d.y.iter().filter(|&&y| y == t).count();
        assert_eq!(m.class_count(t), n_t, "row {t} sums to the class count");
    }
    assert_eq!(m.total(), 2345);
    assert_eq!(m.accuracy(), acc, "trace / N is the one accuracy");
    let weighted: f64 = (0..5).map(|t| m.class_count(t) as f64 / 2345.0 * m.class_accuracy(t).unwrap()).sum();
    assert!((weighted - acc).abs() < 1e-12, "Σ (n_t/N)·acc_t = {weighted}, accuracy {acc}");
    let counts: Vec<usize> = (0..5).map(|t| m.class_count(t)).collect();
    assert!(counts.iter().min() != counts.iter().max(), "the classes are unbalanced: {counts:?}");
    // The predictions behind it are the model's, row by row.
    let (pred, labels) = predictions(&mut model, &d, Par::Seq).unwrap();
    assert_eq!(labels, d.y);
    assert_eq!(ConfusionMatrix::from_labels(&pred, &labels, 5), m);
}

#[test]
fn balanced_classes_average_plainly() {
    let d = data(1200, |i| i % 4);
    let mut model = TwoLayer::<f64>::new(8, 6, 4, 0.0, 2);
    let m = confusion_matrix(&mut model, &d, 4, Par::Seq).unwrap();
    let per: Vec<f64> = m.per_class_accuracy().into_iter().map(Option::unwrap).collect();
    let mean = per.iter().sum::<f64>() / 4.0;
    assert!((mean - accuracy(&mut model, &d, Par::Seq)).abs() < 1e-12, "{per:?}");
}

#[test]
fn counts_by_hand() {
    let m = ConfusionMatrix::from_labels(&[0, 1, 1, 2, 0, 2], &[0, 1, 2, 2, 1, 2], 4);
    assert_eq!(m.row(2), [0, 1, 2, 0]);
    assert_eq!((m.correct(), m.total()), (4, 6));
    assert_eq!(m.per_class_accuracy(), [Some(1.0), Some(0.5), Some(2.0 / 3.0), None]);
}
