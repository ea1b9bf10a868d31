//! The non-linearity between an MLP head's layers.

use std::fmt;
use std::str::FromStr;

use burn::tensor::Tensor;
use burn::tensor::activation::{gelu, relu, tanh};
use serde::{Deserialize, Serialize};

use crate::error::{HeadError, Result};

/// An activation function, by the name configuration files use.
///
/// GELU is the default because it is what the encoder itself uses between
/// its layers (and RoBERTa's classification head uses tanh, hence `tanh`);
/// ReLU is the cheap classic. All three are parameter-free, so a head's
/// tensors do not depend on the choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// Exact GELU (`x·Φ(x)`, not the tanh approximation), as `nn.GELU()`.
    #[default]
    Gelu,
    Relu,
    Tanh,
}

impl Activation {
    pub const ALL: [Activation; 3] = [Activation::Gelu, Activation::Relu, Activation::Tanh];

    pub fn name(self) -> &'static str {
        match self {
            Activation::Gelu => "gelu",
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
        }
    }

    /// The function applied element-wise.
    pub fn forward<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Gelu => gelu(x),
            Activation::Relu => relu(x),
            Activation::Tanh => tanh(x),
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Activation {
    type Err = HeadError;

    fn from_str(name: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|activation| activation.name().eq_ignore_ascii_case(name.trim())).ok_or_else(|| {
            HeadError::InvalidOption {
                option: "mlp.activation".into(),
                reason: format!("unknown activation {name:?}; expected one of gelu, relu, tanh"),
            }
        })
    }
}
