//! Opening data files in the format the user named (or their extension says),
//! as streams of sentences, so that big files are never held in memory.

use std::path::Path;

use anyhow::{Context, Result, bail};
use retag_data::atomic::AtomicFile;
use retag_data::conll::{ConllOptions, ConllReader, ConllWriter, Delimiter, Separator, TagColumn};
use retag_data::hf::{LabelNames, TableOptions, jsonl_label_names, open_arrow, open_parquet};
use retag_data::jsonl::{JsonlOptions, JsonlReader, JsonlShape, JsonlWriter};
use retag_data::text::TextReader;
use retag_data::{DataError, Sentence};

use crate::args::{ConllInputArgs, Format, InputArgs, InputFormat};

/// The format of `path`: the one asked for, else `.jsonl`/`.json` are
/// JSONL, `.parquet` Parquet, `.arrow` Arrow IPC and the rest CoNLL.
pub fn format_of(path: &Path, asked: Option<Format>) -> Format {
    asked.unwrap_or_else(|| match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("jsonl") || ext.eq_ignore_ascii_case("json") => Format::Jsonl,
        Some(ext) if ext.eq_ignore_ascii_case("parquet") => Format::Parquet,
        Some(ext) if ext.eq_ignore_ascii_case("arrow") => Format::Arrow,
        _ => Format::Conll,
    })
}

pub type Sentences = Box<dyn Iterator<Item = Result<Sentence, DataError>>>;

/// How `retag predict` reads its input: CoNLL (the token column only),
/// JSONL (tokens or text, tags ignored) or plain text, one sentence a line.
pub fn read_untagged(path: &Path, format: InputFormat, input: &ConllInputArgs) -> Result<Sentences> {
    Ok(match format {
        InputFormat::Conll => {
            let options = ConllOptions {
                token_column: input.token_column,
                tag_column: TagColumn::None,
                delimiter: if input.tab_separated { Delimiter::Tab } else { Delimiter::AsciiWhitespace },
                comment_prefix: input.comment_prefix.clone(),
            };
            Box::new(ConllReader::open(path, options)?)
        }
        InputFormat::Jsonl => {
            Box::new(JsonlReader::open(path, JsonlOptions { read_tags: false, ..JsonlOptions::default() })?)
        }
        InputFormat::Parquet => Box::new(open_parquet(path, &TableOptions { read_tags: false, label_names: None })?),
        InputFormat::Arrow => Box::new(open_arrow(path, &TableOptions { read_tags: false, label_names: None })?),
        InputFormat::Text => Box::new(TextReader::open(path)?),
    })
}

/// The sentences of `path`, one at a time. Errors name the file and line.
pub fn read(path: &Path, input: &InputArgs) -> Result<Sentences> {
    Ok(match format_of(path, input.format) {
        Format::Conll => {
            let options = ConllOptions {
                token_column: input.token_column,
                tag_column: input.tag_column.map_or(TagColumn::Last, TagColumn::Index),
                delimiter: if input.tab_separated { Delimiter::Tab } else { Delimiter::AsciiWhitespace },
                comment_prefix: input.comment_prefix.clone(),
            };
            Box::new(ConllReader::open(path, options)?)
        }
        Format::Jsonl => {
            let names = jsonl_label_names(path, label_names(input)?.as_ref())?;
            Box::new(JsonlReader::open(path, JsonlOptions::default())?.with_label_names(names))
        }
        Format::Parquet => {
            Box::new(open_parquet(path, &TableOptions { read_tags: true, label_names: label_names(input)? })?)
        }
        Format::Arrow => {
            Box::new(open_arrow(path, &TableOptions { read_tags: true, label_names: label_names(input)? })?)
        }
    })
}

/// `--label-names`, read (and checked) when given.
fn label_names(input: &InputArgs) -> Result<Option<LabelNames>> {
    input.label_names.as_deref().map(LabelNames::from_flag).transpose().context("--label-names")
}

/// All sentences of `path`, for commands that need them at once.
pub fn read_all(path: &Path, input: &InputArgs) -> Result<Vec<Sentence>> {
    read(path, input)?.collect::<Result<Vec<_>, _>>().with_context(|| format!("reading {}", path.display()))
}

/// A destination for sentences in the format of its file name, written
/// through an [`AtomicFile`]: a failed run leaves no half file, and
/// `convert a.txt a.txt` cannot destroy its own input.
pub struct SentenceSink {
    writer: Writer,
}

enum Writer {
    Conll(ConllWriter<AtomicFile>),
    Jsonl(JsonlWriter<AtomicFile>),
}

impl SentenceSink {
    pub fn create(path: &Path, format: Format, tab_separated: bool) -> Result<Self> {
        let writer = match format {
            Format::Conll => {
                let separator = if tab_separated { Separator::Tab } else { Separator::Space };
                Writer::Conll(ConllWriter::new(AtomicFile::create(path)?, separator).with_destination(path))
            }
            Format::Jsonl => {
                Writer::Jsonl(JsonlWriter::new(AtomicFile::create(path)?, JsonlShape::Tokens).with_destination(path))
            }
            Format::Parquet | Format::Arrow => {
                bail!(
                    "{}: retag writes CoNLL or JSONL, not {format:?}; name the output .conll or .jsonl",
                    path.display()
                )
            }
        };
        Ok(Self { writer })
    }

    pub fn write(&mut self, sentence: &Sentence) -> Result<(), DataError> {
        match &mut self.writer {
            Writer::Conll(writer) => writer.write_sentence(sentence),
            Writer::Jsonl(writer) => writer.write_sentence(sentence),
        }
    }

    /// Flushes the file and moves it into place.
    pub fn finish(self) -> Result<()> {
        let out = match self.writer {
            Writer::Conll(writer) => writer.finish()?,
            Writer::Jsonl(writer) => writer.finish()?,
        };
        Ok(out.commit()?)
    }

    /// Removes the temporary file after a failure (as dropping the sink would).
    pub fn abandon(self) {}
}
