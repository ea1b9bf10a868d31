//! One type for "a head", so the training loop can pick one by name and
//! treat them alike.

use std::fmt;
use std::str::FromStr;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use retag_data::Tagset;

use crate::error::{HeadError, Result};
use crate::linear::LinearHead;
use crate::mlp::MlpHead;
use crate::warm_start::WarmStartReport;

/// The heads there are, by the names configuration files and flags use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeadKind {
    /// [`LinearHead`]: what HuggingFace checkpoints have.
    Linear,
    /// [`MlpHead`]: one hidden layer, as wide as the encoder.
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

/// Any head.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Head {
    Linear(LinearHead),
    Mlp(MlpHead),
}

impl Head {
    /// A fresh head of `kind` (an MLP's hidden layer is as wide as `hidden`).
    pub fn random(
        kind: HeadKind,
        tagset: Tagset,
        hidden: usize,
        dropout: f64,
        seed: u64,
        device: &Device,
    ) -> Result<Self> {
        Ok(match kind {
            HeadKind::Linear => Head::Linear(LinearHead::random(tagset, hidden, dropout, seed, device)?),
            HeadKind::Mlp => Head::Mlp(MlpHead::random(tagset, hidden, hidden, dropout, seed, device)?),
        })
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
