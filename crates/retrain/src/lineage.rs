//! Where a warm start learns which old type each new type descends from:
//! a mapping file the user wrote, or counts of what the old model predicts
//! on the new training data.

use retag_data::Tagset;
use retag_data::mapping::{InferredParent, TagsetMapping, inferred_to_text};
use serde::Serialize;

/// The share of a new type's tokens an old type must cover to be inferred
/// as its parent. A half keeps parents that clearly dominate and leaves a
/// type the old model mostly calls `O` without one (it starts random).
pub const DEFAULT_MIN_SHARE: f64 = 0.5;

/// How the parents of new types are found.
#[derive(Debug, Clone)]
pub enum LineageSource {
    /// From a mapping file (old types to new types).
    Mapping(TagsetMapping),
    /// Inferred by running the old model over the new training data.
    Infer { min_share: f64 },
}

/// The parents a warm start used, with the evidence when they were inferred.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "source", rename_all = "kebab-case")]
pub enum Lineage {
    Mapping { parents: Vec<(String, Option<String>)> },
    Inferred { min_share: f64, inferred: Vec<InferredParent> },
}

impl Lineage {
    /// The parents `mapping` gives each entity type of `new`.
    pub fn from_mapping(mapping: &TagsetMapping, new: &Tagset) -> Self {
        let parent = retag_heads::parents::from_mapping(mapping);
        let parents = new.entity_types().into_iter().map(|kind| (kind.clone(), parent(&kind))).collect();
        Lineage::Mapping { parents }
    }

    /// The parent of new type `new_type`, if it has one.
    pub fn parent(&self, new_type: &str) -> Option<String> {
        match self {
            Lineage::Mapping { parents } => {
                parents.iter().find(|(kind, _)| kind == new_type).and_then(|(_, parent)| parent.clone())
            }
            Lineage::Inferred { inferred, .. } => retag_heads::parents::from_inferred(inferred)(new_type),
        }
    }

    /// What the user reads to check the lineage before trusting the warm start.
    pub fn to_text(&self) -> String {
        match self {
            Lineage::Mapping { parents } => {
                let mut text = String::from("parents from the mapping file:\n");
                for (kind, parent) in parents {
                    text.push_str(&format!("  {kind} <- {}\n", parent.as_deref().unwrap_or("(none: starts random)")));
                }
                text
            }
            Lineage::Inferred { min_share, inferred } => format!(
                "parents inferred from the old model's predictions on the training data \
                 (a parent covers at least {:.0}% of a type's tokens):\n{}",
                min_share * 100.0,
                inferred_to_text(inferred)
            ),
        }
    }
}
