//! The entities seqeval sees in a list of tag sequences, in each mode.
//!
//! Positions are offsets into seqeval's flattened sequence (every sentence
//! followed by one `O`), in both modes, so that an entity is identified by
//! its type and span alone, as seqeval identifies it.

use crate::error::DataError;
use crate::location::Location;
use crate::scheme::seqeval_chunks;

/// One entity: type and flat token range `start..end` (end exclusive).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Entity {
    pub kind: String,
    pub start: usize,
    pub end: usize,
}

/// seqeval's default mode: `get_entities` over the sentences flattened with an
/// `O` after each one. Any non-empty tag is accepted (seqeval only warns).
pub(crate) fn default_entities<S, T>(sentences: &[S], side: &str) -> Result<Vec<Entity>, DataError>
where
    S: AsRef<[T]>,
    T: AsRef<str>,
{
    for (s, sentence) in sentences.iter().enumerate() {
        for (t, tag) in sentence.as_ref().iter().enumerate() {
            if tag.as_ref().is_empty() {
                return Err(invalid_tag(side, s, t, "", "the tag is empty"));
            }
        }
    }
    let flat =
        sentences.iter().flat_map(|sentence| sentence.as_ref().iter().map(AsRef::as_ref).chain(std::iter::once("O")));
    Ok(seqeval_chunks(flat)
        .into_iter()
        .map(|chunk| Entity { kind: chunk.kind, start: chunk.start, end: chunk.end + 1 })
        .collect())
}

/// seqeval's strict mode with the IOB2 scheme (`seqeval.scheme.Tokens` with
/// `IOB2`): an entity is a `B-X` followed by the longest run of `I-X` of the
/// same type; an `I-X` that continues nothing belongs to no entity. The type is
/// what follows the prefix letter with `-` stripped from both ends (`_` when
/// nothing is left), as `Token.__init__` computes it. A tag whose first letter
/// is not `B`, `I` or `O` is an error, as it is in seqeval.
pub(crate) fn strict_entities<S, T>(sentences: &[S], side: &str) -> Result<Vec<Entity>, DataError>
where
    S: AsRef<[T]>,
    T: AsRef<str>,
{
    let mut entities = Vec::new();
    let mut offset = 0;
    for (s, sentence) in sentences.iter().enumerate() {
        let tags = sentence.as_ref();
        let parsed = tags
            .iter()
            .enumerate()
            .map(|(t, tag)| parse_iob2(tag.as_ref()).map_err(|reason| invalid_tag(side, s, t, tag.as_ref(), reason)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut i = 0;
        while i < parsed.len() {
            let (prefix, kind) = parsed[i];
            if prefix != 'B' {
                i += 1;
                continue;
            }
            let mut end = i + 1;
            while end < parsed.len() && parsed[end] == ('I', kind) {
                end += 1;
            }
            entities.push(Entity { kind: kind.to_string(), start: offset + i, end: offset + end });
            i = end;
        }
        offset += tags.len() + 1;
    }
    Ok(entities)
}

/// Prefix letter and type of a tag, as seqeval's `IOB2` token reads it.
fn parse_iob2(tag: &str) -> Result<(char, &str), &'static str> {
    let mut chars = tag.chars();
    let prefix = chars.next().ok_or("the tag is empty")?;
    match prefix {
        'B' | 'I' | 'O' => {}
        'E' | 'S' | 'U' | 'L' => return Err("strict IOB2 evaluation accepts only B-, I- and O tags"),
        _ => return Err("the first letter is not a prefix (B, I or O)"),
    }
    let kind = chars.as_str().trim_matches('-');
    Ok((prefix, if kind.is_empty() { "_" } else { kind }))
}

fn invalid_tag(side: &str, sentence: usize, token: usize, tag: &str, reason: &str) -> DataError {
    DataError::InvalidTag {
        at: Location::default(),
        tag: tag.to_string(),
        reason: format!("{side}, sentence {}, token {}: {reason}", sentence + 1, token + 1),
    }
}
