//! The tied autoencoder `L = ½‖WᵀWx − x‖²` (issue 14's homework problem): the right closed forms
//! pass on 20 seeds, the wrong ones of real submissions are rejected far from the tolerance, with
//! the hint that names their mistake.

mod common;

use common::{assert_correct_on_20_seeds, assert_wrong_on_20_seeds};
use handgrad_check::{Activation, HintKind, Problem, Report, Verdict};

fn linear() -> Problem {
    let mut p = Problem::autoencoder(None, &[]).unwrap();
    p.define("r", "W'*W*x - x").unwrap();
    p
}

fn judged(p: &Problem, grad: &str, seed: u64) -> Report {
    common::judged(p, "W", grad, seed)
}

fn assert_wrong(p: &Problem, grad: &str) -> Report {
    assert_wrong_on_20_seeds(p, "W", grad)
}

#[test]
fn the_right_forms_are_correct_on_20_seeds() {
    let p = linear();
    assert_correct_on_20_seeds(&p, "W", "W*(x*r' + r*x')");
    assert_correct_on_20_seeds(&p, "W", "W*(W'*W*x - x)*x' + W*x*(W'*W*x - x)'");
    // The same derivative written other ways.
    assert_correct_on_20_seeds(&p, "W", "W*x*r' + W*r*x'");
    assert_correct_on_20_seeds(&p, "W", "W*(x*x'*(W'*W - I) + (W'*W - I)*x*x')");
}

#[test]
fn the_commuting_form_is_wrong_and_the_hint_says_which_paths() {
    let r = assert_wrong(&linear(), "2*W*(W'*W - I)*x*x'");
    println!("{r}");
    // 2W(WᵀW − I)xxᵀ = 2·W r xᵀ: twice the path through the second W, none through Wᵀ.
    let h = r.hints.iter().find(|h| h.kind == HintKind::MissingPath).unwrap_or_else(|| panic!("{r}"));
    assert!(h.message.contains("`W'` (column 10 of the loss) left out"), "{}", h.message);
    assert!(h.message.contains("`W` (column 13 of the loss) counted twice"), "{}", h.message);
}

#[test]
fn each_single_path_is_wrong_and_named() {
    let p = linear();
    // W r xᵀ is the path through the second W (in W'*W*x); W x rᵀ is the path through Wᵀ.
    for (grad, missing) in [("W*r*x'", "`W'` (column 10"), ("W*x*r'", "`W` (column 13")] {
        let r = assert_wrong(&p, grad);
        println!("{r}");
        assert_eq!(r.hints.len(), 1, "{r}");
        assert_eq!(r.hints[0].kind, HintKind::MissingPath, "{r}");
        assert!(r.hints[0].message.contains(&format!("{missing} of the loss) left out")), "{r}");
    }
}

#[test]
fn factor_sign_and_transpose_slips_are_named() {
    let mut p = Problem::autoencoder(None, &[("m".into(), 4), ("n".into(), 4)]).unwrap(); // square W
    p.define("r", "W'*W*x - x").unwrap();
    for (grad, kind) in [
        ("0.5*W*(x*r' + r*x')", HintKind::Factor),
        ("-W*(x*r' + r*x')", HintKind::Sign),
        ("(W*(x*r' + r*x'))'", HintKind::Transpose),
    ] {
        let r = assert_wrong(&p, grad);
        println!("{r}");
        assert!(r.hints.iter().any(|h| h.kind == kind), "{grad}: no {kind:?} hint\n{r}");
    }
    let half = judged(&p, "0.5*W*(x*r' + r*x')", 0);
    assert!(half.hints[0].message.contains("1/2 times the true one"), "{half}");
}

/// A gradient with one NaN or one ∞ element, or all NaN, is rejected by the toolkit itself.
#[test]
fn nan_and_infinite_gradients_are_rejected() {
    let p = linear();
    let one_over_zero = "W*(x*r' + r*x') + 0*W./W.*(1/0)"; // every element ∞ or NaN
    for grad in ["W*(x*r' + r*x') + 0*log(-1)", "W*(x*r' + r*x')*(1/0)", one_over_zero] {
        let r = judged(&p, grad, 0);
        assert_eq!(r.verdict, Verdict::Wrong, "{grad}\n{r}");
        assert_eq!(r.rel_error(), f64::INFINITY, "{grad}\n{r}");
        assert_eq!(r.hints.len(), 1, "{r}");
        assert_eq!(r.hints[0].kind, HintKind::NotFinite, "{r}");
        println!("{r}");
    }
    // Only some elements: log(relu(W)) is −∞ where W < 0 (and −∞·0 is NaN), finite elsewhere.
    for grad in ["W*(x*r' + r*x') + log(relu(W))*0", "W*(x*r' + r*x') + log(relu(W))"] {
        let r = judged(&p, grad, 0);
        assert_eq!(r.verdict, Verdict::Wrong, "{r}");
        let negative = r.points.iter().map(|pt| pt.analytic.as_slice().iter().filter(|v| !v.is_finite()).count());
        let bad: Vec<usize> = r.points.iter().map(|pt| pt.disagreeing).collect();
        assert!(negative.zip(&bad).all(|(nf, &b)| nf > 0 && nf < 15 && b >= nf), "{r}");
        assert_eq!(r.hints[0].kind, HintKind::NotFinite, "{r}");
    }
}

#[test]
fn the_nonlinear_forms_are_correct_on_20_seeds() {
    for (f, df) in
        [(Activation::Sigmoid, "{f}.*(1 - {f})"), (Activation::Tanh, "(1 - {f}.^2)"), (Activation::Relu, "step({a})")]
    {
        let mut p = Problem::autoencoder(Some(f), &[]).unwrap();
        let name = f.name();
        p.define("a1", "W*x").unwrap();
        p.define("h", &format!("{name}(a1)")).unwrap();
        p.define("a2", "W'*h").unwrap();
        p.define("y", &format!("{name}(a2)")).unwrap();
        let d = |fv: &str, a: &str| df.replace("{f}", fv).replace("{a}", a);
        p.define("d2", &format!("(y - x).*{}", d("y", "a2"))).unwrap();
        let grad = format!("h*d2' + ((W*d2).*{})*x'", d("h", "a1"));
        assert_correct_on_20_seeds(&p, "W", &grad);
        // Leaving out the encoder's path is wrong. (Forgetting relu's inner derivative is not
        // always wrong: it is right wherever every code unit is active.)
        assert_wrong(&p, "h*d2'");
        if f != Activation::Relu {
            assert_wrong(&p, "h*d2' + (W*d2)*x'");
        }
    }
}
