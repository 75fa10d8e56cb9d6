//! Golden tests: tiny models from explicit weights whose losses and gradients are derived by hand
//! (or by scalar formulas independent of the matrix code).

use handgrad_autoencoder::{Activation, TiedLinearAe, TiedNonlinearAe};
use handgrad_tensor::{Matrix, Par, tol};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= tol::NAIVE_F64 * (1.0 + b.abs())
}

/// W = [1, 0], x = [1, 2]: WᵀW x = [1, 0], r = [0, −2], L = ½·4 = 2.
/// By hand, with W = [a, b] and s = a + 2b: r = [s a − 1, s b − 2], L = ½‖r‖², so
/// ∂L/∂a = (sa − 1)(s + a) + (sb − 2) b = 0 and ∂L/∂b = (sa − 1)·2a + (sb − 2)(s + 2b) = −2 at (1, 0);
/// the closed form W(x rᵀ + r xᵀ) = [1, 0]·[[0, −2], [−2, −8]] = [0, −2] agrees.
#[test]
fn linear_single_sample_by_hand() {
    let ae = TiedLinearAe::new(Matrix::from_rows(&[[1.0, 0.0]]));
    let x = Matrix::from_rows(&[[1.0, 2.0]]);
    let (loss, mut cache) = ae.forward(&x);
    assert_eq!(loss, 2.0);
    assert_eq!(cache.z, Matrix::from_rows(&[[1.0]]));
    assert_eq!(cache.xhat, Matrix::from_rows(&[[1.0, 0.0]]));
    assert_eq!(cache.dxhat, Matrix::from_rows(&[[0.0, -2.0]]), "dX̂ = r/N with r = WᵀWx − x = [0, −2]");
    let mut dw = Matrix::zeros(1, 2);
    ae.backward(&x, &mut cache, &mut dw, Par::Seq);
    assert_eq!(dw, Matrix::from_rows(&[[0.0, -2.0]]));
}

/// A batch of two averages: with W = [1, 0] the second sample x = [0, 1] has z = 0, r = [0, −1],
/// loss ½, gradient W(x rᵀ + r xᵀ) = [1, 0]·[[0, 0], [0, −2]] = [0, 0]. Batch: L = (2 + ½)/2 = 1.25,
/// dW = ([0, −2] + [0, 0]) / 2 = [0, −1].
#[test]
fn linear_batch_is_the_average() {
    let ae = TiedLinearAe::new(Matrix::from_rows(&[[1.0, 0.0]]));
    let x = Matrix::from_rows(&[[1.0, 2.0], [0.0, 1.0]]);
    let (loss, mut cache) = ae.forward(&x);
    assert_eq!(loss, 1.25);
    let mut dw = Matrix::zeros(1, 2);
    ae.backward(&x, &mut cache, &mut dw, Par::Seq);
    assert_eq!(dw, Matrix::from_rows(&[[0.0, -1.0]]));
}

/// W = [[0.5, −0.25], [0, 1]] (not orthonormal), x = [2, 4]: z = W x = [0, 4], WᵀW x = Wᵀz = [0, 4],
/// r = [−2, 0], L = 2.
#[test]
fn linear_two_codes_by_hand() {
    let ae = TiedLinearAe::new(Matrix::from_rows(&[[0.5, -0.25], [0.0, 1.0]]));
    let (loss, cache) = ae.forward(&Matrix::from_rows(&[[2.0, 4.0]]));
    assert_eq!(cache.z, Matrix::from_rows(&[[0.0, 4.0]]));
    assert_eq!(cache.xhat, Matrix::from_rows(&[[0.0, 4.0]]), "r = X̂ − x = [−2, 0]");
    assert_eq!(loss, 2.0);
}

/// The nonlinear loss for one code unit, W = [a, b], written as scalars:
/// h = f(a x₁ + b x₂), y = (f(a h), f(b h)), L = ½((y₁ − x₁)² + (y₂ − x₂)²); dL/da and dL/db by the
/// scalar chain rule, each weight reaching L through the decoder (a h) and through h.
#[test]
fn nonlinear_one_unit_by_scalar_formulas() {
    let (a, b) = (0.3_f64, -0.2_f64); // ReLU: encoder on, one decoder unit on, one off
    let (x1, x2) = (0.9_f64, 0.4_f64);
    for f in Activation::ALL {
        let (apply, df) = (|t: f64| scalar(f, t), |t: f64| scalar_derivative(f, t));
        let s = a * x1 + b * x2;
        let h = apply(s);
        let (t1, t2) = (a * h, b * h);
        let (e1, e2) = (apply(t1) - x1, apply(t2) - x2);
        let loss = 0.5 * (e1 * e1 + e2 * e2);
        // dh/da = f'(s) x1, dh/db = f'(s) x2.
        let (dh_da, dh_db) = (df(s) * x1, df(s) * x2);
        // y1 = f(a h): dy1/da = f'(t1)(h + a dh/da), dy1/db = f'(t1) a dh/db; symmetric for y2.
        let dl_da = e1 * df(t1) * (h + a * dh_da) + e2 * df(t2) * (b * dh_da);
        let dl_db = e1 * df(t1) * (a * dh_db) + e2 * df(t2) * (h + b * dh_db);

        let ae = TiedNonlinearAe::new(Matrix::from_rows(&[[a, b]]), f);
        let x = Matrix::from_rows(&[[x1, x2]]);
        let (l, mut cache) = ae.forward(&x);
        let mut dw = Matrix::zeros(1, 2);
        ae.backward(&x, &mut cache, &mut dw, Par::Seq);
        assert!(close(l, loss), "{}: loss {l} vs {loss}", f.name());
        assert!(close(dw.get(0, 0), dl_da), "{}: dL/da {} vs {dl_da}", f.name(), dw.get(0, 0));
        assert!(close(dw.get(0, 1), dl_db), "{}: dL/db {} vs {dl_db}", f.name(), dw.get(0, 1));
    }
}

/// `f(t)` written out, independently of the library's kernels.
fn scalar(f: Activation, t: f64) -> f64 {
    match f {
        Activation::Sigmoid => 1.0 / (1.0 + (-t).exp()),
        Activation::Tanh => t.tanh(),
        Activation::Relu => t.max(0.0),
        Activation::Identity => t,
    }
}

/// `f'(t)` written out: σ(1 − σ), 1 − tanh², the ReLU's step, 1.
fn scalar_derivative(f: Activation, t: f64) -> f64 {
    match f {
        Activation::Sigmoid => scalar(f, t) * (1.0 - scalar(f, t)),
        Activation::Tanh => 1.0 - t.tanh().powi(2),
        Activation::Relu => f64::from(u8::from(t > 0.0)),
        Activation::Identity => 1.0,
    }
}
