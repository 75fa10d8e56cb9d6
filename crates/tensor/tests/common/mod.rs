//! Helpers shared by the tensor tests: naive reference loops and random matrices.
#![allow(dead_code)]

use handgrad_tensor::{Matrix, Scalar, init};

/// Shapes that exercise the edge cases: 1 row, 1 column, non-square, larger than a SIMD register.
pub const SHAPES: &[(usize, usize, usize)] =
    &[(1, 1, 1), (1, 7, 3), (5, 1, 4), (3, 4, 1), (2, 3, 5), (17, 33, 9), (64, 31, 70), (200, 96, 10)];

/// A random N(0, 1) matrix from a seed.
pub fn rand<T: Scalar>(rows: usize, cols: usize, seed: u64) -> Matrix<T> {
    init::randn(rows, cols, 1.0, &mut init::rng_from_seed(seed))
}

/// Naive `a (m, k) · b (k, n)` in f64.
pub fn naive_matmul(a: &Matrix<f64>, b: &Matrix<f64>) -> Matrix<f64> {
    Matrix::from_fn(a.rows(), b.cols(), |i, j| (0..a.cols()).map(|p| a.get(i, p) * b.get(p, j)).sum())
}

/// Largest elementwise relative difference, with an absolute floor scaled to the operands;
/// `∞` when any value on either side is NaN or ±∞ (a kernel that writes NaN never passes).
pub fn max_rel_diff<T: Scalar>(got: &Matrix<T>, want: &Matrix<f64>, scale: f64) -> f64 {
    assert_eq!(got.shape(), want.shape());
    let mut worst = 0.0;
    for (&g, &w) in got.as_slice().iter().zip(want.as_slice()) {
        let (g, w) = (g.to_f64(), w);
        if !g.is_finite() || !w.is_finite() {
            return f64::INFINITY;
        }
        let d = (g - w).abs() / (w.abs() + scale);
        if d > worst {
            worst = d;
        }
    }
    worst
}

/// Panics unless `|got − want| ≤ tol·(|want| + max|want|)` elementwise; NaN or ∞ fail.
#[track_caller]
pub fn assert_close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let scale = want.iter().fold(0.0f64, |m, w| m.max(w.abs()));
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let err = (g - w).abs() / (w.abs() + scale);
        assert!(err <= tol, "{what}: element {i}: got {g:e}, want {w:e} (relative error {err:e} > {tol:e})");
    }
}
