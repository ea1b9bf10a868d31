//! BERT's input layer: word + absolute position + token type embeddings,
//! then LayerNorm and dropout (transformers' `BertEmbeddings`).

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig};
use burn::tensor::{Device, Int, Tensor};

use crate::config::BertConfig;
use crate::dropout;

#[derive(Module, Debug)]
pub struct BertEmbeddings {
    pub word_embeddings: Embedding,
    pub position_embeddings: Embedding,
    pub token_type_embeddings: Embedding,
    pub layer_norm: LayerNorm,
    pub dropout: Dropout,
}

impl BertEmbeddings {
    /// A randomly initialised module of the configured shape; the loader
    /// replaces every parameter.
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        Self {
            word_embeddings: EmbeddingConfig::new(config.vocab_size, config.hidden_size).init(device),
            position_embeddings: EmbeddingConfig::new(config.max_position_embeddings, config.hidden_size).init(device),
            token_type_embeddings: EmbeddingConfig::new(config.type_vocab_size, config.hidden_size).init(device),
            layer_norm: LayerNormConfig::new(config.hidden_size).with_epsilon(config.layer_norm_eps).init(device),
            dropout: DropoutConfig::new(config.hidden_dropout_prob).init(),
        }
    }

    /// `input_ids` and `token_type_ids`: `[batch, seq]`, already checked
    /// against the vocabulary and table sizes by [`crate::BertInput`].
    /// Returns `[batch, seq, hidden]`.
    pub fn forward(&self, input_ids: Tensor<2, Int>, token_type_ids: Tensor<2, Int>) -> Tensor<3> {
        let [batch, seq] = input_ids.dims();
        let device = input_ids.device();
        let positions = Tensor::<1, Int>::arange(0..seq as i64, &device).unsqueeze::<2>().expand([batch, seq]);

        let embeddings = self.word_embeddings.forward(input_ids)
            + self.position_embeddings.forward(positions)
            + self.token_type_embeddings.forward(token_type_ids);
        dropout::apply(&self.dropout, self.layer_norm.forward(embeddings))
    }
}
