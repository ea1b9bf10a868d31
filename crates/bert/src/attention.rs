//! The attention sub-layer of a BERT layer: multi-head self-attention over
//! the unpadded tokens, then output projection, dropout, residual and
//! LayerNorm (transformers' `BertAttention` = `BertSelfAttention` + `BertSelfOutput`).

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::activation::softmax;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Bool, Device, Tensor};

use crate::config::BertConfig;
use crate::{dense, dropout};

/// Score given to padding keys before the softmax. Large enough that
/// `exp` underflows to exactly 0 in f32 (so outputs match transformers,
/// which adds `finfo.min`), finite so that a row with no real token does
/// not produce NaN.
const MASKED_SCORE: f32 = -1.0e9;

/// The projections and padding of one attention call, split into heads
/// by whichever path computes it.
pub struct AttentionInputs {
    /// `[batch, seq, hidden]` each.
    pub query: Tensor<3>,
    pub key: Tensor<3>,
    pub value: Tensor<3>,
    /// `[batch, seq]`, true at padding tokens, which no token attends to.
    pub padding: Tensor<2, Bool>,
    pub heads: usize,
    /// Multiplies `QKᵀ` before the softmax (`1/√head_size`).
    pub scale: f32,
}

#[derive(Module, Debug)]
pub struct BertAttention {
    pub query: Linear,
    pub key: Linear,
    pub value: Linear,
    pub output: Linear,
    pub layer_norm: LayerNorm,
    pub attention_dropout: Dropout,
    pub output_dropout: Dropout,
    pub num_heads: usize,
}

impl BertAttention {
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        let hidden = config.hidden_size;
        Self {
            query: LinearConfig::new(hidden, hidden).init(device),
            key: LinearConfig::new(hidden, hidden).init(device),
            value: LinearConfig::new(hidden, hidden).init(device),
            output: LinearConfig::new(hidden, hidden).init(device),
            layer_norm: LayerNormConfig::new(hidden).with_epsilon(config.layer_norm_eps).init(device),
            attention_dropout: DropoutConfig::new(config.attention_probs_dropout_prob).init(),
            output_dropout: DropoutConfig::new(config.attention_output_dropout_prob()).init(),
            num_heads: config.num_attention_heads,
        }
    }

    /// `hidden`: `[batch, seq, hidden]`; `padding`: `[batch, seq]`, true at
    /// padding tokens, which no token may attend to.
    pub fn forward(&self, hidden: Tensor<3>, padding: Tensor<2, Bool>) -> Tensor<3> {
        let width = hidden.dims()[2];
        let inputs = AttentionInputs {
            query: dense::forward_rows(&self.query, hidden.clone()),
            key: dense::forward_rows(&self.key, hidden.clone()),
            value: dense::forward_rows(&self.value, hidden.clone()),
            padding,
            heads: self.num_heads,
            scale: 1.0 / ((width / self.num_heads) as f32).sqrt(),
        };
        let context = if hidden.device().is_autodiff() {
            self.explicit_attention(inputs)
        } else {
            // No gradient, so no attention dropout: a fused kernel computes
            // the same softmax(QKᵀ·scale)·V without [batch, heads, seq, seq]
            // tensors between ops: on flex ours (heads read in place, SIMD
            // softmax), elsewhere the backend's.
            #[cfg(feature = "flex")]
            let context = crate::cpu::flex_attention::attention_or(inputs, fused_attention);
            #[cfg(not(feature = "flex"))]
            let context = fused_attention(inputs);
            context
        };

        let projected = dropout::apply(&self.output_dropout, dense::forward_rows(&self.output, context));
        self.layer_norm.forward(projected + hidden)
    }

    /// softmax(QKᵀ·scale)·V op by op, with attention dropout: the path
    /// gradients flow through.
    fn explicit_attention(&self, inputs: AttentionInputs) -> Tensor<3> {
        let [batch, seq, _] = inputs.query.dims();
        let heads = inputs.heads;
        let (query, key, value) =
            (split_heads(inputs.query, heads), split_heads(inputs.key, heads), split_heads(inputs.value, heads));
        let scores = query.matmul(key.transpose()) * f64::from(inputs.scale);
        let padding = inputs.padding.reshape([batch, 1, 1, seq]).expand([batch, heads, seq, seq]);
        let probabilities = softmax(scores.mask_fill(padding, MASKED_SCORE), 3);
        merge_heads(dropout::apply(&self.attention_dropout, probabilities).matmul(value))
    }
}

/// The backend's fused attention op (no dropout: inference only); also the
/// reference the flex kernel is tested against.
pub(crate) fn fused_attention(inputs: AttentionInputs) -> Tensor<3> {
    let [batch, seq, _] = inputs.query.dims();
    let heads = inputs.heads;
    let (query, key, value) =
        (split_heads(inputs.query, heads), split_heads(inputs.key, heads), split_heads(inputs.value, heads));
    let padding = inputs.padding.reshape([batch, 1, 1, seq]).expand([batch, 1, seq, seq]);
    let options = AttentionModuleOptions { scale: Some(f64::from(inputs.scale)), softcap: None, is_causal: false };
    merge_heads(attention(query, key, value, Some(padding), None, options))
}

/// `[batch, seq, hidden]` -> `[batch, heads, seq, head_size]`.
fn split_heads(x: Tensor<3>, heads: usize) -> Tensor<4> {
    let [batch, seq, width] = x.dims();
    x.reshape([batch, seq, heads, width / heads]).swap_dims(1, 2)
}

/// `[batch, heads, seq, head_size]` -> `[batch, seq, hidden]`.
fn merge_heads(x: Tensor<4>) -> Tensor<3> {
    let [batch, heads, seq, head_size] = x.dims();
    x.swap_dims(1, 2).reshape([batch, seq, heads * head_size])
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use burn::module::Module;
    use burn::tensor::{Bool, Distribution, Tensor, TensorData};

    use super::*;

    /// Inference takes the fused attention op, training the explicit
    /// softmax(QKᵀ)·V; both must give the same output, padding included.
    #[test]
    fn fused_inference_path_matches_the_training_path() {
        let config = BertConfig::from_json_str(
            r#"{"model_type": "bert", "vocab_size": 50, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4,
                "intermediate_size": 64, "max_position_embeddings": 16, "type_vocab_size": 2,
                "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0}"#,
            Path::new("inline.json"),
        )
        .expect("valid config");
        let autodiff = Device::flex().autodiff();
        let training = BertAttention::init(&config, &autodiff);
        let hidden = Tensor::<3>::random([3, 7, 32], Distribution::Normal(0.0, 1.0), &autodiff);
        let lengths = [7, 4, 1];
        let padding: Vec<bool> = lengths.iter().flat_map(|&n| (0..7).map(move |i| i >= n)).collect();
        let padding = Tensor::<2, Bool>::from_data(TensorData::new(padding, [3, 7]), &autodiff);

        let explicit = training.clone().forward(hidden.clone(), padding.clone());
        let fused = training.valid().forward(hidden.valid(), padding.valid());
        assert!(explicit.device().is_autodiff() && !fused.device().is_autodiff(), "one path each");

        let fused = fused.into_data().try_to_vec::<f32>().expect("f32");
        let explicit = explicit.into_data().try_to_vec::<f32>().expect("f32");
        for (i, (a, b)) in fused.iter().zip(&explicit).enumerate() {
            assert!((a - b).abs() < 1.0e-5, "element {i}: fused {a}, explicit {b}");
        }
    }
}
