//! The candidates of the two examples this command replaced (`cargo run -p handgrad-autoencoder
//! --example check_gradient`, `cargo run -p handgrad-gplvm --example check_gradient`), at the
//! examples' sizes, with the verdicts those examples printed — now asserted, on 20 seeds each.

mod common;

use common::{assert_correct_on_20_seeds, assert_wrong_on_20_seeds};
use handgrad_check::Problem;

#[test]
fn the_autoencoder_example_candidates() {
    // The example: W: 3×6, candidates as functions of (W, x).
    let mut p = Problem::autoencoder(None, &[("n".into(), 6)]).unwrap();
    p.define("r", "W'*W*x - x").unwrap();
    assert_correct_on_20_seeds(&p, "W", "W*(x*r' + r*x')"); // both paths
    assert_wrong_on_20_seeds(&p, "W", "2*W*(W'*W - I)*x*x'"); // 'the two terms are equal'
    assert_wrong_on_20_seeds(&p, "W", "W*r*x'"); // forgets the path through Wᵀ
    assert_wrong_on_20_seeds(&p, "W", "W*x*r'"); // forgets the path through W
}

#[test]
fn the_gplvm_example_candidates() {
    // The example: Y: 10×4, X: 10×2.
    let p = Problem::gplvm(&[("N".into(), 10)]).unwrap();
    assert_correct_on_20_seeds(&p, "X", "alpha*(inv(K)*Y*Y'*inv(K) - D*inv(K))*X"); // the homework's result
    assert_wrong_on_20_seeds(&p, "X", "alpha*(D*inv(K) + inv(K)*Y*Y'*inv(K))*X"); // sign slip
    assert_wrong_on_20_seeds(&p, "X", "-alpha*D*inv(K)*X"); // log-determinant term only
    assert_wrong_on_20_seeds(&p, "X", "0.5*alpha*(inv(K)*Y*Y'*inv(K) - D*inv(K))*X"); // forgot K's symmetry
}
