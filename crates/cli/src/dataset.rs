//! Opening data files in the format the user named (or their extension says),
//! as streams of sentences, so that big files are never held in memory.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use retag_data::conll::{ConllOptions, ConllReader, ConllWriter, Delimiter, Separator, TagColumn};
use retag_data::jsonl::{JsonlOptions, JsonlReader, JsonlShape, JsonlWriter};
use retag_data::text::TextReader;
use retag_data::{DataError, Sentence};

use crate::args::{ConllInputArgs, Format, InputArgs, InputFormat};

/// The format of `path`: the one asked for, else `.jsonl`/`.json` are JSONL and the rest CoNLL.
pub fn format_of(path: &Path, asked: Option<Format>) -> Format {
    asked.unwrap_or_else(|| match path.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("jsonl") || ext.eq_ignore_ascii_case("json") => Format::Jsonl,
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
        Format::Jsonl => Box::new(JsonlReader::open(path, JsonlOptions::default())?),
    })
}

/// All sentences of `path`, for commands that need them at once.
pub fn read_all(path: &Path, input: &InputArgs) -> Result<Vec<Sentence>> {
    read(path, input)?.collect::<Result<Vec<_>, _>>().with_context(|| format!("reading {}", path.display()))
}

/// A file written next to its destination under a temporary name and moved
/// into place only once complete: a failed run leaves no half file, and
/// `convert a.txt a.txt` cannot destroy its own input.
pub struct PartialFile {
    partial: PathBuf,
    destination: PathBuf,
}

impl PartialFile {
    /// Creates the temporary file for `path` and returns it, buffered.
    pub fn create(path: &Path) -> Result<(Self, BufWriter<File>)> {
        let name = path.file_name().with_context(|| format!("{} is not a file name", path.display()))?;
        let partial = path.with_file_name(format!(".{}.partial", name.to_string_lossy()));
        let file = File::create(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
        Ok((Self { partial, destination: path.to_path_buf() }, BufWriter::new(file)))
    }

    /// Flushes `out` (an error here, such as a full disk, must not go
    /// unnoticed) and moves the file into place.
    pub fn commit(self, out: BufWriter<File>) -> Result<()> {
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all().with_context(|| format!("cannot write {}", self.partial.display()))?;
        std::fs::rename(&self.partial, &self.destination)
            .with_context(|| format!("cannot move {} to {}", self.partial.display(), self.destination.display()))
    }

    /// Removes the temporary file after a failure.
    pub fn abandon(self) {
        let _ = std::fs::remove_file(&self.partial);
    }
}

/// A destination for sentences in the format of its file name, written
/// through a [`PartialFile`].
pub struct SentenceSink {
    writer: Writer,
    file: PartialFile,
}

enum Writer {
    Conll(ConllWriter<BufWriter<File>>),
    Jsonl(JsonlWriter<BufWriter<File>>),
}

impl SentenceSink {
    pub fn create(path: &Path, format: Format, tab_separated: bool) -> Result<Self> {
        let (file, out) = PartialFile::create(path)?;
        let writer = match format {
            Format::Conll => {
                let separator = if tab_separated { Separator::Tab } else { Separator::Space };
                Writer::Conll(ConllWriter::new(out, separator).with_destination(path))
            }
            Format::Jsonl => Writer::Jsonl(JsonlWriter::new(out, JsonlShape::Tokens).with_destination(path)),
        };
        Ok(Self { writer, file })
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
        self.file.commit(out)
    }

    /// Removes the temporary file after a failure.
    pub fn abandon(self) {
        self.file.abandon();
    }
}
