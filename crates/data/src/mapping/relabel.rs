//! Rewriting a dataset's tags into the new tagset, entity by entity.
//!
//! Relabelling works on spans, not tags: the sentence is decoded under its
//! scheme, each entity's type is mapped, and the spans are encoded back, so
//! the prefixes stay right whatever the scheme (a merge can make two entities
//! adjacent and of one type; IOB2 still keeps them apart with a `B-`).

use super::TagsetMapping;
use crate::error::{DataError, Result};
use crate::location::Location;
use crate::scheme::{self, OnInvalid, Scheme, Span};
use crate::sentence::Sentence;

/// What to do with an entity whose type the mapping has no rule for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unmapped {
    /// Refuse it, naming the data file, the line and the type: a forgotten
    /// type must never vanish or survive unnoticed.
    #[default]
    Error,
    /// Keep the entity with its old type.
    Keep,
}

/// How [`TagsetMapping::relabel`] reads the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RelabelOptions {
    /// Sequences that break the scheme: refused, or read as seqeval does.
    pub on_invalid: OnInvalid,
    pub unmapped: Unmapped,
}

impl TagsetMapping {
    /// `sentence` with every entity given its new type: renamed and merged
    /// types get their new name, dropped types become `O`. Tags are written
    /// back in `scheme`. `file` is where the sentence was read, for errors.
    ///
    /// A split mapping is refused (the data does not say which of the new
    /// types an old entity belongs to), naming the split old type; so is an
    /// entity of a type the mapping does not know, unless
    /// [`Unmapped::Keep`] is asked for. A sentence without tags is returned
    /// unchanged.
    pub fn relabel(
        &self,
        sentence: &Sentence,
        scheme: Scheme,
        options: RelabelOptions,
        file: &Location,
    ) -> Result<Sentence> {
        if let Some((old, rule)) = self.first_split() {
            return Err(self.error(
                rule.line,
                format!(
                    "cannot relabel data: old type {old:?} becomes several new types ({}), and the data does \
                     not say which; relabelling needs at most one new type per old type",
                    rule.children.join(", ")
                ),
            ));
        }
        if sentence.tags.is_empty() {
            return Ok(sentence.clone());
        }
        let spans = scheme::sentence_spans(sentence, scheme, options.on_invalid, file)?;
        let mut mapped = Vec::with_capacity(spans.len());
        for span in spans {
            match self.children_of(&span.kind) {
                Some([]) => {}
                Some([new]) => mapped.push(Span { kind: new.clone(), ..span }),
                Some(_) => unreachable!("split mappings are refused above"),
                None if options.unmapped == Unmapped::Keep => mapped.push(span),
                None => {
                    return Err(DataError::Mapping {
                        at: sentence.token_location(file, span.start),
                        reason: format!(
                            "entity type {:?} is not in the mapping {}; add a rule for it to [types] \
                             (`{} = false` drops it) or keep unmapped types as they are",
                            span.kind, self.origin, span.kind
                        ),
                    });
                }
            }
        }
        Ok(sentence.with_tags(scheme::encode(&mapped, sentence.len(), scheme)))
    }
}
