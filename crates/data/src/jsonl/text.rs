//! The text shape: splitting a text into tokens, and converting between
//! character spans over the text and IOB2 tags over its tokens.
//!
//! Offsets count Unicode scalar values, as Python indexes a `str` (doccano,
//! spaCy and Prodigy all write Python offsets); they are not bytes and not
//! UTF-16 units.

use super::record::CharSpan;
use crate::scheme::{OnInvalid, Scheme, Violation, decode};

/// How the text of a text-shape record is split into tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextTokenizer {
    /// Split at ASCII whitespace (space, tab, line feed, form feed, carriage
    /// return) only: like the CoNLL reader, Unicode whitespace such as
    /// U+00A0 stays inside tokens, so text written by the JSONL writer reads
    /// back into the same tokens.
    #[default]
    Whitespace,
    /// Also make every ASCII punctuation character (`.`, `,`, `'`, `(`...)
    /// a token of its own, so that "Paris." is two tokens and a span over
    /// "Paris" falls on a boundary. Not guaranteed to round-trip tokens that
    /// contain punctuation.
    WhitespaceAndPunctuation,
}

/// A token of a text and its character range (`start..end`, counted in
/// characters as Python indexes a `str`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextToken {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Splits `text` into tokens with their character ranges: how the text
/// shape reads a record, and how a caller tagging raw text (the Python
/// `Tagger.entities`) maps tags back to characters.
pub fn split_text(text: &str, tokenizer: TextTokenizer) -> Vec<TextToken> {
    let mut tokens = Vec::new();
    let mut current: Option<TextToken> = None;
    for (offset, c) in text.chars().enumerate() {
        let alone = tokenizer == TextTokenizer::WhitespaceAndPunctuation && c.is_ascii_punctuation();
        if c.is_ascii_whitespace() || alone {
            tokens.extend(current.take());
            if alone {
                tokens.push(TextToken { start: offset, end: offset + 1, text: c.to_string() });
            }
            continue;
        }
        let token = current.get_or_insert_with(|| TextToken { start: offset, end: offset, text: String::new() });
        token.text.push(c);
        token.end = offset + 1;
    }
    tokens.extend(current);
    tokens
}

/// The IOB2 tags that `spans` give `tokens` of a text of `text_length`
/// characters. Every span must start at a token's start and end at a
/// token's end, and no two may overlap; an `Err` says which span is wrong
/// and why (spans numbered from 1 in file order).
pub(crate) fn spans_to_tags(
    tokens: &[TextToken],
    text_length: usize,
    spans: &[CharSpan],
) -> Result<Vec<String>, String> {
    let mut tags = vec!["O".to_string(); tokens.len()];
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&index| (spans[index].start, spans[index].end));
    let mut previous: Option<usize> = None;
    for index in order {
        let span = &spans[index];
        let name = format!("span {} ({}..{} {:?})", index + 1, span.start, span.end, span.label);
        if span.label.is_empty() {
            return Err(format!("{name} has an empty label"));
        }
        if span.end <= span.start {
            return Err(format!("{name} is empty or reversed"));
        }
        if span.end > text_length {
            return Err(format!("{name} ends past the text, which has {text_length} characters"));
        }
        if let Some(before) = previous {
            let earlier = &spans[before];
            if span.start < earlier.end {
                return Err(format!(
                    "{name} overlaps span {} ({}..{} {:?})",
                    before + 1,
                    earlier.start,
                    earlier.end,
                    earlier.label
                ));
            }
        }
        let first = tokens
            .binary_search_by_key(&span.start, |token| token.start)
            .map_err(|_| format!("{name} does not start at a token boundary{}", cut_token(tokens, span.start)))?;
        let last = tokens
            .binary_search_by_key(&span.end, |token| token.end)
            .map_err(|_| format!("{name} does not end at a token boundary{}", cut_token(tokens, span.end)))?;
        tags[first] = format!("B-{}", span.label);
        for tag in &mut tags[first + 1..=last] {
            *tag = format!("I-{}", span.label);
        }
        previous = Some(index);
    }
    Ok(tags)
}

/// Describes what sits at character `offset`: a token it cuts, or whitespace.
fn cut_token(tokens: &[TextToken], offset: usize) -> String {
    match tokens.iter().find(|token| token.start < offset && offset < token.end) {
        Some(token) => format!(": it cuts token {:?} ({}..{})", token.text, token.start, token.end),
        None => " (it falls on whitespace)".into(),
    }
}

/// The text and character spans that write `tokens` tagged in IOB2: tokens
/// joined with single spaces. An `Err` names the token whose tag breaks IOB2.
pub(crate) fn tags_to_spans(tokens: &[String], tags: &[String]) -> Result<(String, Vec<CharSpan>), String> {
    let mut offset = 0;
    let placed: Vec<TextToken> = tokens
        .iter()
        .map(|token| {
            let start = offset;
            offset += token.chars().count() + 1;
            TextToken { start, end: offset - 1, text: token.clone() }
        })
        .collect();
    let spans = char_spans(&placed, tags, Scheme::Iob2, OnInvalid::Error)
        .map_err(|violation| format!("token {} tag {:?}: {}", violation.index + 1, violation.tag, violation.reason))?;
    Ok((tokens.join(" "), spans))
}

/// The entities `tags` mark over `tokens`, as character spans of the text
/// the tokens were cut from: the tags decoded in `scheme` (`on_invalid`
/// says what a broken sequence does), each entity from its first token's
/// start to its last token's end. The text-shape writer and the Python
/// `Tagger.entities` both read tags back to characters this way.
pub fn char_spans<S: AsRef<str>>(
    tokens: &[TextToken],
    tags: &[S],
    scheme: Scheme,
    on_invalid: OnInvalid,
) -> Result<Vec<CharSpan>, Violation> {
    let entities = decode(tags, scheme, on_invalid)?;
    Ok(entities
        .into_iter()
        .map(|entity| CharSpan {
            start: tokens[entity.start].start,
            end: tokens[entity.end - 1].end,
            label: entity.kind,
        })
        .collect())
}
