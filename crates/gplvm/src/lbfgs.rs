//! Limited-memory BFGS with a strong-Wolfe line search, for minimising a smooth `f: ℝⁿ → ℝ`
//! (Nocedal & Wright, *Numerical Optimization*, 2nd ed.: Algorithm 7.4 (two-loop recursion),
//! Algorithms 3.5/3.6 (bracketing and zoom), eq. 3.59 (cubic interpolation), eq. 7.20 (H₀ scaling)).
//!
//! ```text
//! d_k   = −H_k·g_k                         two-loop recursion over the last m pairs (s, y)
//! x_k+1 = x_k + a_k·d_k                    a_k satisfies the strong Wolfe conditions
//!         f(x + a d) ≤ f(x) + c₁·a·gᵀd,    |∇f(x + a d)ᵀd| ≤ c₂·|gᵀd|
//! s_k   = x_k+1 − x_k,  y_k = g_k+1 − g_k,  H₀ = (sᵀy / yᵀy)·I
//! ```
//!
//! Stops when `‖g‖∞ ≤ grad_tol`, when one iteration lowers f by less than
//! `rel_f_tol·max(|f|, |f_prev|, 1)`, or when the evaluation or iteration budget runs out.
//! An objective that returns `Err` at a trial point of the line search is treated as `f = +∞` there
//! (the step is shortened); an `Err` at the starting point is returned to the caller.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

/// Settings of [`minimize`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LbfgsConfig {
    /// Number of (s, y) pairs kept.
    pub memory: usize,
    /// Budget of objective evaluations (each returns f and ∇f).
    pub max_evals: usize,
    /// Budget of iterations.
    pub max_iters: usize,
    /// Stop when `max_i |g_i| ≤ grad_tol`.
    pub grad_tol: f64,
    /// Stop when an iteration lowers f by at most `rel_f_tol·max(|f|, |f_prev|, 1)`.
    pub rel_f_tol: f64,
    /// Sufficient-decrease constant c₁ of the Wolfe conditions.
    pub c1: f64,
    /// Curvature constant c₂ of the strong Wolfe conditions.
    pub c2: f64,
    /// Most evaluations spent in one line search.
    pub max_line_search_evals: usize,
}

impl Default for LbfgsConfig {
    fn default() -> Self {
        Self {
            memory: 10,
            max_evals: 1000,
            max_iters: 100_000,
            grad_tol: 1e-6,
            rel_f_tol: 1e-12,
            c1: 1e-4,
            c2: 0.9,
            max_line_search_evals: 25,
        }
    }
}

/// Why [`minimize`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// `‖g‖∞ ≤ grad_tol`.
    GradientTolerance,
    /// The last iteration's decrease was below `rel_f_tol`.
    FunctionTolerance,
    /// `max_evals` reached.
    EvaluationBudget,
    /// `max_iters` reached.
    IterationLimit,
    /// No step satisfying the Wolfe conditions was found, even along −g.
    LineSearchFailed,
    /// The objective was not finite at the starting point.
    NonFiniteStart,
}

/// Progress after each iteration (iteration 0 is the starting point).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IterInfo {
    /// Iteration number.
    pub iter: usize,
    /// Objective evaluations so far.
    pub evals: usize,
    /// Current objective value.
    pub f: f64,
    /// `max_i |g_i|`.
    pub grad_norm_inf: f64,
    /// Accepted step length (0 at iteration 0).
    pub step: f64,
}

/// Outcome of [`minimize`]; the minimiser itself is left in the caller's `x`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LbfgsReport {
    /// Final objective value.
    pub f: f64,
    /// Final `‖g‖∞`.
    pub grad_norm_inf: f64,
    /// Iterations done.
    pub iters: usize,
    /// Objective evaluations done.
    pub evals: usize,
    /// Why it stopped.
    pub reason: StopReason,
}

impl LbfgsReport {
    /// How the run ended, in words, e.g. "converged: max|g| = 8.1e-7 ≤ gradient tolerance 1e-6" or
    /// "stopped at the evaluation budget (1000 evaluations) with max|g| = 3.2e1 (gradient tolerance
    /// 1e-6 not reached)". `grad_tol` is the tolerance the run used.
    pub fn stop_message(&self, grad_tol: f64) -> String {
        let g = self.grad_norm_inf;
        match self.reason {
            StopReason::GradientTolerance => format!("converged: max|g| = {g:.3e} ≤ gradient tolerance {grad_tol:.1e}"),
            StopReason::FunctionTolerance => format!(
                "stopped: the objective stopped decreasing (relative change below tolerance) with max|g| = {g:.3e} \
                 (gradient tolerance {grad_tol:.1e} not reached)"
            ),
            StopReason::EvaluationBudget => format!(
                "stopped at the evaluation budget ({} evaluations) with max|g| = {g:.3e} (gradient tolerance \
                 {grad_tol:.1e} not reached): raise the budget to go on",
                self.evals
            ),
            StopReason::IterationLimit => format!(
                "stopped at the iteration limit ({} iterations) with max|g| = {g:.3e} (gradient tolerance {grad_tol:.1e} \
                 not reached)",
                self.iters
            ),
            StopReason::LineSearchFailed => format!(
                "stopped: the line search found no acceptable step, with max|g| = {g:.3e} (gradient tolerance \
                 {grad_tol:.1e} not reached); the gradient may be inaccurate at this precision"
            ),
            StopReason::NonFiniteStart => "stopped: the objective is not finite at the starting point".to_string(),
        }
    }
}

/// L-BFGS memory and work buffers for an `n`-dimensional problem (kept apart from the config).
pub struct LbfgsState {
    s: Vec<Vec<f64>>,
    y: Vec<Vec<f64>>,
    rho: Vec<f64>,
    alpha: Vec<f64>,
    len: usize,
    head: usize,
    g: Vec<f64>,
    d: Vec<f64>,
    x_new: Vec<f64>,
    g_new: Vec<f64>,
    g_lo: Vec<f64>,
}

impl LbfgsState {
    /// Empty memory of `m` pairs for `n` unknowns.
    pub fn new(n: usize, m: usize) -> Self {
        let m = m.max(1);
        Self {
            s: vec![vec![0.0; n]; m],
            y: vec![vec![0.0; n]; m],
            rho: vec![0.0; m],
            alpha: vec![0.0; m],
            len: 0,
            head: 0,
            g: vec![0.0; n],
            d: vec![0.0; n],
            x_new: vec![0.0; n],
            g_new: vec![0.0; n],
            g_lo: vec![0.0; n],
        }
    }

    /// Forgets the curvature pairs.
    pub fn reset(&mut self) {
        self.len = 0;
        self.head = 0;
    }

    /// d ← −H·g by the two-loop recursion.
    fn direction(&mut self) {
        let m = self.s.len();
        self.d.iter_mut().zip(&self.g).for_each(|(d, g)| *d = -g);
        for k in 0..self.len {
            let i = (self.head + m - 1 - k) % m;
            let a = self.rho[i] * dot(&self.s[i], &self.d);
            self.alpha[i] = a;
            axpy(&mut self.d, -a, &self.y[i]);
        }
        if self.len > 0 {
            let last = (self.head + m - 1) % m;
            let gamma = 1.0 / (self.rho[last] * dot(&self.y[last], &self.y[last]));
            self.d.iter_mut().for_each(|v| *v *= gamma);
        }
        for k in (0..self.len).rev() {
            let i = (self.head + m - 1 - k) % m;
            let b = self.rho[i] * dot(&self.y[i], &self.d);
            axpy(&mut self.d, self.alpha[i] - b, &self.s[i]);
        }
    }

    /// Stores s = step·d and y = g_new − g when sᵀy is safely positive.
    fn push_pair(&mut self, step: f64) {
        let m = self.s.len();
        let i = self.head;
        for k in 0..self.d.len() {
            self.s[i][k] = step * self.d[k];
            self.y[i][k] = self.g_new[k] - self.g[k];
        }
        let sy = dot(&self.s[i], &self.y[i]);
        let yy = dot(&self.y[i], &self.y[i]);
        if sy > 1e-12 * yy && sy > 0.0 {
            self.rho[i] = 1.0 / sy;
            self.head = (self.head + 1) % m;
            self.len = (self.len + 1).min(m);
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn axpy(y: &mut [f64], a: f64, x: &[f64]) {
    y.iter_mut().zip(x).for_each(|(y, x)| *y += a * x);
}

fn norm_inf(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, v| f64::max(m, v.abs()))
}

/// Minimises `objective` from `x` (overwritten with the best point found).
///
/// `objective(x, grad)` returns `f(x)` and writes `∇f(x)` into `grad`. `on_iter` sees every
/// iteration (for progress bars). `state` must be sized for `x.len()`.
///
/// # Panics
/// If `state` was made for a different dimension.
#[track_caller]
pub fn minimize<E>(
    mut objective: impl FnMut(&[f64], &mut [f64]) -> Result<f64, E>,
    x: &mut [f64],
    cfg: &LbfgsConfig,
    state: &mut LbfgsState,
    mut on_iter: impl FnMut(&IterInfo),
) -> Result<LbfgsReport, E> {
    assert_eq!(state.g.len(), x.len(), "lbfgs::minimize: state is for {} unknowns, x has {}", state.g.len(), x.len());
    state.reset();
    let mut f = objective(x, &mut state.g)?;
    let mut evals = 1;
    let mut iters = 0;
    let mut step = 0.0;
    let report =
        |f: f64, g: &[f64], iters, evals, reason| LbfgsReport { f, grad_norm_inf: norm_inf(g), iters, evals, reason };
    if !f.is_finite() {
        return Ok(report(f, &state.g, 0, evals, StopReason::NonFiniteStart));
    }
    let mut f_prev = f64::INFINITY;
    loop {
        let gnorm = norm_inf(&state.g);
        on_iter(&IterInfo { iter: iters, evals, f, grad_norm_inf: gnorm, step });
        let reason = if gnorm <= cfg.grad_tol {
            Some(StopReason::GradientTolerance)
        } else if iters > 0 && f_prev - f <= cfg.rel_f_tol * f.abs().max(f_prev.abs()).max(1.0) {
            Some(StopReason::FunctionTolerance)
        } else if evals >= cfg.max_evals {
            Some(StopReason::EvaluationBudget)
        } else if iters >= cfg.max_iters {
            Some(StopReason::IterationLimit)
        } else {
            None
        };
        if let Some(reason) = reason {
            return Ok(report(f, &state.g, iters, evals, reason));
        }
        let mut accepted = None;
        for attempt in 0..2 {
            state.direction();
            let mut dg0 = dot(&state.g, &state.d);
            if dg0 >= 0.0 || !dg0.is_finite() || attempt == 1 {
                state.reset();
                state.direction();
                dg0 = dot(&state.g, &state.d);
            }
            let a0 = if state.len == 0 { (1.0 / norm_inf(&state.g)).min(1.0) } else { 1.0 };
            accepted = line_search(&mut objective, x, f, dg0, a0, cfg, state, &mut evals);
            if accepted.is_some() || state.len == 0 || evals >= cfg.max_evals {
                break;
            }
        }
        let Some((a, f_new)) = accepted else {
            let reason =
                if evals >= cfg.max_evals { StopReason::EvaluationBudget } else { StopReason::LineSearchFailed };
            return Ok(report(f, &state.g, iters, evals, reason));
        };
        state.push_pair(a);
        axpy(x, a, &state.d);
        core::mem::swap(&mut state.g, &mut state.g_new);
        f_prev = f;
        f = f_new;
        step = a;
        iters += 1;
    }
}

/// One trial point of the line search: step, value, directional derivative.
#[derive(Clone, Copy, Debug)]
struct Trial {
    a: f64,
    f: f64,
    dg: f64,
}

/// Strong-Wolfe line search along `state.d` from `x` (Nocedal & Wright Alg. 3.5 + 3.6). On success
/// returns `(step, f)` with the accepted gradient in `state.g_new`; `x` is not moved.
fn line_search<E>(
    objective: &mut impl FnMut(&[f64], &mut [f64]) -> Result<f64, E>,
    x: &[f64],
    f0: f64,
    dg0: f64,
    a_init: f64,
    cfg: &LbfgsConfig,
    state: &mut LbfgsState,
    evals: &mut usize,
) -> Option<(f64, f64)> {
    let mut budget = cfg.max_line_search_evals;
    let mut eval = |a: f64, state: &mut LbfgsState, evals: &mut usize| -> Option<Trial> {
        if *evals >= cfg.max_evals || budget == 0 {
            return None;
        }
        budget -= 1;
        *evals += 1;
        for k in 0..x.len() {
            state.x_new[k] = x[k] + a * state.d[k];
        }
        let f = match objective(&state.x_new, &mut state.g_new) {
            Ok(f) if f.is_finite() => f,
            _ => return Some(Trial { a, f: f64::INFINITY, dg: f64::NAN }),
        };
        Some(Trial { a, f, dg: dot(&state.g_new, &state.d) })
    };
    let armijo = |t: &Trial| t.f <= f0 + cfg.c1 * t.a * dg0;
    let curvature = |t: &Trial| t.dg.abs() <= -cfg.c2 * dg0;

    let mut prev = Trial { a: 0.0, f: f0, dg: dg0 };
    let mut a = a_init;
    let mut first = true;
    // Bracketing phase.
    let (mut lo, mut hi) = loop {
        let t = eval(a, state, evals)?;
        if !armijo(&t) || (!first && t.f >= prev.f) {
            break (prev, t);
        }
        if curvature(&t) {
            return Some((t.a, t.f));
        }
        state.g_lo.copy_from_slice(&state.g_new);
        if t.dg >= 0.0 {
            break (t, prev);
        }
        prev = t;
        first = false;
        a *= 4.0;
    };
    // Zoom phase: invariant — lo satisfies Armijo with the lowest f so far; g_lo holds its gradient.
    loop {
        let width = (hi.a - lo.a).abs();
        let (left, right) = (lo.a.min(hi.a), lo.a.max(hi.a));
        let mut a = cubic_minimiser(&lo, &hi);
        if !(a.is_finite() && a > left + 0.1 * width && a < right - 0.1 * width) {
            a = 0.5 * (lo.a + hi.a);
        }
        let Some(t) = eval(a, state, evals) else {
            return accept_lo(&lo, state);
        };
        if !armijo(&t) || t.f >= lo.f {
            hi = t;
        } else {
            if curvature(&t) {
                return Some((t.a, t.f));
            }
            if t.dg * (hi.a - lo.a) >= 0.0 {
                hi = lo;
            }
            state.g_lo.copy_from_slice(&state.g_new);
            lo = t;
        }
        if width < 1e-14 * lo.a.abs().max(1e-10) {
            return accept_lo(&lo, state);
        }
    }
}

/// Falls back to the best Armijo point of a line search that ran out of evaluations.
fn accept_lo(lo: &Trial, state: &mut LbfgsState) -> Option<(f64, f64)> {
    if lo.a > 0.0 {
        state.g_new.copy_from_slice(&state.g_lo);
        Some((lo.a, lo.f))
    } else {
        None
    }
}

/// Minimiser of the cubic through two trials' values and slopes (Nocedal & Wright eq. 3.59).
fn cubic_minimiser(p: &Trial, q: &Trial) -> f64 {
    let d1 = p.dg + q.dg - 3.0 * (p.f - q.f) / (p.a - q.a);
    let disc = d1 * d1 - p.dg * q.dg;
    if disc.is_nan() || disc < 0.0 {
        return f64::NAN;
    }
    let d2 = (q.a - p.a).signum() * handgrad_tensor::Scalar::sqrt(disc);
    q.a - (q.a - p.a) * (q.dg + d2 - d1) / (q.dg - p.dg + 2.0 * d2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Extended Rosenbrock: Σ 100(x_{2i+1} − x_{2i}²)² + (1 − x_{2i})², minimum 0 at all ones.
    fn rosenbrock(x: &[f64], g: &mut [f64]) -> Result<f64, ()> {
        let mut f = 0.0;
        g.fill(0.0);
        for i in (0..x.len()).step_by(2) {
            let (a, b) = (x[i], x[i + 1]);
            let t = b - a * a;
            f += 100.0 * t * t + (1.0 - a) * (1.0 - a);
            g[i] = -400.0 * t * a - 2.0 * (1.0 - a);
            g[i + 1] = 200.0 * t;
        }
        Ok(f)
    }

    #[test]
    fn rosenbrock_2d_from_the_classic_start() {
        let mut x = [-1.2, 1.0];
        let cfg = LbfgsConfig { grad_tol: 1e-8, rel_f_tol: 0.0, ..Default::default() };
        let mut state = LbfgsState::new(2, cfg.memory);
        let rep = minimize(rosenbrock, &mut x, &cfg, &mut state, |_| {}).unwrap();
        assert_eq!(rep.reason, StopReason::GradientTolerance, "{rep:?}");
        assert!((x[0] - 1.0).abs() < 1e-6 && (x[1] - 1.0).abs() < 1e-6, "{x:?} {rep:?}");
        assert!(rep.evals < 150, "{rep:?}");
    }

    #[test]
    fn rosenbrock_20d_converges_and_decreases_monotonically() {
        let mut x: Vec<f64> = (0..20).map(|i| if i % 2 == 0 { -1.2 } else { 1.0 }).collect();
        let cfg = LbfgsConfig { grad_tol: 1e-7, ..Default::default() };
        let mut state = LbfgsState::new(20, cfg.memory);
        let mut last = f64::INFINITY;
        let rep = minimize(rosenbrock, &mut x, &cfg, &mut state, |it| {
            assert!(it.f <= last, "f rose from {last} to {}", it.f);
            last = it.f;
        })
        .unwrap();
        assert!(x.iter().all(|v| (v - 1.0).abs() < 1e-5), "{x:?} {rep:?}");
    }

    #[test]
    fn evaluation_budget_is_respected() {
        let mut x = [-1.2, 1.0];
        let cfg = LbfgsConfig { max_evals: 7, ..Default::default() };
        let mut state = LbfgsState::new(2, cfg.memory);
        let mut calls = 0;
        let rep = minimize(
            |x, g| {
                calls += 1;
                rosenbrock(x, g)
            },
            &mut x,
            &cfg,
            &mut state,
            |_| {},
        )
        .unwrap();
        assert_eq!(rep.reason, StopReason::EvaluationBudget);
        assert!(calls <= 7 && rep.evals == calls, "calls {calls}, {rep:?}");
    }

    #[test]
    fn error_at_start_is_returned_and_errors_in_line_search_shorten_the_step() {
        let mut x = [0.0];
        let mut state = LbfgsState::new(1, 5);
        let err = minimize(|_, _| Err("boom"), &mut x, &LbfgsConfig::default(), &mut state, |_| {});
        assert_eq!(err.unwrap_err(), "boom");
        // f = (x − 3)², undefined beyond x = 3.5: the minimiser must still reach 3.
        let mut x = [0.0];
        let rep = minimize(
            |x: &[f64], g: &mut [f64]| {
                if x[0] > 3.5 {
                    return Err("outside domain");
                }
                g[0] = 2.0 * (x[0] - 3.0);
                Ok((x[0] - 3.0) * (x[0] - 3.0))
            },
            &mut x,
            &LbfgsConfig::default(),
            &mut state,
            |_| {},
        )
        .unwrap();
        assert!((x[0] - 3.0).abs() < 1e-6, "{x:?} {rep:?}");
    }
}
