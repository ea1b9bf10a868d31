//! The input layer: word + absolute position (+ token type) embeddings, then
//! LayerNorm and dropout (transformers' `BertEmbeddings`, `RobertaEmbeddings`
//! and DistilBERT's `Embeddings`; their differences are [`Positions`] and
//! whether there is a token type table, see [`crate::family`]).

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig};
use burn::tensor::{Device, Int, Tensor};

use crate::config::BertConfig;
use crate::dropout;
use crate::family::Positions;

#[derive(Module, Debug)]
pub struct BertEmbeddings {
    pub word_embeddings: Embedding,
    pub position_embeddings: Embedding,
    /// `None` for DistilBERT, which has no token types.
    pub token_type_embeddings: Option<Embedding>,
    pub layer_norm: LayerNorm,
    pub dropout: Dropout,
    #[module(skip)]
    pub positions: Positions,
}

impl BertEmbeddings {
    /// A randomly initialised module of the configured shape; the loader
    /// replaces every parameter.
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        let table = |rows| EmbeddingConfig::new(rows, config.hidden_size).init(device);
        Self {
            word_embeddings: table(config.vocab_size),
            position_embeddings: table(config.max_position_embeddings),
            token_type_embeddings: config.family.has_token_types().then(|| table(config.type_vocab_size)),
            layer_norm: LayerNormConfig::new(config.hidden_size).with_epsilon(config.layer_norm_eps).init(device),
            dropout: DropoutConfig::new(config.hidden_dropout_prob).init(),
            positions: config.positions(),
        }
    }

    /// `input_ids` and `token_type_ids`: `[batch, seq]`, already checked
    /// against the vocabulary and table sizes by [`crate::BertInput`]
    /// (without a token type table, the types are all 0 and unused).
    /// Returns `[batch, seq, hidden]`.
    pub fn forward(&self, input_ids: Tensor<2, Int>, token_type_ids: Tensor<2, Int>) -> Tensor<3> {
        let positions = self.position_ids(&input_ids);
        let mut embeddings = self.word_embeddings.forward(input_ids);
        if let Some(token_types) = &self.token_type_embeddings {
            embeddings = embeddings + token_types.forward(token_type_ids);
        }
        embeddings = embeddings + self.position_embeddings.forward(positions);
        dropout::apply(&self.dropout, self.layer_norm.forward(embeddings))
    }

    /// The row of the position table each token reads, `[batch, seq]`.
    fn position_ids(&self, input_ids: &Tensor<2, Int>) -> Tensor<2, Int> {
        let [batch, seq] = input_ids.dims();
        match self.positions {
            Positions::FromZero => {
                Tensor::<1, Int>::arange(0..seq as i64, &input_ids.device()).unsqueeze::<2>().expand([batch, seq])
            }
            // transformers' `create_position_ids_from_input_ids`: counted
            // over the tokens that are not padding, from `padding_idx + 1`.
            Positions::AfterPadding { padding_idx } => {
                let real = input_ids.clone().not_equal_elem(padding_idx).int();
                real.clone().cumsum(1) * real + i64::from(padding_idx)
            }
        }
    }
}
