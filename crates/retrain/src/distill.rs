//! Distillation from the old model as a retraining recipe (Monaikul et al.,
//! AAAI 2021): the frozen old model is the teacher, and the student's
//! probabilities over the new labels, folded back into the old labels
//! through the lineage, are pulled toward the teacher's by a
//! temperature-scaled KL term (`retag_train::Distillation`).
//!
//! This file decides what the loop is given: the settings from the flags,
//! and the fold from the lineage. The loop does the rest (the teacher's
//! outputs are computed once, like the frozen features).

use retag_data::Tagset;
use retag_data::mapping::Lineage;
use serde::{Deserialize, Serialize};

use crate::error::{Result, RetrainError};

/// The temperature when only a weight is given: Hinton et al.'s usual 2,
/// where the teacher's second choices already weigh.
pub const DEFAULT_TEMPERATURE: f64 = 2.0;

/// `--distill-weight` and `--temperature`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DistillSpec {
    /// The KL term's weight next to the cross-entropy.
    pub weight: f64,
    pub temperature: f64,
}

impl DistillSpec {
    /// Checks the two numbers; the error names the flag.
    pub fn check(&self) -> Result<()> {
        if !(self.weight.is_finite() && self.weight > 0.0) {
            return Err(RetrainError::option("distill_weight", format!("{} must be a positive number", self.weight)));
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err(RetrainError::option("temperature", format!("{} must be a positive number", self.temperature)));
        }
        Ok(())
    }
}

/// For each new label, the old label its probability counts under: the
/// old label its warm-start row would come from ([`retag_heads::source_labels`]:
/// the same prefix and the parent type, `I-corporation` -> `I-ORG`, else the
/// parent's `B-` label, else its first), or `O` for a type with no parent
/// (the old model calls its tokens `O`).
pub fn fold_labels(new: &Tagset, old: &Tagset, lineage: &Lineage) -> Result<Vec<usize>> {
    let outside = old.id("O").ok().ok_or_else(|| RetrainError::Mismatch {
        reason: "the old model has no O label to fold new types into".into(),
    })?;
    let sources = retag_heads::source_labels(old, new, &|kind| lineage.parent(kind))?;
    Ok(sources.into_iter().map(|source| source.unwrap_or(outside)).collect())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use retag_data::Scheme;

    use super::*;

    #[test]
    fn new_labels_fold_into_their_parents_labels_and_orphans_into_o() {
        let old = Tagset::from_types(&["PER", "ORG"], Scheme::Iob2).unwrap();
        let new = Tagset::from_types(&["person", "corporation", "product"], Scheme::Bioes).unwrap();
        let lineage = Lineage::Mapping {
            parents: vec![
                ("person".into(), Some("PER".into())),
                ("corporation".into(), Some("ORG".into())),
                ("product".into(), None),
            ],
            merged: BTreeMap::new(),
        };
        let fold = fold_labels(&new, &old, &lineage).unwrap();
        let folded: Vec<(&str, &str)> =
            new.labels().iter().zip(&fold).map(|(label, &id)| (label.as_str(), old.label(id).unwrap())).collect();
        for (label, expected) in [
            ("O", "O"),
            ("B-person", "B-PER"),
            ("I-person", "I-PER"),
            ("E-person", "B-PER"),
            ("S-corporation", "B-ORG"),
            ("I-corporation", "I-ORG"),
            ("B-product", "O"),
            ("S-product", "O"),
        ] {
            assert!(folded.contains(&(label, expected)), "{label} -> {expected}: {folded:?}");
        }
    }

    #[test]
    fn bad_settings_name_the_flag() {
        let check = |weight, temperature| DistillSpec { weight, temperature }.check().unwrap_err().to_string();
        assert!(check(0.0, 2.0).contains("distill_weight"));
        assert!(check(f64::NAN, 2.0).contains("distill_weight"));
        assert!(check(1.0, 0.0).contains("temperature"));
        assert!(DistillSpec { weight: 0.5, temperature: 2.0 }.check().is_ok());
    }
}
