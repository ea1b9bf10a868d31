//! One BERT encoder layer: the attention sub-layer, then the feed-forward
//! sub-layer (dense, activation, dense, dropout, residual, LayerNorm), as
//! transformers' `BertLayer` = `BertAttention` + `BertIntermediate` + `BertOutput`.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::{Bool, Device, Tensor};

use crate::activation::Activation;
use crate::attention::BertAttention;
use crate::config::BertConfig;
use crate::{dense, dropout};

#[derive(Module, Debug)]
pub struct BertLayer {
    pub attention: BertAttention,
    pub intermediate: Linear,
    pub output: Linear,
    pub layer_norm: LayerNorm,
    pub dropout: Dropout,
    #[module(skip)]
    pub activation: Activation,
}

impl BertLayer {
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        Self {
            attention: BertAttention::init(config, device),
            intermediate: LinearConfig::new(config.hidden_size, config.intermediate_size).init(device),
            output: LinearConfig::new(config.intermediate_size, config.hidden_size).init(device),
            layer_norm: LayerNormConfig::new(config.hidden_size).with_epsilon(config.layer_norm_eps).init(device),
            dropout: DropoutConfig::new(config.hidden_dropout_prob).init(),
            activation: config.hidden_act,
        }
    }

    pub fn forward(&self, hidden: Tensor<3>, padding: Tensor<2, Bool>) -> Tensor<3> {
        let attended = self.attention.forward(hidden, padding);
        let expanded = self.activation.forward(dense::forward_rows(&self.intermediate, attended.clone()));
        let projected = dropout::apply(&self.dropout, dense::forward_rows(&self.output, expanded));
        self.layer_norm.forward(projected + attended)
    }
}
