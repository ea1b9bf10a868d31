//! Writing CoNLL column files: `token<SEP>tag` lines (or more columns, such
//! as `token gold predicted` for prediction output), a blank line after each
//! sentence.
//!
//! The writer refuses what [`super::ConllReader`] could not read back
//! identically, rather than writing a file that reads differently: an empty
//! value, a line break, the separator inside a token or tag (a token that
//! contains a space needs [`Separator::Tab`], and reading it back needs
//! [`super::Delimiter::Tab`]), a `-DOCSTART-` token, an empty sentence,
//! sentences with different column counts in one file, and a first token that
//! starts with U+FEFF (readers drop a byte-order mark at the start of a file).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::line_kind::{DOCUMENT_MARKER, is_column_separator};
use crate::error::{DataError, Result};
use crate::location::Location;
use crate::sentence::Sentence;

/// The character written between columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Separator {
    /// One ASCII space, as CoNLL-2003 and WNUT-17 are written.
    #[default]
    Space,
    /// One TAB, as WNUT-16 is written; lets tokens contain spaces.
    Tab,
}

impl Separator {
    fn as_char(self) -> char {
        match self {
            Separator::Space => ' ',
            Separator::Tab => '\t',
        }
    }
}

/// Writes sentences as CoNLL columns to any [`Write`], one file's worth.
pub struct ConllWriter<W: Write> {
    out: W,
    separator: Separator,
    destination: PathBuf,
    /// Lines written so far, to name the output line of an error.
    lines_written: usize,
    /// Column count of the first sentence; every other one must match.
    columns: Option<usize>,
}

impl<W: Write> ConllWriter<W> {
    /// A writer whose errors name `<output>`; see [`Self::with_destination`].
    pub fn new(out: W, separator: Separator) -> Self {
        Self { out, separator, destination: PathBuf::from("<output>"), lines_written: 0, columns: None }
    }

    /// Names the file being written in errors.
    pub fn with_destination(mut self, path: impl AsRef<Path>) -> Self {
        self.destination = path.as_ref().to_path_buf();
        self
    }

    /// Writes a sentence: its tokens, and its tags when it has any.
    pub fn write_sentence(&mut self, sentence: &Sentence) -> Result<()> {
        if sentence.tags.is_empty() {
            self.write_columns(&[&sentence.tokens], sentence.line)
        } else {
            self.write_columns(&[&sentence.tokens, &sentence.tags], sentence.line)
        }
    }

    /// Writes one sentence given column by column: `columns[0]` the tokens,
    /// the others one value per token each (gold tags, predicted tags...).
    /// `source_line` is the sentence's line in its input file (0 if none),
    /// quoted in errors.
    pub fn write_columns<S: AsRef<str>>(&mut self, columns: &[&[S]], source_line: usize) -> Result<()> {
        let tokens = columns.first().map_or(0, |tokens| tokens.len());
        if tokens == 0 {
            return Err(self.refuse(source_line, "an empty sentence cannot be written: a blank line ends a sentence"));
        }
        if let Some(column) = columns.iter().position(|column| column.len() != tokens) {
            return Err(DataError::Mismatch {
                at: self.here(),
                reason: format!(
                    "{}column {} has {} values for {} tokens",
                    describe_source(source_line),
                    column + 1,
                    columns[column].len(),
                    tokens
                ),
            });
        }
        match self.columns {
            Some(count) if count != columns.len() => {
                return Err(self.refuse(
                    source_line,
                    &format!("it has {} columns but earlier sentences have {count}", columns.len()),
                ));
            }
            _ => self.columns = Some(columns.len()),
        }
        let mut text = String::new();
        for position in 0..tokens {
            let start = text.len();
            for (index, column) in columns.iter().enumerate() {
                let value = column[position].as_ref();
                if let Err(reason) = self.check_value(value, index, position) {
                    return Err(self.refuse(source_line, &reason));
                }
                if index > 0 {
                    text.push(self.separator.as_char());
                }
                text.push_str(value);
            }
            if text[start..].chars().all(is_column_separator) {
                return Err(self.refuse(
                    source_line,
                    &format!("token {} would be a line of only spaces, which reads as a blank line", position + 1),
                ));
            }
            text.push('\n');
        }
        text.push('\n');
        self.out.write_all(text.as_bytes()).map_err(|source| self.io_error(source))?;
        self.lines_written += tokens + 1;
        Ok(())
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(mut self) -> Result<W> {
        self.out.flush().map_err(|source| self.io_error(source))?;
        Ok(self.out)
    }

    /// Why `value`, in column `column` of token `position`, cannot be written.
    fn check_value(&self, value: &str, column: usize, position: usize) -> Result<(), String> {
        let what = if column == 0 { "token".to_string() } else { format!("column {} value", column + 1) };
        let quoted = format!("{what} {} {value:?}", position + 1);
        if value.is_empty() {
            return Err(format!("{quoted} is empty"));
        }
        if value.contains(['\n', '\r']) {
            return Err(format!("{quoted} contains a line break"));
        }
        match self.separator {
            Separator::Space if value.contains(is_column_separator) => {
                return Err(format!("{quoted} contains a space or tab; write with Separator::Tab"));
            }
            Separator::Tab if value.contains('\t') => return Err(format!("{quoted} contains a tab")),
            _ => {}
        }
        if column == 0 && value == DOCUMENT_MARKER {
            return Err(format!("{quoted} would be read as a document marker"));
        }
        if column == 0 && position == 0 && self.lines_written == 0 && value.starts_with('\u{FEFF}') {
            return Err(format!("{quoted} starts the file with U+FEFF, which readers drop as a byte-order mark"));
        }
        Ok(())
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

    fn io_error(&self, source: std::io::Error) -> DataError {
        DataError::Io { path: self.destination.clone(), source }
    }
}

/// How a writer's error names the sentence it refuses: by the line it was
/// read from, when it was read from a file.
pub(crate) fn describe_source(source_line: usize) -> String {
    if source_line > 0 { format!("sentence from input line {source_line}: ") } else { "sentence: ".to_string() }
}

/// Writes `sentences` (tokens and, when they have them, tags) to `out`.
pub fn write_conll<'a, W: Write>(
    out: W,
    sentences: impl IntoIterator<Item = &'a Sentence>,
    separator: Separator,
) -> Result<()> {
    let mut writer = ConllWriter::new(out, separator);
    for sentence in sentences {
        writer.write_sentence(sentence)?;
    }
    writer.finish().map(drop)
}

/// Writes `sentences` to the file at `path`, replacing it.
pub fn write_conll_file<'a>(
    path: impl AsRef<Path>,
    sentences: impl IntoIterator<Item = &'a Sentence>,
    separator: Separator,
) -> Result<()> {
    let path = path.as_ref();
    let file = File::create(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
    let mut writer = ConllWriter::new(BufWriter::new(file), separator).with_destination(path);
    for sentence in sentences {
        writer.write_sentence(sentence)?;
    }
    writer.finish().map(drop)
}

/// Writes prediction output: `token gold predicted` per line (`token
/// predicted` for untagged sentences), the shape `conlleval` and seqeval
/// scripts read. `predictions[i]` holds one tag per token of `sentences[i]`.
pub fn write_conll_predictions<W: Write>(
    out: W,
    sentences: &[Sentence],
    predictions: &[Vec<String>],
    separator: Separator,
) -> Result<()> {
    if sentences.len() != predictions.len() {
        return Err(DataError::Mismatch {
            at: Location::unnamed(None),
            reason: format!("{} sentences but {} predictions", sentences.len(), predictions.len()),
        });
    }
    let mut writer = ConllWriter::new(out, separator);
    for (sentence, predicted) in sentences.iter().zip(predictions) {
        if sentence.tags.is_empty() {
            writer.write_columns(&[&sentence.tokens, predicted], sentence.line)?;
        } else {
            writer.write_columns(&[&sentence.tokens, &sentence.tags, predicted], sentence.line)?;
        }
    }
    writer.finish().map(drop)
}
