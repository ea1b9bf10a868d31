//! How much of the old tagset a retrained model still knows: its predictions
//! are folded back into the old types through the lineage and scored against
//! data annotated with the old tagset, next to the old model's own score.
//!
//! Folding is by type, prefixes kept (`B-person` -> `B-PER`):
//! - a new type with one parent folds into it (a rename, or one child of a split);
//! - a new type with no parent has nothing to fold into and becomes `O`
//!   (the old gold has no such entities);
//! - a new type merged from several old types (`geo-loc` + `facility` ->
//!   `location`) cannot be folded back to one of them. It is scored apart:
//!   the gold entities of its parents are renamed to it, in the gold and in
//!   the old model's predictions alike, so that both models are judged on
//!   the same question ("is this a location?") and the merged row is
//!   reported as such.

use std::collections::BTreeMap;

/// The type space both models are scored in.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionFold {
    /// Old type -> the type it is scored as (itself, or the merged new type it feeds).
    old_to_scored: BTreeMap<String, String>,
    /// New type -> the type it is scored as (`None`: it has no parent, `O`).
    new_to_scored: BTreeMap<String, Option<String>>,
    /// New types merged from several old types, scored apart.
    merged: Vec<String>,
}

impl RetentionFold {
    /// Builds the fold for `new_types`, whose old parents `parents_of` gives
    /// (every parent, not only the first), over the `old_types` of the old tagset.
    pub fn new(old_types: &[String], new_types: &[String], parents_of: impl Fn(&str) -> Vec<String>) -> Self {
        let parents: BTreeMap<&String, Vec<String>> =
            new_types.iter().map(|new_type| (new_type, parents_of(new_type))).collect();
        let merged: Vec<String> =
            parents.iter().filter(|(_, parents)| parents.len() > 1).map(|(new_type, _)| (*new_type).clone()).collect();
        let mut old_to_scored: BTreeMap<String, String> =
            old_types.iter().map(|old_type| (old_type.clone(), old_type.clone())).collect();
        for new_type in &merged {
            for parent in &parents[new_type] {
                old_to_scored.insert(parent.clone(), new_type.clone());
            }
        }
        let new_to_scored = parents
            .iter()
            .map(|(new_type, parents)| {
                let scored = match parents.as_slice() {
                    [] => None,
                    [parent] => Some(old_to_scored.get(parent).cloned().unwrap_or_else(|| parent.clone())),
                    _ => Some((*new_type).clone()),
                };
                ((*new_type).clone(), scored)
            })
            .collect();
        Self { old_to_scored, new_to_scored, merged }
    }

    /// New types merged from several old types: their rows are scored apart.
    pub fn merged(&self) -> &[String] {
        &self.merged
    }

    /// An old-tagset tag (gold, or the old model's prediction) in the scored space.
    pub fn old_tag(&self, tag: &str) -> String {
        refold(tag, |kind| Some(self.old_to_scored.get(kind).cloned().unwrap_or_else(|| kind.to_string())))
    }

    /// A retrained model's tag in the scored space (`O` for a type with no parent).
    pub fn new_tag(&self, tag: &str) -> String {
        refold(tag, |kind| self.new_to_scored.get(kind).cloned().unwrap_or(None))
    }
}

/// `tag` with its type replaced by `to(type)`, prefix kept as written
/// (`L-`/`U-` stay); `O` when `to` gives none. Tags were validated when they
/// were read, so anything without a prefix is `O`.
fn refold(tag: &str, to: impl Fn(&str) -> Option<String>) -> String {
    match tag.split_once('-') {
        Some((prefix, kind)) if !kind.is_empty() => match to(kind) {
            Some(scored) => format!("{prefix}-{scored}"),
            None => "O".into(),
        },
        _ => "O".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| item.to_string()).collect()
    }

    /// CoNLL-style old types; new types: a rename (person), a split of ORG
    /// (company, party), a merge of LOC and FAC (location), a new type with
    /// no parent (product).
    fn fold() -> RetentionFold {
        let old = strings(&["PER", "ORG", "LOC", "FAC", "MISC"]);
        let new = strings(&["person", "company", "party", "location", "product"]);
        RetentionFold::new(&old, &new, |new_type| match new_type {
            "person" => strings(&["PER"]),
            "company" | "party" => strings(&["ORG"]),
            "location" => strings(&["LOC", "FAC"]),
            _ => Vec::new(),
        })
    }

    #[test]
    fn new_tags_fold_into_their_parent_and_merges_stay_apart() {
        let fold = fold();
        let cases = [
            ("B-person", "B-PER"),
            ("I-person", "I-PER"),
            ("B-company", "B-ORG"),
            ("I-party", "I-ORG"),
            ("B-location", "B-location"),
            ("B-product", "O"),
            ("I-product", "O"),
            ("O", "O"),
            ("B-never_seen", "O"),
        ];
        for (tag, expected) in cases {
            assert_eq!(fold.new_tag(tag), expected, "{tag}");
        }
        assert_eq!(fold.merged(), ["location"]);
    }

    #[test]
    fn old_tags_keep_their_type_unless_they_feed_a_merge() {
        let fold = fold();
        let cases = [
            ("B-PER", "B-PER"),
            ("I-ORG", "I-ORG"),
            ("B-LOC", "B-location"),
            ("I-FAC", "I-location"),
            ("B-MISC", "B-MISC"),
            ("O", "O"),
            ("S-PER", "S-PER"),
            ("U-LOC", "U-location"),
            ("B-geo-loc", "B-geo-loc"),
        ];
        for (tag, expected) in cases {
            assert_eq!(fold.old_tag(tag), expected, "{tag}");
        }
    }

    #[test]
    fn a_child_of_an_old_type_that_also_feeds_a_merge_is_scored_as_the_merge() {
        // ORG is split (company) and also merged with GPE (group): an ORG
        // entity is scored as `group`, so a `company` prediction must be too.
        let old = strings(&["ORG", "GPE"]);
        let new = strings(&["company", "group"]);
        let fold = RetentionFold::new(&old, &new, |new_type| match new_type {
            "company" => strings(&["ORG"]),
            _ => strings(&["ORG", "GPE"]),
        });
        assert_eq!(fold.old_tag("B-ORG"), "B-group");
        assert_eq!(fold.new_tag("B-company"), "B-group");
        assert_eq!(fold.new_tag("I-group"), "I-group");
    }
}
