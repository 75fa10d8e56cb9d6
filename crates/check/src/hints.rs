//! Cheap hints for a wrong gradient: what kind of wrong it looks like.
//!
//! With `a` the closed form and `n` the finite differences at the point shown, and the match
//! `a ≈ b ⇔ ‖a − b‖ ≤ HINT_MATCH·(‖a‖ + ‖b‖)` ([`tol::HINT_MATCH`]):
//!
//! 1. **factor / sign**: `a ≈ c·n` with `c = ⟨a, n⟩/⟨n, n⟩` (a sign error when `c = −1`);
//! 2. **transpose**: `a ≈ c·nᵀ` (square variables);
//! 3. **parts**: the true gradient is a sum of parts, one per (term of the loss, occurrence of the
//!    variable): `n = Σ_j g_j`, each `g_j` the central differences of one term of the loss with
//!    only that occurrence moved (an occurrence inside a defined name such as `K` counts once, for
//!    every use of the name). `W'*W*x` has two occurrences of `W`, so two parts: the path through
//!    `W'` and the path through `W`. Parts of one term that are equal (the two paths through `X`
//!    and `X'` in `K = αXXᵀ + …`) are merged. The judge looks for the fewest parts to re-weight
//!    by 0 (missing), −1 (wrong sign), 2 or ½ such that `a ≈ Σ_j w_j g_j`.
//!
//! A gradient with NaN or ±∞ elements gets only a hint saying so. Each check costs a few more
//! finite differences; they run only for a wrong verdict.

use handgrad_tensor::gradcheck::numeric_gradient;
use handgrad_tensor::{Matrix, ops, tol};

use crate::ast::{Expr, ExprKind, Span};
use crate::error::Origin;
use crate::eval::{Env, Override};
use crate::problem::Problem;

/// The kind of mistake a hint describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HintKind {
    /// The gradient is a constant multiple of the true one, or a part is counted twice or half.
    Factor,
    /// The whole gradient, or one part, has the wrong sign.
    Sign,
    /// The gradient is the true one transposed.
    Transpose,
    /// One path (or one term's part) of the true gradient is missing.
    MissingPath,
    /// The gradient has NaN or ±∞ elements where the loss is finite.
    NotFinite,
}

/// A hint: its kind and a sentence for the user.
#[derive(Clone, Debug, PartialEq)]
pub struct Hint {
    /// What kind of wrong.
    pub kind: HintKind,
    /// What it looks like, in words.
    pub message: String,
}

/// The hints that fit `a` (closed form) against `n` (finite differences) at the point `inputs`.
pub fn explain(problem: &Problem, wrt: &str, inputs: &Env, a: &Matrix<f64>, n: &Matrix<f64>) -> Vec<Hint> {
    let bad = a.as_slice().iter().filter(|v| !v.is_finite()).count();
    if bad > 0 {
        let message = format!(
            "{bad} of your gradient's {} elements are NaN or ±∞ where the loss is finite \
             (a division by zero, or log/logdet of a value that is not positive?)",
            a.len()
        );
        return vec![Hint { kind: HintKind::NotFinite, message }];
    }
    let mut hints = Vec::new();
    if let Some(h) = factor_hint(a, n) {
        hints.push(h);
    }
    if a.rows() == a.cols() && a.rows() > 1 {
        let nt = n.transpose();
        if let Some(c) = fitted_factor(a, &nt) {
            let message = if (c - 1.0).abs() <= 1e-6 {
                "your gradient is the transpose of the true one".to_string()
            } else {
                format!("your gradient is {} times the transpose of the true one", nice(c))
            };
            hints.push(Hint { kind: HintKind::Transpose, message });
        }
    }
    if let Some(h) = parts_hint(problem, wrt, inputs, a) {
        hints.push(h);
    }
    hints
}

/// `c` when `a ≈ c·b` (and `b ≠ 0`).
fn fitted_factor(a: &Matrix<f64>, b: &Matrix<f64>) -> Option<f64> {
    let bb = ops::dot(b, b);
    if bb == 0.0 || !bb.is_finite() {
        return None;
    }
    let c = ops::dot(a, b) / bb;
    let mut cb = b.clone();
    ops::scale(&mut cb, c);
    (c.is_finite() && c != 0.0 && matches(a, &cb)).then_some(c)
}

fn factor_hint(a: &Matrix<f64>, n: &Matrix<f64>) -> Option<Hint> {
    let c = fitted_factor(a, n)?;
    if (c + 1.0).abs() <= 1e-6 {
        return Some(Hint {
            kind: HintKind::Sign,
            message: "your gradient is the negative of the true one: a sign error".into(),
        });
    }
    if (c - 1.0).abs() <= 1e-6 {
        return None;
    }
    Some(Hint {
        kind: HintKind::Factor,
        message: format!("your gradient is {} times the true one: off by a constant factor", nice(c)),
    })
}

/// `‖a − b‖ ≤ HINT_MATCH·(‖a‖ + ‖b‖)`, and never for a NaN or ±∞ (`∞ ≤ ∞` would hold).
fn matches(a: &Matrix<f64>, b: &Matrix<f64>) -> bool {
    if !ops::all_finite(a) || !ops::all_finite(b) {
        return false;
    }
    let mut d = a.clone();
    ops::axpy(&mut d, -1.0, b);
    let norm = |m: &Matrix<f64>| ops::sum_squares(m).sqrt();
    norm(&d) <= tol::HINT_MATCH * (norm(a) + norm(b))
}

/// `c` as a small fraction when it is one (`2`, `1/2`, `-3/4`), else with 4 significant digits.
fn nice(c: f64) -> String {
    for q in 1..=8 {
        let p = (c * q as f64).round();
        if p != 0.0 && (c - p / q as f64).abs() <= 1e-6 * c.abs() && p.abs() <= 64.0 {
            return if q == 1 { format!("{p}") } else { format!("{p}/{q}") };
        }
    }
    format!("{c:.4}")
}

/// One part of the true gradient: its value and what it is, in words.
struct Part {
    value: Matrix<f64>,
    /// The term of the loss it belongs to, as typed (with its sign).
    term: String,
    /// Its occurrences of the variable, described (`W'` at column 1 of the loss).
    paths: Vec<String>,
    /// `true` when it is the whole term (every occurrence of the variable in it).
    whole_term: bool,
}

/// The re-weightings tried, and what each means.
const WEIGHTS: [(f64, &str); 4] =
    [(0.0, "left out"), (-1.0, "sign-flipped"), (2.0, "counted twice"), (0.5, "counted half")];

/// The most parts the search re-weights at once.
const MAX_CHANGED: usize = 3;

/// The most parts the search considers (the loss's terms times the variable's occurrences).
const MAX_PARTS: usize = 8;

fn parts_hint(problem: &Problem, wrt: &str, inputs: &Env, a: &Matrix<f64>) -> Option<Hint> {
    let parts = parts(problem, wrt, inputs)?;
    if parts.len() < 2 || parts.len() > MAX_PARTS {
        return None;
    }
    for changed in 1..=MAX_CHANGED.min(parts.len()) {
        if let Some(weights) = search(&parts, a, changed) {
            return Some(describe(&parts, &weights, problem.loss().terms().len() > 1));
        }
    }
    None
}

/// A choice of `changed` parts and weights with `a ≈ Σ w_j g_j`, the first in a fixed order.
fn search(parts: &[Part], a: &Matrix<f64>, changed: usize) -> Option<Vec<f64>> {
    let p = parts.len();
    let mut chosen: Vec<usize> = (0..changed).collect();
    loop {
        for code in 0..WEIGHTS.len().pow(changed as u32) {
            let mut w = vec![1.0; p];
            let mut c = code;
            for &j in &chosen {
                w[j] = WEIGHTS[c % WEIGHTS.len()].0;
                c /= WEIGHTS.len();
            }
            let mut sum = Matrix::zeros(a.rows(), a.cols());
            for (part, &wj) in parts.iter().zip(&w) {
                ops::axpy(&mut sum, wj, &part.value);
            }
            // Every part scaled alike is a constant factor: the factor hint's business.
            let uniform = w.iter().all(|&v| v == w[0]);
            if !uniform && matches(a, &sum) {
                return Some(w);
            }
        }
        // The next `changed`-subset of 0..p in lexicographic order.
        let mut i = changed;
        loop {
            if i == 0 {
                return None;
            }
            i -= 1;
            if chosen[i] < p - changed + i {
                break;
            }
        }
        chosen[i] += 1;
        for k in i + 1..changed {
            chosen[k] = chosen[k - 1] + 1;
        }
    }
}

fn describe(parts: &[Part], weights: &[f64], several_terms: bool) -> Hint {
    let mut clauses = Vec::new();
    let mut kind = HintKind::Factor;
    for (part, &w) in parts.iter().zip(weights) {
        if w == 1.0 {
            continue;
        }
        let verb = WEIGHTS.iter().find(|(v, _)| *v == w).map_or("re-weighted", |(_, s)| *s);
        kind = match (kind, w) {
            (_, 0.0) | (HintKind::MissingPath, _) => HintKind::MissingPath,
            (_, -1.0) | (HintKind::Sign, _) => HintKind::Sign,
            _ => HintKind::Factor,
        };
        let what = if part.whole_term && several_terms {
            format!("the part from the loss term `{}`", part.term)
        } else if part.paths.len() == 1 {
            format!("the path through {}", part.paths[0])
        } else {
            format!("the paths through {}", part.paths.join(" and "))
        };
        clauses.push(format!("{what} {verb}"));
    }
    let lead = match kind {
        HintKind::MissingPath => "a path is missing",
        HintKind::Sign => "a sign error",
        _ => "a factor error",
    };
    Hint { kind, message: format!("{lead}: your gradient is the true one with {}", clauses.join(", and ")) }
}

/// The parts of the true gradient at `inputs` (see the module docs), or `None` when there are
/// too many to search.
fn parts(problem: &Problem, wrt: &str, inputs: &Env) -> Option<Vec<Part>> {
    let x = inputs.get(wrt)?.clone();
    let sources = problem.sources();
    let mut out = Vec::new();
    let terms = problem.loss().terms();
    let total: usize = terms.iter().map(|(_, t)| occurrences(problem, t, wrt).len()).sum();
    if total > MAX_PARTS {
        return None;
    }
    for (sign, term) in terms {
        let occ = occurrences(problem, term, wrt);
        let text = sources.slice(term.outer).trim().to_string();
        let term_text = if sign < 0.0 { format!("-{text}") } else { text };
        let mut groups: Vec<Part> = Vec::new();
        for o in &occ {
            let value = numeric_gradient(
                |v| sign * problem.value_of(term, inputs, Some(Override { span: o.span, value: v })),
                &x,
                tol::FD_STEP,
            );
            let path = describe_occurrence(problem, o);
            match groups.iter_mut().find(|g| matches(&g.value, &value)) {
                Some(g) => {
                    ops::axpy(&mut g.value, 1.0, &value);
                    g.paths.push(path);
                }
                None => groups.push(Part { value, term: term_text.clone(), paths: vec![path], whole_term: false }),
            }
        }
        let single = groups.len() == 1;
        for mut g in groups {
            g.whole_term = single;
            out.push(g);
        }
    }
    Some(out)
}

/// One occurrence of the variable: the name node, and whether it is transposed right there.
struct Occurrence {
    span: Span,
    transposed: bool,
}

/// The occurrences of `wrt` that `expr` reads, directly or through defined names (each defined
/// name's occurrences once).
fn occurrences(problem: &Problem, expr: &Expr, wrt: &str) -> Vec<Occurrence> {
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    collect(problem, expr, wrt, false, &mut out, &mut seen);
    out
}

fn collect<'p>(
    problem: &'p Problem,
    expr: &'p Expr,
    wrt: &str,
    transposed: bool,
    out: &mut Vec<Occurrence>,
    seen: &mut Vec<&'p str>,
) {
    match &expr.kind {
        ExprKind::Name(n) if n == wrt => out.push(Occurrence { span: expr.span, transposed }),
        ExprKind::Name(n) => {
            if let Some(d) = problem.definitions().iter().find(|d| &d.name == n)
                && !seen.contains(&d.name.as_str())
            {
                seen.push(&d.name);
                collect(problem, &d.expr, wrt, false, out, seen);
            }
        }
        ExprKind::Num(_) => {}
        ExprKind::Transpose(a) => collect(problem, a, wrt, true, out, seen),
        ExprKind::Neg(a) | ExprKind::Call(_, a) => collect(problem, a, wrt, false, out, seen),
        ExprKind::Binary(_, a, b) => {
            collect(problem, a, wrt, false, out, seen);
            collect(problem, b, wrt, false, out, seen);
        }
    }
}

/// `` `W'` (column 1 of the loss) ``, `` `X` (column 7 of K = alpha*X*X' + 1/beta*I) ``.
fn describe_occurrence(problem: &Problem, o: &Occurrence) -> String {
    let sources = problem.sources();
    let name = sources.slice(o.span);
    let shown = if o.transposed { format!("{name}'") } else { name.to_string() };
    let column = sources.snippet(o.span).column();
    let place = match sources.origin(o.span.source) {
        Origin::Loss => "the loss".to_string(),
        Origin::Builtin(n) | Origin::Let(n) => format!("{n} = {}", sources.text(o.span.source)),
        Origin::Gradient => "the gradient".to_string(),
    };
    format!("`{shown}` (column {column} of {place})")
}
