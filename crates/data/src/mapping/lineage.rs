//! The parents a warm start used, as a run records them in `metrics.json`:
//! from the user's mapping file, or inferred from the old model's
//! predictions on the new training data, with the counts behind each choice.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{InferredParent, TagsetMapping, inferred_to_text};
use crate::tagset::Tagset;

/// Which old type each new entity type descends from, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "kebab-case")]
pub enum Lineage {
    /// From a mapping file: each new type with its parent (`None`: new);
    /// a type merged from several old types also lists them all in `merged`.
    Mapping {
        parents: Vec<(String, Option<String>)>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        merged: BTreeMap<String, Vec<String>>,
    },
    /// Inferred by counting what the old model predicts on each new type's tokens.
    Inferred { min_share: f64, inferred: Vec<InferredParent> },
}

impl Lineage {
    /// The parents `mapping` gives each entity type of `new`. A merge
    /// (`geo-loc` and `facility` both become `location`) has several parents
    /// but a row can start from only one: the first in name order, so the
    /// choice is stable.
    pub fn from_mapping(mapping: &TagsetMapping, new: &Tagset) -> Self {
        let types = new.entity_types();
        let parents = types
            .iter()
            .map(|kind| {
                let parent = mapping.parents_of(kind).first().cloned();
                (kind.clone(), parent)
            })
            .collect();
        let merged = types
            .into_iter()
            .map(|kind| {
                let all = mapping.parents_of(&kind).to_vec();
                (kind, all)
            })
            .filter(|(_, all)| all.len() > 1)
            .collect();
        Lineage::Mapping { parents, merged }
    }

    /// Every old type new type `new_type` descends from: one for a rename or
    /// a split, several for a merge, none for a new type.
    pub fn parents_of(&self, new_type: &str) -> Vec<String> {
        match self {
            Lineage::Mapping { merged, .. } if merged.contains_key(new_type) => merged[new_type].clone(),
            Lineage::Inferred { inferred, .. } => inferred
                .iter()
                .find(|found| found.new_type == new_type)
                .map_or_else(Vec::new, |found| found.parents.clone()),
            _ => self.parent(new_type).into_iter().collect(),
        }
    }

    /// The parent of new type `new_type`, if it has one.
    pub fn parent(&self, new_type: &str) -> Option<String> {
        match self {
            Lineage::Mapping { parents, .. } => {
                parents.iter().find(|(kind, _)| kind == new_type).and_then(|(_, parent)| parent.clone())
            }
            Lineage::Inferred { inferred, .. } => inferred
                .iter()
                .find(|found| found.new_type == new_type)
                .and_then(|found| found.parent().map(str::to_string)),
        }
    }

    /// What the user reads to check the lineage before trusting the warm start.
    pub fn to_text(&self) -> String {
        match self {
            Lineage::Mapping { parents, .. } => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scheme;

    #[test]
    fn mapping_lineage_names_the_first_parent_of_a_merge_and_none_for_a_new_type() {
        let mapping = TagsetMapping::from_rules(
            [("geo-loc", vec!["location"]), ("facility", vec!["location"]), ("ORG", vec!["company"])],
            ["creative_work"],
        )
        .unwrap();
        let new = Tagset::from_types(&["location", "company", "creative_work"], Scheme::Iob2).unwrap();
        let lineage = Lineage::from_mapping(&mapping, &new);
        assert_eq!(lineage.parent("location").as_deref(), Some("facility"));
        assert_eq!(lineage.parent("company").as_deref(), Some("ORG"));
        assert_eq!(lineage.parent("creative_work"), None);
        assert_eq!(lineage.parent("unknown"), None);
        assert_eq!(lineage.parents_of("location"), ["facility", "geo-loc"]);
        assert_eq!(lineage.parents_of("company"), ["ORG"]);
        assert!(lineage.parents_of("creative_work").is_empty());
        assert!(lineage.to_text().contains("creative_work <- (none: starts random)"), "{}", lineage.to_text());
    }

    #[test]
    fn lineage_reads_back_what_it_writes() {
        let lineage = Lineage::Mapping {
            parents: vec![("location".into(), Some("LOC".into())), ("x".into(), None)],
            merged: BTreeMap::new(),
        };
        let text = serde_json::to_string(&lineage).unwrap();
        assert!(text.contains(r#""source":"mapping""#), "{text}");
        assert_eq!(serde_json::from_str::<Lineage>(&text).unwrap(), lineage);
    }
}
