//! `retag plan`: what to do with an old model and new data, decided from
//! evidence before any training.
//!
//! The evidence is the old model's own predictions on the new training
//! data ([`MappingEvidence`]: for each new gold type, which old types the
//! old model tags on its tokens) and the new data's counts. From them the
//! report says how the tagsets relate ([`Relation`]: same, renamed, split,
//! merged, new), which old types no new type descends from, which new types
//! are rare, and which strategy to try first, each point with its reason
//! ([`Advice`]). It is built here, without a neural network, so that the
//! rules are tested on hand-made counts; `retag_retrain::plan` gathers the
//! evidence with a model.

mod advice;
mod relation;
mod render;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use advice::Advice;
pub use relation::{Relation, TypeRelation, classify};

use crate::mapping::{MappingEvidence, TagsetMapping};
use crate::stats::DatasetStats;

/// The version of `plan.json`; a reader refuses another.
pub const PLAN_VERSION: u32 = 1;
/// A new type with fewer training entities than this is called rare.
pub const DEFAULT_RARE_BELOW: usize = 50;

/// Where the parents of the new types came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParentSource {
    /// Inferred from the evidence with these limits (see [`MappingEvidence::infer`]).
    Inferred { min_share: f64, max_outside: f64 },
    /// Read from the user's mapping file.
    Mapping { file: String },
}

/// The plan for one old model and one new training set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanReport {
    /// Always `retag-plan`.
    pub format: String,
    pub version: u32,
    /// The old model's folder and the new training data, as given.
    pub old_model: String,
    pub train: String,
    /// The old model's entity types.
    pub old_types: Vec<String>,
    pub parents_from: ParentSource,
    /// One row per new type of the training data, by name.
    pub relations: Vec<TypeRelation>,
    /// Old types that no new type descends from: what the new model will
    /// not tag, unless `retag extend` keeps them.
    pub without_descendants: Vec<String>,
    pub sentences: usize,
    pub rare_below: usize,
    /// New types with fewer than `rare_below` training entities.
    pub rare: Vec<String>,
    /// What to do, the first point first.
    pub advice: Vec<Advice>,
}

/// The inputs of a plan: what the old model knows, what it predicted on the
/// new data, and the new data's counts.
pub struct PlanInputs<'a> {
    pub old_model: String,
    pub train: String,
    pub old_types: Vec<String>,
    pub evidence: &'a MappingEvidence,
    /// `Some`: the parents come from this mapping; `None`: inferred.
    pub mapping: Option<&'a TagsetMapping>,
    pub min_share: f64,
    pub max_outside: f64,
    pub stats: &'a DatasetStats,
    pub rare_below: usize,
}

impl PlanReport {
    pub fn new(inputs: PlanInputs<'_>) -> Self {
        let PlanInputs { old_model, train, old_types, evidence, mapping, min_share, max_outside, stats, rare_below } =
            inputs;
        let inferred = evidence.infer(min_share, max_outside);
        let entities = |kind: &str| stats.entity_types.iter().find(|count| count.name == kind).map_or(0, |c| c.count);
        let mut new_types: Vec<String> = stats.entity_types.iter().map(|count| count.name.clone()).collect();
        new_types.sort();
        let rows: Vec<(String, Vec<String>, usize)> = new_types
            .iter()
            .map(|kind| {
                let parents = match mapping {
                    Some(mapping) => mapping.parents_of(kind).to_vec(),
                    None => inferred.iter().find(|p| &p.new_type == kind).map_or(Vec::new(), |p| p.parents.clone()),
                };
                (kind.clone(), parents, entities(kind))
            })
            .collect();
        let relations = classify(&rows, &inferred);
        let without_descendants =
            old_types.iter().filter(|old| !relations.iter().any(|row| row.parents.contains(old))).cloned().collect();
        let rare = relations.iter().filter(|row| row.entities < rare_below).map(|row| row.new_type.clone()).collect();
        let parents_from = match mapping {
            Some(mapping) => ParentSource::Mapping { file: mapping.origin().to_string() },
            None => ParentSource::Inferred { min_share, max_outside },
        };
        let mut report = Self {
            format: "retag-plan".into(),
            version: PLAN_VERSION,
            old_model,
            train,
            old_types,
            parents_from,
            relations,
            without_descendants,
            sentences: stats.sentences,
            rare_below,
            rare,
            advice: Vec::new(),
        };
        report.advice = advice::advise(&report);
        report
    }

    /// The parents as a mapping file `retag retrain --mapping` reads: each
    /// old type to its children, the types with no parent declared new.
    pub fn mapping(&self) -> crate::Result<TagsetMapping> {
        let mut children: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for row in &self.relations {
            for parent in &row.parents {
                children.entry(parent.clone()).or_default().push(row.new_type.clone());
            }
        }
        let unparented = self.relations.iter().filter(|row| row.parents.is_empty()).map(|row| row.new_type.clone());
        TagsetMapping::from_rules(children, unparented)
    }
}
