//! Lines of a text data file, read one at a time with their 1-based numbers.
//!
//! Shared by the CoNLL and JSONL readers, which both need the same care:
//! split only at `\n` (a Unicode-aware split would break tokens that contain
//! U+2028 or U+0085), drop one `\r` before it (CRLF files), drop a UTF-8
//! byte-order mark at the very start of the stream only (a U+FEFF inside a
//! token, as WNUT-17 has, is data), and report invalid UTF-8 as an error that
//! names the line instead of panicking or replacing bytes.

use std::io::BufRead;
use std::path::PathBuf;

use crate::error::DataError;
use crate::location::Location;

const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// A line-by-line reader over raw bytes that hands out checked UTF-8 text.
pub(crate) struct Lines<R> {
    input: R,
    /// Where the input comes from, for errors; its `line` is unused.
    source: Location,
    buffer: Vec<u8>,
    /// Number of the line last returned (0 before the first).
    number: usize,
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(input: R, source: Location) -> Self {
        Self { input, source, buffer: Vec::new(), number: 0 }
    }

    /// The input's file, for errors.
    pub(crate) fn source(&self) -> &Location {
        &self.source
    }

    /// The location of line `number` of this input.
    pub(crate) fn at(&self, number: usize) -> Location {
        self.source.at_line(number)
    }

    /// The next line without its line ending, with its 1-based number;
    /// `None` at the end of input.
    pub(crate) fn next_line(&mut self) -> Option<Result<(usize, &str), DataError>> {
        self.buffer.clear();
        match self.input.read_until(b'\n', &mut self.buffer) {
            Ok(0) => return None,
            Ok(_) => {}
            Err(source) => {
                return Some(Err(DataError::Io {
                    path: self.source.path.clone().unwrap_or_else(|| PathBuf::from("<input>")),
                    source,
                }));
            }
        }
        self.number += 1;
        let mut bytes = self.buffer.as_slice();
        if let Some(rest) = bytes.strip_suffix(b"\n") {
            bytes = rest;
        }
        if let Some(rest) = bytes.strip_suffix(b"\r") {
            bytes = rest;
        }
        if self.number == 1
            && let Some(rest) = bytes.strip_prefix(BYTE_ORDER_MARK)
        {
            bytes = rest;
        }
        let number = self.number;
        match std::str::from_utf8(bytes) {
            Ok(text) => Some(Ok((number, text))),
            Err(error) => Some(Err(DataError::Malformed {
                at: self.source.at_line(number),
                reason: format!("the line is not valid UTF-8 (invalid byte after {} valid bytes)", error.valid_up_to()),
            })),
        }
    }
}
