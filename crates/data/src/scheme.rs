//! Tag schemes: how a sequence of per-token tags encodes entity spans.
//!
//! The same entities can be written in several schemes, and mixing them up is
//! a classic silent bug (CoNLL-2003 was published in IOB1, most models are
//! trained in IOB2). This module decodes tags into [`Span`]s under a named
//! scheme, encodes spans back, and so converts between any two schemes.
//!
//! Invalid sequences (an `I-X` after `O` in IOB2, an `I-X` after `B-Y`) are
//! either reported ([`OnInvalid::Error`]) or repaired ([`OnInvalid::Repair`])
//! the way seqeval's default mode reads them: an `I-X` that cannot continue
//! the previous entity starts a new one. The repair is implemented by
//! [`seqeval_chunks`], a faithful port of seqeval 1.2.2's `get_entities`,
//! which the metrics use too.

use std::fmt;
use std::str::FromStr;

use crate::error::DataError;
use crate::location::Location;
use crate::sentence::Sentence;

/// A tag scheme. `Bilou` reads exactly like `Bioes` (L = E, U = S, and either
/// spelling is accepted on input); it only differs in the letters it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Only `I-X`: adjacent entities of one type cannot be told apart.
    Io,
    /// `I-X` everywhere, `B-X` only to split two adjacent entities of one type.
    Iob1,
    /// `B-X` starts every entity, `I-X` continues it.
    Iob2,
    /// `E-X` ends every entity, `I-X` precedes the end.
    Ioe2,
    /// `S-X` single-token entity, else `B-X I-X* E-X`.
    Bioes,
    /// BIOES spelt with `U-X` (unit) and `L-X` (last).
    Bilou,
}

impl Scheme {
    pub const ALL: [Scheme; 6] = [Scheme::Io, Scheme::Iob1, Scheme::Iob2, Scheme::Ioe2, Scheme::Bioes, Scheme::Bilou];

    /// The prefixes this scheme writes, in the order a tagset lists them.
    pub fn prefixes(self) -> &'static [char] {
        match self {
            Scheme::Io => &['I'],
            Scheme::Iob1 | Scheme::Iob2 => &['B', 'I'],
            Scheme::Ioe2 => &['I', 'E'],
            Scheme::Bioes => &['B', 'I', 'E', 'S'],
            Scheme::Bilou => &['B', 'I', 'L', 'U'],
        }
    }

    /// Whether two adjacent entities of the same type survive a round trip.
    pub fn separates_adjacent(self) -> bool {
        self != Scheme::Io
    }

    /// The scheme a model's labels are written in, read from the prefixes
    /// they use (the letters before the first `-`; `O` and unprefixed labels
    /// say nothing). This is the one place retag guesses a scheme, so that
    /// `predict`, lineage inference and the CRF constraints agree.
    ///
    /// | prefixes present          | scheme |
    /// |---------------------------|--------|
    /// | `U-` or `L-`              | BILOU  |
    /// | `S-`, or `B-` with `E-`   | BIOES  |
    /// | `E-` (without `B-`/`S-`)  | IOE2   |
    /// | `B-` (without `E-`/`S-`)  | IOB2   |
    /// | only `I-`, or none        | IO     |
    ///
    /// Why these answers: a tagset with only `I-X` cannot mark where an
    /// entity starts, so it is IO (reading it as IOB2 would call every
    /// prediction a violation and every CRF start on `I-X` forbidden);
    /// `I-`/`E-` without `B-` is IOE2, not BIOES, for the same reason.
    /// IOB1 uses exactly the labels of IOB2 and cannot be told apart from
    /// them; IOB2 is what nearly every published model uses, and seqeval's
    /// lenient reading of IOB1 output under IOB2 gives the same spans. A
    /// tagset of `O` alone encodes no entities; IO is the scheme that
    /// forbids nothing.
    pub fn from_labels<S: AsRef<str>>(labels: &[S]) -> Scheme {
        let has = |prefix: &str| {
            labels.iter().any(|label| label.as_ref().split_once('-').is_some_and(|(written, _)| written == prefix))
        };
        if has("U") || has("L") {
            Scheme::Bilou
        } else if has("S") || (has("B") && has("E")) {
            Scheme::Bioes
        } else if has("E") {
            Scheme::Ioe2
        } else if has("B") {
            Scheme::Iob2
        } else {
            Scheme::Io
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scheme::Io => "IO",
            Scheme::Iob1 => "IOB1",
            Scheme::Iob2 => "IOB2",
            Scheme::Ioe2 => "IOE2",
            Scheme::Bioes => "BIOES",
            Scheme::Bilou => "BILOU",
        })
    }
}

impl FromStr for Scheme {
    type Err = DataError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.to_ascii_lowercase().as_str() {
            "io" => Ok(Scheme::Io),
            "iob1" => Ok(Scheme::Iob1),
            "iob2" | "bio" => Ok(Scheme::Iob2),
            // "IOB" means IOB1 to some (CoNLL-2003 as published) and IOB2 to
            // others (most tools): guessing would silently shift entities.
            "iob" => Err(DataError::InvalidOption {
                option: "scheme".into(),
                reason: "\"iob\" is ambiguous: say iob1 (I- everywhere, B- only between adjacent entities of one \
                         type, as CoNLL-2003 was published) or iob2 (B- starts every entity)"
                    .into(),
            }),
            "ioe2" | "ioe" => Ok(Scheme::Ioe2),
            "bioes" | "iobes" => Ok(Scheme::Bioes),
            "bilou" => Ok(Scheme::Bilou),
            _ => Err(DataError::InvalidOption {
                option: "scheme".into(),
                reason: format!("unknown scheme {name:?}; expected io, iob1, iob2, ioe2, bioes or bilou"),
            }),
        }
    }
}

/// Written as its display name (`"IOB2"`), read as [`FromStr`] reads a flag
/// (any case, `bio`/`iobes` accepted, the ambiguous `iob` refused), so that
/// a model file and the command line agree on what a scheme is called.
impl serde::Serialize for Scheme {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Scheme {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// What to do with a sequence that breaks its scheme's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnInvalid {
    /// Refuse it, naming the token.
    #[default]
    Error,
    /// Read it as seqeval's default mode does (an `I-X` that cannot continue
    /// starts a new entity; a type change ends one).
    Repair,
}

/// An entity: tokens `start..end` (end exclusive) of one sentence, of one type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: String,
}

/// A tag split into its prefix letter and entity type; `O` has no type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag<'a> {
    /// `O`, or the normalised prefix letter: `B`, `I`, `E` (also for `L`), `S` (also for `U`).
    pub prefix: char,
    pub kind: &'a str,
}

impl<'a> Tag<'a> {
    /// Splits `B-PER` into `B` and `PER`. Types may contain `-` (`B-geo-loc`);
    /// only the first `-` separates. `L` and `U` are read as `E` and `S`.
    pub fn parse(tag: &'a str) -> Result<Self, String> {
        if tag == "O" {
            return Ok(Tag { prefix: 'O', kind: "" });
        }
        let Some((prefix, kind)) = tag.split_once('-') else {
            return Err("expected O or a prefix and a type such as B-PER".into());
        };
        if kind.is_empty() {
            return Err("the entity type after the prefix is empty".into());
        }
        let prefix = match prefix {
            "B" => 'B',
            "I" => 'I',
            "E" | "L" => 'E',
            "S" | "U" => 'S',
            _ => return Err(format!("unknown prefix {prefix:?}; expected B, I, E, S, L or U")),
        };
        Ok(Tag { prefix, kind })
    }
}

/// A place where a sequence breaks its scheme, before any file location is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// 0-based index of the offending token.
    pub index: usize,
    pub tag: String,
    pub reason: String,
}

impl Violation {
    /// Attaches where the offending token was read: its own line in a CoNLL
    /// file, the record's line in JSONL.
    pub fn locate(self, scheme: Scheme, sentence: &Sentence, file: &Location) -> DataError {
        let at = sentence.token_location(file, self.index);
        DataError::InvalidSequence { at, scheme, index: self.index + 1, tag: self.tag, reason: self.reason }
    }
}

/// Every violation of `scheme` in `tags`; empty when the sequence is valid.
pub fn violations<S: AsRef<str>>(tags: &[S], scheme: Scheme) -> Vec<Violation> {
    let mut found = Vec::new();
    // The entity type still open after the previous token, and whether the
    // scheme requires it to be closed explicitly (IOE2's E, BIOES's E).
    let mut open: Option<&str> = None;
    let allowed = scheme.prefixes();
    for (index, raw) in tags.iter().enumerate() {
        let raw = raw.as_ref();
        let mut flag = |reason: String| {
            found.push(Violation { index, tag: raw.to_string(), reason });
        };
        let tag = match Tag::parse(raw) {
            Ok(tag) => tag,
            Err(reason) => {
                flag(reason);
                open = None;
                continue;
            }
        };
        let written = raw.chars().next().unwrap_or('O');
        if tag.prefix != 'O' && !allowed.contains(&written) && !aliases(scheme, written) {
            flag(format!("prefix {written} is not used by {scheme}"));
        }
        let continues = open == Some(tag.kind);
        match scheme {
            Scheme::Io => {
                open = (tag.prefix != 'O').then_some(tag.kind);
            }
            Scheme::Iob1 => {
                if tag.prefix == 'B' && !continues {
                    flag(format!(
                        "in IOB1, B- only separates two adjacent {} entities; here it follows {}",
                        tag.kind,
                        describe_previous(tags, index)
                    ));
                }
                open = (tag.prefix != 'O').then_some(tag.kind);
            }
            Scheme::Iob2 => {
                if tag.prefix == 'I' && !continues {
                    flag(format!("I-{} follows {}, not B-{0} or I-{0}", tag.kind, describe_previous(tags, index)));
                }
                open = (tag.prefix != 'O').then_some(tag.kind);
            }
            Scheme::Ioe2 => {
                if let Some(kind) = open
                    && (!continues || tag.prefix == 'O')
                {
                    flag(format!("the {kind} entity before it has no E- tag"));
                }
                open = (tag.prefix == 'I').then_some(tag.kind);
            }
            Scheme::Bioes | Scheme::Bilou => {
                let inside = matches!(tag.prefix, 'I' | 'E');
                match open {
                    Some(kind) if !(inside && continues) => {
                        flag(format!("the {kind} entity before it has no E- tag"));
                    }
                    None if inside => {
                        flag(format!(
                            "{}-{} follows {}, not B-{1} or I-{1}",
                            tag.prefix,
                            tag.kind,
                            describe_previous(tags, index)
                        ));
                    }
                    _ => {}
                }
                open = matches!(tag.prefix, 'B' | 'I').then_some(tag.kind);
            }
        }
    }
    if let (Some(kind), Scheme::Ioe2 | Scheme::Bioes | Scheme::Bilou) = (open, scheme) {
        let index = tags.len() - 1;
        found.push(Violation {
            index,
            tag: tags[index].as_ref().to_string(),
            reason: format!("the sentence ends inside a {kind} entity with no E- tag"),
        });
    }
    found
}

/// BIOES and BILOU accept each other's spelling on input.
fn aliases(scheme: Scheme, written: char) -> bool {
    matches!((scheme, written), (Scheme::Bioes, 'L' | 'U') | (Scheme::Bilou, 'E' | 'S'))
}

fn describe_previous<S: AsRef<str>>(tags: &[S], index: usize) -> String {
    match index.checked_sub(1) {
        None => "the start of the sentence".into(),
        Some(previous) => tags[previous].as_ref().to_string(),
    }
}

/// The entities that `tags` encode under `scheme`.
///
/// With [`OnInvalid::Error`] the first violation is returned; with
/// [`OnInvalid::Repair`] the sequence is read as seqeval's default mode reads
/// it. Tags that cannot be parsed at all are an error in both cases.
pub fn decode<S: AsRef<str>>(tags: &[S], scheme: Scheme, on_invalid: OnInvalid) -> Result<Vec<Span>, Violation> {
    for (index, raw) in tags.iter().enumerate() {
        if let Err(reason) = Tag::parse(raw.as_ref()) {
            return Err(Violation { index, tag: raw.as_ref().to_string(), reason });
        }
    }
    if on_invalid == OnInvalid::Error
        && let Some(first) = violations(tags, scheme).into_iter().next()
    {
        return Err(first);
    }
    // Every tag parses, so seqeval's chunker sees only O and X-TYPE tags. On a
    // valid sequence it agrees with each scheme's own reading; on an invalid
    // one it is the repair seqeval users expect. IO needs one adjustment:
    // seqeval would start a new entity at each B-, which IO never writes.
    let normalised: Vec<String> = tags
        .iter()
        .map(|raw| {
            let tag = Tag::parse(raw.as_ref()).expect("the first loop returned on any tag that does not parse");
            match (scheme, tag.prefix) {
                (_, 'O') => "O".to_string(),
                (Scheme::Io, _) => format!("I-{}", tag.kind),
                (_, prefix) => format!("{prefix}-{}", tag.kind),
            }
        })
        .collect();
    Ok(seqeval_chunks(normalised.iter().map(String::as_str))
        .into_iter()
        .map(|chunk| Span { start: chunk.start, end: chunk.end + 1, kind: chunk.kind })
        .collect())
}

/// Writes `spans` as `len` tags in `scheme`. Spans must lie within `len`, be
/// sorted and not overlap, as [`decode`] returns them for the same sentence;
/// a span past `len` is a bug in the caller and panics.
pub fn encode(spans: &[Span], len: usize, scheme: Scheme) -> Vec<String> {
    let mut tags = vec!["O".to_string(); len];
    let (end_letter, single_letter) = match scheme {
        Scheme::Bilou => ('L', 'U'),
        _ => ('E', 'S'),
    };
    let mut previous: Option<&Span> = None;
    for span in spans {
        let touches_same_type = previous.is_some_and(|p| p.end == span.start && p.kind == span.kind);
        assert!(span.end <= len, "span {span:?} lies beyond the sentence's {len} tokens");
        for (position, tag) in tags.iter_mut().enumerate().take(span.end).skip(span.start) {
            let first = position == span.start;
            let last = position + 1 == span.end;
            let prefix = match scheme {
                Scheme::Io => 'I',
                Scheme::Iob1 => {
                    if first && touches_same_type {
                        'B'
                    } else {
                        'I'
                    }
                }
                Scheme::Iob2 => {
                    if first {
                        'B'
                    } else {
                        'I'
                    }
                }
                Scheme::Ioe2 => {
                    if last {
                        'E'
                    } else {
                        'I'
                    }
                }
                Scheme::Bioes | Scheme::Bilou => match (first, last) {
                    (true, true) => single_letter,
                    (true, false) => 'B',
                    (false, true) => end_letter,
                    (false, false) => 'I',
                },
            };
            *tag = format!("{prefix}-{}", span.kind);
        }
        previous = Some(span);
    }
    tags
}

/// Rewrites `tags` from one scheme into another, through their spans.
pub fn convert<S: AsRef<str>>(
    tags: &[S],
    from: Scheme,
    to: Scheme,
    on_invalid: OnInvalid,
) -> Result<Vec<String>, Violation> {
    Ok(encode(&decode(tags, from, on_invalid)?, tags.len(), to))
}

/// The spans of a read sentence, with errors located in its file. A sentence
/// without one tag per token is an error, not a sentence without entities.
pub fn sentence_spans(
    sentence: &Sentence,
    scheme: Scheme,
    on_invalid: OnInvalid,
    file: &Location,
) -> Result<Vec<Span>, DataError> {
    sentence.check_tagged(file)?;
    decode(&sentence.tags, scheme, on_invalid).map_err(|v| v.locate(scheme, sentence, file))
}

/// One chunk as seqeval reports it: type and inclusive token range.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Chunk {
    pub kind: String,
    pub start: usize,
    /// Inclusive, as in seqeval.
    pub end: usize,
}

/// seqeval 1.2.2's `get_entities` (default mode, no suffix) over one flat
/// sequence, quirks included, so that scores agree to the last bit:
/// the prefix is the first character, the type is what follows the first
/// `-` of the rest (or the whole rest), and an empty type reads as `_`.
pub fn seqeval_chunks<'a>(tags: impl IntoIterator<Item = &'a str>) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut prev_tag = 'O';
    let mut prev_type = String::new();
    let mut begin = 0usize;
    let mut count = 0usize;
    let mut step = |i: usize, chunk: &str, chunks: &mut Vec<Chunk>| {
        let mut chars = chunk.chars();
        let tag = chars.next().unwrap_or('O');
        let rest = chars.as_str();
        let kind = match rest.split_once('-') {
            Some((_, after)) => after,
            None => rest,
        };
        let kind = if kind.is_empty() { "_" } else { kind };
        if end_of_chunk(prev_tag, tag, &prev_type, kind) {
            chunks.push(Chunk { kind: prev_type.clone(), start: begin, end: i - 1 });
        }
        if start_of_chunk(prev_tag, tag, &prev_type, kind) {
            begin = i;
        }
        prev_tag = tag;
        prev_type = kind.to_string();
    };
    for (i, chunk) in tags.into_iter().enumerate() {
        step(i, chunk, &mut chunks);
        count = i + 1;
    }
    step(count, "O", &mut chunks);
    chunks
}

fn end_of_chunk(prev_tag: char, tag: char, prev_type: &str, kind: &str) -> bool {
    matches!(prev_tag, 'E' | 'S')
        || (matches!(prev_tag, 'B' | 'I') && matches!(tag, 'B' | 'S' | 'O'))
        || (prev_tag != 'O' && prev_tag != '.' && prev_type != kind)
}

fn start_of_chunk(prev_tag: char, tag: char, prev_type: &str, kind: &str) -> bool {
    matches!(tag, 'B' | 'S')
        || (matches!(prev_tag, 'E' | 'S' | 'O') && matches!(tag, 'E' | 'I'))
        || (tag != 'O' && tag != '.' && prev_type != kind)
}

#[cfg(test)]
mod tests;
