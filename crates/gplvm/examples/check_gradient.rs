//! Candidate closed forms of ∂L/∂X for the linear-kernel GP-LVM, against finite differences.
//!
//! `L(X) = −(ND/2)·ln 2π − (D/2)·ln|K| − ½·tr(K⁻¹YYᵀ)` with `K = α·XXᵀ + β⁻¹·I`, evaluated at a
//! random `(Y, X)`. Each candidate is a plain function of the dense quantities below; add one by
//! adding a line to `CANDIDATES`.
//!
//! Run: `cargo run -p handgrad-gplvm --example check_gradient`

use faer::linalg::solvers::{DenseSolveCore, Solve};
use faer::{Mat, Side};
use handgrad_tensor::{Matrix, gradcheck, init, tol};

/// Everything a candidate may use, as dense faer matrices.
struct Ctx {
    /// Latent points `(n, q)`.
    x: Mat<f64>,
    /// `K⁻¹ : (n, n)`.
    kinv: Mat<f64>,
    /// `K⁻¹·Y·Yᵀ·K⁻¹ : (n, n)`.
    kyyk: Mat<f64>,
    /// Signal variance α.
    alpha: f64,
    /// Number of output columns D.
    d: f64,
}

type Candidate = fn(&Ctx) -> Mat<f64>;

/// The candidates: (name, closed form of ∂L/∂X : (n, q)).
const CANDIDATES: &[(&str, Candidate)] = &[
    ("α(K⁻¹YYᵀK⁻¹ − D·K⁻¹)X  (the homework's result)", |c| (&c.kyyk - &c.kinv * c.d) * &c.x * c.alpha),
    ("α(D·K⁻¹ + K⁻¹YYᵀK⁻¹)X  (sign slip)", |c| (&c.kinv * c.d + &c.kyyk) * &c.x * c.alpha),
    ("−α·D·K⁻¹X              (log-determinant term only)", |c| &c.kinv * &c.x * (-c.alpha * c.d)),
    ("½α(K⁻¹YYᵀK⁻¹ − D·K⁻¹)X (forgot K's symmetry)", |c| {
        (&c.kyyk - &c.kinv * c.d) * &c.x * (0.5 * c.alpha)
    }),
];

/// The linear-kernel log-likelihood, dense and direct (Cholesky for ln|K|, K⁻¹ from it).
fn log_likelihood(y: &Matrix<f64>, x: &Matrix<f64>, alpha: f64, beta: f64) -> f64 {
    let (n, d) = y.shape();
    let k = kernel(x, alpha, beta);
    let llt = k.llt(Side::Lower).expect("K = αXXᵀ + β⁻¹I is positive definite");
    let logdet: f64 = (0..n).map(|i| 2.0 * llt.L()[(i, i)].ln()).sum();
    let yf = to_faer(y);
    let a = llt.solve(&yf);
    let quad: f64 = (0..n).flat_map(|i| (0..d).map(move |j| (i, j))).map(|(i, j)| yf[(i, j)] * a[(i, j)]).sum();
    -0.5 * (n * d) as f64 * (2.0 * std::f64::consts::PI).ln() - 0.5 * d as f64 * logdet - 0.5 * quad
}

fn kernel(x: &Matrix<f64>, alpha: f64, beta: f64) -> Mat<f64> {
    let xf = to_faer(x);
    let mut k = &xf * xf.transpose() * alpha;
    for i in 0..x.rows() {
        k[(i, i)] += 1.0 / beta;
    }
    k
}

fn to_faer(m: &Matrix<f64>) -> Mat<f64> {
    Mat::from_fn(m.rows(), m.cols(), |i, j| m.get(i, j))
}

fn context(y: &Matrix<f64>, x: &Matrix<f64>, alpha: f64, beta: f64) -> Ctx {
    let k = kernel(x, alpha, beta);
    let kinv = k.llt(Side::Lower).expect("positive definite").inverse();
    let yf = to_faer(y);
    let kyyk = &kinv * &yf * yf.transpose() * &kinv;
    Ctx { x: to_faer(x), kinv, kyyk, alpha, d: y.cols() as f64 }
}

fn main() {
    let (n, d, q, alpha, beta) = (10, 4, 2, 0.8, 3.0);
    let mut rng = init::rng_from_seed(7);
    let y: Matrix<f64> = init::randn(n, d, 1.0, &mut rng);
    let x: Matrix<f64> = init::randn(n, q, 1.0, &mut rng);
    println!("∂L/∂X for K = αXXᵀ + β⁻¹I at random Y ({n}×{d}), X ({n}×{q}), α = {alpha}, β = {beta}");
    let numeric = gradcheck::numeric_gradient(|xp| log_likelihood(&y, xp, alpha, beta), &x, tol::FD_STEP);
    let ctx = context(&y, &x, alpha, beta);
    println!("{:<52} {:>12}  verdict (tol {:.0e})", "candidate", "rel_error", tol::GRAD_GP);
    for (name, candidate) in CANDIDATES {
        let err = gradcheck::rel_error(&Matrix::from_faer(candidate(&ctx).as_ref()), &numeric);
        let verdict = if err <= tol::GRAD_GP { "correct" } else { "WRONG" };
        println!("{name:<52} {err:>12.3e}  {verdict}");
    }
}
