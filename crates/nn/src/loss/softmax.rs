//! Softmax cross-entropy loss, averaged over the batch.
//!
//! For scores `s: (n, c)` and labels `y: (n,)` (CS231n assignment 1, `softmax_loss`):
//! - `p_ij = exp(s_ij − m_i) / Σ_k exp(s_ik − m_i)` with `m_i = max_k s_ik` (the shift makes it
//!   stable for large scores and does not change `p`);
//! - `L = (1/n) Σ_i [ m_i + ln Σ_k exp(s_ik − m_i) − s_{i,y_i} ]`  (= `−(1/n) Σ_i ln p_{i,y_i}`);
//! - `∂L/∂s_ij = (p_ij − 1[j = y_i]) / n`.

use handgrad_tensor::{Matrix, Scalar};

/// Mean softmax cross-entropy of `scores: (n, c)` against `labels: (n,)`, and `dscores: (n, c)`.
///
/// Allocates `dscores`; see [`softmax_loss_into`] to reuse a buffer.
#[track_caller]
pub fn softmax_loss<T: Scalar>(scores: &Matrix<T>, labels: &[usize]) -> (f64, Matrix<T>) {
    let mut dscores = Matrix::zeros(scores.rows(), scores.cols());
    let loss = softmax_loss_into(scores, labels, &mut dscores);
    (loss, dscores)
}

/// Mean softmax cross-entropy; writes `∂L/∂scores` into `dscores` (resized to `(n, c)`).
///
/// # Panics
/// If `labels.len() != n`, `n == 0`, `c == 0`, or a label is `≥ c`.
#[track_caller]
pub fn softmax_loss_into<T: Scalar>(scores: &Matrix<T>, labels: &[usize], dscores: &mut Matrix<T>) -> f64 {
    let (n, c) = scores.shape();
    assert!(labels.len() == n && n > 0 && c > 0, "softmax_loss: {} labels for scores{:?}", labels.len(), (n, c));
    dscores.resize(n, c);
    let inv_n = T::ONE / T::from_usize(n);
    let mut loss = T::ZERO;
    for (i, &yi) in labels.iter().enumerate() {
        assert!(yi < c, "softmax_loss: label {yi} of row {i} out of range for {c} classes");
        let s = scores.row(i);
        let p = dscores.row_mut(i);
        let (m, z) = shifted_exp_row(s, p);
        loss += m + z.ln() - s[yi];
        let scale = inv_n / z;
        for pj in p.iter_mut() {
            *pj *= scale;
        }
        p[yi] -= inv_n;
    }
    (loss * inv_n).to_f64()
}

/// One row of the softmax: `p_j = exp(s_j − m)` with `m = max_j s_j`; returns `(m, z = Σ_j p_j)`.
/// Both softmax losses (plain and label-smoothed) start each row with it.
pub(crate) fn shifted_exp_row<T: Scalar>(s: &[T], p: &mut [T]) -> (T, T) {
    let m = s.iter().copied().fold(s[0], T::max);
    let mut z = T::ZERO;
    for (pj, &sj) in p.iter_mut().zip(s) {
        *pj = (sj - m).exp();
        z += *pj;
    }
    (m, z)
}
