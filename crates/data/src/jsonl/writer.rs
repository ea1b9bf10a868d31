//! Writing JSON Lines in either shape, one sentence per line.
//!
//! The token shape is lossless. The text shape writes the tokens joined with
//! single spaces and the entities of their IOB2 tags as character spans
//! (decoded with [`crate::scheme::decode`]); it refuses what would not read
//! back into the same tokens (an empty token, a token containing ASCII
//! whitespace) and tags that are not valid IOB2 (convert them first with
//! [`crate::scheme::convert`]).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::text::tags_to_spans;
use crate::conll::writer::describe_source;
use crate::error::{DataError, Result};
use crate::location::Location;
use crate::sentence::Sentence;

/// Which of the two record shapes to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JsonlShape {
    /// `{"tokens": [...], "tags": [...]}`; `tags` left out for untagged sentences.
    #[default]
    Tokens,
    /// `{"text": "...", "spans": [{"start": S, "end": E, "label": L}]}`;
    /// `spans` left out for untagged sentences.
    Text,
}

#[derive(Serialize)]
struct TokenRecord<'a> {
    tokens: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<&'a [String]>,
}

#[derive(Serialize)]
struct TextRecord {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    spans: Option<Vec<SpanRecord>>,
}

#[derive(Serialize)]
struct SpanRecord {
    start: usize,
    end: usize,
    label: String,
}

/// Writes sentences as JSON Lines to any [`Write`].
pub struct JsonlWriter<W: Write> {
    out: W,
    shape: JsonlShape,
    destination: PathBuf,
    lines_written: usize,
}

impl<W: Write> JsonlWriter<W> {
    /// A writer whose errors name `<output>`; see [`Self::with_destination`].
    pub fn new(out: W, shape: JsonlShape) -> Self {
        Self { out, shape, destination: PathBuf::from("<output>"), lines_written: 0 }
    }

    /// Names the file being written in errors.
    pub fn with_destination(mut self, path: impl AsRef<Path>) -> Self {
        self.destination = path.as_ref().to_path_buf();
        self
    }

    pub fn write_sentence(&mut self, sentence: &Sentence) -> Result<()> {
        if !sentence.tags.is_empty() && sentence.tags.len() != sentence.tokens.len() {
            return Err(DataError::Mismatch {
                at: self.here(),
                reason: format!(
                    "{}{} tokens but {} tags",
                    describe_source(sentence.line),
                    sentence.tokens.len(),
                    sentence.tags.len()
                ),
            });
        }
        // An empty sentence is trivially tagged: writing its (empty) tags lets
        // it read back under `read_tags`, as a text with no tokens does.
        let tags = (sentence.is_empty() || !sentence.tags.is_empty()).then_some(sentence.tags.as_slice());
        if let Some(reason) = first_empty(&sentence.tokens, "token").or_else(|| first_empty(&sentence.tags, "tag")) {
            return Err(self.refuse(sentence.line, &reason));
        }
        let mut line = match self.shape {
            JsonlShape::Tokens => serde_json::to_vec(&TokenRecord { tokens: &sentence.tokens, tags }),
            JsonlShape::Text => {
                let record = self.text_record(sentence, tags)?;
                serde_json::to_vec(&record)
            }
        }
        .expect("a record of strings, string lists and integers always serializes");
        line.push(b'\n');
        self.out.write_all(&line).map_err(|source| DataError::Io { path: self.destination.clone(), source })?;
        self.lines_written += 1;
        Ok(())
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> Result<W> {
        self.out.flush().map_err(|source| DataError::Io { path: self.destination.clone(), source })?;
        Ok(self.out)
    }

    fn text_record(&self, sentence: &Sentence, tags: Option<&[String]>) -> Result<TextRecord> {
        if let Some(position) =
            sentence.tokens.iter().position(|token| token.contains(|c: char| c.is_ascii_whitespace()))
        {
            return Err(self.refuse(
                sentence.line,
                &format!(
                    "token {} {:?} contains ASCII whitespace, so the text shape would split it; write the token shape",
                    position + 1,
                    sentence.tokens[position]
                ),
            ));
        }
        let Some(tags) = tags else {
            return Ok(TextRecord { text: sentence.tokens.join(" "), spans: None });
        };
        let (text, spans) = tags_to_spans(&sentence.tokens, tags)
            .map_err(|reason| self.refuse(sentence.line, &format!("its tags are not valid IOB2: {reason}")))?;
        let spans =
            spans.into_iter().map(|span| SpanRecord { start: span.start, end: span.end, label: span.label }).collect();
        Ok(TextRecord { text, spans: Some(spans) })
    }

    fn here(&self) -> Location {
        Location::line(&self.destination, self.lines_written + 1)
    }

    fn refuse(&self, source_line: usize, reason: &str) -> DataError {
        DataError::Malformed {
            at: self.here(),
            reason: format!("cannot write the {}: {reason}", describe_source(source_line).trim_end_matches(": ")),
        }
    }
}

fn first_empty(values: &[String], what: &str) -> Option<String> {
    values.iter().position(String::is_empty).map(|index| format!("{what} {} is empty", index + 1))
}

/// Writes `sentences` to `out` in `shape`.
pub fn write_jsonl<'a, W: Write>(
    out: W,
    sentences: impl IntoIterator<Item = &'a Sentence>,
    shape: JsonlShape,
) -> Result<()> {
    let mut writer = JsonlWriter::new(out, shape);
    for sentence in sentences {
        writer.write_sentence(sentence)?;
    }
    writer.finish().map(drop)
}

/// Writes `sentences` to the file at `path` in `shape`, replacing it.
pub fn write_jsonl_file<'a>(
    path: impl AsRef<Path>,
    sentences: impl IntoIterator<Item = &'a Sentence>,
    shape: JsonlShape,
) -> Result<()> {
    let path = path.as_ref();
    let file = File::create(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
    let mut writer = JsonlWriter::new(BufWriter::new(file), shape).with_destination(path);
    for sentence in sentences {
        writer.write_sentence(sentence)?;
    }
    writer.finish().map(drop)
}
