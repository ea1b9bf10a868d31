//! The token-classification loss: cross-entropy over the tokens that carry
//! a label, averaged over them (PyTorch's `CrossEntropyLoss` with
//! `ignore_index=-100`, the `-100` being our `None`).

use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

/// Which tokens of a batch train and towards which label, as tensors.
#[derive(Debug, Clone)]
pub struct Targets {
    /// `[batch * seq]` label ids; 0 where ignored.
    ids: Tensor<1, Int>,
    /// `[batch * seq]` 1.0 where the token carries a label, else 0.0.
    weights: Tensor<1>,
    /// How many tokens carry a label.
    count: usize,
}

impl Targets {
    /// From a batch's row-major labels (`None`: ignored, padding included).
    pub fn new(labels: &[Option<usize>], device: &Device) -> Self {
        let ids: Vec<i64> = labels.iter().map(|label| label.map_or(0, |id| id as i64)).collect();
        let weights: Vec<f32> = labels.iter().map(|label| if label.is_some() { 1.0 } else { 0.0 }).collect();
        let count = labels.iter().filter(|label| label.is_some()).count();
        let len = labels.len();
        Self {
            ids: Tensor::from_data(TensorData::new(ids, [len]), device),
            weights: Tensor::from_data(TensorData::new(weights, [len]), device),
            count,
        }
    }

    pub fn count(&self) -> usize {
        self.count
    }
}

/// Mean cross-entropy of `logits` (`[batch, seq, labels]`) over the labelled
/// tokens; 0 (with a zero gradient) for a batch where no token is labelled.
pub fn cross_entropy(logits: Tensor<3>, targets: &Targets) -> Tensor<1> {
    let [batch, seq, labels] = logits.dims();
    let log_probs = log_softmax(logits.reshape([batch * seq, labels]), 1);
    let picked: Tensor<1> = log_probs.gather(1, targets.ids.clone().reshape([batch * seq, 1])).reshape([batch * seq]);
    (picked * targets.weights.clone()).sum().neg().div_scalar(targets.count.max(1) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_over_labelled_tokens_only() {
        let device = Device::flex();
        // One row of three tokens over two labels; the middle token is ignored.
        let logits =
            Tensor::<3>::from_data(TensorData::new(vec![0.0f32, 0.0, 50.0, -50.0, 2.0, 0.0], [1, 3, 2]), &device);
        let targets = Targets::new(&[Some(1), None, Some(0)], &device);
        let loss = cross_entropy(logits, &targets).into_scalar::<f32>();
        let expected = (2f32.ln() + (1.0 + (-2f32).exp()).ln()) / 2.0;
        assert!((loss - expected).abs() < 1e-6, "{loss} vs {expected}");

        let nothing = Targets::new(&[None, None], &device);
        let logits = Tensor::<3>::zeros([1, 2, 2], &device);
        assert_eq!(cross_entropy(logits, &nothing).into_scalar::<f32>(), 0.0);
    }
}
