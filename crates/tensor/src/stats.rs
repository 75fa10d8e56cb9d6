//! Column statistics of data `Y: (N, d)` (rows are samples), in place:
//!
//! ```text
//! centring      μ_j = (1/N)·Σ_i Y_ij,           Y_ij ← Y_ij − μ_j
//! unit variance σ_j = √((1/N)·Σ_i Y_ij²),       Y_ij ← Y_ij / σ_j   (σ_j = 0: column left alone)
//! ```
//!
//! `σ_j` is the population standard deviation of a centred column (centre first). Sums run in `f64`
//! down the rows in order, whatever the element type.

use alloc::vec;
use alloc::vec::Vec;

use crate::{Matrix, Scalar};

/// Subtracts each column's mean from `y: (N, d)`; returns the means `(d,)`.
/// An empty `y` (N = 0) is left alone and gets zero means.
pub fn center_columns<T: Scalar>(y: &mut Matrix<T>) -> Vec<f64> {
    let (n, d) = y.shape();
    let mut means = vec![0.0; d];
    for row in y.row_iter() {
        means.iter_mut().zip(row).for_each(|(m, v)| *m += v.to_f64());
    }
    means.iter_mut().for_each(|m| *m /= n.max(1) as f64);
    for i in 0..n {
        y.row_mut(i).iter_mut().zip(&means).for_each(|(v, &m)| *v = T::from_f64(v.to_f64() - m));
    }
    means
}

/// Divides each column of the centred `y: (N, d)` by its population standard deviation
/// `√(Σ_i y_ij² / N)`; constant (all-zero) columns are left alone. Returns the deviations `(d,)`.
pub fn scale_columns<T: Scalar>(y: &mut Matrix<T>) -> Vec<f64> {
    let (n, d) = y.shape();
    let mut sd = vec![0.0; d];
    for row in y.row_iter() {
        sd.iter_mut().zip(row).for_each(|(s, v)| *s += v.to_f64() * v.to_f64());
    }
    sd.iter_mut().for_each(|s| *s = Scalar::sqrt(*s / n.max(1) as f64));
    for i in 0..n {
        let row = y.row_mut(i);
        row.iter_mut().zip(&sd).for_each(|(v, &s)| *v = T::from_f64(v.to_f64() / if s > 0.0 { s } else { 1.0 }));
    }
    sd
}
