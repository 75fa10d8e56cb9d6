//! How far the right formulas stay from a wrong verdict, over many seeds (a measurement, not run
//! by default): `cargo test -p handgrad-check --test noise -- --ignored --nocapture`.
//!
//! For each right form it reports, over every element of every point, the largest
//! `|a − n| / e` (closed form minus central difference, over the differences' own error estimate):
//! below 1 means that the element could not be judged wrong even with a tolerance of 0. It also
//! counts the points whose `rel_error` exceeded the named tolerance (elements so small that the
//! tolerance alone would have failed them) and asserts that no verdict was wrong.

use handgrad_check::{Activation, JudgeConfig, Problem, Shape, Verdict, judge};

const SEEDS: u64 = 1000;

fn measure(name: &str, p: &Problem, wrt: &str, grad: &str) {
    let (mut worst_ratio, mut worst_rel, mut over_tol, mut points): (f64, f64, usize, usize) = (0.0, 0.0, 0, 0);
    for seed in 0..SEEDS {
        let r = judge(p, wrt, grad, &JudgeConfig { seed, draws: 3 }).unwrap();
        assert_eq!(r.verdict, Verdict::Correct, "{name} seed {seed}\n{r}");
        for pt in &r.points {
            points += 1;
            worst_rel = worst_rel.max(pt.rel_error);
            over_tol += usize::from(pt.rel_error > p.tolerance().value);
            for k in 0..pt.analytic.len() {
                let d = (pt.analytic.as_slice()[k] - pt.numeric.as_slice()[k]).abs();
                worst_ratio = worst_ratio.max(d / pt.fd_error.as_slice()[k]);
            }
        }
    }
    println!(
        "{name:<28} {points} points: max |a − n| / e = {worst_ratio:.3}, max rel_error {worst_rel:.2e} \
         (tolerance {:.0e}), points above the tolerance: {over_tol}",
        p.tolerance().value
    );
    assert!(worst_ratio < 1.0, "{name}: a right formula came within the finite differences' error bound");
}

#[test]
#[ignore = "a measurement: 1000 seeds per form"]
fn right_forms_stay_inside_the_error_estimate() {
    let mut ae = Problem::autoencoder(None, &[]).unwrap();
    ae.define("r", "W'*W*x - x").unwrap();
    measure("autoencoder, linear", &ae, "W", "W*(x*r' + r*x')");
    for (f, df_h, df_y) in [
        (Activation::Sigmoid, "h.*(1 - h)", "y.*(1 - y)"),
        (Activation::Tanh, "(1 - h.^2)", "(1 - y.^2)"),
        (Activation::Relu, "step(W*x)", "step(W'*h)"),
    ] {
        let mut p = Problem::autoencoder(Some(f), &[]).unwrap();
        p.define("h", &format!("{}(W*x)", f.name())).unwrap();
        p.define("y", &format!("{}(W'*h)", f.name())).unwrap();
        p.define("d", &format!("(y - x).*{df_y}")).unwrap();
        measure(&format!("autoencoder, {}", f.name()), &p, "W", &format!("h*d' + ((W*d).*{df_h})*x'"));
    }
    let mut gp = Problem::gplvm(&[]).unwrap();
    gp.define("G", "0.5*(inv(K)*Y*Y'*inv(K) - D*inv(K))").unwrap();
    measure("gplvm, X", &gp, "X", "alpha*(inv(K)*Y*Y'*inv(K) - D*inv(K))*X");
    measure("gplvm, alpha", &gp, "alpha", "tr(G*X*X')");
    measure("gplvm, beta", &gp, "beta", "-tr(G)/beta^2");
    let shapes = [("A".to_string(), Shape::new(4, 3)), ("x".into(), Shape::new(3, 1)), ("b".into(), Shape::new(4, 1))];
    let lsq = Problem::custom("0.5*sum((A*x - b).^2)", &shapes, &[]).unwrap();
    measure("least squares, x", &lsq, "x", "A'*(A*x - b)");
    measure("least squares, A", &lsq, "A", "(A*x - b)*x'");
}
