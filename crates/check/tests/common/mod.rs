//! Helpers of the judge's tests: a form judged on 20 seeds must be right on each, or wrong on each.
#![allow(dead_code)]

use handgrad_check::{JudgeConfig, Problem, Report, Verdict, judge};
use handgrad_tensor::tol;

/// The report for `grad` at `seed` (3 points).
pub fn judged(p: &Problem, wrt: &str, grad: &str, seed: u64) -> Report {
    judge(p, wrt, grad, &JudgeConfig { seed, draws: 3 }).unwrap_or_else(|e| panic!("{grad}: {e}"))
}

/// Correct on each of 20 seeds (60 random points), with `rel_error` within the named tolerance.
pub fn assert_correct_on_20_seeds(p: &Problem, wrt: &str, grad: &str) {
    let mut worst: f64 = 0.0;
    for seed in 0..20 {
        let r = judged(p, wrt, grad, seed);
        assert_eq!(r.verdict, Verdict::Correct, "seed {seed}: {grad}\n{r}");
        assert!(r.rel_error() <= p.tolerance().value, "seed {seed}: {grad}\n{r}");
        worst = worst.max(r.rel_error());
    }
    let t = p.tolerance();
    eprintln!("{grad}: correct on 20 seeds, worst rel_error {worst:.2e} (tolerance {:.0e} = {})", t.value, t.name);
}

/// Wrong on each of 20 seeds, far from the tolerance (`rel_error > tol::GRAD_WRONG`); returns the
/// report of seed 0.
pub fn assert_wrong_on_20_seeds(p: &Problem, wrt: &str, grad: &str) -> Report {
    let mut best = f64::INFINITY;
    for seed in 0..20 {
        let r = judged(p, wrt, grad, seed);
        assert_eq!(r.verdict, Verdict::Wrong, "seed {seed}: {grad}\n{r}");
        assert!(r.rel_error() > tol::GRAD_WRONG, "seed {seed}: {grad} scored only {:.2e}\n{r}", r.rel_error());
        best = best.min(r.rel_error());
    }
    eprintln!("{grad}: wrong on 20 seeds, smallest rel_error {best:.2e}");
    judged(p, wrt, grad, 0)
}
