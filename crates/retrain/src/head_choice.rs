//! Which head a run puts on the encoder: `--head linear|mlp|crf|mlp-crf`.

use std::fmt;
use std::str::FromStr;

use retag_heads::HeadKind;
use serde::{Deserialize, Serialize};

/// A head kind and whether a CRF sits on its scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HeadChoice {
    pub kind: HeadKind,
    /// Emissions scored by a CRF whose transitions forbid what the tag scheme forbids.
    pub crf: bool,
}

impl HeadChoice {
    /// What HuggingFace checkpoints have: one linear layer, softmax per token.
    pub const LINEAR: HeadChoice = HeadChoice { kind: HeadKind::Linear, crf: false };
    pub const ALL: [HeadChoice; 4] = [
        HeadChoice::LINEAR,
        HeadChoice { kind: HeadKind::Mlp, crf: false },
        HeadChoice { kind: HeadKind::Linear, crf: true },
        HeadChoice { kind: HeadKind::Mlp, crf: true },
    ];

    pub fn name(self) -> &'static str {
        match (self.kind, self.crf) {
            (HeadKind::Linear, false) => "linear",
            (HeadKind::Mlp, false) => "mlp",
            (HeadKind::Linear, true) => "crf",
            (HeadKind::Mlp, true) => "mlp-crf",
        }
    }
}

impl Default for HeadChoice {
    fn default() -> Self {
        HeadChoice::LINEAR
    }
}

impl fmt::Display for HeadChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HeadChoice {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|choice| choice.name().eq_ignore_ascii_case(name.trim())).ok_or_else(|| {
            format!("unknown head {name:?}; expected one of {}", Self::ALL.map(HeadChoice::name).join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse_by_name() {
        for choice in HeadChoice::ALL {
            assert_eq!(choice.name().parse::<HeadChoice>().unwrap(), choice);
        }
        assert_eq!(" MLP-CRF ".parse::<HeadChoice>().unwrap(), HeadChoice { kind: HeadKind::Mlp, crf: true });
        assert_eq!(
            "lstm".parse::<HeadChoice>().unwrap_err(),
            "unknown head \"lstm\"; expected one of linear, mlp, crf, mlp-crf"
        );
    }
}
