//! One type for "a head", so the training loop can pick one by name (or by
//! [`HeadArch`], the name with the MLP's settings) and treat them alike.

use std::fmt;
use std::str::FromStr;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use retag_data::Tagset;
use serde::{Deserialize, Serialize};

use crate::error::{HeadError, Result};
use crate::linear::LinearHead;
use crate::mlp::{MlpHead, MlpSpec};
use crate::warm_start::WarmStartReport;

/// The heads there are, by the names configuration files and flags use
/// (`"linear"`, `"mlp"` in JSON too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeadKind {
    /// [`LinearHead`]: what HuggingFace checkpoints have.
    Linear,
    /// [`MlpHead`]: hidden layers as [`MlpSpec`] says (by default one, as
    /// wide as the encoder).
    Mlp,
}

impl HeadKind {
    pub const ALL: [HeadKind; 2] = [HeadKind::Linear, HeadKind::Mlp];

    pub fn name(self) -> &'static str {
        match self {
            HeadKind::Linear => "linear",
            HeadKind::Mlp => "mlp",
        }
    }
}

impl fmt::Display for HeadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HeadKind {
    type Err = HeadError;

    fn from_str(name: &str) -> Result<Self> {
        Self::ALL.into_iter().find(|kind| kind.name().eq_ignore_ascii_case(name.trim())).ok_or_else(|| {
            HeadError::UnknownHead { name: name.to_string(), known: Self::ALL.map(HeadKind::name).join(", ") }
        })
    }
}

/// What a head is made of, apart from its input width, dropout and labels:
/// a kind, and for an MLP its settings. What [`Head::random`] builds and
/// [`Head::arch`] reports.
///
/// A bare [`HeadKind`] converts into one (an MLP with [`MlpSpec::default`]),
/// so code that only picks a kind by name keeps working.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HeadArch {
    Linear,
    Mlp(MlpSpec),
}

impl HeadArch {
    pub fn kind(&self) -> HeadKind {
        match self {
            HeadArch::Linear => HeadKind::Linear,
            HeadArch::Mlp(_) => HeadKind::Mlp,
        }
    }

    /// The MLP's settings, for an MLP.
    pub fn mlp(&self) -> Option<&MlpSpec> {
        match self {
            HeadArch::Linear => None,
            HeadArch::Mlp(spec) => Some(spec),
        }
    }
}

impl From<HeadKind> for HeadArch {
    fn from(kind: HeadKind) -> Self {
        match kind {
            HeadKind::Linear => HeadArch::Linear,
            HeadKind::Mlp => HeadArch::Mlp(MlpSpec::default()),
        }
    }
}

impl From<MlpSpec> for HeadArch {
    fn from(spec: MlpSpec) -> Self {
        HeadArch::Mlp(spec)
    }
}

/// Any head.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Head {
    Linear(LinearHead),
    Mlp(MlpHead),
}

impl Head {
    /// A fresh head of `arch` on `hidden`-wide states (an MLP's hidden layers
    /// are as wide as [`MlpSpec::width`] says, by default `hidden`), its
    /// layers initialised as HuggingFace initialises new ones, from `seed`.
    /// `arch` may be a bare [`HeadKind`].
    pub fn random(
        arch: impl Into<HeadArch>,
        tagset: Tagset,
        hidden: usize,
        dropout: f64,
        seed: u64,
        device: &Device,
    ) -> Result<Self> {
        Ok(match arch.into() {
            HeadArch::Linear => Head::Linear(LinearHead::random(tagset, hidden, dropout, seed, device)?),
            HeadArch::Mlp(spec) => Head::Mlp(MlpHead::random(tagset, hidden, &spec, dropout, seed, device)?),
        })
    }

    /// What this head is made of, every MLP setting concrete.
    pub fn arch(&self) -> HeadArch {
        match self {
            Head::Linear(_) => HeadArch::Linear,
            Head::Mlp(head) => HeadArch::Mlp(head.spec()),
        }
    }

    pub fn kind(&self) -> HeadKind {
        match self {
            Head::Linear(_) => HeadKind::Linear,
            Head::Mlp(_) => HeadKind::Mlp,
        }
    }

    /// Logits `[batch, seq, labels]` for hidden states `[batch, seq, hidden]`.
    pub fn forward(&self, hidden: Tensor<3>) -> Tensor<3> {
        match self {
            Head::Linear(head) => head.forward(hidden),
            Head::Mlp(head) => head.forward(hidden),
        }
    }

    /// This head resized to `new_tagset`, warm-started from its own rows
    /// (see [`crate::warm_start`]).
    pub fn warm_start(
        &self,
        new_tagset: Tagset,
        parents: impl Fn(&str) -> Option<String>,
        perturbation_std: f64,
        seed: u64,
    ) -> Result<(Self, WarmStartReport)> {
        Ok(match self {
            Head::Linear(head) => {
                let (head, report) = head.warm_start(new_tagset, parents, perturbation_std, seed)?;
                (Head::Linear(head), report)
            }
            Head::Mlp(head) => {
                let (head, report) = head.warm_start(new_tagset, parents, perturbation_std, seed)?;
                (Head::Mlp(head), report)
            }
        })
    }

    /// This head reading `extra` more values per token, with zero weights
    /// on them: it scores exactly as before until they train.
    pub fn widened(&self, extra: usize) -> Result<Self> {
        Ok(match self {
            Head::Linear(head) => Head::Linear(head.widened(extra)?),
            Head::Mlp(head) => Head::Mlp(head.widened(extra)?),
        })
    }

    pub fn tagset(&self) -> &Tagset {
        match self {
            Head::Linear(head) => head.tagset(),
            Head::Mlp(head) => head.tagset(),
        }
    }

    pub fn hidden_size(&self) -> usize {
        match self {
            Head::Linear(head) => head.hidden_size(),
            Head::Mlp(head) => head.hidden_size(),
        }
    }

    pub fn num_labels(&self) -> usize {
        self.tagset().len()
    }

    /// The dropout on the head's input (an MLP's inner dropout is in its spec).
    pub fn dropout(&self) -> f64 {
        match self {
            Head::Linear(head) => head.dropout(),
            Head::Mlp(head) => head.dropout(),
        }
    }

    /// The device the head's weights live on.
    pub fn device(&self) -> Device {
        match self {
            Head::Linear(head) => head.device(),
            Head::Mlp(head) => head.device(),
        }
    }
}

impl From<LinearHead> for Head {
    fn from(head: LinearHead) -> Self {
        Head::Linear(head)
    }
}

impl From<MlpHead> for Head {
    fn from(head: MlpHead) -> Self {
        Head::Mlp(head)
    }
}

#[cfg(test)]
mod tests {
    use retag_data::Scheme;

    use super::*;

    #[test]
    fn kinds_parse_by_name_and_unknown_names_list_the_known() {
        let cases = [("linear", HeadKind::Linear), ("MLP", HeadKind::Mlp), (" mlp ", HeadKind::Mlp)];
        for (name, expected) in cases {
            assert_eq!(name.parse::<HeadKind>().unwrap(), expected, "{name}");
        }
        let error = "crf".parse::<HeadKind>().unwrap_err();
        assert_eq!(error.to_string(), "unknown head \"crf\"; expected one of linear, mlp");
        for kind in HeadKind::ALL {
            assert_eq!(kind.to_string().parse::<HeadKind>().unwrap(), kind);
        }
    }

    #[test]
    fn kinds_read_and_write_json_by_name() {
        for kind in HeadKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{kind}\""));
            assert_eq!(serde_json::from_str::<HeadKind>(&json).unwrap(), kind);
        }
        assert!(serde_json::from_str::<HeadKind>("\"crf\"").is_err());
    }

    #[test]
    fn an_arch_builds_the_head_it_names_and_a_kind_means_the_default_mlp() {
        let device = Device::flex();
        let tagset = Tagset::from_types(&["PER"], Scheme::Iob2).unwrap();
        let deep = MlpSpec { layers: 2, width: Some(4), activation: crate::Activation::Relu, dropout: Some(0.0) };
        let default_mlp = MlpSpec { width: Some(8), dropout: Some(0.1), ..MlpSpec::default() };
        // (what Head::random is given, the arch the head reports)
        let cases = [
            (HeadArch::from(HeadKind::Linear), HeadArch::Linear),
            (HeadArch::from(HeadKind::Mlp), HeadArch::Mlp(default_mlp)),
            (HeadArch::Mlp(deep), HeadArch::Mlp(deep)),
        ];
        for (arch, expected) in cases {
            let head = Head::random(arch, tagset.clone(), 8, 0.1, 0, &device).unwrap();
            assert_eq!(head.arch(), expected, "{arch:?}");
            assert_eq!((head.kind(), head.dropout()), (arch.kind(), 0.1));
        }
    }

    #[test]
    fn every_kind_builds_runs_and_warm_starts() {
        let device = Device::flex();
        let tagset = Tagset::from_types(&["PER"], Scheme::Iob2).unwrap();
        for kind in HeadKind::ALL {
            let head = Head::random(kind, tagset.clone(), 8, 0.1, 0, &device).unwrap();
            assert_eq!(head.kind(), kind);
            assert_eq!(head.forward(Tensor::zeros([2, 5, 8], &device)).dims(), [2, 5, 3]);
            let new = Tagset::from_types(&["person", "org"], Scheme::Iob2).unwrap();
            let (resized, report) = head.warm_start(new, |t| (t == "person").then(|| "PER".into()), 0.01, 1).unwrap();
            assert_eq!((resized.kind(), resized.num_labels(), resized.hidden_size()), (kind, 5, 8));
            assert_eq!(report.counts(), (3, 0, 2));
        }
    }
}
