//! GPy's conventions in reports: the hyperparameter table and the stop message in words.

use handgrad_gplvm::{LbfgsReport, RbfKernel, StopReason};

#[test]
fn gpy_table_converts_lawrence_parameters() {
    let k = RbfKernel { alpha: 2.0, gamma: 4.0, bias: 0.1, beta: 100.0 };
    let t = k.gpy_table();
    let names: Vec<_> = t.iter().map(|h| h.gpy_name).collect();
    assert_eq!(names, ["rbf.variance", "rbf.lengthscale", "bias.variance", "Gaussian_noise.variance"]);
    assert_eq!(t[0].gpy_value, 2.0);
    assert!((t[1].gpy_value - 0.5).abs() < 1e-15, "ℓ = γ^(−1/2)");
    assert_eq!(t[2].gpy_value, 0.1);
    assert!((t[3].gpy_value - 0.01).abs() < 1e-15, "noise variance = 1/β");
    assert_eq!((t[1].lawrence_name, t[1].lawrence_value), ("gamma", 4.0));
}

#[test]
fn stop_message_says_whether_the_fit_converged() {
    let rep = |reason, g| LbfgsReport { f: 1.0, grad_norm_inf: g, iters: 900, evals: 1000, reason };
    let done = rep(StopReason::GradientTolerance, 8e-7).stop_message(1e-6);
    assert!(done.starts_with("converged") && done.contains("1.0e-6"), "{done}");
    let budget = rep(StopReason::EvaluationBudget, 32.0).stop_message(1e-6);
    assert!(budget.contains("evaluation budget (1000 evaluations)") && budget.contains("3.200e1"), "{budget}");
    assert!(budget.contains("not reached"), "{budget}");
}
