//! The attention sub-layer of a BERT layer: multi-head self-attention over
//! the unpadded tokens, then output projection, dropout, residual and
//! LayerNorm (transformers' `BertAttention` = `BertSelfAttention` + `BertSelfOutput`).

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::activation::softmax;
use burn::tensor::{Bool, Device, Tensor};

use crate::config::BertConfig;

/// Score given to padding keys before the softmax. Large enough that
/// `exp` underflows to exactly 0 in f32 (so outputs match transformers,
/// which adds `finfo.min`), finite so that a row with no real token does
/// not produce NaN.
const MASKED_SCORE: f32 = -1.0e9;

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
            output_dropout: DropoutConfig::new(config.hidden_dropout_prob).init(),
            num_heads: config.num_attention_heads,
        }
    }

    /// `hidden`: `[batch, seq, hidden]`; `padding`: `[batch, seq]`, true at
    /// padding tokens, which no token may attend to.
    pub fn forward(&self, hidden: Tensor<3>, padding: Tensor<2, Bool>) -> Tensor<3> {
        let [batch, seq, width] = hidden.dims();
        let head_size = width / self.num_heads;

        let query = self.split_heads(self.query.forward(hidden.clone()));
        let key = self.split_heads(self.key.forward(hidden.clone()));
        let value = self.split_heads(self.value.forward(hidden.clone()));

        let scores = query.matmul(key.transpose()) / (head_size as f64).sqrt();
        let padding = padding.reshape([batch, 1, 1, seq]).expand([batch, self.num_heads, seq, seq]);
        let probabilities = softmax(scores.mask_fill(padding, MASKED_SCORE), 3);
        let context =
            self.attention_dropout.forward(probabilities).matmul(value).swap_dims(1, 2).reshape([batch, seq, width]);

        let projected = self.output_dropout.forward(self.output.forward(context));
        self.layer_norm.forward(projected + hidden)
    }

    /// `[batch, seq, hidden]` -> `[batch, heads, seq, head_size]`.
    fn split_heads(&self, x: Tensor<3>) -> Tensor<4> {
        let [batch, seq, width] = x.dims();
        x.reshape([batch, seq, self.num_heads, width / self.num_heads]).swap_dims(1, 2)
    }
}
