//! The expression tree of the matrix language, and the table of input texts it was parsed from.
//!
//! Every node carries a [`Span`]: which input text ([`SourceId`]) and which byte range of it. Spans
//! give errors their caret, and they name each *occurrence* of a variable: the judge's "path"
//! hints perturb one occurrence at a time (`W'*W*x` has two occurrences of `W`, two paths).

use core::fmt;

use crate::error::{Origin, Snippet};

/// Index of an input text in [`Sources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceId(pub usize);

/// A byte range `start..end` of one input text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// Which text.
    pub source: SourceId,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The smallest span covering `self` and `other` (same source).
    pub fn to(self, other: Span) -> Span {
        Span { source: self.source, start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// The input texts of one problem: its built-in definitions, the loss, each `--let`, the gradient.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    texts: Vec<(Origin, String)>,
}

impl Sources {
    /// Stores a text and returns its id.
    pub fn add(&mut self, origin: Origin, text: &str) -> SourceId {
        self.texts.push((origin, text.to_string()));
        SourceId(self.texts.len() - 1)
    }

    /// The whole text of a source.
    pub fn text(&self, id: SourceId) -> &str {
        &self.texts[id.0].1
    }

    /// Where a source came from.
    pub fn origin(&self, id: SourceId) -> &Origin {
        &self.texts[id.0].0
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        &self.text(span.source)[span.start..span.end]
    }

    /// The span's text with its range marked, for an error message (boxed: errors stay small).
    pub fn snippet(&self, span: Span) -> Box<Snippet> {
        let (origin, text) = &self.texts[span.source.0];
        Box::new(Snippet { origin: origin.clone(), text: text.clone(), start: span.start, end: span.end })
    }
}

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `a + b`: equal shapes, or a scalar on either side (broadcast).
    Add,
    /// `a - b`: as `+`.
    Sub,
    /// `a * b`: matrix product, or scalar × matrix on either side.
    Mul,
    /// `a / b`: division by a scalar.
    Div,
    /// `a .* b`: elementwise product (equal shapes or a scalar side).
    ElemMul,
    /// `a ./ b`: elementwise quotient.
    ElemDiv,
    /// `a ^ b`: power of scalars.
    Pow,
    /// `a .^ b`: elementwise power.
    ElemPow,
}

impl BinOp {
    /// The operator as typed.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::ElemMul => ".*",
            BinOp::ElemDiv => "./",
            BinOp::Pow => "^",
            BinOp::ElemPow => ".^",
        }
    }
}

/// A built-in function; each takes one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// `inv(A)`: inverse of a square matrix.
    Inv,
    /// `tr(A)`: trace of a square matrix (a scalar).
    Tr,
    /// `logdet(A)`: `ln det A` of a square matrix (NaN when `det A ≤ 0`).
    Logdet,
    /// `det(A)`: determinant of a square matrix.
    Det,
    /// `sum(A)`: the sum of all elements (a scalar).
    Sum,
    /// `exp(A)`, elementwise.
    Exp,
    /// `log(A)`: natural logarithm, elementwise.
    Log,
    /// `sigmoid(A) = 1 / (1 + e^−A)`, elementwise.
    Sigmoid,
    /// `tanh(A)`, elementwise.
    Tanh,
    /// `relu(A) = max(0, A)`, elementwise.
    Relu,
    /// `step(A)`: 1 where `A > 0`, else 0, elementwise — `relu`'s derivative (0 at the kink, as in
    /// `handgrad-nn`'s ReLU backward).
    Step,
    /// `eye(k)`: the `k×k` identity; `k` is a whole number or a size name.
    Eye,
}

impl Func {
    /// Every function, in the order the help lists them.
    pub const ALL: [Func; 12] = [
        Func::Inv,
        Func::Tr,
        Func::Logdet,
        Func::Det,
        Func::Sum,
        Func::Exp,
        Func::Log,
        Func::Sigmoid,
        Func::Tanh,
        Func::Relu,
        Func::Step,
        Func::Eye,
    ];

    /// The function's name in the language.
    pub fn name(self) -> &'static str {
        match self {
            Func::Inv => "inv",
            Func::Tr => "tr",
            Func::Logdet => "logdet",
            Func::Det => "det",
            Func::Sum => "sum",
            Func::Exp => "exp",
            Func::Log => "log",
            Func::Sigmoid => "sigmoid",
            Func::Tanh => "tanh",
            Func::Relu => "relu",
            Func::Step => "step",
            Func::Eye => "eye",
        }
    }

    /// The function called `name`, if any.
    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for Func {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A node of the expression tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// The input text it was parsed from, without parentheses around it (`x*r` in `W*(x*r)`).
    pub span: Span,
    /// The same with the parentheses around it, if any (`(x*r)`): what an operation that uses
    /// the node as an operand covers.
    pub outer: Span,
}

impl Expr {
    /// A node whose text has no parentheses around it.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span, outer: span }
    }
}

/// The kinds of node.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A number literal (a 1×1 value).
    Num(f64),
    /// A name: a variable, a size, a scalar or a defined name.
    Name(String),
    /// `-a`.
    Neg(Box<Expr>),
    /// `a'`.
    Transpose(Box<Expr>),
    /// `a op b`.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `f(a)`.
    Call(Func, Box<Expr>),
}

impl Expr {
    /// Calls `visit` on this node and every node below it, parents first.
    pub fn walk<'a>(&'a self, visit: &mut impl FnMut(&'a Expr)) {
        visit(self);
        match &self.kind {
            ExprKind::Num(_) | ExprKind::Name(_) => {}
            ExprKind::Neg(a) | ExprKind::Transpose(a) | ExprKind::Call(_, a) => a.walk(visit),
            ExprKind::Binary(_, a, b) => {
                a.walk(visit);
                b.walk(visit);
            }
        }
    }

    /// The names this expression reads, each once, in order of first appearance.
    pub fn names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        self.walk(&mut |e| {
            if let ExprKind::Name(n) = &e.kind
                && !out.contains(&n.as_str())
            {
                out.push(n);
            }
        });
        out
    }

    /// The top-level terms of a sum: `a - b + c` → `[(+1, a), (−1, b), (+1, c)]`; an expression
    /// that is not a sum is one term.
    pub fn terms(&self) -> Vec<(f64, &Expr)> {
        let mut out = Vec::new();
        self.collect_terms(1.0, &mut out);
        out
    }

    fn collect_terms<'a>(&'a self, sign: f64, out: &mut Vec<(f64, &'a Expr)>) {
        match &self.kind {
            ExprKind::Binary(BinOp::Add, a, b) => {
                a.collect_terms(sign, out);
                b.collect_terms(sign, out);
            }
            ExprKind::Binary(BinOp::Sub, a, b) => {
                a.collect_terms(sign, out);
                b.collect_terms(-sign, out);
            }
            _ => out.push((sign, self)),
        }
    }
}
