//! Plain text to predict on: one sentence per line, tokens split at ASCII
//! whitespace (as [`crate::jsonl::TextTokenizer::Whitespace`] splits a JSONL
//! text, so Unicode whitespace such as U+00A0 stays inside a token).
//!
//! Lines are read as the CoNLL and JSONL readers read them: split only at
//! `\n`, CRLF and a leading byte-order mark accepted, invalid UTF-8 an error
//! naming the line. A line with no token (blank, or only whitespace) is no
//! sentence and is skipped, as blank lines are in JSONL.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use crate::conll::lines::Lines;
use crate::error::{DataError, Result};
use crate::location::Location;
use crate::sentence::Sentence;

/// Reads untagged sentences, one per non-blank line; each sentence's `line`
/// is its line in the input. After an error the iterator ends.
pub struct TextReader<R> {
    lines: Lines<R>,
    finished: bool,
}

impl<R: BufRead> TextReader<R> {
    /// A reader over `input`, whose errors name `source`.
    pub fn new(input: R, source: Location) -> Self {
        Self { lines: Lines::new(input, source), finished: false }
    }
}

impl TextReader<BufReader<File>> {
    /// A reader over the file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
        Ok(Self::new(BufReader::new(file), Location::file(path)))
    }
}

impl<R: BufRead> Iterator for TextReader<R> {
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
            let tokens: Vec<String> = line.split_ascii_whitespace().map(str::to_string).collect();
            if tokens.is_empty() {
                continue;
            }
            return Some(Ok(Sentence { tokens, tags: Vec::new(), line: number, token_lines: Vec::new() }));
        }
    }
}

impl<R: BufRead> std::iter::FusedIterator for TextReader<R> {}

/// Reads plain text held in memory; errors name `<input>` and the line.
pub fn read_text_str(text: &str) -> Result<Vec<Sentence>> {
    TextReader::new(text.as_bytes(), Location::unnamed(None)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sentence_per_line_split_at_ascii_whitespace() {
        #[allow(clippy::type_complexity)] // (input, [(tokens, line)]): a table reads best inline
        let cases: &[(&str, &[(&[&str], usize)])] = &[
            ("", &[]),
            ("EU rejects German call\n", &[(&["EU", "rejects", "German", "call"], 1)]),
            // Blank and whitespace-only lines are skipped; lines keep their numbers.
            ("a b\n\n  \t\nc\n", &[(&["a", "b"], 1), (&["c"], 4)]),
            // CRLF, a byte-order mark, no final newline, runs of spaces and tabs.
            ("\u{FEFF}x  y\r\nz\tw", &[(&["x", "y"], 1), (&["z", "w"], 2)]),
            // U+00A0 is not a separator: it stays in the token.
            ("New\u{A0}York is big\n", &[(&["New\u{A0}York", "is", "big"], 1)]),
        ];
        for (text, expected) in cases {
            let read = read_text_str(text).unwrap();
            let got: Vec<(Vec<&str>, usize)> =
                read.iter().map(|s| (s.tokens.iter().map(String::as_str).collect(), s.line)).collect();
            let expected: Vec<(Vec<&str>, usize)> = expected.iter().map(|(t, l)| (t.to_vec(), *l)).collect();
            assert_eq!(got, expected, "{text:?}");
            assert!(read.iter().all(|s| s.tags.is_empty()));
        }
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let error = TextReader::new(&b"fine\nbad \xff byte\n"[..], Location::file("in.txt"))
            .collect::<Result<Vec<_>>>()
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("in.txt:2:"), "{error}");
    }
}
