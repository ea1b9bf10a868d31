//! What an MLP head looks like, apart from its input width and labels.

use serde::{Deserialize, Serialize};

use crate::error::{HeadError, Result};
use crate::mlp::activation::Activation;
use crate::pytorch_linear::check_dropout;

/// The settings of an [`crate::MlpHead`]: how many hidden layers, how wide,
/// which activation, how much dropout after each.
///
/// Every field has a default, and the defaults are the head retag has
/// always had (one hidden layer as wide as the input, GELU, the head's own
/// dropout after it), so `{}` in a configuration file means "the usual MLP".
/// A head built from a spec reports back concrete values
/// ([`crate::MlpHead::spec`]): `width` and `dropout` are then always set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MlpSpec {
    /// Hidden layers, each linear + activation + dropout; at least 1.
    /// Default 1.
    pub layers: usize,
    /// Width of every hidden layer; `None` (the default): as wide as the
    /// head's input, the encoder's `hidden_size`.
    pub width: Option<usize>,
    /// Default GELU.
    pub activation: Activation,
    /// Dropout after each hidden layer's activation, in `[0, 1)`; `None`
    /// (the default): the head's input dropout, as in RoBERTa's head.
    pub dropout: Option<f64>,
}

impl Default for MlpSpec {
    fn default() -> Self {
        Self { layers: 1, width: None, activation: Activation::Gelu, dropout: None }
    }
}

impl MlpSpec {
    /// Checks every field, naming the bad one as `mlp.<field>`.
    pub fn validate(&self) -> Result<()> {
        if self.layers == 0 {
            return Err(HeadError::InvalidOption {
                option: "mlp.layers".into(),
                reason: "an MLP head needs at least 1 hidden layer (use the linear head for none)".into(),
            });
        }
        if self.width == Some(0) {
            return Err(HeadError::InvalidOption { option: "mlp.width".into(), reason: "must be at least 1".into() });
        }
        if let Some(dropout) = self.dropout {
            check_dropout(dropout).map_err(|error| match error {
                HeadError::InvalidOption { reason, .. } => {
                    HeadError::InvalidOption { option: "mlp.dropout".into(), reason }
                }
                other => other,
            })?;
        }
        Ok(())
    }

    /// The width of the hidden layers of a head on `input`-wide states.
    pub fn width_for(&self, input: usize) -> usize {
        self.width.unwrap_or(input)
    }

    /// The dropout after each hidden layer of a head whose input dropout is `input_dropout`.
    pub fn dropout_for(&self, input_dropout: f64) -> f64 {
        self.dropout.unwrap_or(input_dropout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_one_layer_gelu_head_and_empty_json_means_them() {
        let spec: MlpSpec = serde_json::from_str("{}").unwrap();
        assert_eq!(spec, MlpSpec::default());
        assert_eq!(
            (spec.layers, spec.activation, spec.width_for(32), spec.dropout_for(0.1)),
            (1, Activation::Gelu, 32, 0.1)
        );
    }

    #[test]
    fn bad_settings_name_the_field() {
        // (JSON, the option the error names, words of the reason)
        let cases = [
            (r#"{"layers": 0}"#, "mlp.layers", "at least 1 hidden layer"),
            (r#"{"width": 0}"#, "mlp.width", "at least 1"),
            (r#"{"dropout": 1.0}"#, "mlp.dropout", "not in [0, 1)"),
            (r#"{"dropout": -0.1}"#, "mlp.dropout", "not in [0, 1)"),
        ];
        for (json, option, words) in cases {
            let spec: MlpSpec = serde_json::from_str(json).unwrap();
            match spec.validate() {
                Err(HeadError::InvalidOption { option: named, reason }) => {
                    assert_eq!(named, option, "{json}");
                    assert!(reason.contains(words), "{json}: {reason}");
                }
                other => panic!("{json}: {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_fields_and_activations_are_refused_when_read() {
        // (JSON, words of serde's error)
        let cases = [
            (r#"{"layer": 2}"#, "unknown field `layer`"),
            (r#"{"activation": "swish"}"#, "unknown variant `swish`"),
            (r#"{"layers": -1}"#, "invalid value"),
        ];
        for (json, words) in cases {
            let error = serde_json::from_str::<MlpSpec>(json).unwrap_err().to_string();
            assert!(error.contains(words), "{json}: {error}");
        }
        let spec: MlpSpec =
            serde_json::from_str(r#"{"layers": 3, "width": 64, "activation": "tanh", "dropout": 0.2}"#).unwrap();
        assert_eq!(spec, MlpSpec { layers: 3, width: Some(64), activation: Activation::Tanh, dropout: Some(0.2) });
        assert_eq!("ReLU".parse::<Activation>().unwrap(), Activation::Relu);
        assert!("swish".parse::<Activation>().unwrap_err().to_string().contains("mlp.activation"));
    }
}
