//! handgrad-nn's `Model` for the tied autoencoders, written once: the parameters are the one matrix
//! `W` and so is the gradient; the labels are ignored (an autoencoder's target is its input); the
//! train-mode loss is the model's `forward_into` + `backward`, and the eval loss is
//! `‖X̂ − X‖²/2N` of its `reconstruct_into`, with the squares summed in `f64`.

/// Implements `Model<T>` for the tied autoencoder `$ae<T>` with cache `$cache<T>`, given its
/// inherent `forward_into`, `backward` and `reconstruct_into`.
macro_rules! tied_model {
    ($ae:ident, $cache:ident) => {
        impl<T: handgrad_tensor::Scalar> handgrad_nn::solver::Model<T> for $ae<T> {
            type Params = handgrad_tensor::Matrix<T>;
            type Cache = $cache<T>;

            fn params(&self) -> &handgrad_tensor::Matrix<T> {
                &self.w
            }

            fn params_mut(&mut self) -> &mut handgrad_tensor::Matrix<T> {
                &mut self.w
            }

            fn new_cache(&self) -> $cache<T> {
                $cache::default()
            }

            fn loss_and_grads(
                &mut self,
                x: &handgrad_tensor::Matrix<T>,
                _y: &[usize],
                cache: &mut $cache<T>,
                grads: &mut handgrad_tensor::Matrix<T>,
                _rng: &mut handgrad_tensor::init::Rng,
                par: handgrad_tensor::Par,
            ) -> f64 {
                let loss = self.forward_into(x, cache, par);
                self.backward(x, cache, grads, par);
                loss
            }

            fn eval_loss(
                &mut self,
                x: &handgrad_tensor::Matrix<T>,
                _y: &[usize],
                cache: &mut $cache<T>,
                par: handgrad_tensor::Par,
            ) -> Option<f64> {
                Some(handgrad_nn::loss::squared_error_loss(self.reconstruct_into(x, cache, par), x))
            }
        }
    };
}
pub(crate) use tied_model;
