//! The gradient-check toolkit: central finite differences and relative errors (CS231n style).
//!
//! - [`numeric_gradient`]: `∂f/∂x` of a scalar function `f: (r, c) → ℝ`, one element at a time,
//!   `g[i, j] = (f(x + h·e_ij) − f(x − h·e_ij)) / 2h`.
//! - [`numeric_gradient_contracted`]: the gradient of `⟨f(x), dout⟩ = Σ f(x) ⊙ dout` for a
//!   matrix-valued `f`; this is exactly what a layer's backward returns for upstream gradient `dout`.
//! - [`numeric_gradient_with_error`]: the same central differences and, per element, an estimate of
//!   their error (from a second step `2h` and the rounding of `f`), for judges that must not call a
//!   right formula wrong because of finite-difference noise.
//! - [`rel_error`]: `max_k |a_k − b_k| / max(1e-8, |a_k| + |b_k|)`, `∞` if any value on either side
//!   is NaN or ±∞ (a non-finite gradient never passes).
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

/// Central differences together with an estimate of their own error, element by element.
#[derive(Clone, Debug)]
pub struct NumericGradient {
    /// `(f(x + h·e_k) − f(x − h·e_k)) / 2h`, the same numbers [`numeric_gradient`] returns: `(r, c)`.
    pub grad: Matrix<f64>,
    /// An upper estimate of `|grad − ∂f/∂x|` per element: `(r, c)` (see
    /// [`numeric_gradient_with_error`]).
    pub error: Matrix<f64>,
}

/// Central-difference gradient with a per-element estimate of its error.
///
/// `x: (r, c)`. `f` is called `4·r·c` times: at `x ± h·e_k` (the gradient, exactly as
/// [`numeric_gradient`]) and at `x ± 2h·e_k` (for the estimate). With `g_h`, `g_2h` the two central
/// differences, `Δ_k = |g_h − g_2h|` and `F_k` the largest `|f|` of element `k`'s four calls,
///
/// ```text
/// error_k = FD_ERROR_SAFETY · (max_j Δ_j + ε·F_k / h)
/// ```
///
/// The truncation error of `g_h` is `c·h² + O(h⁴)` and that of `g_2h` is `4c·h²`, so `Δ ≈ 3|c|·h²`
/// bounds it; the rounding error of `g_h` (each value of `f` is off by a few ulps of the largest
/// intermediate result, which can be far larger than `|f|` when terms cancel) shows up in `Δ` as
/// noise of the same size. One element's two steps can agree by chance, so the noise floor is the
/// largest `Δ` over all elements, not element `k`'s own. A disagreement between a closed form and
/// `grad` smaller than `error` is not evidence against the closed form: central differences
/// cannot resolve it. A NaN or ±∞ value of `f` makes the element and every error non-finite.
pub fn numeric_gradient_with_error(mut f: impl FnMut(&Matrix<f64>) -> f64, x: &Matrix<f64>, h: f64) -> NumericGradient {
    let mut xp = x.clone();
    let mut grad = Matrix::zeros(x.rows(), x.cols());
    let mut error = Matrix::zeros(x.rows(), x.cols());
    let abs = |v: f64| if v < 0.0 { -v } else { v };
    let mut noise = 0.0;
    for k in 0..x.len() {
        let orig = xp.as_slice()[k];
        let mut at = |step: f64| {
            xp.as_mut_slice()[k] = orig + step;
            let v = f(&xp);
            xp.as_mut_slice()[k] = orig;
            v
        };
        let (fp, fm, fp2, fm2) = (at(h), at(-h), at(2.0 * h), at(-2.0 * h));
        let g_h = (fp - fm) / (2.0 * h);
        let g_2h = (fp2 - fm2) / (4.0 * h);
        noise = max_or_nan(noise, abs(g_h - g_2h));
        grad.as_mut_slice()[k] = g_h;
        error.as_mut_slice()[k] = [fp, fm, fp2, fm2].into_iter().map(abs).fold(0.0, max_or_nan) * f64::EPSILON / h;
    }
    for e in error.as_mut_slice() {
        *e = crate::tol::FD_ERROR_SAFETY * (noise + *e);
    }
    NumericGradient { grad, error }
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
/// A NaN or ±∞ on either side makes the result `∞` (see [`rel_error_scalar`]): a non-finite
/// gradient never passes a check, and the maximum never drops an element.
///
/// # Panics
/// If the shapes differ.
#[track_caller]
pub fn rel_error(a: &Matrix<f64>, b: &Matrix<f64>) -> f64 {
    crate::matrix::assert_same_shape("rel_error", a, b);
    a.as_slice().iter().zip(b.as_slice()).map(|(&x, &y)| rel_error_scalar(x, y)).fold(0.0, max_or_nan)
}

/// Relative error of two scalars: `|a − b| / max(1e-8, |a| + |b|)`, and `∞` when either value is
/// NaN or ±∞ (even `∞` against `∞`: an infinite value is a failure, not a match).
///
/// Computed on `a/2` and `b/2`, so that `|a − b|` and `|a| + |b|` cannot overflow for huge finite
/// values (`rel_error_scalar(1e308, 1.7e308)` is 0.26, not `7e307 / ∞ = 0`).
pub fn rel_error_scalar(a: f64, b: f64) -> f64 {
    if !a.is_finite() || !b.is_finite() {
        return f64::INFINITY;
    }
    let abs = |v: f64| if v < 0.0 { -v } else { v };
    let (a, b) = (0.5 * a, 0.5 * b);
    let s = abs(a) + abs(b);
    abs(a - b) / if s > 0.5e-8 { s } else { 0.5e-8 }
}

/// `max(m, v)` that keeps a NaN instead of dropping it (`f64::max` returns the other operand).
fn max_or_nan(m: f64, v: f64) -> f64 {
    if v.is_nan() || v > m { v } else { m }
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
