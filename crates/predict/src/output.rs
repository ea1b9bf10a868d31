//! Predictions out, through `retag-data`'s writers: CoNLL `token<sep>tag`
//! lines, or JSON Lines with entity spans over the text (or tokens and tags).

use std::io::Write;
use std::path::Path;

use retag_data::conll::{ConllWriter, Separator};
use retag_data::jsonl::{JsonlShape, JsonlWriter};
use retag_data::scheme::{OnInvalid, convert};
use retag_data::{Location, Scheme, Sentence};

use crate::error::Result;

/// The shape of the predictions file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// `token<sep>predicted-tag` per line, a blank line after each sentence.
    Conll(Separator),
    /// One JSON object per sentence: [`JsonlShape::Text`] writes the tokens
    /// joined by spaces and the predicted entities as character spans;
    /// [`JsonlShape::Tokens`] writes the tokens and tags as they are.
    Jsonl(JsonlShape),
}

/// Writes tagged sentences in an [`OutputFormat`].
pub struct PredictionWriter<W: Write> {
    inner: Inner<W>,
    scheme: Scheme,
}

enum Inner<W: Write> {
    Conll(ConllWriter<W>),
    Jsonl(JsonlWriter<W>, JsonlShape),
}

impl<W: Write> PredictionWriter<W> {
    /// A writer to `out`. `scheme` is the scheme of the predicted tags
    /// (usually the model's: [`Scheme::from_labels`] over its tagset); spans
    /// are decoded with it, as seqeval's default mode reads them, so an `I-X`
    /// after `O` starts an entity rather than failing the run.
    pub fn new(out: W, format: OutputFormat, scheme: Scheme) -> Self {
        let inner = match format {
            OutputFormat::Conll(separator) => Inner::Conll(ConllWriter::new(out, separator)),
            OutputFormat::Jsonl(shape) => Inner::Jsonl(JsonlWriter::new(out, shape), shape),
        };
        Self { inner, scheme }
    }

    /// Names the file being written in errors.
    pub fn with_destination(self, path: impl AsRef<Path>) -> Self {
        let inner = match self.inner {
            Inner::Conll(writer) => Inner::Conll(writer.with_destination(path)),
            Inner::Jsonl(writer, shape) => Inner::Jsonl(writer.with_destination(path), shape),
        };
        Self { inner, ..self }
    }

    /// Writes one sentence with its predicted tags. CoNLL cannot hold an
    /// empty sentence (a blank line ends one), so an empty sentence is left
    /// out of CoNLL output; JSONL writes it.
    pub fn write(&mut self, sentence: &Sentence) -> Result<()> {
        match &mut self.inner {
            Inner::Conll(_) if sentence.is_empty() => Ok(()),
            Inner::Conll(writer) => Ok(writer.write_sentence(sentence)?),
            Inner::Jsonl(writer, JsonlShape::Tokens) => Ok(writer.write_sentence(sentence)?),
            Inner::Jsonl(writer, JsonlShape::Text) => {
                // The text shape writes IOB2 spans; predictions may be in another
                // scheme and need not be valid sequences.
                let iob2 = convert(&sentence.tags, self.scheme, Scheme::Iob2, OnInvalid::Repair)
                    .map_err(|violation| violation.locate(self.scheme, sentence, &Location::default()))?;
                Ok(writer.write_sentence(&sentence.with_tags(iob2))?)
            }
        }
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(self) -> Result<W> {
        Ok(match self.inner {
            Inner::Conll(writer) => writer.finish()?,
            Inner::Jsonl(writer, _) => writer.finish()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(format: OutputFormat, scheme: Scheme, sentences: &[Sentence]) -> String {
        let mut writer = PredictionWriter::new(Vec::new(), format, scheme);
        for sentence in sentences {
            writer.write(sentence).unwrap();
        }
        String::from_utf8(writer.finish().unwrap()).unwrap()
    }

    fn sentence(tokens: &[&str], tags: &[&str]) -> Sentence {
        Sentence::new(tokens.iter().map(|t| t.to_string()).collect(), tags.iter().map(|t| t.to_string()).collect())
    }

    #[test]
    fn each_format_writes_what_it_should() {
        let sentences = [
            sentence(&["Ann", "went", "to", "New", "York"], &["B-PER", "O", "O", "I-LOC", "I-LOC"]),
            sentence(&[], &[]),
        ];
        assert_eq!(
            written(OutputFormat::Conll(Separator::Space), Scheme::Iob2, &sentences),
            "Ann B-PER\nwent O\nto O\nNew I-LOC\nYork I-LOC\n\n"
        );
        assert_eq!(
            written(OutputFormat::Conll(Separator::Tab), Scheme::Iob2, &sentences[..1]).lines().next(),
            Some("Ann\tB-PER")
        );
        // The invalid I-LOC after O starts an entity, as seqeval reads it.
        assert_eq!(
            written(OutputFormat::Jsonl(JsonlShape::Text), Scheme::Iob2, &sentences),
            concat!(
                r#"{"text":"Ann went to New York","spans":[{"start":0,"end":3,"label":"PER"},{"start":12,"end":20,"label":"LOC"}]}"#,
                "\n",
                r#"{"text":"","spans":[]}"#,
                "\n"
            )
        );
        assert_eq!(
            written(OutputFormat::Jsonl(JsonlShape::Tokens), Scheme::Iob2, &sentences[1..]),
            "{\"tokens\":[],\"tags\":[]}\n"
        );
        // BIOES predictions become IOB2 spans.
        let bioes = [sentence(&["New", "York", "Ann"], &["B-LOC", "E-LOC", "S-PER"])];
        assert_eq!(
            written(OutputFormat::Jsonl(JsonlShape::Text), Scheme::Bioes, &bioes),
            "{\"text\":\"New York Ann\",\"spans\":[{\"start\":0,\"end\":8,\"label\":\"LOC\"},{\"start\":9,\"end\":12,\"label\":\"PER\"}]}\n"
        );
    }

    #[test]
    fn a_label_without_a_prefix_cannot_become_a_span() {
        let mut writer = PredictionWriter::new(Vec::new(), OutputFormat::Jsonl(JsonlShape::Text), Scheme::Iob2);
        let error = writer.write(&sentence(&["Ann", "went"], &["PER", "O"])).unwrap_err().to_string();
        assert!(error.contains("\"PER\""), "{error}");
    }
}
