//! The gradient-check toolkit: central finite differences and relative errors (CS231n style).
//!
//! - [`numeric_gradient`]: `∂f/∂x` of a scalar function `f: (r, c) → ℝ`, one element at a time,
//!   `g[i, j] = (f(x + h·e_ij) − f(x − h·e_ij)) / 2h`.
//! - [`numeric_gradient_contracted`]: the gradient of `⟨f(x), dout⟩ = Σ f(x) ⊙ dout` for a
//!   matrix-valued `f`; this is exactly what a layer's backward returns for upstream gradient `dout`.
//! - [`rel_error`]: `max_k |a_k − b_k| / max(1e-8, |a_k| + |b_k|)`.
//!
//! Checks run in `f64`; the tolerances live in [`crate::tol`].

use alloc::format;
use alloc::string::String;

use crate::Matrix;

/// Central-difference gradient of a scalar function of a matrix.
///
/// `x: (r, c)`; returns `(r, c)`. `f` is called `2·r·c` times, each time on a copy of `x` with one
/// element moved by `±h`.
pub fn numeric_gradient(mut f: impl FnMut(&Matrix<f64>) -> f64, x: &Matrix<f64>, h: f64) -> Matrix<f64> {
    let mut xp = x.clone();
    let mut grad = Matrix::zeros(x.rows(), x.cols());
    for k in 0..x.len() {
        let orig = xp.as_slice()[k];
        xp.as_mut_slice()[k] = orig + h;
        let fp = f(&xp);
        xp.as_mut_slice()[k] = orig - h;
        let fm = f(&xp);
        xp.as_mut_slice()[k] = orig;
        grad.as_mut_slice()[k] = (fp - fm) / (2.0 * h);
    }
    grad
}

/// Central-difference gradient of `⟨f(x), dout⟩` for a matrix-valued `f`.
///
/// `x: (r, c)`, `f(x)` and `dout` of one shape `(p, q)`; returns `(r, c)`.
///
/// # Panics
/// If `f(x)` and `dout` differ in shape.
#[track_caller]
pub fn numeric_gradient_contracted(
    mut f: impl FnMut(&Matrix<f64>) -> Matrix<f64>,
    x: &Matrix<f64>,
    dout: &Matrix<f64>,
    h: f64,
) -> Matrix<f64> {
    numeric_gradient(
        |xp| {
            let y = f(xp);
            crate::matrix::assert_same_shape("numeric_gradient_contracted: f(x) vs dout", &y, dout);
            crate::ops::dot(&y, dout)
        },
        x,
        h,
    )
}

/// Elementwise relative error, maximised: `max_k |a_k − b_k| / max(1e-8, |a_k| + |b_k|)`.
///
/// # Panics
/// If the shapes differ.
#[track_caller]
pub fn rel_error(a: &Matrix<f64>, b: &Matrix<f64>) -> f64 {
    crate::matrix::assert_same_shape("rel_error", a, b);
    a.as_slice().iter().zip(b.as_slice()).map(|(&x, &y)| rel_error_scalar(x, y)).fold(0.0, f64::max)
}

/// Relative error of two scalars: `|a − b| / max(1e-8, |a| + |b|)`.
pub fn rel_error_scalar(a: f64, b: f64) -> f64 {
    let d = a - b;
    let d = if d < 0.0 { -d } else { d };
    let s = (if a < 0.0 { -a } else { a }) + (if b < 0.0 { -b } else { b });
    if d.is_nan() {
        return f64::INFINITY;
    }
    d / if s > 1e-8 { s } else { 1e-8 }
}

/// Compares an analytic gradient with a numeric one.
///
/// Returns `Ok(err)` when `rel_error ≤ tol`, otherwise `Err` with a message naming the check, the
/// error, the tolerance and the worst element with both values.
#[track_caller]
pub fn check_gradient(what: &str, analytic: &Matrix<f64>, numeric: &Matrix<f64>, tol: f64) -> Result<f64, String> {
    let err = rel_error(analytic, numeric);
    if err <= tol {
        return Ok(err);
    }
    let (mut worst, mut worst_err) = (0, -1.0);
    for (k, (&a, &n)) in analytic.as_slice().iter().zip(numeric.as_slice()).enumerate() {
        let e = rel_error_scalar(a, n);
        if e > worst_err {
            worst = k;
            worst_err = e;
        }
    }
    let c = analytic.cols().max(1);
    Err(format!(
        "gradient check '{what}' failed: rel_error {err:.3e} > tol {tol:.1e}; worst at ({}, {}): analytic {:.10e}, numeric {:.10e}",
        worst / c,
        worst % c,
        analytic.as_slice()[worst],
        numeric.as_slice()[worst]
    ))
}

/// Like [`check_gradient`] but panics with its message on failure; returns the relative error.
#[track_caller]
pub fn assert_gradient(what: &str, analytic: &Matrix<f64>, numeric: &Matrix<f64>, tol: f64) -> f64 {
    match check_gradient(what, analytic, numeric, tol) {
        Ok(e) => e,
        Err(msg) => panic!("{msg}"),
    }
}
