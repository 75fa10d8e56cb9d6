//! Shapes: the rules of every operation, and a checker that runs them over an expression before
//! any number is computed.
//!
//! | operation | operands | result |
//! | --- | --- | --- |
//! | `a + b`, `a - b`, `a .* b`, `a ./ b`, `a .^ b` | equal shapes, or either side 1×1 (broadcast) | the larger |
//! | `a * b` | `(p×q)·(q×r)`, or either side 1×1 (scaling) | `p×r` |
//! | `a / b` | `b` 1×1 | `a`'s |
//! | `a ^ b` | both 1×1 | 1×1 |
//! | `a'` | any | transposed |
//! | `inv`, `tr`, `logdet`, `det` | square | `inv`: same, others 1×1 |
//! | `sum` | any | 1×1 |
//! | `exp`, `log`, `sigmoid`, `tanh`, `relu`, `step` | any | same |
//! | `eye(k)` | `k` a whole number or a size name | `k×k` |
//!
//! A 1×1 value is a scalar everywhere (`x'*x` can scale a matrix).

use core::fmt;

use crate::ast::{BinOp, Expr, ExprKind, Func, Sources};
use crate::error::CheckError;

/// The shape `rows × cols` of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
}

impl Shape {
    /// 1×1.
    pub const SCALAR: Shape = Shape { rows: 1, cols: 1 };

    /// `rows × cols`.
    pub fn new(rows: usize, cols: usize) -> Shape {
        Shape { rows, cols }
    }

    /// `true` for 1×1.
    pub fn is_scalar(self) -> bool {
        self == Shape::SCALAR
    }

    /// The transposed shape.
    pub fn t(self) -> Shape {
        Shape { rows: self.cols, cols: self.rows }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}×{}", self.rows, self.cols)
    }
}

/// The shape of `a op b`, or what does not fit.
pub fn binary_shape(op: BinOp, a: Shape, b: Shape) -> Result<Shape, String> {
    let s = op.symbol();
    match op {
        BinOp::Add | BinOp::Sub | BinOp::ElemMul | BinOp::ElemDiv | BinOp::ElemPow => {
            if a == b || b.is_scalar() {
                Ok(a)
            } else if a.is_scalar() {
                Ok(b)
            } else {
                Err(format!("({a}) {s} ({b}): the shapes differ and neither side is a scalar"))
            }
        }
        BinOp::Mul => {
            if b.is_scalar() {
                Ok(a)
            } else if a.is_scalar() {
                Ok(b)
            } else if a.cols == b.rows {
                Ok(Shape::new(a.rows, b.cols))
            } else {
                Err(format!("({a})·({b}) do not chain"))
            }
        }
        BinOp::Div if b.is_scalar() => Ok(a),
        BinOp::Div => Err(format!("({a}) / ({b}): `/` divides by a scalar; use ./ to divide elementwise, or inv(...)")),
        BinOp::Pow if a.is_scalar() && b.is_scalar() => Ok(a),
        BinOp::Pow => {
            Err(format!("({a}) ^ ({b}): `^` raises a scalar to a scalar power; use .^ for an elementwise power"))
        }
    }
}

/// The shape of `func(a)` for every function but `eye`, or what does not fit.
pub fn call_shape(func: Func, a: Shape) -> Result<Shape, String> {
    match func {
        Func::Inv | Func::Tr | Func::Logdet | Func::Det if a.rows != a.cols => {
            Err(format!("{func} needs a square matrix, and its argument is {a}"))
        }
        Func::Inv => Ok(a),
        Func::Tr | Func::Logdet | Func::Det | Func::Sum => Ok(Shape::SCALAR),
        Func::Exp | Func::Log | Func::Sigmoid | Func::Tanh | Func::Relu | Func::Step => Ok(a),
        Func::Eye => Err("eye(k) is sized by its argument's value, not its shape".into()),
    }
}

/// What the checker knows about a name: its shape, and its value when it is a size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameInfo {
    /// The shape of its value.
    pub shape: Shape,
    /// `Some(k)` for a size name such as `n` (usable in `eye(n)`).
    pub size: Option<usize>,
}

/// The names an expression may use, in the order they were defined.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    names: Vec<(String, NameInfo)>,
}

impl Scope {
    /// Adds a name (a later definition of the same name is the caller's bug: check first with
    /// [`Scope::get`]).
    pub fn insert(&mut self, name: &str, info: NameInfo) {
        debug_assert!(self.get(name).is_none(), "{name} defined twice");
        self.names.push((name.to_string(), info));
    }

    /// What is known about `name`.
    pub fn get(&self, name: &str) -> Option<NameInfo> {
        self.names.iter().find(|(n, _)| n == name).map(|(_, i)| *i)
    }

    /// Every name, in definition order.
    pub fn known(&self) -> Vec<String> {
        self.names.iter().map(|(n, _)| n.clone()).collect()
    }
}

/// The shape of `expr`, or the first operation whose shapes do not fit (with its text marked).
pub fn check(expr: &Expr, scope: &Scope, sources: &Sources) -> Result<Shape, CheckError> {
    let mismatch = |detail: String| CheckError::Shape {
        op: sources.slice(expr.span).to_string(),
        detail,
        at: sources.snippet(expr.span),
    };
    match &expr.kind {
        ExprKind::Num(_) => Ok(Shape::SCALAR),
        ExprKind::Name(name) => scope.get(name).map(|i| i.shape).ok_or_else(|| CheckError::UnknownName {
            name: name.clone(),
            known: scope.known(),
            at: sources.snippet(expr.span),
        }),
        ExprKind::Neg(a) => check(a, scope, sources),
        ExprKind::Transpose(a) => Ok(check(a, scope, sources)?.t()),
        ExprKind::Binary(op, a, b) => {
            let (sa, sb) = (check(a, scope, sources)?, check(b, scope, sources)?);
            binary_shape(*op, sa, sb).map_err(|detail| {
                let better = product_suggestion(*op, (a, sa), (b, sb), sources);
                mismatch(format!("{detail}{better}"))
            })
        }
        ExprKind::Call(Func::Eye, arg) => eye_size(arg, scope).map(|k| Shape::new(k, k)).ok_or_else(|| {
            mismatch(format!(
                "eye(k) takes a size: a whole number from 1 to {MAX_EYE} such as eye(3), or a size name such as eye(n)"
            ))
        }),
        ExprKind::Call(func, a) => call_shape(*func, check(a, scope, sources)?).map_err(mismatch),
    }
}

/// The largest `k` of `eye(k)` written as a number.
pub const MAX_EYE: usize = 1000;

/// The size `k` of `eye(k)`: a whole number literal from 1 to [`MAX_EYE`], or a size name.
pub fn eye_size(arg: &Expr, scope: &Scope) -> Option<usize> {
    match &arg.kind {
        ExprKind::Num(v) if *v >= 1.0 && v.fract() == 0.0 && *v <= MAX_EYE as f64 => Some(*v as usize),
        ExprKind::Name(n) => scope.get(n).and_then(|i| i.size),
        _ => None,
    }
}

/// For a product that does not chain, the transposed forms that would (`; x*r' chains`).
fn product_suggestion(op: BinOp, a: (&Expr, Shape), b: (&Expr, Shape), sources: &Sources) -> String {
    if op != BinOp::Mul {
        return String::new();
    }
    let (ta, tb) = (sources.slice(a.0.outer), sources.slice(b.0.outer));
    let wrap = |t: &str, e: &Expr| match e.kind {
        _ if e.outer != e.span => format!("{t}'"),
        ExprKind::Name(_) | ExprKind::Num(_) | ExprKind::Call(..) | ExprKind::Transpose(_) => format!("{t}'"),
        _ => format!("({t})'"),
    };
    let mut fits = Vec::new();
    if a.1.cols == b.1.cols {
        fits.push(format!("{ta}*{}", wrap(tb, b.0)));
    }
    if a.1.rows == b.1.rows {
        fits.push(format!("{}*{tb}", wrap(ta, a.0)));
    }
    if fits.is_empty() { String::new() } else { format!(" (did you mean {}?)", fits.join(" or ")) }
}
