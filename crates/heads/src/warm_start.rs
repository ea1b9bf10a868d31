//! Resizing a trained head to a new tagset without throwing away what it knows.
//!
//! A head fine-tuned on `geo-loc` already scores "is this token a location";
//! a new `location` label should start from that row rather than from noise.
//! For each new label this module picks the old row it starts from:
//!
//! 1. `O` starts from the old `O`.
//! 2. A label whose type has an old parent starts from the old label with the
//!    same prefix and the parent type (`I-location` from `I-geo-loc`). When
//!    the old tagset lacks that prefix (an IOB2 model retrained in BIOES has
//!    no `E-geo-loc`), it falls back to the parent's `B-` row — the row that
//!    best says "an entity of this type is here" — and then to the parent's
//!    first row, whatever its prefix. The report says when it fell back.
//! 3. A label with no parent starts as a fresh head's row would (HF init).
//!
//! When several new labels start from one old row (a split: `ORG` becomes
//! `company` and `political_party`), their copies get a small seeded Gaussian
//! perturbation so that they are not identical at step 0; bias entries are
//! copied exactly. Labels that alone use their row are copied exactly, so a
//! pure rename changes no number.
//!
//! The plan is computed on label names only and applied to `[labels, width]`
//! matrices in PyTorch layout, so the linear head and the MLP head's output
//! layer share it. A CRF on top starts from the same plan: its report says
//! where each row came from, and [`crate::Crf::warm_start`] copies the old
//! transitions between those rows.

use std::collections::HashMap;
use std::fmt;

use retag_data::Tagset;
use retag_data::scheme::Tag;

use crate::crf::CrfStart;
use crate::error::{HeadError, Result};
use crate::pytorch_linear::HF_INIT_STD;
use crate::rng::SeededRng;

/// Where one new label's row came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowOrigin {
    /// An exact copy of old label `from`'s row.
    Copied { from: String },
    /// A copy of `from`'s row plus Gaussian noise, because other new labels
    /// start from the same row.
    Perturbed { from: String },
    /// A fresh row (HF init): the label has no parent.
    Random,
}

/// One line of a [`WarmStartReport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelStart {
    pub label: String,
    pub origin: RowOrigin,
    /// Why the source is not the obvious one, when it is not (a prefix the
    /// old tagset lacks).
    pub note: Option<String>,
}

/// For each new label, in tagset order, where its row came from: what the
/// CLI prints so a user can check a warm start before training on it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WarmStartReport {
    pub labels: Vec<LabelStart>,
    /// Where a CRF's scores came from, when the old model's CRF was
    /// warm-started too (`None`: no CRF, or a fresh one).
    pub crf: Option<CrfStart>,
}

impl WarmStartReport {
    /// A report where every label starts random, for a fresh head.
    pub fn all_random(tagset: &Tagset) -> Self {
        Self {
            labels: tagset
                .labels()
                .iter()
                .map(|label| LabelStart { label: label.clone(), origin: RowOrigin::Random, note: None })
                .collect(),
            crf: None,
        }
    }

    /// The origin of `label`, if the new tagset has it.
    pub fn origin_of(&self, label: &str) -> Option<&RowOrigin> {
        self.labels.iter().find(|start| start.label == label).map(|start| &start.origin)
    }

    /// How many labels were copied, perturbed and drawn at random.
    pub fn counts(&self) -> (usize, usize, usize) {
        self.labels.iter().fold((0, 0, 0), |(c, p, r), start| match start.origin {
            RowOrigin::Copied { .. } => (c + 1, p, r),
            RowOrigin::Perturbed { .. } => (c, p + 1, r),
            RowOrigin::Random => (c, p, r + 1),
        })
    }
}

impl fmt::Display for WarmStartReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.labels.iter().map(|start| start.label.len()).max().unwrap_or(0);
        for start in &self.labels {
            let origin = match &start.origin {
                RowOrigin::Copied { from } => format!("copied from {from}"),
                RowOrigin::Perturbed { from } => format!("copied+perturbed from {from}"),
                RowOrigin::Random => "random".to_string(),
            };
            write!(f, "{:width$}  {origin}", start.label)?;
            if let Some(note) = &start.note {
                write!(f, " ({note})")?;
            }
            writeln!(f)?;
        }
        let (copied, perturbed, random) = self.counts();
        write!(f, "{copied} copied, {perturbed} copied+perturbed, {random} random")?;
        if let Some(crf) = &self.crf {
            let CrfStart { copied, fresh, forbidden } = crf;
            write!(
                f,
                "\nCRF transitions, starts and ends: {copied} copied from the old CRF, {fresh} fresh, \
                 {forbidden} forbidden by the scheme"
            )?;
        }
        Ok(())
    }
}

/// For each label of `new`, the label of `old` it descends from under
/// `parents` (`None`: a type with no parent): the rule above, which a warm
/// start copies rows by and distillation folds probabilities by, so that the
/// two cannot disagree on where a label comes from.
pub fn source_labels(
    old: &Tagset,
    new: &Tagset,
    parents: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Option<usize>>> {
    Ok(RowPlan::new(old, new, parents)?.sources)
}

/// Which old row each new label starts from.
#[derive(Debug, Clone)]
pub(crate) struct RowPlan {
    /// Per new label: the old row, or `None` for a random start.
    sources: Vec<Option<usize>>,
    report: WarmStartReport,
}

impl RowPlan {
    /// Plans the rows of `new` from those of `old`. `parents` answers "which
    /// old type does this new type descend from" (see [`retag_data::mapping::Lineage::parent`]).
    pub(crate) fn new(old: &Tagset, new: &Tagset, parents: &dyn Fn(&str) -> Option<String>) -> Result<Self> {
        let mut by_tag: HashMap<(char, &str), usize> = HashMap::new();
        // Old types in tagset order, with their first row, for the last fallback.
        let mut first_row: Vec<(&str, usize)> = Vec::new();
        for (index, label) in old.labels().iter().enumerate() {
            // An old label that no scheme reads (`LABEL_0`) can be no parent.
            let Ok(tag) = Tag::parse(label) else { continue };
            by_tag.entry((tag.prefix, tag.kind)).or_insert(index);
            if tag.prefix != 'O' && !first_row.iter().any(|(kind, _)| *kind == tag.kind) {
                first_row.push((tag.kind, index));
            }
        }

        let mut sources = Vec::with_capacity(new.len());
        let mut notes = Vec::with_capacity(new.len());
        for label in new.labels() {
            let tag = Tag::parse(label).map_err(|reason| HeadError::InvalidLabel { label: label.clone(), reason })?;
            if tag.prefix == 'O' {
                let source = by_tag.get(&('O', "")).copied();
                notes.push(source.is_none().then(|| "the old tagset has no O".to_string()));
                sources.push(source);
                continue;
            }
            let Some(parent) = parents(tag.kind) else {
                sources.push(None);
                notes.push(None);
                continue;
            };
            let parent = parent.as_str();
            let Some(&(_, any_row)) = first_row.iter().find(|(kind, _)| *kind == parent) else {
                return Err(HeadError::UnknownParent {
                    label: label.clone(),
                    parent: parent.to_string(),
                    known: first_row.iter().map(|(kind, _)| *kind).collect::<Vec<_>>().join(", "),
                });
            };
            let (source, note) = if let Some(&row) = by_tag.get(&(tag.prefix, parent)) {
                (row, None)
            } else if let Some(&row) = by_tag.get(&('B', parent)) {
                (row, Some(format!("the old tagset has no {}-{parent}", tag.prefix)))
            } else if tag.prefix == 'B' {
                (any_row, Some(format!("the old tagset has no B-{parent}")))
            } else {
                (any_row, Some(format!("the old tagset has no {}-{parent} and no B-{parent}", tag.prefix)))
            };
            sources.push(Some(source));
            notes.push(note);
        }

        let mut uses = vec![0usize; old.len()];
        for source in sources.iter().flatten() {
            uses[*source] += 1;
        }
        let labels = new
            .labels()
            .iter()
            .zip(&sources)
            .zip(notes)
            .map(|((label, source), note)| {
                let origin = match source {
                    None => RowOrigin::Random,
                    Some(row) => {
                        let from = old.labels()[*row].clone();
                        if uses[*row] > 1 { RowOrigin::Perturbed { from } } else { RowOrigin::Copied { from } }
                    }
                };
                LabelStart { label: label.clone(), origin, note }
            })
            .collect();
        Ok(Self { sources, report: WarmStartReport { labels, crf: None } })
    }

    /// The new `[new labels, width]` weight and `[new labels]` bias from the
    /// old ones (row-major, PyTorch layout). With `perturbation_std == 0`
    /// shared rows are plain copies, and the report says so.
    pub(crate) fn apply(
        &self,
        old_weight: &[f32],
        old_bias: &[f32],
        width: usize,
        perturbation_std: f64,
        seed: u64,
    ) -> Result<(Vec<f32>, Vec<f32>, WarmStartReport)> {
        if !perturbation_std.is_finite() || perturbation_std < 0.0 {
            return Err(HeadError::InvalidOption {
                option: "perturbation_std".into(),
                reason: format!("{perturbation_std} is not a finite number >= 0"),
            });
        }
        let mut rng = SeededRng::new(seed);
        let mut weight = Vec::with_capacity(self.sources.len() * width);
        let mut bias = Vec::with_capacity(self.sources.len());
        let mut report = self.report.clone();
        for (source, start) in self.sources.iter().zip(&mut report.labels) {
            let Some(row) = *source else {
                weight.extend(rng.normals(width, HF_INIT_STD));
                bias.push(0.0);
                continue;
            };
            let old_row = &old_weight[row * width..(row + 1) * width];
            match &start.origin {
                RowOrigin::Perturbed { from } if perturbation_std == 0.0 => {
                    weight.extend_from_slice(old_row);
                    start.origin = RowOrigin::Copied { from: from.clone() };
                }
                RowOrigin::Perturbed { .. } => {
                    let noise = rng.normals(width, perturbation_std);
                    weight.extend(old_row.iter().zip(noise).map(|(w, n)| w + n));
                }
                _ => weight.extend_from_slice(old_row),
            }
            bias.push(old_bias[row]);
        }
        Ok((weight, bias, report))
    }
}

#[cfg(test)]
mod tests;
