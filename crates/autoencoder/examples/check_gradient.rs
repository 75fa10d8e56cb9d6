//! A student's tool: which closed form is ∇_W of the tied linear autoencoder loss
//! `L(W) = ½‖WᵀW x − x‖²`?
//!
//! Each candidate is evaluated at a few random `(x, W)` and compared with central finite differences
//! of `L`; the worst relative error and a verdict are printed. To try your own formula, add one line
//! to `CANDIDATES`: a name and a function of `(W, x)` returning an `(m, n)` matrix.
//!
//! Notation: `x` is stored as a `(1, n)` row, so a column-vector product `a bᵀ` is `outer(a, b)`.
//!
//! Run: `cargo run -p handgrad-autoencoder --example check_gradient`

use handgrad_tensor::gemm::{matmul, matmul_tn};
use handgrad_tensor::gradcheck::{numeric_gradient, rel_error};
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Accum, Matrix, Par, ops, tol};

/// A candidate closed form: `(W: (m, n), x: (1, n)) → ∇_W L: (m, n)`.
type Candidate = fn(&Matrix<f64>, &Matrix<f64>) -> Matrix<f64>;

/// The candidates; add yours here (one line).
const CANDIDATES: &[(&str, Candidate)] = &[
    ("W (x rᵀ + r xᵀ)          both paths", |w, x| w_times(w, &sum(&outer(x, &r(w, x)), &outer(&r(w, x), x)))),
    ("2 W (WᵀW − I) x xᵀ       'the two terms are equal'", |w, x| {
        scaled(2.0, &w_times(w, &outer(&times_t(&wtw_minus_i(w), x), x)))
    }),
    ("W r xᵀ                   forgets the path through Wᵀ", |w, x| w_times(w, &outer(&r(w, x), x))),
    ("W x rᵀ                   forgets the path through W", |w, x| w_times(w, &outer(x, &r(w, x)))),
];

/// Code size, data dimension, number of random points tried.
const M: usize = 3;
const N: usize = 6;
const TRIALS: u64 = 5;

fn main() {
    println!("L(W) = ½‖WᵀW x − x‖²,  r = WᵀW x − x,  W: ({M}, {N}),  worst of {TRIALS} random (x, W)");
    println!(
        "verdict: rel_error ≤ {:.0e} correct, ≥ {:.0e} WRONG, between: suspicious\n",
        tol::GRAD_SMOOTH,
        tol::GRAD_WRONG
    );
    for (name, grad) in CANDIDATES {
        let errors: Vec<(f64, f64)> = (0..TRIALS).map(|seed| trial(*grad, seed)).collect();
        let worst = errors.iter().map(|e| e.0).fold(0.0, f64::max);
        let worst_norm = errors.iter().map(|e| e.1).fold(0.0, f64::max);
        let verdict = if worst <= tol::GRAD_SMOOTH {
            "correct"
        } else if worst >= tol::GRAD_WRONG {
            "WRONG"
        } else {
            "suspicious"
        };
        println!("{name:<55} rel_error {worst:9.2e}  (norm-wise {worst_norm:9.2e})   {verdict}");
    }
}

/// The relative errors of one candidate at the random point `seed`: elementwise (`rel_error`, the
/// verdict's measure) and norm-wise `‖g − g_fd‖ / (‖g‖ + ‖g_fd‖)`.
fn trial(grad: Candidate, seed: u64) -> (f64, f64) {
    let mut rng = rng_from_seed(seed);
    let x = randn(1, N, 1.0, &mut rng);
    let w = randn(M, N, 0.5, &mut rng);
    let numeric = numeric_gradient(|w| loss(w, &x), &w, tol::FD_STEP);
    let analytic = grad(&w, &x);
    let diff = sum(&analytic, &scaled(-1.0, &numeric));
    let norm = |a: &Matrix<f64>| ops::sum_squares(a).sqrt();
    (rel_error(&analytic, &numeric), norm(&diff) / (norm(&analytic) + norm(&numeric)))
}

/// `L(W) = ½‖WᵀW x − x‖²`, straight from the definition.
fn loss(w: &Matrix<f64>, x: &Matrix<f64>) -> f64 {
    0.5 * ops::sum_squares(&r(w, x))
}

/// `r = WᵀW x − x`, as a `(1, n)` row.
fn r(w: &Matrix<f64>, x: &Matrix<f64>) -> Matrix<f64> {
    times_t(&wtw_minus_i(w), x)
}

/// `WᵀW − I`, `(n, n)`.
fn wtw_minus_i(w: &Matrix<f64>) -> Matrix<f64> {
    let mut p = Matrix::zeros(w.cols(), w.cols());
    matmul_tn(&mut p, w, w, Accum::Replace, Par::Seq);
    ops::axpy(&mut p, -1.0, &Matrix::identity(w.cols()));
    p
}

/// `(A v)ᵀ` for `a: (n, n)` and a row `v: (1, n)`: the row `v Aᵀ`, `(1, n)`.
fn times_t(a: &Matrix<f64>, v: &Matrix<f64>) -> Matrix<f64> {
    let mut out = Matrix::zeros(1, a.rows());
    handgrad_tensor::gemm::matmul_nt(&mut out, v, a, Accum::Replace, Par::Seq);
    out
}

/// The column-vector outer product `a bᵀ` of rows `a, b: (1, n)`: `(n, n)`.
fn outer(a: &Matrix<f64>, b: &Matrix<f64>) -> Matrix<f64> {
    let mut out = Matrix::zeros(a.cols(), b.cols());
    matmul_tn(&mut out, a, b, Accum::Replace, Par::Seq);
    out
}

/// `W B` for `b: (n, n)`: `(m, n)`.
fn w_times(w: &Matrix<f64>, b: &Matrix<f64>) -> Matrix<f64> {
    let mut out = Matrix::zeros(w.rows(), b.cols());
    matmul(&mut out, w, b, Accum::Replace, Par::Seq);
    out
}

fn sum(a: &Matrix<f64>, b: &Matrix<f64>) -> Matrix<f64> {
    let mut out = a.clone();
    ops::axpy(&mut out, 1.0, b);
    out
}

fn scaled(alpha: f64, a: &Matrix<f64>) -> Matrix<f64> {
    let mut out = a.clone();
    ops::scale(&mut out, alpha);
    out
}
