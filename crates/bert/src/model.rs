//! The BERT encoder: embeddings, then `num_hidden_layers` layers; its output
//! is the last hidden state (transformers' `BertModel` without the pooler,
//! which token classification does not use). The same module is RoBERTa's,
//! XLM-RoBERTa's and DistilBERT's encoder, built from their configs
//! ([`crate::family`]).

use std::path::Path;

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use crate::config::BertConfig;
use crate::embeddings::BertEmbeddings;
use crate::error::Result;
use crate::input::BertInput;
use crate::layer::BertLayer;
use crate::loader::{self, Target};

#[derive(Module, Debug)]
pub struct BertModel {
    pub embeddings: BertEmbeddings,
    pub layers: Vec<BertLayer>,
    #[module(skip)]
    pub config: BertConfig,
}

impl BertModel {
    /// A randomly initialised encoder. Only useful for tests and as the
    /// skeleton the loader fills: use [`BertModel::from_pretrained`] for a model.
    pub fn init(config: &BertConfig, device: &Device) -> Self {
        Self {
            embeddings: BertEmbeddings::init(config, device),
            layers: (0..config.num_hidden_layers).map(|_| BertLayer::init(config, device)).collect(),
            config: config.clone(),
        }
    }

    /// The encoder of the HF checkpoint in `dir` (`config.json` and
    /// `model.safetensors`). A checkpoint with a classifier is refused: the
    /// caller must say, with [`crate::BertForTokenClassification`], that it wants the head.
    pub fn from_pretrained(dir: &Path, device: &Device) -> Result<Self> {
        let checkpoint = loader::read(dir, Target::Encoder)?;
        let model = Self::init(&checkpoint.config, device);
        checkpoint.assign(model, device)
    }

    /// Last hidden states, `[batch, seq, hidden]`. Padding positions get
    /// values too (they attend to the real tokens) but no token attends to them.
    pub fn forward(&self, input: &BertInput) -> Tensor<3> {
        let padding = input.attention_mask.clone().equal_elem(0);
        let mut hidden = self.embeddings.forward(input.input_ids.clone(), input.token_type_ids.clone());
        for layer in &self.layers {
            hidden = layer.forward(hidden, padding.clone());
        }
        hidden
    }
}
