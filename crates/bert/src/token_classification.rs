//! An encoder with a token-classification head: dropout then one linear
//! layer from each last hidden state to one score per label (transformers'
//! `BertForTokenClassification`, and the same head of RoBERTa, XLM-RoBERTa
//! and DistilBERT).

use std::path::Path;

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use retag_data::Tagset;

use crate::config::BertConfig;
use crate::error::Result;
use crate::input::BertInput;
use crate::loader::{self, Target};
use crate::model::BertModel;
use crate::{dense, dropout};

#[derive(Module, Debug)]
pub struct BertForTokenClassification {
    pub bert: BertModel,
    pub dropout: Dropout,
    pub classifier: Linear,
    /// Label `i` is column `i` of the logits.
    #[module(skip)]
    pub labels: Tagset,
}

impl BertForTokenClassification {
    /// A randomly initialised model with a head for `labels`, which also
    /// replace `config.labels` so that the encoder's config describes this
    /// head (export writes `id2label` from `labels`).
    pub fn init(config: &BertConfig, labels: Tagset, device: &Device) -> Self {
        let config = BertConfig { labels: Some(labels.clone()), ..config.clone() };
        Self {
            bert: BertModel::init(&config, device),
            dropout: DropoutConfig::new(config.classifier_dropout_prob()).init(),
            classifier: LinearConfig::new(config.hidden_size, labels.len()).init(device),
            labels,
        }
    }

    /// The HF token-classification checkpoint in `dir`
    /// (`BertForTokenClassification`, `RobertaForTokenClassification`...); its
    /// `config.json` must name the labels (`id2label`).
    pub fn from_pretrained(dir: &Path, device: &Device) -> Result<Self> {
        let checkpoint = loader::read(dir, Target::TokenClassification)?;
        let labels = checkpoint
            .config
            .labels
            .clone()
            .expect("loader::read checks that a token-classification config has labels");
        let model = Self::init(&checkpoint.config, labels, device);
        checkpoint.assign(model, device)
    }

    /// `[batch, seq, num_labels]` scores.
    pub fn forward(&self, input: &BertInput) -> Tensor<3> {
        let hidden = self.bert.forward(input);
        dense::forward_rows(&self.classifier, dropout::apply(&self.dropout, hidden))
    }

    /// The last hidden states and the logits, from one pass.
    pub fn forward_with_hidden(&self, input: &BertInput) -> (Tensor<3>, Tensor<3>) {
        let hidden = self.bert.forward(input);
        let logits = dense::forward_rows(&self.classifier, dropout::apply(&self.dropout, hidden.clone()));
        (hidden, logits)
    }
}
