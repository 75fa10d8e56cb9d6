//! Gradient checks (f64, central differences) and contract tests for the layers.

use handgrad_nn::layers::{Affine, AffineRelu, Relu, affine_backward, affine_forward};
use handgrad_nn::{Layer, Params};
use handgrad_tensor::gemm::Par;
use handgrad_tensor::gradcheck::{assert_gradient, numeric_gradient_contracted};
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, tol};

/// Moves every entry at least `gap` away from 0, keeping its sign (keeps inputs off the ReLU kink).
fn away_from_zero(mut m: Matrix<f64>, gap: f64) -> Matrix<f64> {
    handgrad_tensor::ops::map_inplace(&mut m, |v| if v >= 0.0 { v + gap } else { v - gap });
    m
}

fn affine_case(seed: u64) -> (Affine<f64>, Matrix<f64>, Matrix<f64>) {
    let mut rng = rng_from_seed(seed);
    let x = randn(4, 5, 1.0, &mut rng);
    let w = randn(5, 3, 1.0, &mut rng);
    let b = randn(1, 3, 1.0, &mut rng);
    let dout = randn(4, 3, 1.0, &mut rng);
    (Affine::new(w, b), x, dout)
}

#[test]
fn affine_forward_matches_naive_loop() {
    let (fc, x, _) = affine_case(1);
    let (out, _) = fc.forward(&x);
    for i in 0..4 {
        for j in 0..3 {
            let mut s = fc.b.get(0, j);
            for k in 0..5 {
                s += x.get(i, k) * fc.w.get(k, j);
            }
            assert!((out.get(i, j) - s).abs() <= tol::NAIVE_F64 * s.abs().max(1.0));
        }
    }
}

#[test]
fn affine_gradients_match_finite_differences() {
    let (fc, x, dout) = affine_case(2);
    let (_, mut cache) = fc.forward(&x);
    let mut g = fc.zeros_like();
    let dx = fc.backward(&dout, &mut cache, &mut g);

    let num_dx = numeric_gradient_contracted(|x| fc.forward(x).0, &x, &dout, tol::FD_STEP);
    let num_dw =
        numeric_gradient_contracted(|w| Affine::new(w.clone(), fc.b.clone()).forward(&x).0, &fc.w, &dout, tol::FD_STEP);
    let num_db =
        numeric_gradient_contracted(|b| Affine::new(fc.w.clone(), b.clone()).forward(&x).0, &fc.b, &dout, tol::FD_STEP);
    assert_gradient("affine dx", &dx, &num_dx, tol::GRAD_SMOOTH);
    assert_gradient("affine dw", &g.w, &num_dw, tol::GRAD_SMOOTH);
    assert_gradient("affine db", &g.b, &num_db, tol::GRAD_SMOOTH);
}

#[test]
fn backward_overwrites_gradients_instead_of_accumulating() {
    let (fc, x, dout) = affine_case(3);
    let (_, mut cache) = fc.forward(&x);
    let mut fresh = fc.zeros_like();
    let dx_fresh = fc.backward(&dout, &mut cache, &mut fresh);

    // Pre-filled garbage in every output buffer, and a second call: results must not change.
    let mut g = fc.zeros_like();
    g.w.fill(123.0);
    g.b.fill(-7.0);
    let mut dx = Matrix::full(4, 5, 99.0);
    fc.backward_into(&dout, &mut cache, &mut g, Some(&mut dx), Par::Seq);
    fc.backward_into(&dout, &mut cache, &mut g, Some(&mut dx), Par::Seq);
    assert_eq!(g, fresh);
    assert_eq!(dx, dx_fresh);
}

#[test]
fn affine_backward_without_dx_gives_the_same_parameter_gradients() {
    let (fc, x, dout) = affine_case(4);
    let (_, mut cache) = fc.forward(&x);
    let mut with_dx = fc.zeros_like();
    fc.backward(&dout, &mut cache, &mut with_dx);
    let mut without = fc.zeros_like();
    fc.backward_into(&dout, &mut cache, &mut without, None, Par::Seq);
    assert_eq!(with_dx, without);

    // The free kernels agree with the layer.
    let mut out = Matrix::zeros(0, 0);
    affine_forward(&x, &fc, &mut out, Par::Seq);
    assert_eq!(out, fc.forward(&x).0);
    let mut g = Affine::zeros(5, 3);
    affine_backward(&dout, &x, &fc, &mut g, None, Par::Seq);
    assert_eq!(g, with_dx);
}

#[test]
#[should_panic(expected = "(4, 6) · W(5, 3)")]
fn affine_shape_mismatch_names_both_shapes() {
    let (fc, _, _) = affine_case(5);
    let _ = fc.forward(&Matrix::zeros(4, 6));
}

#[test]
fn relu_gradient_matches_finite_differences_away_from_the_kink() {
    let mut rng = rng_from_seed(6);
    let x = away_from_zero(randn(5, 4, 1.0, &mut rng), 0.1);
    let dout = randn(5, 4, 1.0, &mut rng);
    let (out, mut cache) = Relu.forward(&x);
    assert!(out.as_slice().iter().zip(x.as_slice()).all(|(&o, &v)| o == v.max(0.0)));
    let dx = Relu.backward(&dout, &mut cache, &mut Relu);
    let num = numeric_gradient_contracted(|x| Relu.forward(x).0, &x, &dout, tol::FD_STEP);
    assert_gradient("relu dx", &dx, &num, tol::GRAD_SMOOTH);
}

#[test]
fn affine_relu_gradients_match_finite_differences() {
    let mut rng = rng_from_seed(7);
    let x: Matrix<f64> = randn(6, 4, 1.0, &mut rng);
    let layer = AffineRelu::new(randn(4, 5, 1.0, &mut rng), randn(1, 5, 1.0, &mut rng));
    let dout = randn(6, 5, 1.0, &mut rng);
    let (out, mut cache) = layer.forward(&x);
    // Keep the pre-activations off the kink, so finite differences are valid.
    let (pre, _) = layer.affine.forward(&x);
    let min_abs = pre.as_slice().iter().fold(f64::INFINITY, |m, v| m.min(v.abs()));
    assert!(min_abs > 1e-3, "seed puts a pre-activation at {min_abs}; pick another seed");
    assert!(out.as_slice().contains(&0.0) && out.as_slice().iter().any(|&v| v > 0.0));

    let mut g = layer.zeros_like();
    let dx = layer.backward(&dout, &mut cache, &mut g);
    let with = |w: &Matrix<f64>, b: &Matrix<f64>| AffineRelu::new(w.clone(), b.clone());
    let (w, b) = (&layer.affine.w, &layer.affine.b);
    let num_dx = numeric_gradient_contracted(|x| layer.forward(x).0, &x, &dout, tol::FD_STEP);
    let num_dw = numeric_gradient_contracted(|w| with(w, b).forward(&x).0, w, &dout, tol::FD_STEP);
    let num_db = numeric_gradient_contracted(|b| with(w, b).forward(&x).0, b, &dout, tol::FD_STEP);
    assert_gradient("affine_relu dx", &dx, &num_dx, tol::GRAD_SMOOTH);
    assert_gradient("affine_relu dw", &g.affine.w, &num_dw, tol::GRAD_SMOOTH);
    assert_gradient("affine_relu db", &g.affine.b, &num_db, tol::GRAD_SMOOTH);
}

/// The f32 layer computes what the f64 layer computes on the same (f32-rounded) inputs, to f32
/// precision: the output, the input gradient and both parameter gradients, with both ReLU branches
/// taken. (Comparisons through `rel_error`, which fails on NaN and ±∞.)
#[test]
fn layers_run_in_f32_like_in_f64() {
    let mut rng = rng_from_seed(8);
    let w: Matrix<f32> = randn(4, 5, 1.0, &mut rng);
    let b: Matrix<f32> = randn(1, 5, 1.0, &mut rng);
    let x: Matrix<f32> = randn(6, 4, 1.0, &mut rng);
    let dout: Matrix<f32> = randn(6, 5, 1.0, &mut rng);
    let l32 = AffineRelu::new(w.clone(), b.clone());
    let l64 = AffineRelu::new(w.cast::<f64>(), b.cast::<f64>());
    let (out32, mut c32) = l32.forward(&x);
    let (out64, mut c64) = l64.forward(&x.cast());
    let (pre, _) = l64.affine.forward(&x.cast());
    let min_abs = pre.as_slice().iter().fold(f64::INFINITY, |m, v| m.min(v.abs()));
    assert!(min_abs > 1e-3, "seed puts a pre-activation at {min_abs}; pick another seed");
    assert!(out64.as_slice().contains(&0.0) && out64.as_slice().iter().any(|&v| v > 0.0));
    let (mut g32, mut g64) = (l32.zeros_like(), l64.zeros_like());
    let dx32 = l32.backward(&dout, &mut c32, &mut g32);
    let dx64 = l64.backward(&dout.cast(), &mut c64, &mut g64);
    let (dw, db) = ((&g32.affine.w, &g64.affine.w), (&g32.affine.b, &g64.affine.b));
    for (what, a, b) in [("out", &out32, &out64), ("dx", &dx32, &dx64), ("dw", dw.0, dw.1), ("db", db.0, db.1)] {
        let err = handgrad_tensor::gradcheck::rel_error(&a.cast::<f64>(), b);
        assert!(err < tol::NAIVE_F32, "f32 vs f64 {what}: rel_error {err:.2e}");
    }
}
