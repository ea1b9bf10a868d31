//! Which label may follow which under a tag scheme, for a CRF that should
//! never decode an invalid sequence (an `I-X` after `O` in IOB2).
//!
//! The rules are written out per scheme here and checked, in the tests,
//! against `retag_data::scheme::violations` on every short sequence: a
//! sequence is valid there exactly when its start, each of its transitions
//! and its end are allowed here.

use retag_data::Scheme;
use retag_data::Tagset;
use retag_data::scheme::Tag;

use crate::error::{HeadError, Result};

/// The score a forbidden transition gets: low enough that no path through
/// it can win or carry probability (`exp(-10000)` is 0 in `f32`), finite so
/// that sums and gradients stay numbers.
pub const FORBIDDEN: f32 = -10_000.0;

/// Forbidden starts, transitions (`from * labels + to`) and ends of a tagset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forbidden {
    /// The scheme the moves were derived from: what a saved head records
    /// ([`crate::CrfSpec`]) to derive them again on load.
    pub(crate) scheme: Scheme,
    pub(crate) num_labels: usize,
    pub(crate) start: Vec<bool>,
    pub(crate) transitions: Vec<bool>,
    pub(crate) end: Vec<bool>,
}

impl Forbidden {
    /// The forbidden moves of `tagset` under `scheme`. A label the scheme
    /// does not write (`S-PER` in IOB2) is an error naming it: a tagset and
    /// a scheme that disagree are a configuration mistake to fix, not to
    /// paper over.
    pub fn new(tagset: &Tagset, scheme: Scheme) -> Result<Self> {
        let tags = tagset
            .labels()
            .iter()
            .map(|label| {
                let tag =
                    Tag::parse(label).map_err(|reason| HeadError::InvalidLabel { label: label.clone(), reason })?;
                if tag.prefix != 'O' && !scheme.prefixes().iter().any(|&p| normalise(p) == tag.prefix) {
                    return Err(HeadError::InvalidLabel {
                        label: label.clone(),
                        reason: format!("prefix {} is not used by {scheme}", tag.prefix),
                    });
                }
                Ok(tag)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            scheme,
            num_labels: tags.len(),
            start: tags.iter().map(|&to| !allowed(scheme, None, Some(to))).collect(),
            transitions: tags
                .iter()
                .flat_map(|&from| tags.iter().map(move |&to| !allowed(scheme, Some(from), Some(to))))
                .collect(),
            end: tags.iter().map(|&from| !allowed(scheme, Some(from), None)).collect(),
        })
    }

    /// The scheme whose rules these are.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Whether label `from` may be followed by label `to`.
    pub fn transition_allowed(&self, from: usize, to: usize) -> bool {
        !self.transitions[from * self.num_labels + to]
    }

    pub fn start_allowed(&self, label: usize) -> bool {
        !self.start[label]
    }

    pub fn end_allowed(&self, label: usize) -> bool {
        !self.end[label]
    }
}

/// BILOU's `L` and `U` are BIOES's `E` and `S`, as `Tag::parse` reads them.
fn normalise(prefix: char) -> char {
    match prefix {
        'L' => 'E',
        'U' => 'S',
        other => other,
    }
}

/// Whether `next` may follow `previous` under `scheme`; `None` is the
/// sentence boundary (a start when `previous` is `None`, an end when `next` is).
pub(crate) fn allowed(scheme: Scheme, previous: Option<Tag<'_>>, next: Option<Tag<'_>>) -> bool {
    let open = previous.and_then(|tag| open_entity(scheme, tag));
    let must_close = matches!(scheme, Scheme::Ioe2 | Scheme::Bioes | Scheme::Bilou);
    let Some(next) = next.filter(|tag| tag.prefix != 'O') else {
        // O or the end: nothing may be left open that has to be closed.
        return !(must_close && open.is_some());
    };
    let continues = open == Some(next.kind);
    let inside = matches!(next.prefix, 'I' | 'E');
    if must_close && open.is_some() && !(inside && continues) {
        return false;
    }
    match scheme {
        Scheme::Iob2 => next.prefix != 'I' || continues,
        Scheme::Iob1 => next.prefix != 'B' || continues,
        Scheme::Bioes | Scheme::Bilou => !inside || continues,
        Scheme::Io | Scheme::Ioe2 => true,
    }
}

/// The entity type still open after `tag`, which the next tag may continue.
fn open_entity(scheme: Scheme, tag: Tag<'_>) -> Option<&str> {
    let open = match scheme {
        Scheme::Io | Scheme::Iob1 | Scheme::Iob2 => tag.prefix != 'O',
        Scheme::Ioe2 => tag.prefix == 'I',
        Scheme::Bioes | Scheme::Bilou => matches!(tag.prefix, 'B' | 'I'),
    };
    open.then_some(tag.kind)
}
