//! JSON Lines: one JSON object per line, one sentence per object, in the
//! token shape (`{"tokens": [...], "tags": [...]}`, lossless) or the text
//! shape (`{"text": "...", "spans": [...]}` with character offsets, as
//! doccano, spaCy and Prodigy export). See [`JsonlReader`] for what is read
//! and [`writer`] for what is written.

mod reader;
mod record;
mod text;
pub mod writer;

#[cfg(test)]
mod tests;

pub use reader::{JsonlOptions, JsonlReader, read_jsonl_file, read_jsonl_str};
pub use record::CharSpan;
pub use text::{TextToken, TextTokenizer, char_spans, split_text};
pub use writer::{JsonlShape, JsonlWriter, write_jsonl, write_jsonl_file};
