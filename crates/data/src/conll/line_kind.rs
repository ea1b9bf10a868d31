//! What one line of a CoNLL file is: a blank line, a document marker, a
//! comment, or a token with its tag. Pure functions of the line, so they are
//! easy to test; the reader adds the file and line number to any error.

use super::options::{ConllOptions, Delimiter, TagColumn};
use crate::scheme::Tag;

/// The marker line that CoNLL-2003 puts at the start of each document.
pub const DOCUMENT_MARKER: &str = "-DOCSTART-";

/// One classified line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineKind<'a> {
    /// Empty, or only ASCII spaces and tabs: ends a sentence.
    Blank,
    /// A `-DOCSTART-` line: ends a sentence and is dropped.
    DocumentMarker,
    Comment,
    Token {
        token: &'a str,
        tag: Option<&'a str>,
        /// How many columns the line has, for the file-wide consistency check.
        columns: usize,
    },
}

/// The column count a file must keep, and the line that set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ColumnCount {
    pub count: usize,
    pub first_line: usize,
}

pub(crate) fn is_column_separator(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Splits a line into columns. See [`Delimiter`] for the rules.
pub(crate) fn split_columns(line: &str, delimiter: Delimiter) -> Vec<&str> {
    match delimiter {
        Delimiter::Tab => line.split('\t').collect(),
        Delimiter::AsciiWhitespace => line
            .trim_end_matches(is_column_separator)
            .split(is_column_separator)
            .filter(|column| !column.is_empty())
            .collect(),
    }
}

/// Classifies `line`; `expected` is the column count fixed by the file's
/// first token line, if any. An `Err` holds the reason the line is malformed.
pub(crate) fn classify<'a>(
    line: &'a str,
    options: &ConllOptions,
    expected: Option<ColumnCount>,
) -> Result<LineKind<'a>, String> {
    if line.chars().all(is_column_separator) {
        return Ok(LineKind::Blank);
    }
    if options.delimiter == Delimiter::AsciiWhitespace && line.starts_with(is_column_separator) {
        return Err("the line starts with a space or tab, so its token is empty".into());
    }
    let columns = split_columns(line, options.delimiter);
    if columns.first() == Some(&DOCUMENT_MARKER) {
        return Ok(LineKind::DocumentMarker);
    }
    if let Some(prefix) = options.comment_prefix.as_deref()
        && !prefix.is_empty()
        && line.starts_with(prefix)
        && !is_tagged_token_line(&columns, options, expected)
    {
        return Ok(LineKind::Comment);
    }
    let token = *columns.get(options.token_column).ok_or_else(|| {
        format!("no token column {}: the line has {}", options.token_column + 1, count_columns(columns.len()))
    })?;
    if token.is_empty() {
        return Err(format!("the token (column {}) is empty", options.token_column + 1));
    }
    let tag = match tag_index(columns.len(), options) {
        TagIndex::NotRead => None,
        TagIndex::At(index) => {
            let tag = columns[index];
            if tag.is_empty() {
                return Err(format!("the tag (column {}) is empty", index + 1));
            }
            Some(tag)
        }
        TagIndex::Missing(reason) => return Err(reason),
    };
    if let Some(expected) = expected
        && columns.len() != expected.count
    {
        return Err(format!(
            "the line has {} but line {} has {}{}",
            count_columns(columns.len()),
            expected.first_line,
            expected.count,
            hint_for_column_mismatch(options.delimiter)
        ));
    }
    Ok(LineKind::Token { token, tag, columns: columns.len() })
}

enum TagIndex {
    NotRead,
    At(usize),
    Missing(String),
}

fn tag_index(columns: usize, options: &ConllOptions) -> TagIndex {
    match options.tag_column {
        TagColumn::None => TagIndex::NotRead,
        TagColumn::Last if columns < 2 => TagIndex::Missing(
            "the line has one column but a token and a tag are expected \
             (read untagged text with TagColumn::None)"
                .into(),
        ),
        TagColumn::Last if columns - 1 == options.token_column => TagIndex::Missing(format!(
            "the token column {} is the last column, where the tag is expected",
            options.token_column + 1
        )),
        TagColumn::Last => TagIndex::At(columns - 1),
        TagColumn::Index(index) if index < columns => TagIndex::At(index),
        TagColumn::Index(index) => {
            TagIndex::Missing(format!("no tag column {}: the line has {}", index + 1, count_columns(columns)))
        }
    }
}

/// Whether a line that starts with the comment prefix is nevertheless a
/// token line: it has the file's column count and a tag that parses.
fn is_tagged_token_line(columns: &[&str], options: &ConllOptions, expected: Option<ColumnCount>) -> bool {
    if expected.is_some_and(|expected| expected.count != columns.len()) {
        return false;
    }
    match tag_index(columns.len(), options) {
        TagIndex::At(index) => index != options.token_column && Tag::parse(columns[index]).is_ok(),
        TagIndex::NotRead | TagIndex::Missing(_) => false,
    }
}

fn hint_for_column_mismatch(delimiter: Delimiter) -> &'static str {
    match delimiter {
        Delimiter::AsciiWhitespace => {
            " (does a token contain a space? Then the file needs TAB separators, read with Delimiter::Tab)"
        }
        Delimiter::Tab => "",
    }
}

fn count_columns(count: usize) -> String {
    if count == 1 { "one column".into() } else { format!("{count} columns") }
}
