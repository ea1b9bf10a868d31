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
    /// Inferred by counting what the old model predicts on each new type's
    /// tokens ([`super::MappingEvidence::infer`]): a parent covers at least
    /// `min_share` of the tokens the old model tags with a type, and a type
    /// it leaves `O` on more than `max_outside` of its tokens has none.
    Inferred {
        min_share: f64,
        /// `None` in files written before the `O` share was a figure of its
        /// own: their parents covered `min_share` of all a type's tokens,
        /// `O` ones included, and no `O` maximum applied.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_outside: Option<f64>,
        inferred: Vec<InferredParent>,
    },
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
            Lineage::Inferred { min_share, max_outside: Some(max_outside), inferred } => format!(
                "parents inferred from the old model's predictions on the training data \
                 (a parent covers at least {:.0}% of the tokens the old model tags with a type; \
                 a type it leaves O on more than {:.0}% of its tokens is new):\n{}",
                min_share * 100.0,
                max_outside * 100.0,
                inferred_to_text(inferred)
            ),
            Lineage::Inferred { min_share, max_outside: None, inferred } => format!(
                "parents inferred from the old model's predictions on the training data, \
                 by the rule before the O share counted apart \
                 (a parent covered at least {:.0}% of all a type's tokens, O ones included):\n{}",
                min_share * 100.0,
                inferred_to_text(inferred)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Scheme, Span};

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

    #[test]
    fn inferred_lineage_prints_both_figures_and_reads_back() {
        let mut evidence = crate::mapping::MappingEvidence::new();
        let spans = |kind: &str, end| [Span { start: 0, end, kind: kind.to_string() }];
        evidence.add_spans(&spans("corporation", 4), &spans("ORG", 3));
        evidence.add_spans(&spans("emoji", 10), &spans("MISC", 1));
        let lineage = Lineage::Inferred { min_share: 0.5, max_outside: Some(0.8), inferred: evidence.infer(0.5, 0.8) };
        assert_eq!(lineage.parents_of("corporation"), ["ORG"]);
        assert_eq!(lineage.parent("emoji"), None, "O on 90% of its tokens");
        let text = lineage.to_text();
        assert!(
            text.contains("at least 50% of the tokens the old model tags") && text.contains("more than 80%"),
            "{text}"
        );
        assert!(text.contains("100.0% of 3") && text.contains("25.0%"), "{text}");
        assert!(text.contains("100.0% of 1") && text.contains("90.0%"), "{text}");
        let json = serde_json::to_string(&lineage).unwrap();
        assert!(json.contains(r#""max_outside":0.8"#) && json.contains(r#""outside_share":0.25"#), "{json}");
        assert_eq!(serde_json::from_str::<Lineage>(&json).unwrap(), lineage);
    }

    /// A record written before the O share was a figure of its own: its
    /// share was over all tokens. The figures are derived again from the
    /// counts; the parents are the ones that run used.
    #[test]
    fn an_inferred_lineage_written_before_the_o_share_reads_with_todays_figures() {
        let before = r#"{"source": "inferred", "min_share": 0.4, "inferred": [
            {"new_type": "corporation", "parents": ["ORG"], "tokens": 267, "share": 0.4157,
             "counts": [["O", 118], ["ORG", 111], ["PER", 38]]}]}"#;
        let lineage: Lineage = serde_json::from_str(before).unwrap();
        let Lineage::Inferred { max_outside, inferred, .. } = &lineage else { panic!("{lineage:?}") };
        assert_eq!(*max_outside, None);
        assert_eq!((inferred[0].tokens, inferred[0].tagged), (267, 149));
        assert!((inferred[0].share - 111.0 / 149.0).abs() < 1e-12, "{}", inferred[0].share);
        assert!((inferred[0].outside_share - 118.0 / 267.0).abs() < 1e-12, "{}", inferred[0].outside_share);
        assert_eq!(lineage.parent("corporation").as_deref(), Some("ORG"));
        assert!(lineage.to_text().contains("O ones included"), "{}", lineage.to_text());
    }
}
