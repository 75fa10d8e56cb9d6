//! The small kernels around the GEMMs: broadcasting, reductions and elementwise maps.
//!
//! Every kernel writes into a caller-provided buffer (or in place), so a training step can run
//! without allocating. Shapes are asserted on entry with both shapes in the message.

use faer::Accum;

use crate::matrix::{assert_same_shape, assert_shape};
use crate::{Matrix, Scalar};

/// `x[i, j] += b[0, j]` for every row `i`: adds a bias row vector.
/// `x: (n, m)`, `b: (1, m)`.
#[track_caller]
pub fn add_row<T: Scalar>(x: &mut Matrix<T>, b: &Matrix<T>) {
    assert_shape("add_row: bias", b, (1, x.cols()));
    let b = b.as_slice();
    let cols = x.cols();
    if cols == 0 {
        return;
    }
    for row in x.as_mut_slice().chunks_exact_mut(cols) {
        for (v, &bj) in row.iter_mut().zip(b) {
            *v += bj;
        }
    }
}

/// Column sums: `out[0, j] = Σ_i x[i, j]` (or `+=` with [`Accum::Add`]).
/// `x: (n, m)`, `out: (1, m)`. The bias gradient of an affine layer.
#[track_caller]
pub fn col_sums<T: Scalar>(out: &mut Matrix<T>, x: &Matrix<T>, accum: Accum) {
    assert_shape("col_sums: out", out, (1, x.cols()));
    if matches!(accum, Accum::Replace) {
        out.fill(T::ZERO);
    }
    let o = out.as_mut_slice();
    for row in x.row_iter() {
        for (s, &v) in o.iter_mut().zip(row) {
            *s += v;
        }
    }
}

/// Per-row maximum: `out[i] = max_j x[i, j]`. `x: (n, m)` with `m ≥ 1`, `out: (n,)`.
#[track_caller]
pub fn row_max<T: Scalar>(out: &mut [T], x: &Matrix<T>) {
    assert!(out.len() == x.rows() && x.cols() > 0, "row_max: out has {} slots for x{:?}", out.len(), x.shape());
    for (o, row) in out.iter_mut().zip(x.row_iter()) {
        *o = row.iter().copied().fold(row[0], T::max);
    }
}

/// Per-row log-sum-exp, computed stably as `m + ln Σ_j exp(x[i, j] − m)` with `m` the row max.
/// `x: (n, m)` with `m ≥ 1`, `out: (n,)`.
#[track_caller]
pub fn row_logsumexp<T: Scalar>(out: &mut [T], x: &Matrix<T>) {
    assert!(out.len() == x.rows() && x.cols() > 0, "row_logsumexp: out has {} slots for x{:?}", out.len(), x.shape());
    for (o, row) in out.iter_mut().zip(x.row_iter()) {
        let m = row.iter().copied().fold(row[0], T::max);
        let s: T = row.iter().map(|&v| (v - m).exp()).sum();
        *o = m + s.ln();
    }
}

/// Per-row argmax (the first index on ties): `out[i] = argmax_j x[i, j]`.
/// `x: (n, m)` with `m ≥ 1`, `out: (n,)`.
#[track_caller]
pub fn argmax_rows<T: Scalar>(out: &mut [usize], x: &Matrix<T>) {
    assert!(out.len() == x.rows() && x.cols() > 0, "argmax_rows: out has {} slots for x{:?}", out.len(), x.shape());
    for (o, row) in out.iter_mut().zip(x.row_iter()) {
        let mut best = 0;
        for (j, &v) in row.iter().enumerate() {
            if v > row[best] {
                best = j;
            }
        }
        *o = best;
    }
}

/// `Σ x²` over all elements.
pub fn sum_squares<T: Scalar>(x: &Matrix<T>) -> T {
    lane_sum(x.as_slice(), x.as_slice(), |u, _| u * u)
}

/// `Σ x` over all elements.
pub fn sum<T: Scalar>(x: &Matrix<T>) -> T {
    lane_sum(x.as_slice(), x.as_slice(), |u, _| u)
}

/// `Σ a ⊙ b`: the Frobenius inner product. Shapes must match.
#[track_caller]
pub fn dot<T: Scalar>(a: &Matrix<T>, b: &Matrix<T>) -> T {
    assert_same_shape("dot", a, b);
    lane_sum(a.as_slice(), b.as_slice(), |u, v| u * v)
}

/// Lanes of the reductions: two AVX-512 registers of f32, so the adds pipeline and vectorise.
const LANES: usize = 32;

/// `Σ f(a[k], b[k])` with `LANES` interleaved partial sums (element `k` goes to lane
/// `k mod LANES`), then the lanes added in order. A plain left-to-right `.sum()` is one dependent
/// chain of adds that the compiler may not reorder (one add per 4 cycles); this is the same sum
/// reassociated into independent chains, and deterministic for given inputs.
fn lane_sum<T: Scalar>(a: &[T], b: &[T], f: impl Fn(T, T) -> T) -> T {
    debug_assert_eq!(a.len(), b.len());
    let mut lanes = [T::ZERO; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (xa, xb) in ca.zip(cb) {
        for ((lane, &u), &v) in lanes.iter_mut().zip(xa).zip(xb) {
            *lane += f(u, v);
        }
    }
    for ((lane, &u), &v) in lanes.iter_mut().zip(ra).zip(rb) {
        *lane += f(u, v);
    }
    lanes.iter().copied().sum()
}

/// `max |x|` over all elements (0 for an empty matrix), and `∞` when any element is NaN or ±∞:
/// a matrix holding a NaN never looks small (a plain `max` fold would drop the NaN).
pub fn max_abs<T: Scalar>(x: &Matrix<T>) -> T {
    let mut m = T::ZERO;
    for &v in x.as_slice() {
        if !v.is_finite() {
            return T::from_f64(f64::INFINITY);
        }
        m = m.max(v.abs());
    }
    m
}

/// `y += alpha · x`. Shapes must match.
#[track_caller]
pub fn axpy<T: Scalar>(y: &mut Matrix<T>, alpha: T, x: &Matrix<T>) {
    assert_same_shape("axpy", y, x);
    for (yv, &xv) in y.as_mut_slice().iter_mut().zip(x.as_slice()) {
        *yv += alpha * xv;
    }
}

/// `x *= alpha`.
pub fn scale<T: Scalar>(x: &mut Matrix<T>, alpha: T) {
    for v in x.as_mut_slice() {
        *v *= alpha;
    }
}

/// `x[k] = f(x[k])` for every element.
pub fn map_inplace<T: Scalar>(x: &mut Matrix<T>, f: impl Fn(T) -> T) {
    for v in x.as_mut_slice() {
        *v = f(*v);
    }
}

/// `out[k] = f(x[k])`. Shapes must match.
#[track_caller]
pub fn map<T: Scalar>(out: &mut Matrix<T>, x: &Matrix<T>, f: impl Fn(T) -> T) {
    assert_same_shape("map", out, x);
    for (o, &v) in out.as_mut_slice().iter_mut().zip(x.as_slice()) {
        *o = f(v);
    }
}

/// `out[k] = f(a[k], b[k])`. All three shapes must match.
#[track_caller]
pub fn zip_map<T: Scalar>(out: &mut Matrix<T>, a: &Matrix<T>, b: &Matrix<T>, f: impl Fn(T, T) -> T) {
    assert_same_shape("zip_map: a vs b", a, b);
    assert_same_shape("zip_map: out vs a", out, a);
    for ((o, &x), &y) in out.as_mut_slice().iter_mut().zip(a.as_slice()).zip(b.as_slice()) {
        *o = f(x, y);
    }
}

/// `a[k] = f(a[k], b[k])`. Shapes must match.
#[track_caller]
pub fn zip_map_inplace<T: Scalar>(a: &mut Matrix<T>, b: &Matrix<T>, f: impl Fn(T, T) -> T) {
    assert_same_shape("zip_map_inplace", a, b);
    for (x, &y) in a.as_mut_slice().iter_mut().zip(b.as_slice()) {
        *x = f(*x, y);
    }
}

/// `true` when every element is finite (no NaN, no ±∞).
pub fn all_finite<T: Scalar>(x: &Matrix<T>) -> bool {
    x.as_slice().iter().all(|v| v.is_finite())
}
