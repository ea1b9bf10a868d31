//! Inferring which old type each new type descends from, by counting.
//!
//! When a user has no mapping file, the relation between two tagsets can be
//! measured: run the old model over the new training data (or take a second
//! annotation of the same text) and, for every token inside a new gold entity,
//! note which old type is there. A new type whose tokens mostly carry one old
//! type descends from it; one whose tokens are mostly `O` is really new. The
//! counts are kept and printed so the user can check the inference before a
//! warm-start relies on it.
//!
//! Tokens, not entities, are counted: an old model's boundaries often differ
//! from the new annotation's by a token, and a count over whole entities would
//! call those disagreements `O`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::TagsetMapping;
use crate::error::Result;
use crate::scheme::{self, OnInvalid, Scheme, Span, Violation};

/// The name under which tokens outside every old entity are counted.
pub const OUTSIDE: &str = "O";

/// Token counts: for each new type, how many of its tokens carry each old type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MappingEvidence {
    counts: BTreeMap<String, BTreeMap<String, usize>>,
}

/// What was inferred for one new type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferredParent {
    pub new_type: String,
    /// The old types it descends from, most frequent first: every old type
    /// that covers at least the required share of its tokens (several for a
    /// merge such as geo-loc + facility -> location); empty for a new type.
    pub parents: Vec<String>,
    /// Tokens of this new type that were counted.
    pub tokens: usize,
    /// Share of those tokens that carry the first parent (or the best old type).
    pub share: f64,
    /// Every old type seen on its tokens (with [`OUTSIDE`]), most frequent first.
    pub counts: Vec<(String, usize)>,
}

impl InferredParent {
    /// The main ancestor: the old type that covers most of its tokens, the
    /// one a warm-start copies weights from.
    pub fn parent(&self) -> Option<&str> {
        self.parents.first().map(String::as_str)
    }
}

impl MappingEvidence {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one sentence: `new_spans` are the gold entities in the new
    /// tagset, `old_spans` the old tagset's entities on the same tokens.
    pub fn add_spans(&mut self, new_spans: &[Span], old_spans: &[Span]) {
        let old_at = |token: usize| {
            old_spans
                .iter()
                .find(|span| span.start <= token && token < span.end)
                .map_or(OUTSIDE, |span| span.kind.as_str())
        };
        for span in new_spans {
            let by_old = self.counts.entry(span.kind.clone()).or_default();
            for token in span.start..span.end {
                *by_old.entry(old_at(token).to_string()).or_default() += 1;
            }
        }
    }

    /// Counts one sentence given as tags. The old tags usually come from a
    /// model, whose sequences may break the scheme: both sides are read as
    /// seqeval reads them. Both must tag the same tokens.
    pub fn add_tags<S: AsRef<str>, T: AsRef<str>>(
        &mut self,
        new_tags: &[S],
        new_scheme: Scheme,
        old_tags: &[T],
        old_scheme: Scheme,
    ) -> Result<(), Violation> {
        if new_tags.len() != old_tags.len() {
            return Err(Violation {
                index: new_tags.len().min(old_tags.len()),
                tag: String::new(),
                reason: format!("{} new tags but {} old tags for the same tokens", new_tags.len(), old_tags.len()),
            });
        }
        let new_spans = scheme::decode(new_tags, new_scheme, OnInvalid::Repair)?;
        let old_spans = scheme::decode(old_tags, old_scheme, OnInvalid::Repair)?;
        self.add_spans(&new_spans, &old_spans);
        Ok(())
    }

    /// The raw counts: new type, then old type (or [`OUTSIDE`]), then tokens.
    pub fn counts(&self) -> &BTreeMap<String, BTreeMap<String, usize>> {
        &self.counts
    }

    /// For each new type, the old types that cover at least `min_share` of
    /// its tokens (a share in 0.0..=1.0; NaN keeps none), most frequent first.
    /// `O` is never a parent.
    pub fn infer(&self, min_share: f64) -> Vec<InferredParent> {
        self.counts
            .iter()
            .map(|(new_type, by_old)| {
                let tokens: usize = by_old.values().sum();
                let mut counts: Vec<(String, usize)> = by_old.iter().map(|(old, n)| (old.clone(), *n)).collect();
                counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                let share_of = |n: usize| n as f64 / tokens.max(1) as f64;
                let candidates = counts.iter().filter(|(old, _)| old != OUTSIDE);
                let share = candidates.clone().next().map_or(0.0, |(_, n)| share_of(*n));
                let parents =
                    candidates.filter(|(_, n)| share_of(*n) >= min_share).map(|(old, _)| old.clone()).collect();
                InferredParent { new_type: new_type.clone(), parents, tokens, share, counts }
            })
            .collect()
    }

    /// The inferred relation as a mapping: each parent old type becomes its
    /// children, new types without a parent are declared new. Old types that
    /// are nobody's parent are left out (the mapping says nothing of them).
    pub fn to_mapping(&self, min_share: f64) -> Result<TagsetMapping> {
        let inferred = self.infer(min_share);
        let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut unparented = Vec::new();
        for inferred in inferred {
            for old in &inferred.parents {
                children.entry(old.clone()).or_default().push(inferred.new_type.clone());
            }
            if inferred.parents.is_empty() {
                unparented.push(inferred.new_type);
            }
        }
        TagsetMapping::from_rules(children, unparented)
    }
}

/// A table for the user: each new type, its inferred parent and the counts
/// behind it.
pub fn inferred_to_text(inferred: &[InferredParent]) -> String {
    let width = inferred.iter().map(|p| p.new_type.len()).max().unwrap_or(0).max("new type".len());
    let mut text =
        format!("{:<width$}  {:<16} {:>6} {:>6}  counts (tokens)\n", "new type", "parent", "share", "tokens");
    for parent in inferred {
        let counts: Vec<String> = parent.counts.iter().map(|(old, n)| format!("{old} {n}")).collect();
        let _ = writeln!(
            text,
            "{:<width$}  {:<16} {:>5.1}% {:>6}  {}",
            parent.new_type,
            if parent.parents.is_empty() { "(new)".to_string() } else { parent.parents.join(" + ") },
            parent.share * 100.0,
            parent.tokens,
            counts.join(", ")
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn counts_tokens_and_picks_the_dominant_old_type() {
        let mut evidence = MappingEvidence::new();
        // location tokens: 3 geo-loc, 1 facility; party tokens: 2 O (a new type).
        evidence
            .add_tags(
                &tags("B-location I-location O B-location B-party I-party B-location"),
                Scheme::Iob2,
                &tags("B-geo-loc I-geo-loc O I-facility O O B-geo-loc"),
                Scheme::Iob2,
            )
            .unwrap();
        assert_eq!(evidence.counts()["location"]["geo-loc"], 3);
        assert_eq!(evidence.counts()["location"]["facility"], 1);
        assert_eq!(evidence.counts()["party"][OUTSIDE], 2);
        let inferred = evidence.infer(0.3);
        assert_eq!(inferred[0].new_type, "location");
        assert_eq!(inferred[0].parents, ["geo-loc"]);
        assert!((inferred[0].share - 0.75).abs() < 1e-12);
        assert_eq!(inferred[1].parent(), None, "a type the old model calls O is new");
        let merged = evidence.infer(0.25);
        assert_eq!(merged[0].parents, ["geo-loc", "facility"], "both cover a quarter or more: a merge");

        let mapping = evidence.to_mapping(0.25).unwrap();
        assert_eq!(mapping.parents_of("location"), ["facility", "geo-loc"]);
        assert_eq!(mapping.unparented(), ["party"]);
        let text = inferred_to_text(&inferred);
        assert!(text.contains("location") && text.contains("geo-loc 3, facility 1"), "{text}");
        assert!(text.contains("(new)"), "{text}");
    }

    #[test]
    fn a_share_below_the_threshold_leaves_the_type_new() {
        let mut evidence = MappingEvidence::new();
        evidence.add_tags(&tags("B-x I-x I-x I-x"), Scheme::Iob2, &tags("B-a O O O"), Scheme::Iob2).unwrap();
        assert_eq!(evidence.infer(0.5)[0].parent(), None);
        assert_eq!(evidence.infer(0.25)[0].parent(), Some("a"));
        assert_eq!(evidence.infer(f64::NAN)[0].parent(), None);
    }

    #[test]
    fn tags_of_different_lengths_are_refused() {
        let mut evidence = MappingEvidence::new();
        let error = evidence.add_tags(&tags("B-x O"), Scheme::Iob2, &tags("B-a"), Scheme::Iob2).unwrap_err();
        assert!(error.reason.contains("2 new tags but 1 old"), "{error:?}");
    }
}
