//! "Overfits a tiny batch": the nonlinear model drives its loss far below where it starts.

use handgrad_autoencoder::{Activation, NonlinearCache, TiedNonlinearAe};
use handgrad_tensor::init::{randn, rng_from_seed};
use handgrad_tensor::{Matrix, Par, ops};

/// Full-batch gradient descent on 8 samples in 4-D with a full-size code (m = n = 4). The data are
/// small (std 0.3), where tanh is nearly linear and an orthogonal W nearly reconstructs x; the loss
/// must fall below 2 % of its value at the start.
#[test]
fn tanh_autoencoder_overfits_a_tiny_batch() {
    let mut rng = rng_from_seed(11);
    let x: Matrix<f64> = randn(8, 4, 0.3, &mut rng);
    let mut ae = TiedNonlinearAe::new(randn(4, 4, 0.5, &mut rng), Activation::Tanh);
    let mut cache = NonlinearCache::default();
    let mut dw = Matrix::zeros(4, 4);
    let start = ae.forward(&x).0;
    let mut loss = start;
    for _ in 0..4000 {
        loss = ae.forward_into(&x, &mut cache, Par::Seq);
        ae.backward(&x, &mut cache, &mut dw, Par::Seq);
        ops::axpy(&mut ae.w, -0.5, &dw);
    }
    eprintln!("tanh overfit: loss {start:.4e} -> {loss:.4e}");
    assert!(loss < 0.02 * start, "loss {start:.4e} -> {loss:.4e}");
}
