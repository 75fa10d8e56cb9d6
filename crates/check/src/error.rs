//! Input that cannot be judged: typed errors that say where the problem is and what to do next.
//!
//! Errors about a piece of text carry a [`Snippet`] (the text and the byte range at fault), so
//! that a command line can print the text with a caret under the position:
//!
//! ```text
//! error: syntax error in the gradient at column 11: expected a name, a number or `(` after `+`
//!   W*(x*r' + )
//!             ^
//! ```

use core::fmt;

use crate::shapes::Shape;

/// Which input a piece of text is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The loss (`--loss`, or a built-in problem's).
    Loss,
    /// The gradient being judged.
    Gradient,
    /// A helper name defined with `--let NAME=...`.
    Let(String),
    /// A name a built-in problem defines (`I`, `K`).
    Builtin(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Loss => f.write_str("the loss"),
            Origin::Gradient => f.write_str("the gradient"),
            Origin::Let(name) => write!(f, "--let {name}"),
            Origin::Builtin(name) => write!(f, "the built-in definition of {name}"),
        }
    }
}

/// A piece of input text with the byte range `start..end` marked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    /// Which input.
    pub origin: Origin,
    /// The whole text.
    pub text: String,
    /// First marked byte.
    pub start: usize,
    /// One past the last marked byte (`start` for a position between characters).
    pub end: usize,
}

impl Snippet {
    /// The 1-based column (in characters) of the first marked character.
    pub fn column(&self) -> usize {
        self.text[..self.start].chars().count() + 1
    }

    /// Two lines: the text indented by two spaces, and `^` under each marked character (one `^`
    /// at the position when the range is empty, e.g. at the end of the text).
    pub fn caret(&self) -> String {
        let pad = self.text[..self.start].chars().count();
        let width = self.text[self.start..self.end].chars().count().max(1);
        format!("  {}\n  {}{}", self.text, " ".repeat(pad), "^".repeat(width))
    }
}

/// Why an input cannot be judged. Every message ends with what to do about it.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The text does not parse.
    #[error("syntax error in {} at column {}: {message}", .at.origin, .at.column())]
    Syntax {
        /// What was expected or found.
        message: String,
        /// Where.
        at: Box<Snippet>,
    },
    /// A name that is not defined.
    #[error("unknown name `{name}` in {}; the known names are {}", .at.origin, .known.join(", "))]
    UnknownName {
        /// The name.
        name: String,
        /// Every name the expression could use.
        known: Vec<String>,
        /// Where.
        at: Box<Snippet>,
    },
    /// A call of a function the language does not have.
    #[error("unknown function `{name}` in {}; the functions are {}", .at.origin, crate::ast::Func::ALL.map(|f| f.name()).join(", "))]
    UnknownFunction {
        /// The name.
        name: String,
        /// Where.
        at: Box<Snippet>,
    },
    /// An operation whose operands' shapes do not fit.
    #[error("shape mismatch in {}: {op}: {detail}", .at.origin)]
    Shape {
        /// The operation as typed, e.g. `x*r`.
        op: String,
        /// What does not fit, e.g. `(5×1)·(5×1) do not chain`.
        detail: String,
        /// Where.
        at: Box<Snippet>,
    },
    /// The gradient's shape differs from the variable's.
    #[error(
        "the gradient is {got}, but {wrt} is {want}: ∇{wrt} has the shape of {wrt}{}",
        if got.rows == want.cols && got.cols == want.rows { " (yours is its transpose's shape: transpose it?)" } else { "" }
    )]
    GradientShape {
        /// The variable.
        wrt: String,
        /// The gradient expression's shape.
        got: Shape,
        /// The variable's shape.
        want: Shape,
        /// The gradient text.
        at: Box<Snippet>,
    },
    /// The loss is a matrix, not a scalar.
    #[error("the loss must be a scalar (1×1), but it is {shape}; reduce it, e.g. with sum(...) or tr(...)")]
    LossNotScalar {
        /// Its shape.
        shape: Shape,
        /// The loss text.
        at: Box<Snippet>,
    },
    /// Too few random points could judge: the loss was NaN or ±∞ there (or next to it), or flat
    /// in the variable.
    #[error(
        "only {usable} of the {attempts} random points tried could judge the gradient (the last: {last}); \
         make the loss finite and not constant in {wrt} for generic inputs (logdet and log need positive \
         arguments, e.g. logdet(A*A' + eye(3)))"
    )]
    NoUsablePoint {
        /// How many could.
        usable: usize,
        /// How many points were drawn.
        attempts: usize,
        /// The variable.
        wrt: String,
        /// Why the last one could not judge.
        last: String,
    },
    /// `--wrt` names something that is not a variable.
    #[error("--wrt {name}: {why}; the variables of this problem are {}", .variables.join(", "))]
    NotAVariable {
        /// The name given.
        name: String,
        /// Why it cannot be differentiated against.
        why: String,
        /// The names that can.
        variables: Vec<String>,
    },
    /// A definition (`--shape`, `--size`, `--let`) that is malformed or clashes with a name.
    #[error("{0}")]
    Definition(String),
}

impl CheckError {
    /// The marked input text, when the error is about one.
    pub fn snippet(&self) -> Option<&Snippet> {
        match self {
            CheckError::Syntax { at, .. }
            | CheckError::UnknownName { at, .. }
            | CheckError::UnknownFunction { at, .. }
            | CheckError::Shape { at, .. }
            | CheckError::GradientShape { at, .. }
            | CheckError::LossNotScalar { at, .. } => Some(at.as_ref()),
            _ => None,
        }
    }
}
