//! A loss of your own: least squares `½‖Ax − b‖²` and a log-determinant, typed on the command line.

mod common;

use common::{assert_correct_on_20_seeds, assert_wrong_on_20_seeds, judged};
use handgrad_check::{HintKind, Problem, Shape, Verdict};

fn least_squares() -> Problem {
    let shapes = [("A".to_string(), Shape::new(4, 3)), ("x".into(), Shape::new(3, 1)), ("b".into(), Shape::new(4, 1))];
    Problem::custom("0.5*sum((A*x - b).^2)", &shapes, &[]).unwrap()
}

#[test]
fn least_squares_gradients_are_correct_on_20_seeds() {
    let p = least_squares();
    assert_correct_on_20_seeds(&p, "x", "A'*(A*x - b)");
    assert_correct_on_20_seeds(&p, "A", "(A*x - b)*x'");
    assert_correct_on_20_seeds(&p, "b", "b - A*x");
}

#[test]
fn least_squares_slips_are_wrong() {
    let p = least_squares();
    let r = assert_wrong_on_20_seeds(&p, "x", "A'*(A*x + b)");
    println!("{r}");
    let r = assert_wrong_on_20_seeds(&p, "x", "2*A'*(A*x - b)");
    assert_eq!(r.hints[0].kind, HintKind::Factor, "{r}");
    let r = assert_wrong_on_20_seeds(&p, "b", "A*x - b");
    assert_eq!(r.hints[0].kind, HintKind::Sign, "{r}");
}

/// `∂/∂A [logdet(AᵀA + I) + tr(A S Aᵀ)]` with a size name in `eye(k)`.
#[test]
fn a_log_determinant_with_a_size_name() {
    let shapes = [("A".to_string(), Shape::new(5, 3)), ("S".into(), Shape::new(3, 3))];
    let p = Problem::custom("logdet(A'*A + eye(k)) + tr(A*S*A')", &shapes, &[("k".into(), 3)]).unwrap();
    assert_correct_on_20_seeds(&p, "A", "2*A*inv(A'*A + eye(k)) + A*(S + S')");
    let r = assert_wrong_on_20_seeds(&p, "A", "2*A*inv(A'*A + eye(k)) + 2*A*S");
    println!("{r}");
}

/// A loss that is NaN at some draws (log of a normal number) is judged at the others, and says so.
#[test]
fn points_where_the_loss_is_nan_are_redrawn() {
    let p = Problem::custom("sum(log(a))", &[("a".into(), Shape::new(1, 1))], &[]).unwrap();
    let r = judged(&p, "a", "1./a", 0);
    assert_eq!(r.verdict, Verdict::Correct, "{r}");
    assert!(!r.notes.is_empty() && r.notes.iter().all(|n| n.contains("the loss is NaN")), "{r}");
    println!("{r}");
}
