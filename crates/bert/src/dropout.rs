//! Dropout for the encoder's layers: burn's `Dropout` module holds the
//! probability and the training flag (so checkpoints and `valid()` behave as
//! burn's do); on the Flex backend the mask is drawn in parallel
//! (`cpu::flex_dropout`), elsewhere burn's own forward runs.

use burn::nn::Dropout;
use burn::tensor::Tensor;

/// `layer.forward(x)`, with a faster mask on the Flex backend.
pub fn apply<const D: usize>(layer: &Dropout, x: Tensor<D>) -> Tensor<D> {
    // The same test as burn's `Dropout::forward`: only a training layer on a
    // device that can take gradients drops anything.
    if !layer.training.is_enabled() || !x.device().is_autodiff() || layer.prob == 0.0 {
        return x;
    }
    #[cfg(feature = "flex")]
    if crate::cpu::is_flex(&x.device()) {
        return crate::cpu::flex_dropout::dropout(x, layer.prob);
    }
    layer.forward(x)
}
