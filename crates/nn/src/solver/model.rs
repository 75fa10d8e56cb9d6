//! [`Model`]: what the Solver needs of a model — a loss with gradients for a batch, and its
//! parameters by index.

use handgrad_tensor::init::Rng;
use handgrad_tensor::{Matrix, Scalar};

/// A trainable model.
///
/// Parameters are numbered `0..num_params()`; parameter `i` and its gradient have the same shape.
/// The model owns its gradient buffers (and whatever forward/backward buffers it needs) and
/// reuses them, so a training step allocates nothing after the first.
///
/// Train/eval mode is explicit: [`Model::loss_and_grads`] is train mode (dropout drops,
/// batchnorm uses batch statistics; `rng` drives dropout), [`Model::predict`] and
/// [`Model::eval_loss`] are eval mode.
pub trait Model<T: Scalar> {
    /// Number of parameter matrices.
    fn num_params(&self) -> usize;

    /// Name of parameter `i` (e.g. `"W1"`, `"b1"`), for checkpoints and messages.
    fn param_name(&self, i: usize) -> &str;

    /// Parameter `i`.
    fn param(&self, i: usize) -> &Matrix<T>;

    /// Parameter `i`, mutable (to restore the best parameters or load a checkpoint).
    fn param_mut(&mut self, i: usize) -> &mut Matrix<T>;

    /// Parameter `i` and its gradient from the last [`Model::loss_and_grads`], for the update.
    fn param_and_grad(&mut self, i: usize) -> (&mut Matrix<T>, &Matrix<T>);

    /// Train-mode loss of the batch `x: (n, d)` with labels `y: (n,)` (empty for unlabelled
    /// models), regularisation included; leaves `∂loss/∂param_i` in the model's gradient buffers
    /// (overwriting them).
    fn loss_and_grads(&mut self, x: &Matrix<T>, y: &[usize], rng: &mut Rng) -> T;

    /// Eval-mode class predictions for `x: (n, d)` into `out: (n,)`. Returns `false` (the
    /// default) when the model does not predict classes; the Solver then reports no accuracy.
    fn predict(&mut self, _x: &Matrix<T>, _out: &mut [usize]) -> bool {
        false
    }

    /// Eval-mode loss of `x: (n, d)` (labels `y`, possibly empty), without gradients. Returns
    /// `None` (the default) when not provided; models without predictions (autoencoders) provide
    /// it so that the Solver can keep the parameters with the lowest validation loss.
    fn eval_loss(&mut self, _x: &Matrix<T>, _y: &[usize]) -> Option<T> {
        None
    }
}
