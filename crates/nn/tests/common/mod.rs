//! Shared test model: a two-layer net composed through the `Layer` trait, implementing the
//! Solver's `Model`.
#![allow(dead_code)]

use handgrad_nn::layers::{Affine, AffineCache, AffineRelu, AffineReluCache};
use handgrad_nn::loss::{add_l2_grad, l2_penalty, softmax_loss_into};
use handgrad_nn::solver::Model;
use handgrad_nn::{Layer, ParamKind, Params};
use handgrad_tensor::init::{Rng, randn, rng_from_seed};
use handgrad_tensor::ops::argmax_rows;
use handgrad_tensor::{Matrix, Par, Scalar};

/// The parameters (and gradient) of [`TwoLayer`]: affine–ReLU, then affine.
#[derive(Clone, Debug, PartialEq)]
pub struct Net<T: Scalar> {
    pub l1: AffineRelu<T>,
    pub l2: Affine<T>,
}

impl<T: Scalar> Params<T> for Net<T> {
    fn len(&self) -> usize {
        4
    }
    fn get(&self, i: usize) -> &Matrix<T> {
        if i < 2 { self.l1.get(i) } else { self.l2.get(i - 2) }
    }
    fn get_mut(&mut self, i: usize) -> &mut Matrix<T> {
        if i < 2 { self.l1.get_mut(i) } else { self.l2.get_mut(i - 2) }
    }
    fn name(&self, i: usize) -> String {
        ["W1", "b1", "W2", "b2"][i].to_string()
    }
    fn kind(&self, i: usize) -> ParamKind {
        if i.is_multiple_of(2) { ParamKind::Weight } else { ParamKind::Bias }
    }
    fn zeros_like(&self) -> Self {
        Self { l1: self.l1.zeros_like(), l2: self.l2.zeros_like() }
    }
}

/// affine–ReLU → affine → softmax, L2 on both weights.
#[derive(Clone)]
pub struct TwoLayer<T: Scalar> {
    pub net: Net<T>,
    reg: T,
}

/// The forward cache and backward scratch of [`TwoLayer`].
#[derive(Default)]
pub struct Cache<T: Scalar> {
    c1: AffineReluCache<T>,
    c2: AffineCache<T>,
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
        Self { net: Net { l1, l2 }, reg: T::from_f64(reg) }
    }
}

impl<T: Scalar> Model<T> for TwoLayer<T> {
    type Params = Net<T>;
    type Cache = Cache<T>;

    fn params(&self) -> &Net<T> {
        &self.net
    }
    fn params_mut(&mut self) -> &mut Net<T> {
        &mut self.net
    }
    fn new_cache(&self) -> Cache<T> {
        Cache::default()
    }
    fn loss_and_grads(
        &mut self,
        x: &Matrix<T>,
        y: &[usize],
        c: &mut Cache<T>,
        g: &mut Net<T>,
        _rng: &mut Rng,
        par: Par,
    ) -> f64 {
        let n = &self.net;
        n.l1.forward_into(x, &mut c.h, &mut c.c1, par);
        n.l2.forward_into(&c.h, &mut c.scores, &mut c.c2, par);
        let data_loss = softmax_loss_into(&c.scores, y, &mut c.dscores);
        let loss = data_loss + l2_penalty(&[&n.l1.affine.w, &n.l2.w], self.reg);
        n.l2.backward_into(&c.dscores, &mut c.c2, &mut g.l2, Some(&mut c.dh), par);
        add_l2_grad(&mut g.l2.w, &n.l2.w, self.reg);
        n.l1.backward_into(&c.dh, &mut c.c1, &mut g.l1, None, par);
        add_l2_grad(&mut g.l1.affine.w, &n.l1.affine.w, self.reg);
        loss
    }
    fn predict(&mut self, x: &Matrix<T>, c: &mut Cache<T>, out: &mut [usize], par: Par) -> bool {
        self.net.l1.forward_into(x, &mut c.h, &mut c.c1, par);
        self.net.l2.forward_into(&c.h, &mut c.scores, &mut c.c2, par);
        argmax_rows(out, &c.scores);
        true
    }
}
