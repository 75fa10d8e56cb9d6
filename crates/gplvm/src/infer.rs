//! New points: the latent position of unseen rows with a fitted RBF GP-LVM held fixed (GPy's
//! `infer_newX`), for the full and the sparse model.
//!
//! Both models predict a new row `y* : (D)` at a latent point `x*` with a Gaussian of one shared
//! variance per column (Rasmussen & Williams 2006, eq. 2.25–2.26; for the sparse model Titsias
//! 2009, eq. 6, the DTC predictive with the optimal inducing distribution):
//!
//! ```text
//! u = k(x*, C) : (P)           C = X (full, P = N)  or  Z (sparse, P = M)
//! μ = Pᵀ·u : (D),              σ² = c − uᵀ·R·u,        c = α + b + β⁻¹
//! full:    P = K⁻¹·Y,                   R = K⁻¹                          (K with noise)
//! sparse:  P = β·L⁻ᵀ·B⁻¹·A·Y,           R = K_MM⁻¹ − (K_MM + β·K_MN·K_NM)⁻¹ = L⁻ᵀ(I − B⁻¹)L⁻¹
//! ```
//!
//! (`L`, `A`, `B` as in [`crate::sparse`]: `K_MM + βK_MN K_NM = L·B·Lᵀ`.) The objective of one new
//! point is its predictive log-density, maximised over `x*`:
//!
//! ```text
//! ℓ(x*) = −(D/2)·ln(2πσ²) − ‖r‖²/(2σ²),   r = y* − μ
//! ∂ℓ/∂σ² = s = −D/(2σ²) + ‖r‖²/(2σ⁴),     ∂σ²/∂u = −2·R·u,   ∂μ/∂u = P
//! ∂ℓ/∂u  = P·r/σ² − 2s·R·u,               then ∂ℓ/∂x* through [`RbfKernel::cross_backward`]
//! ```
//!
//! Each point starts at the latent position of its nearest training row (in data space) and is
//! optimised by [`crate::lbfgs`] on `−ℓ`; the points are independent.

use alloc::vec;
use alloc::vec::Vec;

use handgrad_tensor::linalg::{self, Workspace};
use handgrad_tensor::matrix::assert_shape;
use handgrad_tensor::{Matrix, Par, Scalar};

use crate::GplvmError;
use crate::kernel::Kernel;
use crate::lbfgs::{self, LbfgsConfig, LbfgsState, StopReason};
use crate::rbf::RbfKernel;
use crate::rbf_cross::RbfCrossCache;

/// What a fitted model needs to place new points: see the module header.
#[derive(Clone, Debug)]
pub struct Predictor {
    /// The kernel's other argument `C : (P, q)`: the latent points (full) or inducing inputs (sparse).
    pub centers: Matrix<f64>,
    /// `P : (P, D)`, so that `μ = Pᵀu`.
    pub p: Matrix<f64>,
    /// `R : (P, P)` full symmetric, so that `σ² = c − uᵀRu`.
    pub r: Matrix<f64>,
    /// The fitted kernel.
    pub kernel: RbfKernel,
}

/// The latent position of one new row and how its optimisation ended.
#[derive(Clone, Debug, PartialEq)]
pub struct NewPoint {
    /// `x* : (q)`.
    pub x: Vec<f64>,
    /// Its predictive log-density ℓ.
    pub log_density: f64,
    /// Why the optimiser stopped.
    pub reason: StopReason,
}

impl Predictor {
    /// The full model's predictor from its fitted `x: (N, q)`, data `y: (N, D)` and kernel.
    ///
    /// # Errors
    /// [`GplvmError::NotPositiveDefinite`] when `K` does not factorise.
    pub fn full(x: &Matrix<f64>, y: &Matrix<f64>, kernel: RbfKernel, par: Par) -> Result<Self, GplvmError> {
        let n = x.rows();
        assert_shape("Predictor::full: y", y, (n, y.cols()));
        let mut factor = vec![0.0; n * n];
        kernel.forward(x, &mut factor, &mut kernel.new_cache(n));
        let mut ws = Workspace::new(n, par);
        linalg::cholesky_in_place(&mut factor, n, &mut ws).map_err(|e| GplvmError::NotPositiveDefinite {
            n,
            pivot: e.pivot,
            max_jitter: 0.0,
        })?;
        // P = K⁻¹Y: Yᵀ row-major is Y column-major.
        let mut pt = y.transpose();
        linalg::solve_in_place(&factor, n, pt.as_mut_slice(), par);
        let mut r = Matrix::zeros(n, n);
        linalg::inverse_from_factor(&factor, n, r.as_mut_slice(), &mut ws);
        symmetrise_lower(&mut r);
        Ok(Self { centers: x.clone(), p: pt.transpose(), r, kernel })
    }

    /// The predictive log-density `ℓ(x*)` of `y_new: (D)` at `x_new: (q)`, and `∂ℓ/∂x*` into `dx`.
    #[track_caller]
    pub fn log_density(&self, x_new: &[f64], y_new: &[f64], dx: &mut [f64], buf: &mut PointBuffers) -> f64 {
        let (np, q) = self.centers.shape();
        let d = self.p.cols();
        assert!(x_new.len() == q && y_new.len() == d && dx.len() == q, "Predictor::log_density: lengths");
        buf.x.as_mut_slice().copy_from_slice(x_new);
        self.kernel.cross_forward(&buf.x, &self.centers, &mut buf.u, &mut buf.cache);
        let u = buf.u.as_slice();
        let mut r2 = 0.0;
        buf.resid.clear();
        for (c, &yc) in y_new.iter().enumerate() {
            let mu: f64 = (0..np).map(|j| self.p.get(j, c) * u[j]).sum();
            buf.resid.push(yc - mu);
            r2 += (yc - mu) * (yc - mu);
        }
        buf.ru.clear();
        buf.ru.extend(self.r.row_iter().map(|row| row.iter().zip(u).map(|(a, b)| a * b).sum::<f64>()));
        let quad: f64 = buf.ru.iter().zip(u).map(|(a, b)| a * b).sum();
        let k = &self.kernel;
        let var = k.alpha + k.bias + 1.0 / k.beta - quad;
        let df = d as f64;
        let s = -0.5 * df / var + 0.5 * r2 / (var * var);
        for j in 0..np {
            let pr: f64 = self.p.row(j).iter().zip(&buf.resid).map(|(a, b)| a * b).sum();
            buf.du.as_mut_slice()[j] = pr / var - 2.0 * s * buf.ru[j];
        }
        buf.dz.fill(0.0);
        let mut dlog = [0.0; 3];
        self.kernel.cross_backward(&buf.du, &buf.x, &self.centers, &buf.cache, &mut buf.dx, &mut buf.dz, &mut dlog);
        dx.copy_from_slice(buf.dx.as_slice());
        -0.5 * df * Scalar::ln(2.0 * core::f64::consts::PI * var) - 0.5 * r2 / var
    }

    /// Places each row of `y_new: (N*, D)` (preprocessed like the training data) in the latent
    /// space: L-BFGS on `−ℓ` from `x0: (N*, q)` (e.g. [`nearest_rows`]), `cfg` per point.
    ///
    /// # Panics
    /// If the shapes disagree.
    #[track_caller]
    pub fn infer_new_x(&self, y_new: &Matrix<f64>, x0: &Matrix<f64>, cfg: &LbfgsConfig) -> Vec<NewPoint> {
        let q = self.centers.cols();
        assert_shape("Predictor::infer_new_x: y_new", y_new, (y_new.rows(), self.p.cols()));
        assert_shape("Predictor::infer_new_x: x0", x0, (y_new.rows(), q));
        let mut buf = PointBuffers::new(self.centers.rows(), q);
        let mut state = LbfgsState::new(q, cfg.memory);
        (0..y_new.rows())
            .map(|i| {
                let mut x = x0.row(i).to_vec();
                state.reset();
                let yi = y_new.row(i);
                let objective = |xs: &[f64], g: &mut [f64]| -> Result<f64, GplvmError> {
                    let l = self.log_density(xs, yi, g, &mut buf);
                    g.iter_mut().for_each(|v| *v = -*v);
                    if l.is_finite() { Ok(-l) } else { Err(GplvmError::NonFinite { value: l }) }
                };
                match lbfgs::minimize(objective, &mut x, cfg, &mut state, |_| {}) {
                    Ok(rep) => NewPoint { x, log_density: -rep.f, reason: rep.reason },
                    Err(_) => {
                        NewPoint { x: x0.row(i).to_vec(), log_density: f64::NAN, reason: StopReason::NonFiniteStart }
                    }
                }
            })
            .collect()
    }
}

/// Per-point buffers of [`Predictor::log_density`].
pub struct PointBuffers {
    x: Matrix<f64>,
    u: Matrix<f64>,
    du: Matrix<f64>,
    dx: Matrix<f64>,
    dz: Matrix<f64>,
    cache: RbfCrossCache,
    resid: Vec<f64>,
    ru: Vec<f64>,
}

impl PointBuffers {
    /// Buffers for a predictor with `p` centers in `q` dimensions.
    pub fn new(p: usize, q: usize) -> Self {
        Self {
            x: Matrix::zeros(1, q),
            u: Matrix::zeros(1, p),
            du: Matrix::zeros(1, p),
            dx: Matrix::zeros(1, q),
            dz: Matrix::zeros(p, q),
            cache: RbfCrossCache::new(1, p),
            resid: Vec::new(),
            ru: Vec::new(),
        }
    }
}

/// For each row of `y_new: (N*, D)`, the latent point (row of `x: (N, q)`) of its nearest row of
/// `y: (N, D)` (Euclidean, ties to the lower index, by [`crate::KdTree`]): the starting points of [`Predictor::infer_new_x`].
///
/// # Panics
/// If the shapes disagree or `y` is empty.
#[track_caller]
pub fn nearest_rows(y_new: &Matrix<f64>, y: &Matrix<f64>, x: &Matrix<f64>) -> Matrix<f64> {
    assert!(y_new.cols() == y.cols() && y.rows() == x.rows() && !y.is_empty(), "nearest_rows: shapes");
    let tree = crate::KdTree::new(y);
    let mut out = Matrix::zeros(y_new.rows(), x.cols());
    for (i, yi) in y_new.row_iter().enumerate() {
        let (j, _) = tree.nearest(yi, None).expect("y is not empty");
        out.row_mut(i).copy_from_slice(x.row(j));
    }
    out
}

/// Copies the lower triangle of a column-major square buffer over its upper triangle (so that the
/// matrix reads the same row- and column-major).
pub(crate) fn symmetrise_lower(a: &mut Matrix<f64>) {
    let n = a.rows();
    let s = a.as_mut_slice();
    for j in 0..n {
        for i in j + 1..n {
            s[i * n + j] = s[j * n + i];
        }
    }
}
