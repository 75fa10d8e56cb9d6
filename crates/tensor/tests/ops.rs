//! The small kernels against naive loops on random shapes, including 1-row and 1-column matrices.

mod common;

use common::{SHAPES, rand};
use handgrad_tensor::{Accum, Matrix, ops, tol};

/// `a ≈ b` to [`tol::NAIVE_F64`]; false when either is NaN or ±∞.
fn close(a: f64, b: f64) -> bool {
    a.is_finite() && b.is_finite() && (a - b).abs() <= tol::NAIVE_F64 * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn add_row_and_col_sums() {
    for (s, &(r, c, _)) in SHAPES.iter().enumerate() {
        let x0: Matrix<f64> = rand(r, c, s as u64);
        let b: Matrix<f64> = rand(1, c, 100 + s as u64);
        let mut x = x0.clone();
        ops::add_row(&mut x, &b);
        for i in 0..r {
            for j in 0..c {
                assert!(close(x.get(i, j), x0.get(i, j) + b.get(0, j)));
            }
        }
        let mut sums = Matrix::full(1, c, 3.0);
        ops::col_sums(&mut sums, &x0, Accum::Replace);
        let mut twice = sums.clone();
        ops::col_sums(&mut twice, &x0, Accum::Add);
        for j in 0..c {
            let want: f64 = (0..r).map(|i| x0.get(i, j)).sum();
            assert!(close(sums.get(0, j), want), "col_sums {r}x{c} col {j}");
            assert!(close(twice.get(0, j), 2.0 * want));
        }
    }
}

#[test]
fn row_reductions() {
    for (s, &(r, c, _)) in SHAPES.iter().enumerate() {
        let mut x: Matrix<f64> = rand(r, c, 7 + s as u64);
        ops::scale(&mut x, 30.0); // large scores: log-sum-exp must stay finite
        let (mut mx, mut lse, mut am) = (vec![0.0; r], vec![0.0; r], vec![0; r]);
        ops::row_max(&mut mx, &x);
        ops::row_logsumexp(&mut lse, &x);
        ops::argmax_rows(&mut am, &x);
        for i in 0..r {
            let row = x.row(i);
            let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let naive_lse = m + row.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
            assert_eq!(mx[i], m);
            assert!(close(lse[i], naive_lse) && lse[i].is_finite());
            assert_eq!(row[am[i]], m);
        }
    }
    // Ties go to the first index; huge scores do not overflow.
    let x = Matrix::from_rows(&[[1.0, 5.0, 5.0], [1000.0, 1000.0, -1000.0]]);
    let (mut am, mut lse) = (vec![0; 2], vec![0.0; 2]);
    ops::argmax_rows(&mut am, &x);
    ops::row_logsumexp(&mut lse, &x);
    assert_eq!(am, vec![1, 0]);
    assert!(close(lse[1], 1000.0 + 2f64.ln()));
}

#[test]
fn elementwise_and_reductions() {
    for (s, &(r, c, _)) in SHAPES.iter().enumerate() {
        let a: Matrix<f64> = rand(r, c, 50 + s as u64);
        let b: Matrix<f64> = rand(r, c, 60 + s as u64);
        let mut out = Matrix::zeros(r, c);
        ops::zip_map(&mut out, &a, &b, |x, y| x * y + 1.0);
        let mut y = a.clone();
        ops::axpy(&mut y, 2.0, &b);
        let mut relu = a.clone();
        ops::map_inplace(&mut relu, |v| v.max(0.0));
        let mut sq = Matrix::zeros(r, c);
        ops::map(&mut sq, &a, |v| v * v);
        for k in 0..a.len() {
            let (x, z) = (a.as_slice()[k], b.as_slice()[k]);
            assert!(close(out.as_slice()[k], x * z + 1.0));
            assert!(close(y.as_slice()[k], x + 2.0 * z));
            assert_eq!(relu.as_slice()[k], x.max(0.0));
            assert_eq!(sq.as_slice()[k], x * x);
        }
        let naive_ss: f64 = a.as_slice().iter().map(|v| v * v).sum();
        let naive_dot: f64 = a.as_slice().iter().zip(b.as_slice()).map(|(x, y)| x * y).sum();
        assert!(close(ops::sum_squares(&a), naive_ss));
        assert!(close(ops::dot(&a, &b), naive_dot));
        assert!(close(ops::sum(&sq), naive_ss));
    }
}

/// `max_abs` finds a value planted among smaller ones (at every position, either sign), and is ∞
/// as soon as one element is NaN or ±∞.
#[test]
fn max_abs_finds_the_planted_maximum_and_never_drops_a_nan() {
    for (s, &(r, c, _)) in SHAPES.iter().enumerate() {
        let mut rng = handgrad_tensor::init::rng_from_seed(80 + s as u64);
        let base: Matrix<f64> = handgrad_tensor::init::uniform(r, c, -1.0, 1.0, &mut rng);
        for k in [0, base.len() / 2, base.len() - 1] {
            for planted in [3.5, -3.5] {
                let mut x = base.clone();
                x.as_mut_slice()[k] = planted;
                assert_eq!(ops::max_abs(&x), 3.5, "{r}x{c}, planted at {k}");
                assert_eq!(ops::max_abs(&x.cast::<f32>()), 3.5f32);
                for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                    let mut y = x.clone();
                    y.as_mut_slice()[(k + 1) % x.len()] = bad;
                    assert_eq!(ops::max_abs(&y), f64::INFINITY, "{r}x{c}, {bad} at {}", (k + 1) % x.len());
                    assert_eq!(ops::max_abs(&y.cast::<f32>()), f32::INFINITY);
                }
            }
        }
    }
    assert_eq!(ops::max_abs(&Matrix::<f64>::zeros(0, 3)), 0.0);
}

/// The kernel tests' comparison helper fails on a NaN or ±∞ on either side, wherever it sits.
#[test]
fn kernel_test_comparison_fails_on_non_finite_values() {
    let want: Matrix<f64> = rand(4, 5, 90);
    assert_eq!(common::max_rel_diff(&want, &want, 1.0), 0.0);
    for k in [0, 7, 19] {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut got = want.clone();
            got.as_mut_slice()[k] = bad;
            assert_eq!(common::max_rel_diff(&got, &want, 1.0), f64::INFINITY, "{bad} at {k} in got");
            assert_eq!(common::max_rel_diff(&got.cast::<f32>(), &want, 1.0), f64::INFINITY);
            assert_eq!(common::max_rel_diff(&want, &got, 1.0), f64::INFINITY, "{bad} at {k} in want");
        }
    }
    assert!(!close(f64::INFINITY, 1.0) && !close(1.0, f64::NAN) && !close(f64::INFINITY, f64::INFINITY));
}

#[test]
fn all_finite_detects_nan_and_inf() {
    let mut x: Matrix<f32> = rand(3, 4, 1);
    assert!(ops::all_finite(&x));
    x.set(2, 3, f32::NAN);
    assert!(!ops::all_finite(&x));
    x.set(2, 3, f32::INFINITY);
    assert!(!ops::all_finite(&x));
}

#[test]
#[should_panic(expected = "add_row: bias: expected shape (1, 3), got (1, 4)")]
fn add_row_shape_mismatch_panics_with_both_shapes() {
    ops::add_row(&mut Matrix::<f64>::zeros(2, 3), &Matrix::zeros(1, 4));
}
