//! The sparse GP-LVM: Titsias's collapsed variational bound (Titsias 2009, *Variational learning of
//! inducing variables in sparse Gaussian processes*, AISTATS, eq. 9) with the latent points `X`
//! as free parameters, as GPy's `SparseGPLVM` optimises it, jointly with `M` inducing inputs `Z`
//! and the log-hyperparameters of the RBF + bias + white kernel ([`RbfKernel`]).
//!
//! With data `Y: (N, D)`, `X: (N, q)`, `Z: (M, q)`, the noise-free kernel `k = RBF + bias`,
//! `K_MM = k(Z, Z) + δI` (a fixed jitter δ), `K_MN = k(Z, X)`, the noise precision `β`:
//!
//! ```text
//! F = Σ_d ln N(y_d | 0, Q + β⁻¹I) − (βD/2)·tr(K_NN − Q),     Q = K_NM·K_MM⁻¹·K_MN
//! ```
//!
//! **Forward**, with M×M Cholesky factors only (never an N×N matrix):
//!
//! ```text
//! K_MM = L·Lᵀ,   A = L⁻¹·K_MN : (M, N),   so Q = AᵀA
//! B = I + β·A·Aᵀ = L_B·L_Bᵀ : (M, M),     C = L_B⁻¹·A·Y : (M, D)
//! Σ = Q + β⁻¹I:  ln|Σ| = −N ln β + ln|B|,  Σ⁻¹ = βI − β²·Aᵀ·B⁻¹·A          (Woodbury)
//! F = −(ND/2) ln 2π + (ND/2) ln β − (D/2) ln|B| − (β/2)‖Y‖² + (β²/2)‖C‖² − (βD/2)(N(α + b) − ‖A‖²)
//! ```
//!
//! (`tr K_NN = N(α + b)`, `tr Q = ‖A‖²_F`.)
//!
//! **Backward.** Write `F = F₁(Q + β⁻¹I) − (βD/2)·tr K_NN + (βD/2)·tr Q`, with `F₁` the Gaussian
//! log-likelihood of [`crate::gp`], whose gradient is `G₁ = ½(Σ⁻¹YYᵀΣ⁻¹ − D·Σ⁻¹)`. So
//! `∂F/∂Q = G = G₁ + (βD/2)·I`. With `P = K_MM⁻¹K_MN` (so `Q = K_NM·P`),
//! `dQ = dK_NM·P + Pᵀ·dK_MN − Pᵀ·dK_MM·P`, and `tr(G dQ)` gives
//!
//! ```text
//! ∂F/∂K_NM = 2·G·Pᵀ : (N, M)        ∂F/∂K_MM = −P·G·Pᵀ : (M, M)
//! ```
//!
//! Neither needs G itself. `Pᵀ = K_NM·K_MM⁻¹ = Aᵀ·L⁻¹`; with `W = Σ⁻¹Y = βY − β²·Aᵀ·B⁻¹·A·Y : (N, D)`
//! and `Σ⁻¹Aᵀ = βAᵀ − β²AᵀB⁻¹AAᵀ = β·Aᵀ·B⁻¹` (because `AAᵀ = (B − I)/β`), and `A·Σ⁻¹·Aᵀ = I − B⁻¹`:
//!
//! ```text
//! ∂F/∂K_NM = H·L⁻¹,        H = W·(A·W)ᵀ + βD·Aᵀ·(I − B⁻¹)               : (N, M)
//! ∂F/∂K_MM = −L⁻ᵀ·S·L⁻¹,   S = A·G·Aᵀ = ½(AW)(AW)ᵀ − (D/2)(I − B⁻¹) + (D/2)(B − I)   : (M, M)
//! ```
//!
//! The kernel's backward passes carry these to X, Z and the hyperparameters: `∂F/∂K_NM` through
//! [`RbfKernel::cross_backward`] (to X, Z, ln α, ln γ, ln b), `∂F/∂K_MM` through
//! [`RbfKernel`]'s own backward on Z (to Z, ln α, ln γ, ln b). The trace term adds
//! `−(βD/2)·N·α` to `∂F/∂ln α` and `−(βD/2)·N·b` to `∂F/∂ln b`. β enters F only through `Σ` and
//! the trace term (A does not depend on it), so with `dΣ = −β⁻²dβ·I`:
//!
//! ```text
//! ∂F/∂ln β = −β⁻¹·tr G₁ − (βD/2)(N(α + b) − ‖A‖²)
//! tr G₁ = ½‖W‖² − (D/2)·tr Σ⁻¹,    tr Σ⁻¹ = Nβ − β(M − tr B⁻¹)
//! ```
//!
//! Cost: the cross kernel O(NMq), `A` and `H·L⁻¹` are triangular solves with N right-hand sides
//! (O(NM²)), `AAᵀ` a rank-N update (O(NM²)), `AY`, `W`, `AW`, `W(AW)ᵀ` products O(NMD); memory
//! O(NM + ND). With `M = N`, `Z = X` and `δ = 0`, `Q = K_NN` and F is the full model's likelihood
//! (tested).

use alloc::vec;
use alloc::vec::Vec;

use handgrad_tensor::gemm::{Accum, matmul, matmul_nt, matmul_tn};
use handgrad_tensor::linalg::{self, Workspace};
use handgrad_tensor::matrix::assert_shape;
use handgrad_tensor::{Matrix, Par, Scalar};

use crate::gp::GpEval;
use crate::infer::{Predictor, symmetrise_lower};
use crate::kernel::Kernel;
use crate::rbf::{RbfCache, RbfKernel};
use crate::rbf_cross::RbfCrossCache;
use crate::{GplvmError, LatentModel};

/// Default jitter δ on the diagonal of `K_MM` (fixed, not optimised).
pub const DEFAULT_KMM_JITTER: f64 = 1e-6;

/// The forward pass's cache: everything the backward reads. Column-major `(M, M)` buffers keep
/// their lower triangles; a row-major `(N, M)` matrix is the column-major `(M, N)` one transposed,
/// so `at` is read as `A` by the solves.
struct SparseCache {
    /// Cholesky factor L of K_MM (lower, column-major `(M, M)`).
    l: Vec<f64>,
    /// Cholesky factor L_B of B (lower, column-major `(M, M)`).
    lb: Vec<f64>,
    /// B − I = β·A·Aᵀ, lower triangle, column-major `(M, M)`.
    b_minus_i: Vec<f64>,
    /// Aᵀ : (N, M) row-major (= A column-major).
    at: Matrix<f64>,
    /// Cᵀ then (after the backward's first step) Eᵀ = (B⁻¹AY)ᵀ : (D, M) row-major.
    ct: Matrix<f64>,
    /// ‖A‖²_F.
    a_sq: f64,
    /// The kernels' own caches, of K_MM and of K_NM.
    kmm_cache: RbfCache,
    cross_cache: RbfCrossCache,
}

/// Buffers of the backward pass.
struct SparseGrads {
    /// W = Σ⁻¹Y : (N, D).
    w: Matrix<f64>,
    /// A·W : (M, D).
    aw: Matrix<f64>,
    /// H, then ∂F/∂K_NM : (N, M).
    h: Matrix<f64>,
    /// B⁻¹ (full symmetric `(M, M)`), then βD·(I − B⁻¹).
    binv: Matrix<f64>,
    /// S, then ∂F/∂K_MM (its lower triangle, column-major `(M, M)`).
    s: Matrix<f64>,
    /// Scratch `(M, M)`.
    tmp: Matrix<f64>,
    /// ∂F/∂X : (N, q).
    dx: Matrix<f64>,
    /// ∂F/∂Z through K_NM, then through K_MM : (M, q) each.
    dz: Matrix<f64>,
    dz_mm: Matrix<f64>,
}

/// A sparse GP-LVM of data `y: (n, d)` with `q` latent dimensions and `m` inducing inputs; the
/// parameters are `θ = [vec(X); vec(Z); ln α, ln γ, ln b, ln β]` (X, Z row-major).
pub struct SparseGplvm {
    y: Matrix<f64>,
    y_sq: f64,
    q: usize,
    m: usize,
    kernel: RbfKernel,
    kmm_jitter: f64,
    x: Matrix<f64>,
    z: Matrix<f64>,
    linalg: Workspace,
    cache: SparseCache,
    grads: SparseGrads,
}

impl SparseGplvm {
    /// A model of `y: (n, d)` (used as given) with `q` latent dimensions and `m` inducing inputs,
    /// linear algebra on `par`, jitter [`DEFAULT_KMM_JITTER`] on `K_MM`.
    ///
    /// # Panics
    /// If `y` is empty, `q == 0` or `m == 0`.
    #[track_caller]
    pub fn new(y: Matrix<f64>, q: usize, m: usize, par: Par) -> Self {
        assert!(!y.is_empty() && q > 0 && m > 0, "SparseGplvm::new: y {:?}, q = {q}, m = {m}", y.shape());
        let (n, d) = y.shape();
        let y_sq = y.as_slice().iter().map(|v| v * v).sum();
        let kernel = RbfKernel::default();
        let mm = m * m;
        let cache = SparseCache {
            l: vec![0.0; mm],
            lb: vec![0.0; mm],
            b_minus_i: vec![0.0; mm],
            at: Matrix::zeros(n, m),
            ct: Matrix::zeros(d, m),
            a_sq: 0.0,
            kmm_cache: kernel.new_cache(m),
            cross_cache: RbfCrossCache::new(n, m),
        };
        let grads = SparseGrads {
            w: Matrix::zeros(n, d),
            aw: Matrix::zeros(m, d),
            h: Matrix::zeros(n, m),
            binv: Matrix::zeros(m, m),
            s: Matrix::zeros(m, m),
            tmp: Matrix::zeros(m, m),
            dx: Matrix::zeros(n, q),
            dz: Matrix::zeros(m, q),
            dz_mm: Matrix::zeros(m, q),
        };
        Self {
            y,
            y_sq,
            q,
            m,
            kernel,
            kmm_jitter: DEFAULT_KMM_JITTER,
            x: Matrix::zeros(n, q),
            z: Matrix::zeros(m, q),
            linalg: Workspace::new(m, par),
            cache,
            grads,
        }
    }

    /// Replaces the fixed jitter δ of `K_MM` (0 allowed).
    ///
    /// # Panics
    /// If `jitter` is negative or not finite.
    #[track_caller]
    pub fn set_kmm_jitter(&mut self, jitter: f64) {
        assert!(jitter.is_finite() && jitter >= 0.0, "SparseGplvm::set_kmm_jitter: {jitter}");
        self.kmm_jitter = jitter;
    }

    /// Number of points N.
    pub fn n(&self) -> usize {
        self.y.rows()
    }

    /// Latent dimension q.
    pub fn q(&self) -> usize {
        self.q
    }

    /// Number of inducing inputs M.
    pub fn m(&self) -> usize {
        self.m
    }

    /// The data `(n, d)`.
    pub fn y(&self) -> &Matrix<f64> {
        &self.y
    }

    /// Length of θ: `(n + m)·q + 4`.
    pub fn n_params(&self) -> usize {
        (self.n() + self.m) * self.q + 4
    }

    /// θ from `x: (n, q)`, `z: (m, q)` and a kernel.
    ///
    /// # Panics
    /// If the shapes are wrong.
    #[track_caller]
    pub fn pack(&self, x: &Matrix<f64>, z: &Matrix<f64>, kernel: &RbfKernel) -> Vec<f64> {
        assert_shape("SparseGplvm::pack: x", x, (self.n(), self.q));
        assert_shape("SparseGplvm::pack: z", z, (self.m, self.q));
        let mut theta = Vec::with_capacity(self.n_params());
        theta.extend_from_slice(x.as_slice());
        theta.extend_from_slice(z.as_slice());
        theta.resize(self.n_params(), 0.0);
        kernel.log_hypers(&mut theta[(self.n() + self.m) * self.q..]);
        theta
    }

    /// `x: (n, q)`, `z: (m, q)` and the kernel from θ.
    #[track_caller]
    pub fn unpack(&self, theta: &[f64]) -> (Matrix<f64>, Matrix<f64>, RbfKernel) {
        self.check_len("SparseGplvm::unpack: theta", theta.len());
        let (nq, mq) = (self.n() * self.q, self.m * self.q);
        let mut kernel = self.kernel;
        kernel.set_log_hypers(&theta[nq + mq..]);
        let x = Matrix::from_vec(self.n(), self.q, theta[..nq].to_vec());
        let z = Matrix::from_vec(self.m, self.q, theta[nq..nq + mq].to_vec());
        (x, z, kernel)
    }

    /// The bound F(θ) and `∂F/∂θ` (into `grad`). No allocation.
    ///
    /// # Panics
    /// If `theta` or `grad` has the wrong length.
    #[track_caller]
    pub fn evaluate(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<GpEval, GplvmError> {
        self.check_len("SparseGplvm::evaluate: theta", theta.len());
        self.check_len("SparseGplvm::evaluate: grad", grad.len());
        let f = self.forward(theta)?;
        self.backward(grad);
        Ok(GpEval { log_likelihood: f, jitter: 0.0 })
    }

    /// F(θ) only (runs the forward pass).
    pub fn bound(&mut self, theta: &[f64]) -> Result<f64, GplvmError> {
        self.check_len("SparseGplvm::bound: theta", theta.len());
        self.forward(theta)
    }

    /// The predictor of new points at θ (see [`crate::infer`]): runs the forward pass, then
    /// `P = β·L⁻ᵀ·B⁻¹·A·Y` and `R = L⁻ᵀ(I − B⁻¹)L⁻¹`.
    ///
    /// # Errors
    /// As [`Self::evaluate`].
    pub fn predictor(&mut self, theta: &[f64]) -> Result<Predictor, GplvmError> {
        self.bound(theta)?;
        let (m, d) = (self.m, self.y.cols());
        let par = self.linalg.par();
        let c = &mut self.cache;
        // ct holds C column-major (M, D): E = L_B⁻ᵀC, then L⁻ᵀE.
        let mut pt = c.ct.clone();
        linalg::solve_lower_transpose_in_place(&c.lb, m, pt.as_mut_slice(), par);
        linalg::solve_lower_transpose_in_place(&c.l, m, pt.as_mut_slice(), par);
        let beta = self.kernel.beta;
        let p = Matrix::from_fn(m, d, |i, j| beta * pt.get(j, i));
        let mut r = Matrix::zeros(m, m);
        linalg::inverse_from_factor(&c.lb, m, r.as_mut_slice(), &mut self.linalg);
        symmetrise_lower(&mut r);
        let mut x1 = Matrix::from_fn(m, m, |i, j| if i == j { 1.0 } else { 0.0 } - r.get(i, j));
        linalg::solve_lower_transpose_in_place(&c.l, m, x1.as_mut_slice(), par);
        // x1's buffer holds X₁ = L⁻ᵀ(I − B⁻¹) column-major; R = X₁·L⁻¹ = L⁻ᵀ·X₁ᵀ (R symmetric).
        let mut rt = x1.clone();
        for j in 0..m {
            for i in 0..m {
                rt.as_mut_slice()[j * m + i] = x1.as_slice()[i * m + j];
            }
        }
        linalg::solve_lower_transpose_in_place(&c.l, m, rt.as_mut_slice(), par);
        let r = Matrix::from_fn(m, m, |i, j| 0.5 * (rt.get(i, j) + rt.get(j, i)));
        Ok(Predictor { centers: self.z.clone(), p, r, kernel: self.kernel })
    }

    /// The noise-free kernel on Z with the jitter δ as its "noise": `K_MM = k(Z, Z) + δI`.
    fn kmm_kernel(&self) -> RbfKernel {
        RbfKernel { beta: 1.0 / self.kmm_jitter, ..self.kernel }
    }

    fn factorise(&mut self, which: Factor) -> Result<(), GplvmError> {
        let m = self.m;
        let buf = match which {
            Factor::Kmm => &mut self.cache.l,
            Factor::B => &mut self.cache.lb,
        };
        linalg::cholesky_in_place(buf, m, &mut self.linalg).map_err(|e| GplvmError::NotPositiveDefinite {
            n: m,
            pivot: e.pivot,
            max_jitter: self.kmm_jitter,
        })
    }

    /// The forward pass (see the module header); fills the cache and returns F.
    fn forward(&mut self, theta: &[f64]) -> Result<f64, GplvmError> {
        let (n, q, m, d) = (self.n(), self.q, self.m, self.y.cols());
        let (nq, mq) = (n * q, m * q);
        self.x.as_mut_slice().copy_from_slice(&theta[..nq]);
        self.z.as_mut_slice().copy_from_slice(&theta[nq..nq + mq]);
        self.kernel.set_log_hypers(&theta[nq + mq..]);
        let par = self.linalg.par();
        let beta = self.kernel.beta;
        let kmm_kernel = self.kmm_kernel();
        let c = &mut self.cache;
        // K_MM = L·Lᵀ.
        kmm_kernel.forward(&self.z, &mut c.l, &mut c.kmm_cache);
        // A = L⁻¹·K_MN (Aᵀ row-major is A column-major).
        self.kernel.cross_forward(&self.x, &self.z, &mut c.at, &mut c.cross_cache);
        self.factorise(Factor::Kmm)?;
        let c = &mut self.cache;
        linalg::solve_lower_in_place(&c.l, m, c.at.as_mut_slice(), par);
        c.a_sq = c.at.as_slice().iter().map(|v| v * v).sum();
        // B = I + β·A·Aᵀ = L_B·L_Bᵀ.
        c.b_minus_i.fill(0.0);
        linalg::rank_k_update_lower(&mut c.b_minus_i, m, c.at.as_slice(), beta, par);
        c.lb.copy_from_slice(&c.b_minus_i);
        for i in 0..m {
            c.lb[i * m + i] += 1.0;
        }
        self.factorise(Factor::B)?;
        let c = &mut self.cache;
        // Cᵀ = (L_B⁻¹·A·Y)ᵀ : (D, M) row-major = C column-major.
        matmul_tn(&mut c.ct, &self.y, &c.at, Accum::Replace, par);
        linalg::solve_lower_in_place(&c.lb, m, c.ct.as_mut_slice(), par);
        let c_sq: f64 = c.ct.as_slice().iter().map(|v| v * v).sum();
        let log_det_b = linalg::log_det_from_factor(&c.lb, m);
        let (nf, df) = (n as f64, d as f64);
        let trace_k = nf * (self.kernel.alpha + self.kernel.bias);
        let f = -0.5 * nf * df * Scalar::ln(2.0 * core::f64::consts::PI) + 0.5 * nf * df * Scalar::ln(beta)
            - 0.5 * df * log_det_b
            - 0.5 * beta * self.y_sq
            + 0.5 * beta * beta * c_sq
            - 0.5 * beta * df * (trace_k - c.a_sq);
        if !f.is_finite() {
            return Err(GplvmError::NonFinite { value: f });
        }
        Ok(f)
    }

    /// The backward pass (see the module header), in reverse order of [`Self::forward`].
    fn backward(&mut self, grad: &mut [f64]) {
        let (n, q, m, d) = (self.n(), self.q, self.m, self.y.cols());
        let (nq, mq) = (n * q, m * q);
        let par = self.linalg.par();
        let (beta, df, nf) = (self.kernel.beta, d as f64, n as f64);
        let kmm_kernel = self.kmm_kernel();
        let (c, g) = (&mut self.cache, &mut self.grads);
        // Eᵀ = (B⁻¹·A·Y)ᵀ = (L_B⁻ᵀ·C)ᵀ; W = Σ⁻¹Y = βY − β²·Aᵀ·E; A·W.
        linalg::solve_lower_transpose_in_place(&c.lb, m, c.ct.as_mut_slice(), par);
        matmul_nt(&mut g.w, &c.at, &c.ct, Accum::Replace, par);
        for (w, &y) in g.w.as_mut_slice().iter_mut().zip(self.y.as_slice()) {
            *w = beta * y - beta * beta * *w;
        }
        matmul_tn(&mut g.aw, &c.at, &g.w, Accum::Replace, par);
        // B⁻¹ as a full symmetric matrix, and tr B⁻¹.
        linalg::inverse_from_factor(&c.lb, m, g.tmp.as_mut_slice(), &mut self.linalg);
        let tmp = g.tmp.as_slice();
        let mut trace_binv = 0.0;
        for j in 0..m {
            trace_binv += tmp[j * m + j];
            for i in j..m {
                g.binv.set(i, j, tmp[j * m + i]);
                g.binv.set(j, i, tmp[j * m + i]);
            }
        }
        // S = ½(AW)(AW)ᵀ − (D/2)(I − B⁻¹) + (D/2)(B − I); then ∂F/∂K_MM = −L⁻ᵀ·S·L⁻¹.
        matmul_nt(&mut g.s, &g.aw, &g.aw, Accum::Replace, par);
        for j in 0..m {
            for i in 0..m {
                let bmi = if i >= j { c.b_minus_i[j * m + i] } else { c.b_minus_i[i * m + j] };
                let eye = if i == j { 1.0 } else { 0.0 };
                let v = 0.5 * g.s.get(i, j) - 0.5 * df * (eye - g.binv.get(i, j)) + 0.5 * df * bmi;
                g.s.set(i, j, v);
            }
        }
        // X₁ = L⁻ᵀ·S (S symmetric: its buffer is itself column-major); T = X₁·L⁻¹ = (L⁻ᵀ·X₁ᵀ)ᵀ = L⁻ᵀ·X₁ᵀ.
        linalg::solve_lower_transpose_in_place(&c.l, m, g.s.as_mut_slice(), par);
        for j in 0..m {
            for i in 0..m {
                // tmp column-major (i, j) = X₁ᵀ(i, j) = X₁(j, i), and s holds X₁ column-major.
                g.tmp.as_mut_slice()[j * m + i] = g.s.as_slice()[i * m + j];
            }
        }
        linalg::solve_lower_transpose_in_place(&c.l, m, g.tmp.as_mut_slice(), par);
        for v in g.tmp.as_mut_slice() {
            *v = -*v;
        }
        // H = W·(AW)ᵀ + Aᵀ·βD(I − B⁻¹); ∂F/∂K_NM = H·L⁻¹, i.e. (∂F/∂K_MN) = L⁻ᵀ·Hᵀ column-major.
        for j in 0..m {
            for i in 0..m {
                let eye = if i == j { 1.0 } else { 0.0 };
                g.binv.set(i, j, beta * df * (eye - g.binv.get(i, j)));
            }
        }
        matmul(&mut g.h, &c.at, &g.binv, Accum::Replace, par);
        matmul_nt(&mut g.h, &g.w, &g.aw, Accum::Add, par);
        linalg::solve_lower_transpose_in_place(&c.l, m, g.h.as_mut_slice(), par);
        // The kernels' backward passes: K_NM to X, Z, hypers; K_MM to Z, hypers.
        let mut dlog_nm = [0.0; 3];
        let mut dlog_mm = [0.0; 4];
        g.dz.fill(0.0);
        self.kernel.cross_backward(&g.h, &self.x, &self.z, &c.cross_cache, &mut g.dx, &mut g.dz, &mut dlog_nm);
        kmm_kernel.backward(g.tmp.as_slice(), &self.z, &c.kmm_cache, &mut g.dz_mm, &mut dlog_mm);
        grad[..nq].copy_from_slice(g.dx.as_slice());
        for ((o, &a), &b) in grad[nq..nq + mq].iter_mut().zip(g.dz.as_slice()).zip(g.dz_mm.as_slice()) {
            *o = a + b;
        }
        // Hyperparameters: both kernel terms, the trace term, and β.
        let (alpha, bias) = (self.kernel.alpha, self.kernel.bias);
        let w_sq: f64 = g.w.as_slice().iter().map(|v| v * v).sum();
        let trace_sigma_inv = nf * beta - beta * (m as f64 - trace_binv);
        let trace_g1 = 0.5 * w_sq - 0.5 * df * trace_sigma_inv;
        let h = &mut grad[nq + mq..];
        h[0] = dlog_nm[0] + dlog_mm[0] - 0.5 * beta * df * nf * alpha;
        h[1] = dlog_nm[1] + dlog_mm[1];
        h[2] = dlog_nm[2] + dlog_mm[2] - 0.5 * beta * df * nf * bias;
        h[3] = -trace_g1 / beta - 0.5 * beta * df * (nf * (alpha + bias) - c.a_sq);
    }

    #[track_caller]
    fn check_len(&self, what: &str, len: usize) {
        assert!(len == self.n_params(), "{what}: length {len}, expected (n + m)·q + 4 = {}", self.n_params());
    }
}

/// Which of the two M×M matrices to factorise.
#[derive(Clone, Copy)]
enum Factor {
    Kmm,
    B,
}

impl LatentModel for SparseGplvm {
    fn evaluate(&mut self, theta: &[f64], grad: &mut [f64]) -> Result<GpEval, GplvmError> {
        SparseGplvm::evaluate(self, theta, grad)
    }
}
