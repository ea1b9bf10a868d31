//! The architecture of a BERT checkpoint, read from its own HF `config.json`.
//!
//! Read field by field rather than with `#[derive(Deserialize)]` so that every
//! error names the field (serde's messages give a line and column only), and
//! so that fields we do not implement (`position_embedding_type: "relative_key"`,
//! `is_decoder: true`...) are refused instead of silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use retag_data::Tagset;
use serde_json::{Map, Value};

use crate::activation::Activation;
use crate::error::{BertError, Result};

/// What `BertModel` needs to know to be built and to check a checkpoint's shapes.
#[derive(Debug, Clone, PartialEq)]
pub struct BertConfig {
    /// Rows of the word embedding table. Required.
    pub vocab_size: usize,
    /// Width of every hidden state. Required; a multiple of `num_attention_heads`.
    pub hidden_size: usize,
    /// Number of encoder layers. Required.
    pub num_hidden_layers: usize,
    /// Attention heads per layer. Required.
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer. Required.
    pub intermediate_size: usize,
    /// Longest input, in tokens (rows of the position embedding table). Required.
    pub max_position_embeddings: usize,
    /// Rows of the token type (segment) embedding table. Required.
    pub type_vocab_size: usize,
    /// LayerNorm epsilon. Default `1e-12`, transformers' default for BERT.
    pub layer_norm_eps: f64,
    /// Feed-forward activation. Default `gelu` (exact, erf-based).
    pub hidden_act: Activation,
    /// Dropout after embeddings and each sub-layer, in training only. Default 0.1.
    pub hidden_dropout_prob: f64,
    /// Dropout on attention probabilities, in training only. Default 0.1.
    pub attention_probs_dropout_prob: f64,
    /// Dropout before the token-classification head; `None` (HF's `null`)
    /// means `hidden_dropout_prob`, as in transformers.
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
        if model_type != "bert" {
            return Err(fields.error("model_type", format!("{model_type:?} is not supported, only \"bert\"")));
        }
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

        let hidden_act = match fields.optional_str("hidden_act")? {
            None => Activation::Gelu,
            Some(name) => Activation::from_hf_name(name).ok_or_else(|| {
                fields
                    .error("hidden_act", format!("{name:?} is not supported; expected one of {:?}", Activation::NAMES))
            })?,
        };

        let config = Self {
            vocab_size: fields.required_size("vocab_size")?,
            hidden_size: fields.required_size("hidden_size")?,
            num_hidden_layers: fields.required_size("num_hidden_layers")?,
            num_attention_heads: fields.required_size("num_attention_heads")?,
            intermediate_size: fields.required_size("intermediate_size")?,
            max_position_embeddings: fields.required_size("max_position_embeddings")?,
            type_vocab_size: fields.required_size("type_vocab_size")?,
            layer_norm_eps: fields.optional_f64("layer_norm_eps")?.unwrap_or(1e-12),
            hidden_act,
            hidden_dropout_prob: fields.probability("hidden_dropout_prob")?.unwrap_or(0.1),
            attention_probs_dropout_prob: fields.probability("attention_probs_dropout_prob")?.unwrap_or(0.1),
            classifier_dropout: fields.probability("classifier_dropout")?,
            labels: fields.labels()?,
        };

        if !config.hidden_size.is_multiple_of(config.num_attention_heads) {
            return Err(fields.error(
                "num_attention_heads",
                format!("{} heads do not divide hidden_size {}", config.num_attention_heads, config.hidden_size),
            ));
        }
        if !(config.layer_norm_eps > 0.0 && config.layer_norm_eps.is_finite()) {
            return Err(fields.error("layer_norm_eps", format!("{} is not a positive number", config.layer_norm_eps)));
        }
        Ok(config)
    }

    /// Width of one attention head.
    pub fn head_size(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }

    /// Number of labels of the token-classification head, if the config has one.
    pub fn num_labels(&self) -> Option<usize> {
        self.labels.as_ref().map(Tagset::len)
    }

    /// The dropout in front of the classifier, resolved as transformers does.
    pub fn classifier_dropout_prob(&self) -> f64 {
        self.classifier_dropout.unwrap_or(self.hidden_dropout_prob)
    }

    /// The `config.json` of a `BertForTokenClassification` with these labels:
    /// the encoder fields, `architectures`, `id2label`, `label2id`, `num_labels`.
    pub fn to_hf_json(&self, labels: &Tagset) -> Value {
        serde_json::json!({
            "architectures": ["BertForTokenClassification"],
            "model_type": "bert",
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "num_hidden_layers": self.num_hidden_layers,
            "num_attention_heads": self.num_attention_heads,
            "intermediate_size": self.intermediate_size,
            "max_position_embeddings": self.max_position_embeddings,
            "type_vocab_size": self.type_vocab_size,
            "layer_norm_eps": self.layer_norm_eps,
            "hidden_act": self.hidden_act.hf_name(),
            "hidden_dropout_prob": self.hidden_dropout_prob,
            "attention_probs_dropout_prob": self.attention_probs_dropout_prob,
            "classifier_dropout": self.classifier_dropout,
            "position_embedding_type": "absolute",
            "num_labels": labels.len(),
            "id2label": labels.id2label(),
            "label2id": labels.label2id(),
        })
    }
}

/// The fields of one `config.json`, with typed getters whose errors name the field.
struct Fields<'a> {
    path: &'a Path,
    map: &'a Map<String, Value>,
}

impl Fields<'_> {
    fn error(&self, field: &str, reason: String) -> BertError {
        BertError::ConfigField { path: PathBuf::from(self.path), field: field.to_string(), reason }
    }

    /// The field's value, treating JSON `null` as absent (HF writes `null` for unset options).
    fn get(&self, field: &str) -> Option<&Value> {
        self.map.get(field).filter(|value| !value.is_null())
    }

    fn required_size(&self, field: &str) -> Result<usize> {
        let value = self.get(field).ok_or_else(|| self.error(field, "missing".into()))?;
        match value.as_u64().and_then(|n| usize::try_from(n).ok()) {
            Some(n) if n > 0 => Ok(n),
            _ => Err(self.error(field, format!("expected a positive integer, found {value}"))),
        }
    }

    fn required_str(&self, field: &str) -> Result<&str> {
        self.optional_str(field)?.ok_or_else(|| self.error(field, "missing".into()))
    }

    fn optional_str(&self, field: &str) -> Result<Option<&str>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.error(field, format!("expected a string, found {other}"))),
        }
    }

    fn optional_bool(&self, field: &str) -> Result<Option<bool>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.error(field, format!("expected true or false, found {other}"))),
        }
    }

    fn optional_f64(&self, field: &str) -> Result<Option<f64>> {
        match self.get(field) {
            None => Ok(None),
            Some(value) => {
                value.as_f64().map(Some).ok_or_else(|| self.error(field, format!("expected a number, found {value}")))
            }
        }
    }

    /// A dropout probability: in `[0, 1)`, as burn's `Dropout` requires.
    fn probability(&self, field: &str) -> Result<Option<f64>> {
        let p = self.optional_f64(field)?;
        if let Some(p) = p
            && !(0.0..1.0).contains(&p)
        {
            return Err(self.error(field, format!("{p} is not a probability in [0, 1)")));
        }
        Ok(p)
    }

    /// `id2label`, checked against `label2id` and `num_labels` when they are present.
    fn labels(&self) -> Result<Option<Tagset>> {
        let num_labels = match self.get("num_labels") {
            None => None,
            Some(value) => Some(
                value
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| self.error("num_labels", format!("expected an integer, found {value}")))?,
            ),
        };
        let Some(id2label) = self.get("id2label") else {
            return match num_labels {
                None => Ok(None),
                Some(n) => {
                    Err(self.error("id2label", format!("missing, but num_labels is {n}: retag needs the label names")))
                }
            };
        };
        let Value::Object(entries) = id2label else {
            return Err(self.error("id2label", format!("expected an object, found {id2label}")));
        };
        let mut by_key = BTreeMap::new();
        for (key, label) in entries {
            let Value::String(label) = label else {
                return Err(self.error("id2label", format!("label of id {key} is {label}, not a string")));
            };
            by_key.insert(key.clone(), label.clone());
        }
        let tagset = Tagset::from_id2label(&by_key).map_err(|e| self.error("id2label", e.to_string()))?;

        if let Some(n) = num_labels
            && n != tagset.len()
        {
            return Err(self.error("num_labels", format!("is {n} but id2label has {} labels", tagset.len())));
        }
        if let Some(label2id) = self.get("label2id") {
            let Value::Object(entries) = label2id else {
                return Err(self.error("label2id", format!("expected an object, found {label2id}")));
            };
            if entries.len() != tagset.len() {
                return Err(
                    self.error("label2id", format!("has {} labels but id2label has {}", entries.len(), tagset.len()))
                );
            }
            for (label, id) in entries {
                let expected = tagset.id(label).ok();
                if id.as_u64() != expected.map(|id| id as u64) {
                    return Err(
                        self.error("label2id", format!("maps {label:?} to {id}, but id2label gives {expected:?}"))
                    );
                }
            }
        }
        Ok(Some(tagset))
    }
}

#[cfg(test)]
mod tests;
