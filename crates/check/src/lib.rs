#![doc = include_str!("../README.md")]
//!
//! ## Tour
//!
//! A judge for hand-derived gradients: type `∂L/∂V` as a matrix expression, and it is compared
//! with central finite differences of `L` in `f64`, at several random points of small size. This
//! is the library behind `cargo xtask check-gradient`.
//!
//! - [`parser`] / [`lexer`] / [`ast`]: a small matrix language — names, numbers, `+ - * / .* ./
//!   ^ .^ '`, parentheses, and `inv tr logdet det sum exp log sigmoid tanh relu step eye(k)`
//!   (`step`, relu's derivative, is beyond issue 14's list: without it a ReLU gradient cannot be
//!   written);
//! - [`shapes`]: the shape rule of every operation, checked before anything is computed;
//! - [`eval`]: the evaluator on `handgrad_tensor::Matrix<f64>` (`inv`, `det`, `logdet` from `handgrad_tensor::linalg`);
//! - [`problem`]: the loss and its inputs — the tied autoencoder, the GP-LVM, or your own;
//! - [`judge`](mod@judge): the verdict, `rel_error`, the worst element, and finite differences that cannot
//!   call a right formula wrong because of their own noise (`handgrad_tensor::gradcheck`);
//! - [`hints`]: what kind of wrong (a factor, a transpose, a sign, a missing path);
//! - [`error`]: input that cannot be judged, with the position for a caret;
//! - [`spec`]: the command line's `--shape`, `--size` and `--let` definitions.

pub mod ast;
pub mod error;
pub mod eval;
pub mod hints;
pub mod judge;
pub mod lexer;
pub mod parser;
pub mod problem;
pub mod report;
pub mod shapes;
pub mod spec;

pub use error::{CheckError, Origin, Snippet};
pub use hints::{Hint, HintKind};
pub use judge::{JudgeConfig, Report, Verdict, judge};
pub use problem::{Activation, Problem};
pub use shapes::Shape;

use handgrad_tensor::Matrix;

/// Evaluates one expression with the given names bound (each a matrix; scalars are 1×1), e.g. a
/// closed form in a test: `evaluate("alpha*(inv(K)*Y*Y'*inv(K) - D*inv(K))*X", &[("K", &k), ...])`.
pub fn evaluate(text: &str, names: &[(&str, &Matrix<f64>)]) -> Result<Matrix<f64>, CheckError> {
    let mut sources = ast::Sources::default();
    let id = sources.add(Origin::Gradient, text);
    let expr = parser::parse(&sources, id)?;
    let mut scope = shapes::Scope::default();
    let mut env = eval::Env::new();
    for (name, value) in names {
        let shape = Shape::new(value.rows(), value.cols());
        if scope.get(name).is_none() {
            scope.insert(name, shapes::NameInfo { shape, size: None });
        }
        env.set(name, (*value).clone());
    }
    shapes::check(&expr, &scope, &sources)?;
    Ok(eval::eval(&expr, &env, None))
}
