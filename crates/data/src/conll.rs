//! CoNLL column files: one token per line, columns separated by ASCII spaces
//! or tabs, a blank line between sentences.
//!
//! Reading ([`ConllReader`], [`read_conll_file`]) streams one sentence at a
//! time and accepts what real files contain: any number of columns (token
//! first and tag last by default, both selectable, or no tag column for text
//! to predict on), `-DOCSTART-` lines, CRLF line endings, a UTF-8 byte-order
//! mark, several blank lines in a row and a missing final blank line.
//! Everything else is an error that names the file and the line: a wrong
//! number of columns, an empty token or tag, invalid UTF-8.
//!
//! Only ASCII space and TAB separate columns, and lines end only at `\n`:
//! tokens may be or contain Unicode whitespace (U+00A0, U+2028, U+200B,
//! U+FEFF), which stays in the token. See `shared/data/README.md`.
//!
//! Writing ([`write_conll`], [`ConllWriter`]) produces files the reader reads
//! back identically, and refuses sentences it could not (see [`writer`]).

mod line_kind;
pub(crate) mod lines;
mod options;
mod reader;
pub mod writer;

#[cfg(test)]
mod tests;

pub use line_kind::DOCUMENT_MARKER;
pub use options::{ConllOptions, Delimiter, TagColumn};
pub use reader::{ConllReader, read_conll_file, read_conll_str};
pub use writer::{ConllWriter, Separator, write_conll, write_conll_file, write_conll_predictions};
