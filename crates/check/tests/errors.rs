//! Input that cannot be judged gets a typed error with a clear message, never a panic or a verdict.

use handgrad_check::spec::{parse_let, parse_shape, parse_size};
use handgrad_check::{CheckError, JudgeConfig, Problem, Shape, judge};

fn autoencoder() -> Problem {
    let mut p = Problem::autoencoder(None, &[]).unwrap();
    p.define("r", "W'*W*x - x").unwrap();
    p
}

fn error(p: &Problem, wrt: &str, grad: &str) -> CheckError {
    judge(p, wrt, grad, &JudgeConfig::default()).expect_err(grad)
}

#[test]
fn a_gradient_of_the_wrong_shape() {
    let e = error(&autoencoder(), "W", "(x*r' + r*x')*W'");
    assert!(matches!(e, CheckError::GradientShape { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "the gradient is 5×3, but W is 3×5: ∇W has the shape of W (yours is its transpose's shape: transpose it?)"
    );
    let e = error(&autoencoder(), "W", "r");
    assert_eq!(e.to_string(), "the gradient is 5×1, but W is 3×5: ∇W has the shape of W");
}

#[test]
fn a_shape_mismatch_in_the_gradient_names_the_operation() {
    let e = error(&autoencoder(), "W", "W*(x*r + r*x')");
    assert!(e.to_string().contains("x*r: (5×1)·(5×1) do not chain"), "{e}");
    assert_eq!(e.snippet().unwrap().column(), 4);
}

#[test]
fn a_loss_that_is_not_a_scalar() {
    let shapes = [("A".to_string(), Shape::new(4, 3)), ("x".into(), Shape::new(3, 1)), ("b".into(), Shape::new(4, 1))];
    let e = Problem::custom("(A*x - b).^2", &shapes, &[]).unwrap_err();
    assert!(matches!(e, CheckError::LossNotScalar { .. }), "{e:?}");
    assert!(e.to_string().starts_with("the loss must be a scalar (1×1), but it is 4×1"), "{e}");
}

#[test]
fn a_loss_that_is_never_finite_or_never_varies() {
    let p = Problem::custom("sum(log(-exp(a)))", &[("a".into(), Shape::new(2, 2))], &[]).unwrap();
    let e = error(&p, "a", "1 + 0*a");
    assert!(matches!(e, CheckError::NoUsablePoint { usable: 0, attempts: 13, .. }), "{e:?}");
    assert!(e.to_string().contains("the loss is NaN at the drawn point"), "{e}");
    let p =
        Problem::custom("sum(a) + 0*sum(b)", &[("a".into(), Shape::new(2, 2)), ("b".into(), Shape::new(1, 3))], &[])
            .unwrap();
    let e = error(&p, "b", "0*b");
    assert!(e.to_string().contains("the loss is flat in b"), "{e}");
}

#[test]
fn wrt_must_name_a_variable() {
    let p = autoencoder();
    for (wrt, why) in [("Z", "there is no input of that name"), ("n", "a size"), ("r", "defined from other names")] {
        let e = error(&p, wrt, "W");
        assert!(
            e.to_string().contains(why) && e.to_string().ends_with("the variables of this problem are W, x"),
            "{e}"
        );
    }
}

#[test]
fn definitions_are_checked() {
    let mut p = autoencoder();
    for (name, text, part) in
        [("W", "x", "`W` is already defined"), ("exp", "x", "`exp` is a function"), ("2r", "x", "a name is letters")]
    {
        let e = p.define(name, text).unwrap_err();
        assert!(e.to_string().contains(part), "{e}");
    }
    let e = p.define("s", "W*x*x").unwrap_err();
    assert!(e.to_string().starts_with("shape mismatch in --let s: W*x*x: (3×1)·(5×1) do not chain"), "{e}");
    let e = Problem::autoencoder(None, &[("k".into(), 2)]).unwrap_err();
    assert_eq!(e.to_string(), "--size k: the autoencoder problem's sizes are m, n");
    let e = Problem::gplvm(&[("N".into(), 0)]).unwrap_err();
    assert!(e.to_string().contains("a size is between 1 and 64"), "{e}");
    let e = Problem::custom("sum(A)", &[], &[]).unwrap_err();
    assert!(e.to_string().contains("give each with --shape NAME=RxC"), "{e}");
    let e = Problem::custom("sum(A)", &[("A".into(), Shape::new(0, 3))], &[]).unwrap_err();
    assert!(e.to_string().contains("each side is between 1 and 64"), "{e}");
    let e = error(&p, "W", "W*(");
    assert!(matches!(e, CheckError::Syntax { .. }), "{e:?}");
}

/// Input that would exhaust the stack or the memory is refused with a message, not a crash.
#[test]
fn limits_on_size_and_nesting() {
    let p = autoencoder();
    let deep = format!("{}W{}", "(".repeat(500), ")".repeat(500));
    assert!(error(&p, "W", &deep).to_string().contains("nests deeper than 100 levels"));
    let minus = format!("{}W", "-".repeat(500));
    assert!(error(&p, "W", &minus).to_string().contains("nests deeper than 100 levels"));
    let long = format!("W{}", " + W".repeat(1000));
    assert!(error(&p, "W", &long).to_string().contains("at most 2000 are accepted"));
    let ok = format!("{}W{}", "(".repeat(90), ")".repeat(90));
    assert!(judge(&p, "W", &ok, &JudgeConfig::default()).is_ok());
    assert!(
        error(&p, "W", "W + 0*sum(eye(100000))")
            .to_string()
            .contains("eye(k) takes a size: a whole number from 1 to 1000")
    );
    let e = Problem::custom("sum(A)", &[("A".into(), Shape::new(4096, 1))], &[]).unwrap_err();
    assert!(e.to_string().contains("each side is between 1 and 64"), "{e}");
    let e = judge(&p, "W", "W", &JudgeConfig { seed: 0, draws: 5000 }).unwrap_err();
    assert!(e.to_string().contains("from 1 to 1000 random points"), "{e}");
}

#[test]
fn command_line_specs() {
    assert_eq!(parse_shape("A=4x3").unwrap(), ("A".into(), Shape::new(4, 3)));
    assert_eq!(parse_shape(" b = 4×1").unwrap(), ("b".into(), Shape::new(4, 1)));
    assert_eq!(parse_size("n=7").unwrap(), ("n".into(), 7));
    assert_eq!(parse_let("r=W'*W*x - x").unwrap(), ("r".into(), "W'*W*x - x".into()));
    assert_eq!(parse_let("e=a==b").unwrap(), ("e".into(), "a==b".into()));
    for bad in ["A", "A=4", "A=4xk", "=4x3", "A=-1x3"] {
        assert!(parse_shape(bad).unwrap_err().to_string().contains("write NAME=RxC"), "{bad}");
    }
    assert!(parse_size("n=five").is_err() && parse_let("r").is_err());
}
