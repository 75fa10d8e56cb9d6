//! Problems: a scalar loss, the names it reads and how their values are drawn.
//!
//! The built-in problems are written in the language itself:
//!
//! | problem | loss | inputs (default sizes) | defined names |
//! | --- | --- | --- | --- |
//! | [`Problem::autoencoder`] | `0.5*sum((W'*W*x - x).^2)` = ½‖WᵀWx − x‖² | `W: m×n ~ N(0, 0.5²)`, `x: n×1 ~ N(0, 1)` (m = 3, n = 5) | `I = eye(n)` |
//! | same, with `f` | `0.5*sum((f(W'*f(W*x)) - x).^2)` | same | same |
//! | [`Problem::gplvm`] | `-D/2*logdet(K) - 0.5*tr(inv(K)*Y*Y')` | `X: N×q ~ N(0, 1)`, `Y: N×D ~ N(0, 1)`, `alpha ~ U[0.5, 2)`, `beta ~ U[1, 5)` (N = 6, q = 2, D = 4) | `I = eye(N)`, `K = alpha*X*X' + 1/beta*I` |
//! | [`Problem::custom`] | any scalar expression | each `--shape NAME=RxC` ~ N(0, 1) | `--size` names |
//!
//! (the GP-LVM loss of Lawrence 2005 without its constant `−(ND/2)·ln 2π`). Sizes are names with
//! a fixed value (`n`, `D`, ...); [`Problem::define`] adds helper names (`--let r="W'*W*x - x"`).
//! Every text is parsed and shape-checked when it is added, so a problem that exists can be
//! evaluated anywhere.

use handgrad_tensor::init::{Rng, randn, uniform};
use handgrad_tensor::{Matrix, tol};

use crate::ast::{Expr, Sources};
use crate::error::{CheckError, Origin};
use crate::eval::{Env, Override, eval};
use crate::parser::parse;
use crate::shapes::{NameInfo, Scope, Shape, check};

/// How an input's value is drawn at each random point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Draw {
    /// Always this value (sizes).
    Fixed(f64),
    /// Entries i.i.d. N(0, std²).
    Normal {
        /// Standard deviation.
        std: f64,
    },
    /// Entries i.i.d. U[lo, hi).
    Uniform {
        /// Lower end.
        lo: f64,
        /// Upper end (excluded).
        hi: f64,
    },
}

/// A name whose value is drawn (a variable or a scalar parameter) or fixed (a size).
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    /// The name.
    pub name: String,
    /// Its shape.
    pub shape: Shape,
    /// How its value is drawn.
    pub draw: Draw,
}

impl Input {
    /// `true` for a drawn input: one a gradient can be taken with respect to.
    pub fn is_variable(&self) -> bool {
        !matches!(self.draw, Draw::Fixed(_))
    }
}

/// A name defined by an expression of earlier names (`I`, `K`, `--let`).
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    /// The name.
    pub name: String,
    /// Its expression.
    pub expr: Expr,
}

/// The nonlinearity `f` of the autoencoder `½‖f(Wᵀf(Wx)) − x‖²`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// `sigmoid`.
    Sigmoid,
    /// `tanh`.
    Tanh,
    /// `relu` (kinked: judged with [`tol::GRAD_KINKED`]).
    Relu,
}

impl Activation {
    /// The function's name in the language.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
        }
    }
}

/// The largest relative error a check accepts, and its name in `handgrad_tensor::tol`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// The value.
    pub value: f64,
    /// E.g. `"tol::GRAD_SMOOTH"`.
    pub name: &'static str,
}

/// A scalar loss, the inputs it reads, and the names defined from them.
#[derive(Clone, Debug)]
pub struct Problem {
    title: String,
    sources: Sources,
    inputs: Vec<Input>,
    defs: Vec<Definition>,
    loss: Expr,
    tolerance: Tolerance,
    scope: Scope,
}

/// The largest size a `--size` may set, and the largest side of a `--shape` (the checker
/// differentiates element by element).
const MAX_SIZE: usize = 64;

impl Problem {
    /// The tied autoencoder `L = ½‖WᵀWx − x‖²`, or `½‖f(Wᵀf(Wx)) − x‖²` with an activation.
    /// `sizes` overrides `m` (code size, default 3) and `n` (data size, default 5).
    pub fn autoencoder(activation: Option<Activation>, sizes: &[(String, usize)]) -> Result<Problem, CheckError> {
        let sz = resolve_sizes("autoencoder", &[("m", 3), ("n", 5)], sizes)?;
        let (m, n) = (sz[0].1, sz[1].1);
        let (loss, title, tolerance) = match activation {
            None => (
                "0.5*sum((W'*W*x - x).^2)".to_string(),
                "tied linear autoencoder".to_string(),
                Tolerance { value: tol::GRAD_SMOOTH, name: "tol::GRAD_SMOOTH" },
            ),
            Some(f) => {
                let t = if f == Activation::Relu {
                    Tolerance { value: tol::GRAD_KINKED, name: "tol::GRAD_KINKED" }
                } else {
                    Tolerance { value: tol::GRAD_SMOOTH, name: "tol::GRAD_SMOOTH" }
                };
                let f = f.name();
                (format!("0.5*sum(({f}(W'*{f}(W*x)) - x).^2)"), format!("tied autoencoder with f = {f}"), t)
            }
        };
        let mut p = Problem::empty(title, tolerance);
        p.add_sizes(&sz);
        p.add_input("W", Shape::new(m, n), Draw::Normal { std: 0.5 });
        p.add_input("x", Shape::new(n, 1), Draw::Normal { std: 1.0 });
        p.add_builtin("I", "eye(n)");
        p.set_loss(&loss)?;
        Ok(p)
    }

    /// The GP-LVM with a linear kernel, `L = −(D/2)·ln|K| − ½·tr(K⁻¹YYᵀ)`, `K = αXXᵀ + β⁻¹I`.
    /// `sizes` overrides `N` (points, default 6), `q` (latent dimensions, 2) and `D` (data, 4).
    pub fn gplvm(sizes: &[(String, usize)]) -> Result<Problem, CheckError> {
        let sz = resolve_sizes("gplvm", &[("N", 6), ("q", 2), ("D", 4)], sizes)?;
        let (big_n, q, d) = (sz[0].1, sz[1].1, sz[2].1);
        let tolerance = Tolerance { value: tol::GRAD_GP, name: "tol::GRAD_GP" };
        let mut p = Problem::empty("GP-LVM, linear kernel".into(), tolerance);
        p.add_sizes(&sz);
        p.add_input("X", Shape::new(big_n, q), Draw::Normal { std: 1.0 });
        p.add_input("Y", Shape::new(big_n, d), Draw::Normal { std: 1.0 });
        p.add_input("alpha", Shape::SCALAR, Draw::Uniform { lo: 0.5, hi: 2.0 });
        p.add_input("beta", Shape::SCALAR, Draw::Uniform { lo: 1.0, hi: 5.0 });
        p.add_builtin("I", "eye(N)");
        p.add_builtin("K", "alpha*X*X' + 1/beta*I");
        p.set_loss("-D/2*logdet(K) - 0.5*tr(inv(K)*Y*Y')")?;
        Ok(p)
    }

    /// A loss of your own: `shapes` are its matrices (entries drawn from N(0, 1)), `sizes` extra
    /// size names (e.g. `k = 3` for `eye(k)`). Judged with [`tol::GRAD_KINKED`] (a typed loss
    /// may sum many terms or have kinks).
    pub fn custom(loss: &str, shapes: &[(String, Shape)], sizes: &[(String, usize)]) -> Result<Problem, CheckError> {
        let tolerance = Tolerance { value: tol::GRAD_KINKED, name: "tol::GRAD_KINKED" };
        let mut p = Problem::empty("your loss".into(), tolerance);
        for (name, k) in sizes {
            p.check_new_name(name, "--size")?;
            if *k == 0 || *k > MAX_SIZE {
                return Err(CheckError::Definition(format!("--size {name}={k}: a size is between 1 and {MAX_SIZE}")));
            }
            p.add_input(name, Shape::SCALAR, Draw::Fixed(*k as f64));
        }
        for (name, shape) in shapes {
            p.check_new_name(name, "--shape")?;
            if !(1..=MAX_SIZE).contains(&shape.rows) || !(1..=MAX_SIZE).contains(&shape.cols) {
                return Err(CheckError::Definition(format!(
                    "--shape {name}={}x{}: each side is between 1 and {MAX_SIZE} (the judge differentiates element by element)",
                    shape.rows, shape.cols
                )));
            }
            p.add_input(name, *shape, Draw::Normal { std: 1.0 });
        }
        if shapes.is_empty() {
            return Err(CheckError::Definition(
                "a loss of your own needs its matrices: give each with --shape NAME=RxC, e.g. --shape A=4x3".into(),
            ));
        }
        p.set_loss(loss)?;
        Ok(p)
    }

    /// Defines a helper name from an expression of the names defined so far
    /// (`--let r="W'*W*x - x"`). It can be used in the gradient.
    pub fn define(&mut self, name: &str, text: &str) -> Result<(), CheckError> {
        self.check_new_name(name, "--let")?;
        let id = self.sources.add(Origin::Let(name.to_string()), text);
        let expr = parse(&self.sources, id)?;
        let shape = check(&expr, &self.scope, &self.sources)?;
        self.scope.insert(name, NameInfo { shape, size: None });
        self.defs.push(Definition { name: name.to_string(), expr });
        Ok(())
    }

    /// A short name of the problem.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The loss as written.
    pub fn loss_text(&self) -> &str {
        self.sources.slice(self.loss.outer)
    }

    /// The loss's expression.
    pub fn loss(&self) -> &Expr {
        &self.loss
    }

    /// The inputs: sizes, variables and scalar parameters, in order.
    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    /// The defined names (built-in and `--let`), in order.
    pub fn definitions(&self) -> &[Definition] {
        &self.defs
    }

    /// The tolerance a gradient of this loss is judged with.
    pub fn tolerance(&self) -> Tolerance {
        self.tolerance
    }

    /// The texts every expression of the problem was parsed from.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// The texts, to add one (the judge adds the gradient's).
    pub(crate) fn sources_mut(&mut self) -> &mut Sources {
        &mut self.sources
    }

    /// The names an expression may use, with their shapes.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The input called `name`.
    pub fn input(&self, name: &str) -> Option<&Input> {
        self.inputs.iter().find(|i| i.name == name)
    }

    /// Values for every input, drawn from `rng` in the order of [`Problem::inputs`].
    pub fn draw(&self, rng: &mut Rng) -> Env {
        let mut env = Env::new();
        for input in &self.inputs {
            let (r, c) = (input.shape.rows, input.shape.cols);
            let value = match input.draw {
                Draw::Fixed(v) => Matrix::full(r, c, v),
                Draw::Normal { std } => randn(r, c, std, rng),
                Draw::Uniform { lo, hi } => uniform(r, c, lo, hi, rng),
            };
            env.set(&input.name, value);
        }
        env
    }

    /// `inputs` plus the value of every definition, in order.
    pub fn complete(&self, inputs: &Env, over: Option<Override<'_>>) -> Env {
        let mut env = inputs.clone();
        for d in &self.defs {
            let v = eval(&d.expr, &env, over);
            env.set(&d.name, v);
        }
        env
    }

    /// The value of `expr` (the loss or one of its terms) at `inputs`, with one occurrence of a
    /// name optionally reading another value.
    pub fn value_of(&self, expr: &Expr, inputs: &Env, over: Option<Override<'_>>) -> f64 {
        eval(expr, &self.complete(inputs, over), over).get(0, 0)
    }

    fn empty(title: String, tolerance: Tolerance) -> Problem {
        let mut sources = Sources::default();
        let id = sources.add(Origin::Loss, "0");
        let loss = parse(&sources, id).expect("`0` parses");
        Problem { title, sources, inputs: Vec::new(), defs: Vec::new(), loss, tolerance, scope: Scope::default() }
    }

    fn add_sizes(&mut self, sizes: &[(&'static str, usize)]) {
        for (name, k) in sizes {
            self.inputs.push(Input { name: name.to_string(), shape: Shape::SCALAR, draw: Draw::Fixed(*k as f64) });
            self.scope.insert(name, NameInfo { shape: Shape::SCALAR, size: Some(*k) });
        }
    }

    fn add_input(&mut self, name: &str, shape: Shape, draw: Draw) {
        let size = match draw {
            Draw::Fixed(v) => Some(v as usize),
            _ => None,
        };
        self.inputs.push(Input { name: name.to_string(), shape, draw });
        self.scope.insert(name, NameInfo { shape, size });
    }

    /// A definition of a built-in problem (its text is ours: a failure is our bug).
    fn add_builtin(&mut self, name: &str, text: &str) {
        let id = self.sources.add(Origin::Builtin(name.to_string()), text);
        let expr = parse(&self.sources, id).expect("built-in definitions parse");
        let shape = check(&expr, &self.scope, &self.sources).expect("built-in definitions are shape-correct");
        self.scope.insert(name, NameInfo { shape, size: None });
        self.defs.push(Definition { name: name.to_string(), expr });
    }

    fn set_loss(&mut self, text: &str) -> Result<(), CheckError> {
        let id = self.sources.add(Origin::Loss, text);
        let expr = parse(&self.sources, id)?;
        let shape = check(&expr, &self.scope, &self.sources)?;
        if !shape.is_scalar() {
            return Err(CheckError::LossNotScalar { shape, at: self.sources.snippet(expr.outer) });
        }
        self.loss = expr;
        Ok(())
    }

    fn check_new_name(&self, name: &str, flag: &str) -> Result<(), CheckError> {
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(CheckError::Definition(format!(
                "{flag} {name}: a name is letters, digits and _, starting with a letter (e.g. r, W2, d_out)"
            )));
        }
        if crate::ast::Func::from_name(name).is_some() {
            return Err(CheckError::Definition(format!("{flag} {name}: `{name}` is a function; pick another name")));
        }
        if self.scope.get(name).is_some() {
            return Err(CheckError::Definition(format!(
                "{flag} {name}: `{name}` is already defined (the names so far: {}); pick another name",
                self.scope.known().join(", ")
            )));
        }
        Ok(())
    }
}

/// A built-in problem's sizes with the user's overrides applied, in the defaults' order.
fn resolve_sizes(
    problem: &str,
    defaults: &[(&'static str, usize)],
    given: &[(String, usize)],
) -> Result<Vec<(&'static str, usize)>, CheckError> {
    let mut sizes = defaults.to_vec();
    for (name, k) in given {
        let Some(slot) = sizes.iter_mut().find(|(n, _)| n == name) else {
            let names: Vec<&str> = defaults.iter().map(|(n, _)| *n).collect();
            return Err(CheckError::Definition(format!(
                "--size {name}: the {problem} problem's sizes are {}",
                names.join(", ")
            )));
        };
        if *k == 0 || *k > MAX_SIZE {
            return Err(CheckError::Definition(format!("--size {name}={k}: a size is between 1 and {MAX_SIZE}")));
        }
        slot.1 = *k;
    }
    Ok(sizes)
}
