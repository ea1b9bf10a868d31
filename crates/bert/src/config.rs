//! The architecture of a checkpoint, read from its own HF `config.json`:
//! BERT, RoBERTa, XLM-RoBERTa or DistilBERT, whichever `model_type` names
//! (their differences: [`crate::family`]).
//!
//! Read field by field rather than with `#[derive(Deserialize)]` so that every
//! error names the field (serde's messages give a line and column only), and
//! so that fields we do not implement (`position_embedding_type: "relative_key"`,
//! `is_decoder: true`...) are refused instead of silently ignored.

mod fields;

use std::path::Path;

use retag_data::Tagset;
use serde_json::Value;

use self::fields::Fields;
use crate::activation::Activation;
use crate::error::{BertError, Result};
use crate::family::{Family, Positions};
use crate::remap::Head;

/// What `BertModel` needs to know to be built and to check a checkpoint's
/// shapes. Fields carry BERT's names; DistilBERT's `config.json` names them
/// otherwise (given in brackets).
#[derive(Debug, Clone, PartialEq)]
pub struct BertConfig {
    /// The checkpoint family, from `model_type`. Required.
    pub family: Family,
    /// Rows of the word embedding table. Required.
    pub vocab_size: usize,
    /// Width of every hidden state (`dim`). Required; a multiple of `num_attention_heads`.
    pub hidden_size: usize,
    /// Number of encoder layers (`n_layers`). Required.
    pub num_hidden_layers: usize,
    /// Attention heads per layer (`n_heads`). Required.
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer (`hidden_dim`). Required.
    pub intermediate_size: usize,
    /// Rows of the position embedding table. Required. The RoBERTa family
    /// leaves the first `pad_token_id + 1` rows to padding: the longest
    /// input is [`BertConfig::max_positions`].
    pub max_position_embeddings: usize,
    /// Rows of the token type (segment) embedding table. Required for BERT,
    /// RoBERTa and XLM-RoBERTa (whose checkpoints have 1). DistilBERT has no
    /// table: 1 there, so that only type 0 is accepted.
    pub type_vocab_size: usize,
    /// The padding token's id. Default: the family's in transformers (0 for
    /// BERT and DistilBERT, 1 for RoBERTa and XLM-RoBERTa), whose positions count from it.
    pub pad_token_id: u32,
    /// LayerNorm epsilon. Default `1e-12`, transformers' default; fixed at
    /// `1e-12` in DistilBERT.
    pub layer_norm_eps: f64,
    /// Feed-forward activation (`activation`). Default `gelu` (exact, erf-based).
    pub hidden_act: Activation,
    /// Dropout after embeddings and each sub-layer (`dropout`), in training only. Default 0.1.
    pub hidden_dropout_prob: f64,
    /// Dropout on attention probabilities (`attention_dropout`), in training only. Default 0.1.
    pub attention_probs_dropout_prob: f64,
    /// Dropout before the token-classification head; `None` (HF's `null`)
    /// means `hidden_dropout_prob`, as in transformers. Always `None` for
    /// DistilBERT, whose classifier drops out with `dropout`.
    pub classifier_dropout: Option<f64>,
    /// The labels of the token-classification head, from `id2label` (checked
    /// against `label2id` and `num_labels`). `None` for a bare encoder.
    pub labels: Option<Tagset>,
}

impl BertConfig {
    /// Reads and checks `config.json`. Errors name `path` and the field.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).map_err(|source| BertError::Io { path: path.to_path_buf(), source })?;
        Self::from_json_str(&text, path)
    }

    /// Parses the text of a `config.json`; `path` is only used in errors.
    pub fn from_json_str(text: &str, path: &Path) -> Result<Self> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| BertError::ConfigSyntax { path: path.to_path_buf(), reason: e.to_string() })?;
        let Value::Object(map) = value else {
            return Err(BertError::ConfigSyntax {
                path: path.to_path_buf(),
                reason: "the top level is not a JSON object".into(),
            });
        };
        let fields = Fields { path, map: &map };

        let model_type = fields.required_str("model_type")?;
        let family = Family::from_model_type(model_type).ok_or_else(|| {
            fields.error("model_type", format!("{model_type:?} is not supported; retag reads {}", Family::supported()))
        })?;
        let config = match family {
            Family::DistilBert => Self::read_distilbert(&fields)?,
            Family::Bert | Family::Roberta | Family::XlmRoberta => Self::read_bert(&fields, family)?,
        };
        if let Positions::AfterPadding { padding_idx } = config.positions() {
            if padding_idx as usize >= config.vocab_size {
                return Err(fields.error(
                    "pad_token_id",
                    format!("{padding_idx} is not a row of the word embeddings (vocab_size {})", config.vocab_size),
                ));
            }
            if config.max_position_embeddings <= config.positions().offset() {
                return Err(fields.error(
                    "max_position_embeddings",
                    format!(
                        "{} rows hold no token: {} positions start at pad_token_id + 1 = {}",
                        config.max_position_embeddings,
                        config.family,
                        config.positions().offset()
                    ),
                ));
            }
        }
        Ok(config)
    }

    /// BERT, RoBERTa and XLM-RoBERTa: the fields of transformers' `BertConfig`.
    fn read_bert(fields: &Fields, family: Family) -> Result<Self> {
        if let Some(kind) = fields.optional_str("position_embedding_type")?
            && kind != "absolute"
        {
            return Err(
                fields.error("position_embedding_type", format!("{kind:?} is not supported, only \"absolute\""))
            );
        }
        for flag in ["is_decoder", "add_cross_attention"] {
            if fields.optional_bool(flag)? == Some(true) {
                return Err(fields.error(flag, "true is not supported: retag-bert is an encoder".into()));
            }
        }
        let config = Self {
            family,
            vocab_size: fields.required_size("vocab_size")?,
            hidden_size: fields.required_size("hidden_size")?,
            num_hidden_layers: fields.required_size("num_hidden_layers")?,
            num_attention_heads: fields.required_size("num_attention_heads")?,
            intermediate_size: fields.required_size("intermediate_size")?,
            max_position_embeddings: fields.required_size("max_position_embeddings")?,
            type_vocab_size: fields.required_size("type_vocab_size")?,
            pad_token_id: fields.optional_id("pad_token_id")?.unwrap_or(family.default_pad_token_id()),
            layer_norm_eps: fields.optional_f64("layer_norm_eps")?.unwrap_or(1e-12),
            hidden_act: activation(fields, "hidden_act")?,
            hidden_dropout_prob: fields.probability("hidden_dropout_prob")?.unwrap_or(0.1),
            attention_probs_dropout_prob: fields.probability("attention_probs_dropout_prob")?.unwrap_or(0.1),
            classifier_dropout: fields.probability("classifier_dropout")?,
            labels: fields.labels()?,
        };
        config.check_heads(fields, "num_attention_heads", "hidden_size")?;
        if !(config.layer_norm_eps > 0.0 && config.layer_norm_eps.is_finite()) {
            return Err(fields.error("layer_norm_eps", format!("{} is not a positive number", config.layer_norm_eps)));
        }
        Ok(config)
    }

    /// DistilBERT: the fields of transformers' `DistilBertConfig`, whose
    /// modules fix LayerNorm's epsilon at 1e-12 and have no token types.
    fn read_distilbert(fields: &Fields) -> Result<Self> {
        if fields.optional_bool("sinusoidal_pos_embds")? == Some(true) {
            return Err(fields.error(
                "sinusoidal_pos_embds",
                "true is not supported: transformers keeps such a position table fixed, retag would train it".into(),
            ));
        }
        let family = Family::DistilBert;
        let config = Self {
            family,
            vocab_size: fields.required_size("vocab_size")?,
            hidden_size: fields.required_size("dim")?,
            num_hidden_layers: fields.required_size("n_layers")?,
            num_attention_heads: fields.required_size("n_heads")?,
            intermediate_size: fields.required_size("hidden_dim")?,
            max_position_embeddings: fields.required_size("max_position_embeddings")?,
            type_vocab_size: 1,
            pad_token_id: fields.optional_id("pad_token_id")?.unwrap_or(family.default_pad_token_id()),
            layer_norm_eps: 1e-12,
            hidden_act: activation(fields, "activation")?,
            hidden_dropout_prob: fields.probability("dropout")?.unwrap_or(0.1),
            attention_probs_dropout_prob: fields.probability("attention_dropout")?.unwrap_or(0.1),
            classifier_dropout: None,
            labels: fields.labels()?,
        };
        config.check_heads(fields, "n_heads", "dim")?;
        Ok(config)
    }

    /// Heads must split the hidden width evenly; `heads` and `width` are the
    /// family's names of the two fields.
    fn check_heads(&self, fields: &Fields, heads: &str, width: &str) -> Result<()> {
        if self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return Ok(());
        }
        Err(fields
            .error(heads, format!("{} heads do not divide {width} {}", self.num_attention_heads, self.hidden_size)))
    }

    /// Width of one attention head.
    pub fn head_size(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }

    /// How tokens' positions pick rows of the position table.
    pub fn positions(&self) -> Positions {
        self.family.positions(self.pad_token_id)
    }

    /// The longest input, in tokens: the rows of the position table that
    /// real tokens read (`max_position_embeddings`, less the RoBERTa
    /// family's `pad_token_id + 1` rows before the first position: 512 for
    /// roberta-base's 514).
    pub fn max_positions(&self) -> usize {
        self.max_position_embeddings - self.positions().offset()
    }

    /// Where [`BertConfig::max_positions`] comes from, for messages:
    /// `max_position_embeddings = 64`, or for the RoBERTa family
    /// `max_position_embeddings = 514, less the 2 rows before the first position`.
    pub fn max_positions_reason(&self) -> String {
        match self.positions().offset() {
            0 => format!("max_position_embeddings = {}", self.max_position_embeddings),
            offset => format!(
                "max_position_embeddings = {}, less the {offset} rows before the first position",
                self.max_position_embeddings
            ),
        }
    }

    /// Number of labels of the token-classification head, if the config has one.
    pub fn num_labels(&self) -> Option<usize> {
        self.labels.as_ref().map(Tagset::len)
    }

    /// The dropout in front of the classifier, resolved as transformers does.
    pub fn classifier_dropout_prob(&self) -> f64 {
        self.classifier_dropout.unwrap_or(self.hidden_dropout_prob)
    }

    /// The dropout after the attention's output projection: `hidden_dropout_prob`,
    /// or none in DistilBERT, which has no such dropout.
    pub fn attention_output_dropout_prob(&self) -> f64 {
        if self.family.drops_attention_output() { self.hidden_dropout_prob } else { 0.0 }
    }

    /// The `config.json` of this family's model with `head` (its
    /// `architectures` entry) and these labels: the encoder fields under the
    /// family's names, `model_type`, `id2label`, `label2id`, `num_labels`.
    pub fn to_hf_json(&self, labels: &Tagset, head: Head) -> Value {
        let mut json = match self.family {
            Family::DistilBert => serde_json::json!({
                "vocab_size": self.vocab_size,
                "dim": self.hidden_size,
                "n_layers": self.num_hidden_layers,
                "n_heads": self.num_attention_heads,
                "hidden_dim": self.intermediate_size,
                "max_position_embeddings": self.max_position_embeddings,
                "sinusoidal_pos_embds": false,
                "activation": self.hidden_act.hf_name(),
                "dropout": self.hidden_dropout_prob,
                "attention_dropout": self.attention_probs_dropout_prob,
                "pad_token_id": self.pad_token_id,
            }),
            Family::Bert | Family::Roberta | Family::XlmRoberta => serde_json::json!({
                "vocab_size": self.vocab_size,
                "hidden_size": self.hidden_size,
                "num_hidden_layers": self.num_hidden_layers,
                "num_attention_heads": self.num_attention_heads,
                "intermediate_size": self.intermediate_size,
                "max_position_embeddings": self.max_position_embeddings,
                "type_vocab_size": self.type_vocab_size,
                "pad_token_id": self.pad_token_id,
                "layer_norm_eps": self.layer_norm_eps,
                "hidden_act": self.hidden_act.hf_name(),
                "hidden_dropout_prob": self.hidden_dropout_prob,
                "attention_probs_dropout_prob": self.attention_probs_dropout_prob,
                "classifier_dropout": self.classifier_dropout,
                "position_embedding_type": "absolute",
            }),
        };
        json["architectures"] = serde_json::json!([self.family.architecture(head)]);
        json["model_type"] = self.family.model_type().into();
        json["num_labels"] = labels.len().into();
        json["id2label"] = serde_json::json!(labels.id2label());
        json["label2id"] = serde_json::json!(labels.label2id());
        json
    }
}

/// The activation a `field` (`hidden_act`, DistilBERT's `activation`) names; `gelu` when unset.
fn activation(fields: &Fields, field: &str) -> Result<Activation> {
    match fields.optional_str(field)? {
        None => Ok(Activation::Gelu),
        Some(name) => Activation::from_hf_name(name).ok_or_else(|| {
            fields.error(field, format!("{name:?} is not supported; expected one of {:?}", Activation::NAMES))
        }),
    }
}

#[cfg(test)]
mod tests;
