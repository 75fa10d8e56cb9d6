//! Softmax cross-entropy with label smoothing, averaged over the batch (Szegedy et al. 2016,
//! "Rethinking the Inception architecture", §7; PyTorch's `CrossEntropyLoss(label_smoothing=ε)`).
//!
//! For scores `s: (n, c)`, labels `y: (n,)` and smoothing `ε ∈ [0, 1)`, the target of row `i` is
//! `q_ij = (1 − ε)·1[j = y_i] + ε / c` (it sums to 1), and with `p = softmax(s)` as in
//! [`softmax_loss_into`](super::softmax_loss_into) (`m_i = max_k s_ik`, `z_i = Σ_k exp(s_ik − m_i)`):
//! - `L = −(1/n) Σ_i Σ_j q_ij ln p_ij = (1/n) Σ_i [ m_i + ln z_i − Σ_j q_ij s_ij ]`;
//! - `∂L/∂s_ij = (p_ij − q_ij) / n`.
//!
//! `ε = 0` is the plain softmax loss (the same numbers, bit for bit: the extra terms are exact zeros).

use handgrad_tensor::{Matrix, Scalar};

use super::softmax::shifted_exp_row;

/// Mean label-smoothed softmax cross-entropy of `scores: (n, c)` against `labels: (n,)` with
/// smoothing `smoothing`; writes `∂L/∂scores` into `dscores` (resized to `(n, c)`).
///
/// # Panics
/// If `labels.len() != n`, `n == 0`, `c == 0`, a label is `≥ c`, or `smoothing` is not in `[0, 1)`.
#[track_caller]
pub fn softmax_smoothed_loss_into<T: Scalar>(
    scores: &Matrix<T>,
    labels: &[usize],
    smoothing: f64,
    dscores: &mut Matrix<T>,
) -> f64 {
    let (n, c) = scores.shape();
    assert!(
        labels.len() == n && n > 0 && c > 0,
        "softmax_smoothed_loss: {} labels for scores{:?}",
        labels.len(),
        (n, c)
    );
    assert!((0.0..1.0).contains(&smoothing), "softmax_smoothed_loss: smoothing {smoothing} not in [0, 1)");
    dscores.resize(n, c);
    let inv_n = T::ONE / T::from_usize(n);
    let (off, on) = (T::from_f64(smoothing / c as f64), T::from_f64(1.0 - smoothing));
    let mut loss = T::ZERO;
    for (i, &yi) in labels.iter().enumerate() {
        assert!(yi < c, "softmax_smoothed_loss: label {yi} of row {i} out of range for {c} classes");
        let s = scores.row(i);
        let p = dscores.row_mut(i);
        let (m, z) = shifted_exp_row(s, p);
        let mut qs = T::ZERO;
        for &sj in s {
            qs += off * sj;
        }
        qs += on * s[yi];
        loss += m + z.ln() - qs;
        let scale = inv_n / z;
        let off_n = off * inv_n;
        for pj in p.iter_mut() {
            *pj = *pj * scale - off_n;
        }
        p[yi] -= on * inv_n;
    }
    (loss * inv_n).to_f64()
}
