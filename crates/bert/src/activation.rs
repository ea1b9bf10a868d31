//! The feed-forward activations that BERT checkpoints name in `hidden_act`.

use burn::tensor::{Tensor, activation};

/// `hidden_act` of a HF BERT config. Each variant computes exactly what
/// transformers' `ACT2FN` does for that name, so outputs match PyTorch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `"gelu"`: the exact GELU, `x * Φ(x)` with `erf` (original BERT).
    Gelu,
    /// `"gelu_new"`: the tanh approximation of GELU (GPT-2, some BERT ports).
    GeluNew,
    /// `"relu"`.
    Relu,
}

impl Activation {
    /// The names accepted in `config.json`, for error messages.
    pub const NAMES: [&'static str; 3] = ["gelu", "gelu_new", "relu"];

    /// The activation a `hidden_act` string names, or `None` if unsupported.
    pub fn from_hf_name(name: &str) -> Option<Self> {
        match name {
            "gelu" => Some(Self::Gelu),
            "gelu_new" => Some(Self::GeluNew),
            "relu" => Some(Self::Relu),
            _ => None,
        }
    }

    /// The name written back to `config.json` on export.
    pub fn hf_name(self) -> &'static str {
        match self {
            Self::Gelu => "gelu",
            Self::GeluNew => "gelu_new",
            Self::Relu => "relu",
        }
    }

    pub fn forward<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Self::Gelu => gelu(x),
            Self::GeluNew => activation::gelu_approximate(x),
            Self::Relu => activation::relu(x),
        }
    }
}

/// burn's exact GELU, or the vectorised in-place one on a plain Flex tensor
/// (`cpu::flex_gelu`), which computes the same function to ~1e-7.
fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    #[cfg(feature = "flex")]
    return crate::cpu::flex_gelu::gelu_or(x, activation::gelu);
    #[cfg(not(feature = "flex"))]
    activation::gelu(x)
}
