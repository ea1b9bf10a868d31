//! The streaming JSONL reader: one JSON object per line, one [`Sentence`]
//! per object.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::record::{CharSpan, RawRecord, RawSpan, RawTag};
use super::text::{TextTokenizer, spans_to_tags, split_text};
use crate::conll::lines::Lines;
use crate::error::{DataError, Result};
use crate::hf::LabelNames;
use crate::location::Location;
use crate::sentence::Sentence;

/// Options of [`JsonlReader`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonlOptions {
    /// Read tags (or spans); when false, records need no tags and sentences
    /// come back untagged, as text to predict on. Default true.
    pub read_tags: bool,
    /// How text-shape records are split into tokens.
    pub tokenizer: TextTokenizer,
}

impl Default for JsonlOptions {
    fn default() -> Self {
        Self { read_tags: true, tokenizer: TextTokenizer::Whitespace }
    }
}

/// Reads sentences from JSON Lines, in either shape:
///
/// - token shape, `{"tokens": ["EU", "rejects"], "tags": ["B-ORG", "O"]}`
///   (`ner_tags` is accepted for `tags`); a record with `tokens` is read in
///   this shape, whatever else it holds;
/// - text shape, `{"text": "EU rejects", "spans": [{"start": 0, "end": 2,
///   "label": "ORG"}]}`, also with doccano's `"label": [[0, 2, "ORG"]]` or
///   `"entities"` with `start_offset`/`end_offset`. The text is split by the
///   [`TextTokenizer`] and spans become IOB2 tags; a span that does not fall
///   on token boundaries, overlaps another or leaves the text is an error,
///   never dropped.
///
/// Tags may be integer class ids, as `datasets`' `to_json` writes a
/// `ClassLabel` (`"ner_tags": [1, 2, 0]`): they are read with the names of
/// [`JsonlReader::with_label_names`], and without names they are an error.
///
/// Blank lines are skipped; other fields are ignored. Each record is one
/// sentence, whose `line` is the record's line. Errors name the file, the line
/// and what is wrong; after the first one the iterator ends.
pub struct JsonlReader<R> {
    lines: Lines<R>,
    options: JsonlOptions,
    label_names: Option<LabelNames>,
    finished: bool,
}

impl<R: BufRead> JsonlReader<R> {
    /// A reader over `input`, whose errors name `source`.
    pub fn new(input: R, source: Location, options: JsonlOptions) -> Self {
        Self { lines: Lines::new(input, source), options, label_names: None, finished: false }
    }

    /// Reads integer tags with `names` (see [`crate::hf::jsonl_label_names`]
    /// for where a file's names come from).
    pub fn with_label_names(mut self, names: Option<LabelNames>) -> Self {
        self.label_names = names;
        self
    }
}

impl JsonlReader<BufReader<File>> {
    /// A reader over the file at `path`.
    pub fn open(path: impl AsRef<Path>, options: JsonlOptions) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
        Ok(Self::new(BufReader::new(file), Location::file(path), options))
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<Sentence>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        loop {
            let (number, line) = match self.lines.next_line()? {
                Ok(numbered) => numbered,
                Err(error) => {
                    self.finished = true;
                    return Some(Err(error));
                }
            };
            if line.trim_ascii().is_empty() {
                continue;
            }
            let read = read_record(line, &self.options, self.label_names.as_ref()).map(|(tokens, tags)| Sentence {
                tokens,
                tags,
                line: number,
                token_lines: Vec::new(),
            });
            if read.is_err() {
                self.finished = true;
            }
            return Some(read.map_err(|reason| DataError::Malformed { at: self.lines.at(number), reason }));
        }
    }
}

impl<R: BufRead> std::iter::FusedIterator for JsonlReader<R> {}

/// The tokens and tags of one record, or why it cannot be read.
fn read_record(
    line: &str,
    options: &JsonlOptions,
    names: Option<&LabelNames>,
) -> Result<(Vec<String>, Vec<String>), String> {
    // serde would also read a struct from a JSON array, by position: refuse
    // anything but an object up front, with a message that says so.
    if !line.trim_ascii_start().starts_with('{') {
        return Err("expected a JSON object on each line".into());
    }
    let record: RawRecord = serde_json::from_str(line).map_err(|error| format!("invalid JSON record: {error}"))?;
    if let Some(tokens) = record.tokens {
        check_values(&tokens, "token")?;
        if !options.read_tags {
            return Ok((tokens, Vec::new()));
        }
        let tags = record.tags.ok_or("missing field \"tags\" (or \"ner_tags\") next to \"tokens\"")?;
        let tags = tag_names(tags, names)?;
        check_values(&tags, "tag")?;
        if tags.len() != tokens.len() {
            return Err(format!("{} tokens but {} tags", tokens.len(), tags.len()));
        }
        return Ok((tokens, tags));
    }
    let text =
        record.text.ok_or("missing field: a record needs \"tokens\" (with \"tags\") or \"text\" (with \"spans\")")?;
    let tokens = split_text(&text, options.tokenizer);
    let tags = if options.read_tags {
        let spans: Vec<CharSpan> = match (record.spans, record.label) {
            (Some(_), Some(_)) => return Err("both \"spans\" and \"label\": which holds the entities?".into()),
            (Some(spans), None) | (None, Some(spans)) => spans.into_iter().map(RawSpan::into_parts).collect(),
            (None, None) => return Err("missing field \"spans\" (or \"label\", \"entities\") next to \"text\"".into()),
        };
        spans_to_tags(&tokens, text.chars().count(), &spans)?
    } else {
        Vec::new()
    };
    Ok((tokens.into_iter().map(|token| token.text).collect(), tags))
}

/// The tags as names: integer ids looked up in `names`.
fn tag_names(tags: Vec<RawTag>, names: Option<&LabelNames>) -> Result<Vec<String>, String> {
    tags.into_iter()
        .enumerate()
        .map(|(index, tag)| match (tag, names) {
            (RawTag::Name(name), _) => Ok(name),
            (RawTag::Id(id), Some(names)) => names.tag(id, index + 1).map(String::from),
            (RawTag::Id(id), None) => Err(format!(
                "tag {} is the integer {id}, and integer tags need label names: give them (--label-names) or \
                 put the dataset's dataset_info.json beside the file",
                index + 1
            )),
        })
        .collect()
}

fn check_values(values: &[String], what: &str) -> Result<(), String> {
    match values.iter().position(String::is_empty) {
        Some(index) => Err(format!("{what} {} is empty", index + 1)),
        None => Ok(()),
    }
}

/// Reads a whole JSONL file into memory.
pub fn read_jsonl_file(path: impl AsRef<Path>, options: &JsonlOptions) -> Result<Vec<Sentence>> {
    JsonlReader::open(path, *options)?.collect()
}

/// Reads JSONL text held in memory; errors name `<input>` and the line.
pub fn read_jsonl_str(text: &str, options: &JsonlOptions) -> Result<Vec<Sentence>> {
    JsonlReader::new(text.as_bytes(), Location::unnamed(None), *options).collect()
}
