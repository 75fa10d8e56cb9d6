//! Evaluation over a whole data set (or a sample of it), in chunks: the one accuracy of handgrad.
//!
//! `accuracy = (1/N) Σ_i 1[argmax_j s_ij = y_i]` (ties to the first class, as numpy's `argmax`),
//! from the model's eval-mode [`predict`](crate::solver::Model::predict); the eval loss is the
//! row-weighted mean of [`eval_loss`](crate::solver::Model::eval_loss) over the chunks.

use alloc::vec;
use alloc::vec::Vec;

use handgrad_tensor::init::{Rng, rng_from_seed};
use handgrad_tensor::{Matrix, Par, Scalar};
use rand::RngExt as _;

use crate::solver::{Dataset, Model};

/// Rows per chunk of [`accuracy`] (bounds the memory of one forward pass).
pub const EVAL_CHUNK: usize = 1000;

/// Which rows an evaluation reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    /// Every row, in order.
    All,
    /// This many rows drawn with replacement from the caller's RNG.
    Sample(usize),
}

/// Totals of one evaluation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// Rows evaluated.
    pub rows: usize,
    /// Correct predictions, when the model predicts and the data is labelled.
    pub correct: Option<usize>,
    /// Sum over rows of the eval loss, when asked for and the model provides one.
    pub loss_sum: Option<f64>,
}

impl Evaluation {
    /// `correct / rows` (`None` without predictions or rows).
    pub fn accuracy(&self) -> Option<f64> {
        self.correct.filter(|_| self.rows > 0).map(|c| c as f64 / self.rows as f64)
    }

    /// Mean eval loss per row (`None` without a loss or rows).
    pub fn mean_loss(&self) -> Option<f64> {
        self.loss_sum.filter(|_| self.rows > 0).map(|s| s / self.rows as f64)
    }
}

/// The reusable buffers of an evaluation: a chunk of rows, its labels, indices and predictions.
#[derive(Clone, Debug)]
pub struct EvalBuffers<T: Scalar> {
    x: Matrix<T>,
    y: Vec<usize>,
    idx: Vec<usize>,
    pred: Vec<usize>,
    chunk: usize,
}

impl<T: Scalar> EvalBuffers<T> {
    /// Buffers for chunks of `chunk` rows (≥ 1).
    pub fn new(chunk: usize) -> Self {
        let chunk = chunk.max(1);
        Self {
            x: Matrix::zeros(0, 0),
            y: Vec::with_capacity(chunk),
            idx: Vec::with_capacity(chunk),
            pred: vec![0; chunk],
            chunk,
        }
    }

    /// Evaluates `model` (eval mode) on `rows` of `data` in chunks: accuracy when the model predicts
    /// and the data is labelled, and, with `with_loss`, the eval loss when the model provides it.
    /// `rng` draws the rows of [`Rows::Sample`] (nothing else).
    #[allow(clippy::too_many_arguments)]
    pub fn evaluate<M, D>(
        &mut self,
        model: &mut M,
        data: &D,
        rows: Rows,
        with_loss: bool,
        cache: &mut M::Cache,
        rng: &mut Rng,
        par: Par,
    ) -> Evaluation
    where
        M: Model<T> + ?Sized,
        D: Dataset<T> + ?Sized,
    {
        let total = match rows {
            Rows::All => data.len(),
            Rows::Sample(k) => k,
        };
        let mut e = Evaluation { rows: 0, correct: Some(0), loss_sum: with_loss.then_some(0.0) };
        let mut start = 0;
        while start < total {
            let end = (start + self.chunk).min(total);
            self.idx.clear();
            match rows {
                Rows::Sample(_) => self.idx.extend((start..end).map(|_| rng.random_range(0..data.len()))),
                Rows::All => self.idx.extend(start..end),
            }
            data.gather(&self.idx, &mut self.x, &mut self.y, par);
            let m = end - start;
            self.add_chunk(model, m, cache, par, &mut e);
            e.rows += m;
            start = end;
        }
        e
    }

    /// Eval-mode predictions and labels of every row of `data`, in order (the rows of the
    /// confusion matrix); `None` when the model does not predict or the data is unlabelled.
    pub fn predict_all<M, D>(
        &mut self,
        model: &mut M,
        data: &D,
        cache: &mut M::Cache,
        par: Par,
    ) -> Option<(Vec<usize>, Vec<usize>)>
    where
        M: Model<T> + ?Sized,
        D: Dataset<T> + ?Sized,
    {
        let (mut pred, mut labels) = (Vec::with_capacity(data.len()), Vec::with_capacity(data.len()));
        let mut start = 0;
        while start < data.len() {
            let end = (start + self.chunk).min(data.len());
            self.idx.clear();
            self.idx.extend(start..end);
            data.gather(&self.idx, &mut self.x, &mut self.y, par);
            let out = &mut self.pred[..end - start];
            if self.y.len() != end - start || !model.predict(&self.x, cache, out, par) {
                return None;
            }
            pred.extend_from_slice(out);
            labels.extend_from_slice(&self.y);
            start = end;
        }
        Some((pred, labels))
    }

    fn add_chunk<M: Model<T> + ?Sized>(
        &mut self,
        model: &mut M,
        m: usize,
        cache: &mut M::Cache,
        par: Par,
        e: &mut Evaluation,
    ) {
        if let Some(correct) = e.correct {
            let pred = &mut self.pred[..m];
            e.correct = (self.y.len() == m && model.predict(&self.x, cache, pred, par))
                .then(|| correct + count_correct(pred, &self.y));
        }
        if let Some(sum) = e.loss_sum {
            e.loss_sum = model.eval_loss(&self.x, &self.y, cache, par).map(|l| sum + l * m as f64);
        }
    }
}

/// Fraction of the rows of `data` whose predicted label equals the true one (0 for empty data or a
/// model without predictions), evaluated in chunks of [`EVAL_CHUNK`] rows. Allocates its buffers.
pub fn accuracy<T, M, D>(model: &mut M, data: &D, par: Par) -> f64
where
    T: Scalar,
    M: Model<T> + ?Sized,
    D: Dataset<T> + ?Sized,
{
    let mut cache = model.new_cache();
    let mut buffers = EvalBuffers::new(EVAL_CHUNK.min(data.len()));
    // `Rows::All` draws nothing; the generator only satisfies the signature.
    let e = buffers.evaluate(model, data, Rows::All, false, &mut cache, &mut rng_from_seed(0), par);
    e.accuracy().unwrap_or(0.0)
}

/// Number of positions where two label slices of one length agree.
///
/// # Panics
/// If the lengths differ.
#[track_caller]
pub fn count_correct(pred: &[usize], y: &[usize]) -> usize {
    assert_eq!(pred.len(), y.len(), "count_correct: {} predictions for {} labels", pred.len(), y.len());
    pred.iter().zip(y).filter(|(p, t)| p == t).count()
}
