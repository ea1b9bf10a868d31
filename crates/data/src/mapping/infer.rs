//! Inferring which old type each new type descends from, by counting.
//!
//! When a user has no mapping file, the relation between two tagsets can be
//! measured: run the old model over the new training data (or take a second
//! annotation of the same text) and, for every token inside a new gold entity,
//! note which old type is there. The counts are kept and printed so the user
//! can check the inference before a warm-start relies on it.
//!
//! Two questions are asked of them, and answered by separate figures:
//! - which old type the model reaches for when it tags the new type at all:
//!   the share of each old type among the tokens it tags with some type
//!   ([`InferredParent::share`]);
//! - whether it tags the new type enough to speak of a lineage: the share of
//!   tokens it leaves `O` ([`InferredParent::outside_share`]).
//!
//! They are kept apart because an old model moved to a new domain misses
//! many entities outright (a CoNLL-2003 news model on WNUT-17 tweets), and
//! those misses say nothing about which type the new one descends from.
//! Counted in one share, they called WNUT-17's `corporation` new although
//! the model tags it `ORG` on 111 of the 149 tokens it tags at all (74%):
//! 118 further `O` tokens brought the share down to 111/267 = 42%.
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
#[serde(from = "StoredParent")]
pub struct InferredParent {
    pub new_type: String,
    /// The old types it descends from, most frequent first: every old type
    /// that covers at least the required share of its tagged tokens (several
    /// for a merge such as geo-loc + facility -> location); empty for a new
    /// type, including one the old model leaves `O` too often.
    pub parents: Vec<String>,
    /// Tokens of this new type that were counted, `O` ones included.
    pub tokens: usize,
    /// Of those, the tokens the old model tags with some type (not `O`): the
    /// denominator of [`Self::share`].
    pub tagged: usize,
    /// Share of the tagged tokens that carry the best old type (the first
    /// parent, when there is one); 0 when none is tagged.
    pub share: f64,
    /// Share of all counted tokens the old model leaves `O`: how little it
    /// recognises the type at all (0 when no token was counted).
    pub outside_share: f64,
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

/// The figures [`InferredParent`] reports, all derived from its counts.
struct Figures {
    tokens: usize,
    tagged: usize,
    share: f64,
    outside_share: f64,
}

impl Figures {
    /// `counts` most frequent first, as [`InferredParent::counts`] holds them.
    fn of(counts: &[(String, usize)]) -> Self {
        let tokens: usize = counts.iter().map(|(_, n)| n).sum();
        let outside: usize = counts.iter().filter(|(old, _)| old == OUTSIDE).map(|(_, n)| n).sum();
        let tagged = tokens - outside;
        let best = counts.iter().find(|(old, _)| old != OUTSIDE).map_or(0, |(_, n)| *n);
        Figures {
            tokens,
            tagged,
            share: best as f64 / tagged.max(1) as f64,
            outside_share: outside as f64 / tokens.max(1) as f64,
        }
    }
}

/// [`InferredParent`] as `metrics.json` holds it. Files written before the
/// share among tagged tokens and the `O` share were separate figures lack
/// `tagged` and `outside_share`, and their `share` was over all tokens: the
/// three are derived again from the counts, so an old record reads with
/// today's meanings. Its parents stay as that run chose them.
#[derive(Deserialize)]
struct StoredParent {
    new_type: String,
    parents: Vec<String>,
    tokens: usize,
    share: f64,
    #[serde(default)]
    tagged: Option<usize>,
    #[serde(default)]
    outside_share: Option<f64>,
    counts: Vec<(String, usize)>,
}

impl From<StoredParent> for InferredParent {
    fn from(stored: StoredParent) -> Self {
        let (tagged, share, outside_share) = match (stored.tagged, stored.outside_share) {
            (Some(tagged), Some(outside_share)) => (tagged, stored.share, outside_share),
            _ => {
                let figures = Figures::of(&stored.counts);
                (figures.tagged, figures.share, figures.outside_share)
            }
        };
        InferredParent {
            new_type: stored.new_type,
            parents: stored.parents,
            tokens: stored.tokens,
            tagged,
            share,
            outside_share,
            counts: stored.counts,
        }
    }
}

impl MappingEvidence {
    /// The most a type's tokens may be `O` for it to have a parent: a type
    /// the old model leaves `O` on over 80% of its tokens is new, however
    /// its few tagged tokens lean. It is high because an old model on a new
    /// domain misses many entities it does know (WNUT-17's `corporation`: 44%
    /// `O` under a CoNLL-2003 model, and clearly `ORG` otherwise); what it
    /// rules out is a parent read from a handful of stray tags.
    pub const DEFAULT_MAX_OUTSIDE: f64 = 0.8;

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

    /// For each new type, its parents, most frequent first: the old types
    /// that cover at least `min_share` of the tokens the old model tags with
    /// some type, provided it leaves at most `max_outside` of all the type's
    /// tokens `O` (else the type is new). Both are shares in 0.0..=1.0; NaN
    /// in either keeps no parent. `O` is never a parent.
    pub fn infer(&self, min_share: f64, max_outside: f64) -> Vec<InferredParent> {
        self.counts
            .iter()
            .map(|(new_type, by_old)| {
                let mut counts: Vec<(String, usize)> = by_old.iter().map(|(old, n)| (old.clone(), *n)).collect();
                counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                let figures = Figures::of(&counts);
                // Written as the condition to keep parents, so that a NaN maximum keeps none.
                let tagged_enough = figures.outside_share <= max_outside;
                let parents = counts
                    .iter()
                    .filter(|(old, n)| {
                        tagged_enough && old != OUTSIDE && *n as f64 / figures.tagged.max(1) as f64 >= min_share
                    })
                    .map(|(old, _)| old.clone())
                    .collect();
                InferredParent {
                    new_type: new_type.clone(),
                    parents,
                    tokens: figures.tokens,
                    tagged: figures.tagged,
                    share: figures.share,
                    outside_share: figures.outside_share,
                    counts,
                }
            })
            .collect()
    }

    /// The inferred relation as a mapping: each parent old type becomes its
    /// children, new types without a parent are declared new. Old types that
    /// are nobody's parent are left out (the mapping says nothing of them).
    /// `min_share` and `max_outside` as for [`Self::infer`].
    pub fn to_mapping(&self, min_share: f64, max_outside: f64) -> Result<TagsetMapping> {
        let inferred = self.infer(min_share, max_outside);
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
/// behind it. Both figures the decision reads are shown (the best old type's
/// share among tagged tokens, with how many were tagged, and the `O` share),
/// so a type called new says whether the old model tagged it too rarely or
/// spread its tags over too many types.
pub fn inferred_to_text(inferred: &[InferredParent]) -> String {
    let width = inferred.iter().map(|p| p.new_type.len()).max().unwrap_or(0).max("new type".len());
    let mut text = format!(
        "{:<width$}  {:<16} {:>15}  {:>7}  {:>6}  counts (tokens)\n",
        "new type", "parent", "share of tagged", "O share", "tokens"
    );
    for parent in inferred {
        let counts: Vec<String> = parent.counts.iter().map(|(old, n)| format!("{old} {n}")).collect();
        let _ = writeln!(
            text,
            "{:<width$}  {:<16} {:>15}  {:>6.1}%  {:>6}  {}",
            parent.new_type,
            if parent.parents.is_empty() { "(new)".to_string() } else { parent.parents.join(" + ") },
            format!("{:.1}% of {}", parent.share * 100.0, parent.tagged),
            parent.outside_share * 100.0,
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
        let max_outside = MappingEvidence::DEFAULT_MAX_OUTSIDE;
        let inferred = evidence.infer(0.3, max_outside);
        assert_eq!(inferred[0].new_type, "location");
        assert_eq!(inferred[0].parents, ["geo-loc"]);
        assert!((inferred[0].share - 0.75).abs() < 1e-12);
        assert_eq!((inferred[0].tagged, inferred[0].outside_share), (4, 0.0));
        assert_eq!(inferred[1].parent(), None, "a type the old model calls O is new");
        assert_eq!((inferred[1].tagged, inferred[1].share, inferred[1].outside_share), (0, 0.0, 1.0));
        let merged = evidence.infer(0.25, max_outside);
        assert_eq!(merged[0].parents, ["geo-loc", "facility"], "both cover a quarter or more: a merge");

        let mapping = evidence.to_mapping(0.25, max_outside).unwrap();
        assert_eq!(mapping.parents_of("location"), ["facility", "geo-loc"]);
        assert_eq!(mapping.unparented(), ["party"]);
        let text = inferred_to_text(&inferred);
        assert!(text.contains("location") && text.contains("geo-loc 3, facility 1"), "{text}");
        assert!(text.contains("(new)"), "{text}");
        assert!(text.contains("share of tagged") && text.contains("O share"), "{text}");
        assert!(text.contains("75.0% of 4") && text.contains("100.0%"), "{text}");
    }

    #[test]
    fn o_tokens_count_against_the_o_share_and_not_the_share() {
        let mut evidence = MappingEvidence::new();
        evidence.add_tags(&tags("B-x I-x I-x I-x"), Scheme::Iob2, &tags("B-a O O O"), Scheme::Iob2).unwrap();
        let inferred = &evidence.infer(0.5, 0.8)[0];
        assert_eq!((inferred.tagged, inferred.share, inferred.outside_share), (1, 1.0, 0.75));
        assert_eq!(inferred.parent(), Some("a"), "all tagged tokens are a, and 75% O is not over 80%");
        assert_eq!(evidence.infer(0.5, 0.7)[0].parent(), None, "75% O is over 70%");
        assert_eq!(evidence.infer(f64::NAN, 0.8)[0].parent(), None);
        assert_eq!(evidence.infer(0.5, f64::NAN)[0].parent(), None);
    }

    #[test]
    fn tags_of_different_lengths_are_refused() {
        let mut evidence = MappingEvidence::new();
        let error = evidence.add_tags(&tags("B-x O"), Scheme::Iob2, &tags("B-a"), Scheme::Iob2).unwrap_err();
        assert!(error.reason.contains("2 new tags but 1 old"), "{error:?}");
    }
}
