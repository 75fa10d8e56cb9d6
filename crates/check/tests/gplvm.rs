//! The GP-LVM with a linear kernel, `L = −(D/2)·ln|K| − ½·tr(K⁻¹YYᵀ)`, `K = αXXᵀ + β⁻¹I`: the
//! homework's ∂L/∂X passes on 20 seeds; the sign slip on the `D·K⁻¹` term of a real submission,
//! a missing term and a lost factor are rejected, and the hint names the term.

mod common;

use common::{assert_correct_on_20_seeds, assert_wrong_on_20_seeds};
use handgrad_check::{HintKind, Problem};

const RIGHT: &str = "alpha*(inv(K)*Y*Y'*inv(K) - D*inv(K))*X";

#[test]
fn the_homework_form_is_correct_on_20_seeds() {
    let p = Problem::gplvm(&[]).unwrap();
    assert_correct_on_20_seeds(&p, "X", RIGHT);
    // Written with a helper name, and at other sizes.
    let mut q = Problem::gplvm(&[("N".into(), 9), ("q".into(), 3), ("D".into(), 2)]).unwrap();
    q.define("G", "0.5*(inv(K)*Y*Y'*inv(K) - D*inv(K))").unwrap();
    assert_correct_on_20_seeds(&q, "X", "2*alpha*G*X");
    // The hyperparameters are variables too: ∂L/∂α = tr(G·XXᵀ), ∂L/∂β = −β⁻²·tr G
    // (`crates/gplvm/src/linear.rs`, in log space).
    assert_correct_on_20_seeds(&q, "alpha", "tr(G*X*X')");
    assert_correct_on_20_seeds(&q, "beta", "-tr(G)/beta^2");
    assert_wrong_on_20_seeds(&q, "beta", "tr(G)/beta^2");
}

#[test]
fn the_sign_flipped_d_term_is_wrong_and_named() {
    let p = Problem::gplvm(&[]).unwrap();
    let r = assert_wrong_on_20_seeds(&p, "X", "alpha*(inv(K)*Y*Y'*inv(K) + D*inv(K))*X");
    println!("{r}");
    assert_eq!(r.hints.len(), 1, "{r}");
    assert_eq!(r.hints[0].kind, HintKind::Sign, "{r}");
    assert!(r.hints[0].message.contains("the part from the loss term `-D/2*logdet(K)` sign-flipped"), "{r}");
}

#[test]
fn a_missing_term_a_lost_factor_and_a_whole_sign_are_named() {
    let p = Problem::gplvm(&[]).unwrap();
    // The log-determinant term only (the example's third candidate).
    let r = assert_wrong_on_20_seeds(&p, "X", "-alpha*D*inv(K)*X");
    println!("{r}");
    assert_eq!(r.hints[0].kind, HintKind::MissingPath, "{r}");
    assert!(r.hints[0].message.contains("`-0.5*tr(inv(K)*Y*Y')` left out"), "{r}");
    // Forgetting K's symmetry: half the gradient (the two paths through X and X' are equal).
    let r = assert_wrong_on_20_seeds(&p, "X", &format!("0.5*{RIGHT}"));
    println!("{r}");
    assert!(r.hints[0].kind == HintKind::Factor && r.hints[0].message.contains("1/2 times"), "{r}");
    let r = assert_wrong_on_20_seeds(&p, "X", &format!("-{RIGHT}"));
    assert_eq!(r.hints[0].kind, HintKind::Sign, "{r}");
}
