//! Regular-expression features: a file of named patterns, each a yes/no
//! feature of every word.
//!
//! One pattern a line, `NAME<TAB>PATTERN`; blank lines and lines whose first
//! non-blank character is `#` are skipped. A name is letters, digits, `_`
//! and `-`, each name once per file. A pattern is the `regex` crate's syntax
//! (Unicode-aware: `\w` and `\d` match beyond ASCII) and must match the
//! WHOLE word: it is compiled as `^(?:PATTERN)$`, so `\d{4}` matches `2017`
//! but not `20170` or `v2017`. Case counts unless the pattern says `(?i)`.
//! Everything after the first tab is the pattern, spaces included.

use std::path::{Path, PathBuf};

use regex::Regex;

use crate::error::DataError;
use crate::location::Location;

/// Values a pattern's channel takes: no word, no match, match.
pub const VALUES: usize = 3;
/// The value of a word the pattern does not match.
pub const NO_MATCH: u32 = 1;
/// The value of a word the pattern matches.
pub const MATCH: u32 = 2;

/// A file of named patterns, compiled.
#[derive(Debug, Clone)]
pub struct RegexFeatures {
    source: PathBuf,
    /// The file as read (a model folder keeps it verbatim).
    text: String,
    patterns: Vec<(String, Regex)>,
}

impl RegexFeatures {
    /// Reads and compiles the patterns at `path`; errors name the file and line.
    pub fn read(path: &Path) -> Result<Self, DataError> {
        let text = super::read_text(path)?;
        Self::parse(text, path)
    }

    /// The patterns of the text of a file read from `source` (named in errors).
    pub fn parse(text: String, source: &Path) -> Result<Self, DataError> {
        let file = Location::file(source);
        let mut patterns: Vec<(String, Regex)> = Vec::new();
        let mut lines: Vec<usize> = Vec::new();
        for (index, line) in text.split('\n').enumerate() {
            let at = file.at_line(index + 1);
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let malformed = |reason: String| DataError::Malformed { at: at.clone(), reason };
            let Some((name, pattern)) = line.split_once('\t') else {
                return Err(malformed("expected NAME<TAB>PATTERN".into()));
            };
            let name = name.trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                return Err(malformed(format!("the name {name:?} is not letters, digits, _ and -")));
            }
            if let Some(first) = patterns.iter().position(|(known, _)| known == name) {
                return Err(malformed(format!("the name {name:?} is already used on line {}", lines[first])));
            }
            if pattern.is_empty() {
                return Err(malformed(format!("the pattern of {name:?} is empty")));
            }
            let refused = |error: regex::Error| {
                malformed(format!("the pattern of {name:?} is not a regular expression: {error}"))
            };
            // Compiled alone first: a pattern that parses on its own is
            // balanced, so the anchors around it cannot be cut off by a `)`.
            Regex::new(pattern).map_err(refused)?;
            let regex = Regex::new(&format!("^(?:{pattern})$")).map_err(refused)?;
            patterns.push((name.to_string(), regex));
            lines.push(index + 1);
        }
        if patterns.is_empty() {
            return Err(DataError::Malformed { at: file, reason: "no pattern (NAME<TAB>PATTERN lines)".into() });
        }
        Ok(Self { source: source.to_path_buf(), text, patterns })
    }

    pub fn source(&self) -> &Path {
        &self.source
    }

    /// The same features, recorded as read from `source`: a model folder's
    /// copy keeps the name of the file training read, which names its channels.
    pub fn with_source(self, source: PathBuf) -> Self {
        Self { source, ..self }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The patterns' names, in the file's order: one channel each.
    pub fn names(&self) -> Vec<String> {
        self.patterns.iter().map(|(name, _)| name.clone()).collect()
    }

    /// Each pattern's value ([`MATCH`] or [`NO_MATCH`]) for each word of `words`.
    pub fn mark<S: AsRef<str>>(&self, words: &[S]) -> Vec<Vec<u32>> {
        self.patterns
            .iter()
            .map(|(_, regex)| {
                words.iter().map(|word| if regex.is_match(word.as_ref()) { MATCH } else { NO_MATCH }).collect()
            })
            .collect()
    }
}
