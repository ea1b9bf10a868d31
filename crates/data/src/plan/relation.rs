//! How one new type relates to the old tagset.

use serde::{Deserialize, Serialize};

use crate::mapping::InferredParent;

/// The kinds of relation between a new type and the old types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// One parent, which it alone descends from, of the same name (ignoring case).
    Same,
    /// One parent, which it alone descends from, under another name.
    Renamed,
    /// One parent, which other new types descend from too (ORG into corporation and group).
    Split,
    /// Several parents (geo-loc and facility into location).
    Merged,
    /// No parent: the old model does not know it.
    New,
}

impl Relation {
    pub fn name(self) -> &'static str {
        match self {
            Relation::Same => "same",
            Relation::Renamed => "renamed",
            Relation::Split => "split",
            Relation::Merged => "merged",
            Relation::New => "new",
        }
    }
}

/// One row of the plan: a new type, how it relates to the old types, and the
/// evidence behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeRelation {
    pub new_type: String,
    pub relation: Relation,
    /// Its parents, the main one first.
    pub parents: Vec<String>,
    /// Other new types that descend from the same parents (for a split).
    pub siblings: Vec<String>,
    /// Entities of this type in the training data.
    pub entities: usize,
    /// The old model's predictions on its tokens: counted tokens, those it
    /// tags with some type, the best old type's share of those, and the share
    /// it leaves `O` (see [`InferredParent`]). Zero when nothing was counted.
    pub tokens: usize,
    pub tagged: usize,
    pub share: f64,
    pub outside_share: f64,
    /// Every old type (and `O`) seen on its tokens, most frequent first.
    pub counts: Vec<(String, usize)>,
}

/// Classifies each `(new type, parents, entities)` row; the evidence of
/// `inferred` (for the same new types) is attached where there is some.
pub fn classify(rows: &[(String, Vec<String>, usize)], inferred: &[InferredParent]) -> Vec<TypeRelation> {
    rows.iter()
        .map(|(new_type, parents, entities)| {
            let siblings: Vec<String> = rows
                .iter()
                .filter(|(other, other_parents, _)| {
                    other != new_type && other_parents.iter().any(|parent| parents.contains(parent))
                })
                .map(|(other, _, _)| other.clone())
                .collect();
            let relation = match parents.as_slice() {
                [] => Relation::New,
                [_, _, ..] => Relation::Merged,
                [_] if !siblings.is_empty() => Relation::Split,
                [parent] if parent.eq_ignore_ascii_case(new_type) => Relation::Same,
                [_] => Relation::Renamed,
            };
            let evidence = inferred.iter().find(|p| &p.new_type == new_type);
            TypeRelation {
                new_type: new_type.clone(),
                relation,
                parents: parents.clone(),
                siblings,
                entities: *entities,
                tokens: evidence.map_or(0, |p| p.tokens),
                tagged: evidence.map_or(0, |p| p.tagged),
                share: evidence.map_or(0.0, |p| p.share),
                outside_share: evidence.map_or(0.0, |p| p.outside_share),
                counts: evidence.map_or(Vec::new(), |p| p.counts.clone()),
            }
        })
        .collect()
}
