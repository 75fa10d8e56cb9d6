//! Multiclass SVM (hinge) loss with margin 1, averaged over the batch.
//!
//! For scores `s: (n, c)` and labels `y: (n,)` (CS231n assignment 1, `svm_loss`; Weston & Watkins):
//! - margins `h_ij = max(0, s_ij − s_{i,y_i} + 1)` for `j ≠ y_i`;
//! - `L = (1/n) Σ_i Σ_{j ≠ y_i} h_ij`;
//! - `∂L/∂s_ij = 1[h_ij > 0] / n` for `j ≠ y_i`, and `∂L/∂s_{i,y_i} = −(1/n) · #{j ≠ y_i : h_ij > 0}`.
//!
//! The hinge has a kink where a margin is exactly 0; there the subgradient 0 is taken.

use handgrad_tensor::{Matrix, Scalar};

/// Mean multiclass hinge loss of `scores: (n, c)` against `labels: (n,)`, and `dscores: (n, c)`.
///
/// Allocates `dscores`; see [`svm_loss_into`] to reuse a buffer.
#[track_caller]
pub fn svm_loss<T: Scalar>(scores: &Matrix<T>, labels: &[usize]) -> (f64, Matrix<T>) {
    let mut dscores = Matrix::zeros(scores.rows(), scores.cols());
    let loss = svm_loss_into(scores, labels, &mut dscores);
    (loss, dscores)
}

/// Mean multiclass hinge loss; writes `∂L/∂scores` into `dscores` (resized to `(n, c)`).
///
/// # Panics
/// If `labels.len() != n`, `n == 0`, `c == 0`, or a label is `≥ c`.
#[track_caller]
pub fn svm_loss_into<T: Scalar>(scores: &Matrix<T>, labels: &[usize], dscores: &mut Matrix<T>) -> f64 {
    let (n, c) = scores.shape();
    assert!(labels.len() == n && n > 0 && c > 0, "svm_loss: {} labels for scores{:?}", labels.len(), (n, c));
    dscores.resize(n, c);
    let inv_n = T::ONE / T::from_usize(n);
    let mut loss = T::ZERO;
    for (i, &yi) in labels.iter().enumerate() {
        assert!(yi < c, "svm_loss: label {yi} of row {i} out of range for {c} classes");
        let s = scores.row(i);
        let d = dscores.row_mut(i);
        let mut active = T::ZERO;
        for (j, (dj, &sj)) in d.iter_mut().zip(s).enumerate() {
            let margin = sj - s[yi] + T::ONE;
            *dj = T::ZERO;
            if j != yi && margin > T::ZERO {
                loss += margin;
                *dj = inv_n;
                active += T::ONE;
            }
        }
        d[yi] = -active * inv_n;
    }
    (loss * inv_n).to_f64()
}
