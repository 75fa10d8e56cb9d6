//! The evaluator: a shape-checked expression computed on `handgrad_tensor::Matrix<f64>` values.
//!
//! Every value is a matrix; a scalar is 1×1. Products go through `handgrad_tensor::gemm`
//! (one thread), `inv`/`det`/`logdet` through [`handgrad_tensor::linalg`]. NaN and ±∞ propagate (`relu(NaN)`
//! is NaN, `log(−1)` is NaN): the judge looks at the result, the evaluator never hides one.
//!
//! An [`Override`] makes one occurrence of a name (one node, by its span) read another value:
//! that is how the judge differentiates along one path of a formula.

use handgrad_tensor::gemm::{Accum, Par, matmul};
use handgrad_tensor::{Matrix, ops};

use crate::ast::{BinOp, Expr, ExprKind, Func, Span};
use handgrad_tensor::linalg;

/// Values of names.
#[derive(Clone, Debug, Default)]
pub struct Env {
    values: Vec<(String, Matrix<f64>)>,
}

impl Env {
    /// An empty environment.
    pub fn new() -> Env {
        Env::default()
    }

    /// Binds `name` to `value`, replacing an earlier binding.
    pub fn set(&mut self, name: &str, value: Matrix<f64>) {
        match self.values.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.values.push((name.to_string(), value)),
        }
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Matrix<f64>> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// One occurrence of a name (the [`ExprKind::Name`] node at `span`) reading `value` instead of
/// the environment's binding.
#[derive(Clone, Copy, Debug)]
pub struct Override<'a> {
    /// The occurrence.
    pub span: Span,
    /// What it reads.
    pub value: &'a Matrix<f64>,
}

/// The value of `expr`.
///
/// # Panics
/// If a name is unbound or shapes do not fit: run [`crate::shapes::check`] first.
pub fn eval(expr: &Expr, env: &Env, over: Option<Override<'_>>) -> Matrix<f64> {
    let ev = |e: &Expr| eval(e, env, over);
    match &expr.kind {
        ExprKind::Num(v) => Matrix::full(1, 1, *v),
        ExprKind::Name(name) => match over {
            Some(o) if o.span == expr.span => o.value.clone(),
            _ => env.get(name).unwrap_or_else(|| panic!("eval: `{name}` is unbound (not shape-checked?)")).clone(),
        },
        ExprKind::Neg(a) => map(&ev(a), |v| -v),
        ExprKind::Transpose(a) => ev(a).transpose(),
        ExprKind::Binary(op, a, b) => binary(*op, &ev(a), &ev(b)),
        ExprKind::Call(Func::Eye, a) => Matrix::identity(ev(a).get(0, 0) as usize),
        ExprKind::Call(func, a) => call(*func, &ev(a)),
    }
}

fn binary(op: BinOp, a: &Matrix<f64>, b: &Matrix<f64>) -> Matrix<f64> {
    match op {
        BinOp::Add => broadcast(a, b, |x, y| x + y),
        BinOp::Sub => broadcast(a, b, |x, y| x - y),
        BinOp::ElemMul => broadcast(a, b, |x, y| x * y),
        BinOp::ElemDiv => broadcast(a, b, |x, y| x / y),
        BinOp::ElemPow | BinOp::Pow => broadcast(a, b, f64::powf),
        BinOp::Div => broadcast(a, b, |x, y| x / y),
        BinOp::Mul if a.shape() == (1, 1) || b.shape() == (1, 1) => broadcast(a, b, |x, y| x * y),
        BinOp::Mul => {
            let mut c = Matrix::zeros(a.rows(), b.cols());
            matmul(&mut c, a, b, Accum::Replace, Par::Seq);
            c
        }
    }
}

/// `f` elementwise over equal shapes, or with a 1×1 side repeated.
///
/// # Panics
/// If the shapes differ and neither is 1×1.
fn broadcast(a: &Matrix<f64>, b: &Matrix<f64>, f: impl Fn(f64, f64) -> f64) -> Matrix<f64> {
    if a.shape() == b.shape() {
        let mut out = Matrix::zeros(a.rows(), a.cols());
        ops::zip_map(&mut out, a, b, f);
        out
    } else if b.shape() == (1, 1) {
        let y = b.get(0, 0);
        map(a, |x| f(x, y))
    } else if a.shape() == (1, 1) {
        let x = a.get(0, 0);
        map(b, |y| f(x, y))
    } else {
        panic!("eval: shapes {:?} and {:?} do not broadcast (not shape-checked?)", a.shape(), b.shape())
    }
}

fn map(a: &Matrix<f64>, f: impl Fn(f64) -> f64) -> Matrix<f64> {
    let mut out = Matrix::zeros(a.rows(), a.cols());
    ops::map(&mut out, a, f);
    out
}

fn scalar(v: f64) -> Matrix<f64> {
    Matrix::full(1, 1, v)
}

fn call(func: Func, a: &Matrix<f64>) -> Matrix<f64> {
    match func {
        Func::Inv => linalg::inv(a, Par::Seq),
        Func::Det => scalar(linalg::det(a, Par::Seq)),
        Func::Logdet => scalar(linalg::logdet(a, Par::Seq)),
        Func::Tr => scalar((0..a.rows()).map(|i| a.get(i, i)).sum()),
        Func::Sum => scalar(ops::sum(a)),
        Func::Exp => map(a, f64::exp),
        Func::Log => map(a, f64::ln),
        Func::Sigmoid => map(a, handgrad_nn::layers::sigmoid),
        Func::Tanh => map(a, f64::tanh),
        // `v < 0 → 0` keeps a NaN a NaN (`max(0, NaN)` would be 0).
        Func::Relu => map(a, |v| if v < 0.0 { 0.0 } else { v }),
        Func::Step => map(a, |v| {
            if v > 0.0 {
                1.0
            } else if v.is_nan() {
                v
            } else {
                0.0
            }
        }),
        Func::Eye => unreachable!("eye is evaluated from its argument's value"),
    }
}
