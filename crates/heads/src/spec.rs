//! [`HeadSpec`]: everything needed to rebuild a [`crate::Tagger`] around
//! its saved tensors, except the labels, as one self-contained JSON object.
//!
//! A model folder that is not a plain HuggingFace token-classification
//! checkpoint (an MLP head, a CRF) keeps its head as `head.safetensors`
//! ([`crate::head_file`]) plus this spec, embedded in the model-level JSON.
//! The labels are not in it: the model file keeps them once, as `id2label`,
//! as `config.json` does, and [`crate::Tagger::load`] takes them as a
//! [`retag_data::Tagset`]; a second copy could only disagree.
//!
//! The JSON (version 1; docs/formats.md, "Heads other than linear"):
//!
//! ```json
//! {"kind": "mlp", "version": 1, "input_size": 768, "dropout": 0.1,
//!  "mlp": {"layers": 1, "width": 768, "activation": "gelu", "dropout": 0.1},
//!  "crf": {"constraints": "IOB2"}}
//! ```
//!
//! `kind` comes first and says which other fields there are, so the object
//! can sit beside other parts of a model (input features, an adapter) that
//! are tagged the same way. A spec is checked when read: an unknown field, a
//! `version` this crate does not know, `mlp` settings on a linear head or an
//! impossible value are errors, never defaults.

use serde::{Deserialize, Serialize};

use retag_data::Scheme;

use crate::error::{HeadError, Result};
use crate::head::{HeadArch, HeadKind};
use crate::mlp::MlpSpec;
use crate::pytorch_linear::{check_dropout, check_size};

/// The CRF on top of a head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrfSpec {
    /// The scheme whose forbidden moves the CRF rules out (see
    /// [`crate::Crf::constrain_transitions`]); `None`: every move allowed.
    /// Only the scheme is stored: the forbidden moves follow from it and the
    /// labels, and the learned scores are saved without their penalties.
    pub constraints: Option<Scheme>,
}

/// The shape of a tagger: head kind and settings, input width, dropout, CRF.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "HeadSpecJson", into = "HeadSpecJson")]
pub struct HeadSpec {
    /// Linear, or an MLP with its settings.
    pub arch: HeadArch,
    /// Width of the vectors the head reads: the encoder's `hidden_size`
    /// (plus any per-token input features concatenated to it).
    pub input_size: usize,
    /// Dropout on the head's input, in `[0, 1)`.
    pub dropout: f64,
    /// The CRF on the head's scores, if there is one.
    pub crf: Option<CrfSpec>,
}

impl HeadSpec {
    /// The version this crate writes and the only one it reads. Raise it
    /// when a field changes meaning; a reader then refuses what it cannot read.
    pub const VERSION: u32 = 1;

    /// Checks every field; the error names the bad one (`input_size`,
    /// `dropout`, `mlp.layers`...).
    pub fn validate(&self) -> Result<()> {
        check_size("input_size", self.input_size)?;
        check_dropout(self.dropout)?;
        if let HeadArch::Mlp(mlp) = &self.arch {
            mlp.validate()?;
        }
        Ok(())
    }

    /// The spec as a JSON value, to embed in a model file.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a head spec is numbers and enums, which always serialize")
    }

    /// A spec read from a JSON value and checked. JSON that does not have
    /// the spec's shape is [`HeadError::Spec`] with serde's description;
    /// an unknown version is [`HeadError::SpecVersion`], an impossible value
    /// [`HeadError::InvalidOption`] naming the field. (Deserializing a
    /// [`HeadSpec`] directly, inside a larger file, checks the same things
    /// and reports them through serde's error.)
    pub fn from_json(value: serde_json::Value) -> Result<Self> {
        let json: HeadSpecJson =
            serde_json::from_value(value).map_err(|error| HeadError::Spec { reason: error.to_string() })?;
        Self::try_from(json)
    }
}

/// The JSON form of [`HeadSpec`]: flat and tagged by `kind`, which the
/// Rust form folds into [`HeadArch`] so that MLP settings on a linear head
/// cannot be represented.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeadSpecJson {
    kind: HeadKind,
    version: u32,
    input_size: usize,
    dropout: f64,
    /// Absent for a linear head; for an MLP, absent means [`MlpSpec::default`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mlp: Option<MlpSpec>,
    /// `null` or absent: no CRF.
    #[serde(default)]
    crf: Option<CrfSpec>,
}

impl TryFrom<HeadSpecJson> for HeadSpec {
    type Error = HeadError;

    fn try_from(json: HeadSpecJson) -> Result<Self> {
        if json.version != HeadSpec::VERSION {
            return Err(HeadError::SpecVersion { found: json.version, supported: HeadSpec::VERSION });
        }
        let arch = match (json.kind, json.mlp) {
            (HeadKind::Linear, None) => HeadArch::Linear,
            (HeadKind::Linear, Some(_)) => {
                return Err(HeadError::InvalidOption {
                    option: "mlp".into(),
                    reason: "a linear head has no MLP settings (did you mean \"kind\": \"mlp\"?)".into(),
                });
            }
            (HeadKind::Mlp, mlp) => HeadArch::Mlp(mlp.unwrap_or_default()),
        };
        let spec = HeadSpec { arch, input_size: json.input_size, dropout: json.dropout, crf: json.crf };
        spec.validate()?;
        Ok(spec)
    }
}

impl From<HeadSpec> for HeadSpecJson {
    fn from(spec: HeadSpec) -> Self {
        HeadSpecJson {
            kind: spec.arch.kind(),
            version: HeadSpec::VERSION,
            input_size: spec.input_size,
            dropout: spec.dropout,
            mlp: spec.arch.mlp().copied(),
            crf: spec.crf,
        }
    }
}

#[cfg(test)]
mod tests;
