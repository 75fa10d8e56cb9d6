//! Shared test model: a two-layer net built from the layers, implementing the Solver's `Model`.

use handgrad_nn::Layer;
use handgrad_nn::layers::{Affine, AffineCache, AffineGrads, AffineRelu, AffineReluCache};
use handgrad_nn::loss::{add_l2_grad, l2_penalty, softmax_loss_into};
use handgrad_nn::solver::Model;
use handgrad_tensor::init::{Rng, randn, rng_from_seed};
use handgrad_tensor::ops::argmax_rows;
use handgrad_tensor::{Matrix, Scalar};

/// affine–ReLU → affine → softmax, L2 on both weights. All buffers owned and reused.
pub struct TwoLayer<T: Scalar> {
    l1: AffineRelu<T>,
    l2: Affine<T>,
    reg: T,
    c1: AffineReluCache<T>,
    c2: AffineCache<T>,
    g1: AffineGrads<T>,
    g2: AffineGrads<T>,
    h: Matrix<T>,
    scores: Matrix<T>,
    dscores: Matrix<T>,
    dh: Matrix<T>,
}

impl<T: Scalar> TwoLayer<T> {
    pub fn new(d: usize, hidden: usize, classes: usize, reg: f64, seed: u64) -> Self {
        let mut rng = rng_from_seed(seed);
        let l1 = AffineRelu::new(randn(d, hidden, 0.1, &mut rng), Matrix::zeros(1, hidden));
        let l2 = Affine::new(randn(hidden, classes, 0.1, &mut rng), Matrix::zeros(1, classes));
        let (g1, g2) = (l1.zero_grads(), l2.zero_grads());
        let z = || Matrix::zeros(0, 0);
        let (c1, c2) = (Default::default(), Default::default());
        Self { l1, l2, reg: T::from_f64(reg), c1, c2, g1, g2, h: z(), scores: z(), dscores: z(), dh: z() }
    }
}

impl<T: Scalar> Model<T> for TwoLayer<T> {
    fn num_params(&self) -> usize {
        4
    }
    fn param_name(&self, i: usize) -> &str {
        ["W1", "b1", "W2", "b2"][i]
    }
    fn param(&self, i: usize) -> &Matrix<T> {
        [&self.l1.affine.w, &self.l1.affine.b, &self.l2.w, &self.l2.b][i]
    }
    fn param_mut(&mut self, i: usize) -> &mut Matrix<T> {
        self.param_and_grad(i).0
    }
    fn param_and_grad(&mut self, i: usize) -> (&mut Matrix<T>, &Matrix<T>) {
        match i {
            0 => (&mut self.l1.affine.w, &self.g1.dw),
            1 => (&mut self.l1.affine.b, &self.g1.db),
            2 => (&mut self.l2.w, &self.g2.dw),
            3 => (&mut self.l2.b, &self.g2.db),
            _ => panic!("TwoLayer has 4 parameters, not {}", i + 1),
        }
    }
    fn loss_and_grads(&mut self, x: &Matrix<T>, y: &[usize], _rng: &mut Rng) -> T {
        self.l1.forward_into(x, &mut self.h, &mut self.c1);
        self.l2.forward_into(&self.h, &mut self.scores, &mut self.c2);
        let data_loss = softmax_loss_into(&self.scores, y, &mut self.dscores);
        let (w1, w2) = (&self.l1.affine.w, &self.l2.w);
        let loss = data_loss + l2_penalty(w1, self.reg) + l2_penalty(w2, self.reg);
        self.l2.backward_into(&self.dscores, &mut self.c2, &mut self.g2, Some(&mut self.dh));
        self.l1.backward_into(&self.dh, &mut self.c1, &mut self.g1, None);
        add_l2_grad(&mut self.g2.dw, w2, self.reg);
        add_l2_grad(&mut self.g1.dw, w1, self.reg);
        loss
    }
    fn predict(&mut self, x: &Matrix<T>, out: &mut [usize]) -> bool {
        self.l1.forward_into(x, &mut self.h, &mut self.c1);
        self.l2.forward_into(&self.h, &mut self.scores, &mut self.c2);
        argmax_rows(out, &self.scores);
        true
    }
}
