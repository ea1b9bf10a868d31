//! The fields of one `config.json`, with typed getters whose errors name the
//! field, so that a missing, mistyped or unsupported value is reported as
//! `file: field "name": reason`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use retag_data::Tagset;
use serde_json::{Map, Value};

use crate::error::{BertError, Result};

/// The fields of one `config.json`, with typed getters whose errors name the field.
pub(super) struct Fields<'a> {
    pub(super) path: &'a Path,
    pub(super) map: &'a Map<String, Value>,
}

impl Fields<'_> {
    pub(super) fn error(&self, field: &str, reason: String) -> BertError {
        BertError::ConfigField { path: PathBuf::from(self.path), field: field.to_string(), reason }
    }

    /// The field's value, treating JSON `null` as absent (HF writes `null` for unset options).
    pub(super) fn get(&self, field: &str) -> Option<&Value> {
        self.map.get(field).filter(|value| !value.is_null())
    }

    pub(super) fn required_size(&self, field: &str) -> Result<usize> {
        let value = self.get(field).ok_or_else(|| self.error(field, "missing".into()))?;
        match value.as_u64().and_then(|n| usize::try_from(n).ok()) {
            Some(n) if n > 0 => Ok(n),
            _ => Err(self.error(field, format!("expected a positive integer, found {value}"))),
        }
    }

    /// A token id: a non-negative integer that fits `u32`, as tokenizers' ids do.
    pub(super) fn optional_id(&self, field: &str) -> Result<Option<u32>> {
        match self.get(field) {
            None => Ok(None),
            Some(value) => match value.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(id) => Ok(Some(id)),
                None => Err(self.error(field, format!("expected a token id (a non-negative integer), found {value}"))),
            },
        }
    }

    pub(super) fn required_str(&self, field: &str) -> Result<&str> {
        self.optional_str(field)?.ok_or_else(|| self.error(field, "missing".into()))
    }

    pub(super) fn optional_str(&self, field: &str) -> Result<Option<&str>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.error(field, format!("expected a string, found {other}"))),
        }
    }

    pub(super) fn optional_bool(&self, field: &str) -> Result<Option<bool>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.error(field, format!("expected true or false, found {other}"))),
        }
    }

    pub(super) fn optional_f64(&self, field: &str) -> Result<Option<f64>> {
        match self.get(field) {
            None => Ok(None),
            Some(value) => {
                value.as_f64().map(Some).ok_or_else(|| self.error(field, format!("expected a number, found {value}")))
            }
        }
    }

    /// A dropout probability: in `[0, 1)`, as burn's `Dropout` requires.
    pub(super) fn probability(&self, field: &str) -> Result<Option<f64>> {
        let p = self.optional_f64(field)?;
        if let Some(p) = p
            && !(0.0..1.0).contains(&p)
        {
            return Err(self.error(field, format!("{p} is not a probability in [0, 1)")));
        }
        Ok(p)
    }

    /// `id2label`, checked against `label2id` and `num_labels` when they are present.
    pub(super) fn labels(&self) -> Result<Option<Tagset>> {
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
