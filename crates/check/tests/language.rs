//! The matrix language: precedence, broadcasting and every function against direct computation;
//! syntax, name and shape errors with the position and the message a user sees.

use handgrad_check::{CheckError, evaluate};
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, ops, tol};

fn scalar(text: &str) -> f64 {
    let v = evaluate(text, &[]).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(v.shape(), (1, 1), "{text}");
    v.get(0, 0)
}

/// Equal shapes and `max |a − b| ≤ NAIVE_F64·(1 + max |b|)` (false on any NaN or ∞).
fn close(a: &Matrix<f64>, b: &Matrix<f64>) -> bool {
    if a.shape() != b.shape() {
        return false;
    }
    let mut d = a.clone();
    handgrad_tensor::ops::axpy(&mut d, -1.0, b);
    ops::max_abs(&d) <= tol::NAIVE_F64 * (1.0 + ops::max_abs(b))
}

#[test]
fn precedence_and_associativity() {
    for (text, want) in [
        ("2*3+4", 10.0),
        ("2+3*4", 14.0),
        ("1-2-3", -4.0),
        ("8/4/2", 1.0),
        ("-2^2", -4.0),
        ("2^-1", 0.5),
        ("2^3^2", 512.0),
        ("(1+2)*3", 9.0),
        ("2.*3", 6.0),
        (".5*4", 2.0),
        ("1e-3*1e3", 1.0),
        ("-(1-3)'", 2.0),
        ("2*-3", -6.0),
        ("+4", 4.0),
    ] {
        assert_eq!(scalar(text), want, "{text}");
    }
}

#[test]
fn products_transposes_and_broadcasting_match_direct_loops() {
    let mut rng = rng_from_seed(3);
    let a: Matrix<f64> = randn(3, 4, 1.0, &mut rng);
    let b: Matrix<f64> = randn(4, 2, 1.0, &mut rng);
    let c: Matrix<f64> = randn(3, 4, 1.0, &mut rng);
    let names = [("A", &a), ("B", &b), ("C", &c)];
    let ev = |t: &str| evaluate(t, &names).unwrap_or_else(|e| panic!("{t}: {e}"));
    let ab = Matrix::from_fn(3, 2, |i, j| (0..4).map(|k| a.get(i, k) * b.get(k, j)).sum());
    assert!(close(&ev("A*B"), &ab));
    assert!(close(&ev("(B'*A')'"), &ab));
    assert!(close(&ev("A + 1"), &Matrix::from_fn(3, 4, |i, j| a.get(i, j) + 1.0)));
    assert!(close(&ev("1 - A"), &Matrix::from_fn(3, 4, |i, j| 1.0 - a.get(i, j))));
    assert!(close(&ev("A .* C ./ 2"), &Matrix::from_fn(3, 4, |i, j| a.get(i, j) * c.get(i, j) / 2.0)));
    assert!(close(&ev("A .^ 2"), &Matrix::from_fn(3, 4, |i, j| a.get(i, j).powi(2))));
    assert!(close(&ev("(A'*A)*2"), &ev("2*A'*A")));
    assert!(close(&ev("sum(A)*C"), &Matrix::from_fn(3, 4, |i, j| a.as_slice().iter().sum::<f64>() * c.get(i, j))));
}

#[test]
fn functions_match_direct_computation() {
    let s = Matrix::from_rows(&[[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]]);
    let n = Matrix::from_rows(&[[0.0, 1.0], [1.0, 0.0]]); // det −1
    let v = Matrix::from_rows(&[[-1.5, 0.0, 2.0]]);
    let names = [("S", &s), ("N", &n), ("v", &v)];
    let ev = |t: &str| evaluate(t, &names).unwrap_or_else(|e| panic!("{t}: {e}"));
    let det = 4.0 * (3.0 * 2.0 - 0.04) - 1.0 * (2.0 - 0.1) + 0.5 * (0.2 - 1.5);
    assert!((ev("det(S)").get(0, 0) - det).abs() < 1e-12);
    assert!((ev("logdet(S)").get(0, 0) - det.ln()).abs() < 1e-12);
    assert!(close(&ev("inv(S)*S"), &Matrix::identity(3)));
    assert!(close(&ev("S*inv(S)"), &ev("eye(3)")));
    assert_eq!(ev("det(N)").get(0, 0), -1.0);
    assert!(ev("logdet(N)").get(0, 0).is_nan(), "no real log of a negative determinant");
    assert!(ev("inv(0*S)").as_slice().iter().any(|x| !x.is_finite()), "a singular matrix gives ∞/NaN, no panic");
    assert_eq!(ev("tr(S)").get(0, 0), 9.0);
    assert_eq!(ev("sum(v)").get(0, 0), 0.5);
    assert_eq!(ev("relu(v)").as_slice(), &[0.0, 0.0, 2.0]);
    assert_eq!(ev("step(v)").as_slice(), &[0.0, 0.0, 1.0]);
    assert_eq!(ev("sigmoid(v)").get(0, 1), 0.5);
    assert!((ev("tanh(v)").get(0, 2) - 2f64.tanh()).abs() < 1e-15);
    assert!((ev("exp(log(S))").get(1, 1) - 3.0).abs() < 1e-14);
    assert!(ev("log(v)").get(0, 0).is_nan() && ev("relu(log(v))").get(0, 0).is_nan(), "NaN propagates");
}

/// `(column, message part)` of a syntax error.
fn syntax(text: &str) -> (usize, String) {
    match evaluate(text, &[("W", &Matrix::zeros(2, 2)), ("x", &Matrix::zeros(2, 1))]) {
        Err(e @ CheckError::Syntax { .. }) => (e.snippet().unwrap().column(), e.to_string()),
        other => panic!("{text}: expected a syntax error, got {other:?}"),
    }
}

#[test]
fn syntax_errors_point_at_the_position() {
    let (col, msg) = syntax("W*(x*x' + )");
    assert_eq!(col, 11, "{msg}");
    assert!(msg.contains("after `+`, found `)`"), "{msg}");
    let e = evaluate("W*(x*x' + )", &[]).unwrap_err();
    assert_eq!(e.snippet().unwrap().caret(), "  W*(x*x' + )\n            ^");
    for (text, col, part) in [
        ("2W", 2, "missing operator before `W`"),
        ("W*", 3, "after `*`, found the end of the text"),
        ("(W + x", 1, "expected `)` to close the `(` here"),
        ("W)", 2, "no matching `(`"),
        ("exp + W", 1, "`exp` is a function: write exp(...)"),
        ("tr(W, W)", 5, "takes one argument"),
        ("W @ x", 3, "unexpected character `@`"),
        ("W . x", 3, "`.` starts an elementwise operator"),
        ("", 1, "empty"),
        ("W**x", 3, "after `*`, found `*`"),
    ] {
        let (c, msg) = syntax(text);
        assert_eq!(c, col, "{text}: {msg}");
        assert!(msg.contains(part), "{text}: {msg}");
    }
}

#[test]
fn unknown_names_and_functions_list_the_known_ones() {
    let w = Matrix::zeros(2, 2);
    let e = evaluate("W*V", &[("W", &w), ("x", &w)]).unwrap_err();
    assert_eq!(e.to_string(), "unknown name `V` in the gradient; the known names are W, x");
    assert_eq!(e.snippet().unwrap().column(), 3);
    let e = evaluate("foo(W)", &[("W", &w)]).unwrap_err();
    assert!(
        e.to_string().starts_with("unknown function `foo` in the gradient; the functions are inv, tr, logdet"),
        "{e}"
    );
}

#[test]
fn shape_mismatches_name_the_operation_and_both_shapes() {
    let x = Matrix::zeros(5, 1);
    let w = Matrix::zeros(3, 5);
    let names = [("x", &x), ("r", &x), ("W", &w)];
    let msg = |t: &str| evaluate(t, &names).unwrap_err().to_string();
    assert_eq!(
        msg("W*(x*r)"),
        "shape mismatch in the gradient: x*r: (5×1)·(5×1) do not chain (did you mean x*r' or x'*r?)"
    );
    assert!(msg("x + W").contains("x + W: (5×1) + (3×5): the shapes differ and neither side is a scalar"));
    assert!(msg("W ./ x").contains("(3×5) ./ (5×1)"));
    assert!(msg("W/x").contains("`/` divides by a scalar"));
    assert!(msg("W^2").contains("use .^ for an elementwise power"));
    assert!(msg("inv(W)").contains("inv needs a square matrix, and its argument is 3×5"));
    assert!(msg("eye(x)").contains("eye(k) takes a size"));
    assert!(msg("eye(2.5)").contains("eye(k) takes a size"));
    let e = evaluate("W*(x*r)", &names).unwrap_err();
    assert_eq!(e.snippet().unwrap().caret(), "  W*(x*r)\n     ^^^");
}
