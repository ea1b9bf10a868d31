//! The streaming CoNLL reader: one [`Sentence`] at a time, so that a corpus
//! of any size is read in constant memory.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::line_kind::{ColumnCount, LineKind, classify};
use super::lines::Lines;
use super::options::{ConllOptions, TagColumn};
use crate::error::{DataError, Result};
use crate::location::Location;
use crate::sentence::Sentence;

/// Reads sentences from CoNLL column text.
///
/// A sentence is a run of token lines; blank lines (several in a row are
/// fine), `-DOCSTART-` lines and the end of input end it, so a missing final
/// blank line loses nothing. All token lines of a file must have the same
/// number of columns. After the first error the iterator ends: a malformed
/// line leaves the rest of its sentence in doubt.
pub struct ConllReader<R> {
    lines: Lines<R>,
    options: ConllOptions,
    columns: Option<ColumnCount>,
    finished: bool,
}

impl<R: BufRead> ConllReader<R> {
    /// A reader over `input`, whose errors name `source` (use
    /// [`Location::unnamed`] for text that has no file).
    pub fn new(input: R, source: Location, options: ConllOptions) -> Result<Self> {
        if options.tag_column == TagColumn::Index(options.token_column) {
            return Err(DataError::InvalidOption {
                option: "tag_column".into(),
                reason: format!("column {} cannot hold both the token and the tag", options.token_column + 1),
            });
        }
        if options.comment_prefix.as_deref() == Some("") {
            return Err(DataError::InvalidOption {
                option: "comment_prefix".into(),
                reason: "an empty prefix would make every line a comment".into(),
            });
        }
        Ok(Self { lines: Lines::new(input, source), options, columns: None, finished: false })
    }

    /// The input's file, for errors found later about its sentences.
    pub fn source(&self) -> &Location {
        self.lines.source()
    }
}

impl ConllReader<BufReader<File>> {
    /// A reader over the file at `path`.
    pub fn open(path: impl AsRef<Path>, options: ConllOptions) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
        Self::new(BufReader::new(file), Location::file(path), options)
    }
}

impl<R: BufRead> Iterator for ConllReader<R> {
    type Item = Result<Sentence>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let mut sentence = Sentence::default();
        loop {
            let (number, line) = match self.lines.next_line() {
                None => {
                    self.finished = true;
                    return (!sentence.is_empty()).then_some(Ok(sentence));
                }
                Some(Err(error)) => {
                    self.finished = true;
                    return Some(Err(error));
                }
                Some(Ok(numbered)) => numbered,
            };
            match classify(line, &self.options, self.columns) {
                Ok(LineKind::Blank | LineKind::DocumentMarker) => {
                    if !sentence.is_empty() {
                        return Some(Ok(sentence));
                    }
                }
                Ok(LineKind::Comment) => {}
                Ok(LineKind::Token { token, tag, columns }) => {
                    self.columns.get_or_insert(ColumnCount { count: columns, first_line: number });
                    if sentence.is_empty() {
                        sentence.line = number;
                    }
                    sentence.tokens.push(token.to_string());
                    sentence.token_lines.push(number);
                    if let Some(tag) = tag {
                        sentence.tags.push(tag.to_string());
                    }
                }
                Err(reason) => {
                    self.finished = true;
                    return Some(Err(DataError::Malformed { at: self.lines.at(number), reason }));
                }
            }
        }
    }
}

impl<R: BufRead> std::iter::FusedIterator for ConllReader<R> {}

/// Reads a whole CoNLL file into memory.
pub fn read_conll_file(path: impl AsRef<Path>, options: &ConllOptions) -> Result<Vec<Sentence>> {
    ConllReader::open(path, options.clone())?.collect()
}

/// Reads CoNLL text held in memory (tests, standard input already read);
/// errors name `<input>` and the line.
pub fn read_conll_str(text: &str, options: &ConllOptions) -> Result<Vec<Sentence>> {
    ConllReader::new(text.as_bytes(), Location::unnamed(None), options.clone())?.collect()
}
