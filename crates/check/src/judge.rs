//! The judge: a closed-form gradient against central finite differences, at several random points.
//!
//! At each point (drawn from the seed) the judge computes, for the variable `V`:
//!
//! - `a` = the closed form, evaluated;
//! - `n` = central differences of the loss, `(L(V + h·e_k) − L(V − h·e_k)) / 2h`, `h` =
//!   [`tol::FD_STEP`], and their own error estimate `e` (both from
//!   [`handgrad_tensor::gradcheck::numeric_gradient_with_error`]);
//! - `rel_error(a, n)`, the project's measure ([`handgrad_tensor::gradcheck::rel_error`]).
//!
//! Element `k` **disagrees** when `a_k` is NaN or ±∞, or when its relative error exceeds the
//! problem's tolerance *and* `|a_k − n_k| > e_k`: a difference the finite differences resolve.
//! An element whose relative error is large only because both values are tiny (below what central
//! differences can resolve, `|a_k − n_k| ≤ e_k`) is reported as unresolved, not as evidence. The
//! verdict is **wrong** if any element of any point disagrees, **correct** otherwise.
//!
//! A point that cannot judge is skipped, said so, and replaced by another draw: one where the loss
//! is NaN or ±∞ (at the point or within `2h` of it), and one where it is flat in the variable
//! (every central difference is 0 within its error: `W = 0`, every ReLU off), where any formula
//! that vanishes would pass.

use handgrad_tensor::gradcheck::{numeric_gradient_with_error, rel_error, rel_error_scalar};
use handgrad_tensor::init::rng_from_seed;
use handgrad_tensor::{Matrix, ops, tol};

use crate::ast::Expr;
use crate::error::{CheckError, Origin};
use crate::eval::{Env, eval};
use crate::hints::{Hint, explain};
use crate::parser::parse;
use crate::problem::{Problem, Tolerance};
use crate::shapes::check;

/// How many random points, from which seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JudgeConfig {
    /// Seed of the random points (`handgrad_tensor::init::Rng`).
    pub seed: u64,
    /// Number of points judged.
    pub draws: usize,
}

impl Default for JudgeConfig {
    fn default() -> Self {
        JudgeConfig { seed: 0, draws: 3 }
    }
}

/// The most points one judgement may draw.
pub const MAX_DRAWS: usize = 1000;

/// Points tried beyond `draws` before the judge gives up on a loss that is not finite or flat.
pub const MAX_REDRAWS: usize = 10;

/// The judgement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every element of every point agrees with finite differences.
    Correct,
    /// Some element disagrees beyond the tolerance and beyond the finite differences' error.
    Wrong,
}

/// One element of the gradient at one point, both ways.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Element {
    /// Row.
    pub row: usize,
    /// Column.
    pub col: usize,
    /// The closed form's value.
    pub analytic: f64,
    /// The central difference.
    pub numeric: f64,
    /// The central difference's estimated error.
    pub fd_error: f64,
}

impl Element {
    /// `rel_error_scalar(analytic, numeric)`.
    pub fn rel_error(&self) -> f64 {
        rel_error_scalar(self.analytic, self.numeric)
    }
}

/// The comparison at one random point.
#[derive(Clone, Debug)]
pub struct PointResult {
    /// 1-based number of the draw (counting skipped ones).
    pub draw: usize,
    /// `rel_error(a, n)` over all elements.
    pub rel_error: f64,
    /// The element that decides: the worst disagreeing one, or else the worst one.
    pub worst: Element,
    /// How many elements disagree.
    pub disagreeing: usize,
    /// Elements above the tolerance but within the finite differences' error.
    pub unresolved: Vec<Element>,
    /// The closed form's values: the variable's shape.
    pub analytic: Matrix<f64>,
    /// The central differences.
    pub numeric: Matrix<f64>,
    /// The central differences' estimated error, per element.
    pub fd_error: Matrix<f64>,
    inputs: Env,
}

impl PointResult {
    /// This point's verdict.
    pub fn verdict(&self) -> Verdict {
        if self.disagreeing > 0 { Verdict::Wrong } else { Verdict::Correct }
    }
}

/// Everything the judge found.
#[derive(Clone, Debug)]
pub struct Report {
    /// Correct or wrong.
    pub verdict: Verdict,
    /// The problem's title.
    pub problem: String,
    /// The loss as written.
    pub loss: String,
    /// The variable.
    pub wrt: String,
    /// The gradient as typed.
    pub gradient: String,
    /// The `--let` names and their texts.
    pub lets: Vec<(String, String)>,
    /// The inputs and how they were drawn, e.g. `W: 3×5 ~ N(0, 0.5²)`.
    pub inputs: Vec<String>,
    /// The seed.
    pub seed: u64,
    /// The tolerance used.
    pub tolerance: Tolerance,
    /// One result per judged point.
    pub points: Vec<PointResult>,
    /// Index into `points` of the point shown: the worst wrong one, or the worst one.
    pub shown: usize,
    /// Points skipped and why.
    pub notes: Vec<String>,
    /// For a wrong verdict: what kind of wrong it looks like (may be empty).
    pub hints: Vec<Hint>,
}

impl Report {
    /// The point shown in the summary.
    pub fn shown_point(&self) -> &PointResult {
        &self.points[self.shown]
    }

    /// The largest `rel_error` over all points.
    pub fn rel_error(&self) -> f64 {
        self.points.iter().map(|p| p.rel_error).fold(0.0, |m, e| if e.is_nan() || e > m { e } else { m })
    }
}

/// Judges `gradient`, a closed form of `∂L/∂wrt`, on `config.draws` random points.
///
/// Errors (nothing judged): `wrt` is not a variable of the problem; the gradient does not parse,
/// names an unknown name, has mismatched shapes or the wrong shape; fewer than `config.draws` of
/// `config.draws + MAX_REDRAWS` random points could judge (the loss not finite, or flat).
pub fn judge(problem: &Problem, wrt: &str, gradient: &str, config: &JudgeConfig) -> Result<Report, CheckError> {
    let var = variable(problem, wrt)?;
    let want = var.shape;
    let mut p = problem.clone();
    let grad = parse_gradient(&mut p, gradient, wrt, want)?;
    if config.draws == 0 || config.draws > MAX_DRAWS {
        return Err(CheckError::Definition(format!(
            "--draws {}: judge from 1 to {MAX_DRAWS} random points",
            config.draws
        )));
    }

    let mut rng = rng_from_seed(config.seed);
    let (mut points, mut notes) = (Vec::new(), Vec::new());
    let (mut attempt, mut last) = (0, String::new());
    while points.len() < config.draws {
        if attempt == config.draws + MAX_REDRAWS {
            return Err(CheckError::NoUsablePoint {
                usable: points.len(),
                attempts: attempt,
                wrt: wrt.to_string(),
                last,
            });
        }
        attempt += 1;
        let inputs = p.draw(&mut rng);
        match judge_point(&p, wrt, &grad, &inputs, attempt) {
            Ok(point) => points.push(point),
            Err(why) => {
                notes.push(format!("draw {attempt}: {why}; drawing another point"));
                last = why;
            }
        }
    }

    let wrong = points.iter().any(|pt| pt.verdict() == Verdict::Wrong);
    let verdict = if wrong { Verdict::Wrong } else { Verdict::Correct };
    let key = |pt: &PointResult| if pt.verdict() == Verdict::Wrong || !wrong { pt.worst.rel_error() } else { -1.0 };
    let shown = (0..points.len()).fold(0, |best, i| if key(&points[i]) > key(&points[best]) { i } else { best });
    let hints = if wrong {
        let pt = &points[shown];
        explain(&p, wrt, &pt.inputs, &pt.analytic, &pt.numeric)
    } else {
        Vec::new()
    };
    Ok(Report {
        verdict,
        problem: p.title().to_string(),
        loss: p.loss_text().to_string(),
        wrt: wrt.to_string(),
        gradient: gradient.to_string(),
        lets: lets(&p),
        inputs: describe_inputs(&p),
        seed: config.seed,
        tolerance: p.tolerance(),
        points,
        shown,
        notes,
        hints,
    })
}

/// The input `wrt` when it is a drawn variable.
fn variable<'p>(problem: &'p Problem, wrt: &str) -> Result<&'p crate::problem::Input, CheckError> {
    let variables: Vec<String> = problem.inputs().iter().filter(|i| i.is_variable()).map(|i| i.name.clone()).collect();
    let fail = |why: &str| CheckError::NotAVariable {
        name: wrt.to_string(),
        why: why.to_string(),
        variables: variables.clone(),
    };
    match problem.input(wrt) {
        Some(i) if i.is_variable() => Ok(i),
        Some(_) => Err(fail("it is a size, a fixed number")),
        None if problem.definitions().iter().any(|d| d.name == wrt) => {
            Err(fail("it is defined from other names; differentiate with respect to one of those"))
        }
        None => Err(fail("there is no input of that name")),
    }
}

/// Parses and shape-checks the gradient; its shape must be the variable's.
fn parse_gradient(p: &mut Problem, text: &str, wrt: &str, want: crate::shapes::Shape) -> Result<Expr, CheckError> {
    let id = p.sources_mut().add(Origin::Gradient, text);
    let expr = parse(p.sources(), id)?;
    let got = check(&expr, p.scope(), p.sources())?;
    if got != want {
        return Err(CheckError::GradientShape { wrt: wrt.to_string(), got, want, at: p.sources().snippet(expr.outer) });
    }
    Ok(expr)
}

/// Compares the closed form with finite differences at one point; `Err` (why) when the loss is
/// not finite there or next to it.
fn judge_point(p: &Problem, wrt: &str, grad: &Expr, inputs: &Env, draw: usize) -> Result<PointResult, String> {
    let loss = p.value_of(p.loss(), inputs, None);
    if !loss.is_finite() {
        return Err(format!("the loss is {loss} at the drawn point"));
    }
    let x = inputs.get(wrt).expect("the variable is an input").clone();
    let mut moved = inputs.clone();
    let fd = numeric_gradient_with_error(
        |v| {
            moved.set(wrt, v.clone());
            p.value_of(p.loss(), &moved, None)
        },
        &x,
        tol::FD_STEP,
    );
    if !ops::all_finite(&fd.grad) || !ops::all_finite(&fd.error) {
        return Err(format!("the loss is not finite within 2h = {:.0e} of the drawn point", 2.0 * tol::FD_STEP));
    }
    // A stationary point (every ReLU off, W = 0, ...) cannot tell formulas apart: any closed form
    // that is 0 there would pass.
    if fd.grad.as_slice().iter().zip(fd.error.as_slice()).all(|(g, e)| g.abs() <= *e) {
        return Err(format!(
            "the loss is flat in {wrt} at the drawn point (every finite difference is 0 within its error), \
             where any formula that vanishes would pass"
        ));
    }
    let analytic = eval(grad, &p.complete(inputs, None), None);
    Ok(compare(analytic, fd.grad, fd.error, p.tolerance().value, inputs.clone(), draw))
}

/// The element-by-element comparison (see the module docs).
fn compare(
    analytic: Matrix<f64>,
    numeric: Matrix<f64>,
    fd_error: Matrix<f64>,
    tol: f64,
    inputs: Env,
    draw: usize,
) -> PointResult {
    let cols = analytic.cols().max(1);
    let element = |k: usize| Element {
        row: k / cols,
        col: k % cols,
        analytic: analytic.as_slice()[k],
        numeric: numeric.as_slice()[k],
        fd_error: fd_error.as_slice()[k],
    };
    let (mut disagreeing, mut unresolved) = (0, Vec::new());
    let (mut worst, mut worst_bad): (Option<Element>, Option<Element>) = (None, None);
    let later = |best: &Option<Element>, e: &Element| best.is_none_or(|b| e.rel_error() > b.rel_error());
    for k in 0..analytic.len() {
        let e = element(k);
        let beyond_tol = e.rel_error() > tol;
        let resolved = (e.analytic - e.numeric).abs() > e.fd_error;
        if !e.analytic.is_finite() || (beyond_tol && resolved) {
            disagreeing += 1;
            if later(&worst_bad, &e) {
                worst_bad = Some(e);
            }
        } else if beyond_tol {
            unresolved.push(e);
        }
        if later(&worst, &e) {
            worst = Some(e);
        }
    }
    let worst = worst_bad.or(worst).unwrap_or(Element { row: 0, col: 0, analytic: 0.0, numeric: 0.0, fd_error: 0.0 });
    let rel = rel_error(&analytic, &numeric);
    PointResult { draw, rel_error: rel, worst, disagreeing, unresolved, analytic, numeric, fd_error, inputs }
}

fn lets(p: &Problem) -> Vec<(String, String)> {
    p.definitions()
        .iter()
        .filter(|d| matches!(p.sources().origin(d.expr.span.source), Origin::Let(_)))
        .map(|d| (d.name.clone(), p.sources().text(d.expr.span.source).to_string()))
        .collect()
}

fn describe_inputs(p: &Problem) -> Vec<String> {
    use crate::problem::Draw;
    p.inputs()
        .iter()
        .map(|i| match i.draw {
            Draw::Fixed(v) => format!("{} = {v}", i.name),
            Draw::Normal { std: 1.0 } => format!("{}: {} ~ N(0, 1)", i.name, i.shape),
            Draw::Normal { std } => format!("{}: {} ~ N(0, {std}²)", i.name, i.shape),
            Draw::Uniform { lo, hi } => format!("{} ~ U[{lo}, {hi})", i.name),
        })
        .collect()
}
