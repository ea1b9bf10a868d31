//! One annotated sentence: the unit every reader yields and every layer above consumes.

use crate::error::DataError;
use crate::location::Location;
use crate::scheme::Tag;

/// Words and their tags, one tag per word.
///
/// Tags are kept as the strings the file had (`B-PER`, `I-geo-loc`, `O`):
/// whether they are valid depends on a [`crate::Scheme`], which is checked by
/// whoever needs spans, so that reading never rejects a file for a reason the
/// user did not ask about. `tags` is empty when the input had no tag column
/// (text to predict on).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sentence {
    pub tokens: Vec<String>,
    pub tags: Vec<String>,
    /// 1-based line where the sentence starts in its file (the first token's
    /// line in CoNLL, the record's line in JSONL); 0 when it was not read
    /// from a file.
    pub line: usize,
    /// 1-based line of each token, when every token has a line of its own
    /// (CoNLL); empty otherwise. Kept per token rather than computed from
    /// `line`, because comment lines may sit inside a sentence.
    pub token_lines: Vec<usize>,
}

impl Sentence {
    /// A tagged sentence that did not come from a file.
    pub fn new(tokens: Vec<String>, tags: Vec<String>) -> Self {
        Self { tokens, tags, line: 0, token_lines: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Places the sentence as a CoNLL reader would have read it, tokens on
    /// consecutive lines from `first_line` on (for sentences built in code
    /// that stand for a file's content, as in tests).
    pub fn place_at_line(&mut self, first_line: usize) {
        self.line = first_line;
        self.token_lines = (first_line..first_line + self.tokens.len()).collect();
    }

    /// Where token `index` was read, for errors: its own line when tokens
    /// have lines, else the sentence's line, else just the file.
    pub fn token_location(&self, file: &Location, index: usize) -> Location {
        match self.token_lines.get(index) {
            Some(&line) => file.at_line(line),
            None => self.location(file),
        }
    }

    /// Where the sentence starts, for errors.
    pub fn location(&self, file: &Location) -> Location {
        if self.line > 0 { file.at_line(self.line) } else { file.clone() }
    }

    /// The same words with other tags, keeping where they were read.
    pub fn with_tags(&self, tags: Vec<String>) -> Self {
        Self { tags, ..self.clone() }
    }

    /// An error unless the sentence has exactly one tag per token: every
    /// consumer of tags needs that, and a silent mismatch would shift labels.
    pub fn check_tagged(&self, file: &Location) -> Result<(), DataError> {
        if self.is_tagged() || (self.tokens.is_empty() && self.tags.is_empty()) {
            return Ok(());
        }
        Err(DataError::Mismatch {
            at: self.location(file),
            reason: if self.tags.is_empty() {
                "this sentence has no tags".to_string()
            } else {
                format!("the sentence has {} tokens but {} tags", self.tokens.len(), self.tags.len())
            },
        })
    }

    /// [`Sentence::check_tagged`], and every tag readable by some scheme
    /// (`O` or a prefix and a type); the error names the token's line.
    pub fn check_tags(&self, file: &Location) -> Result<(), DataError> {
        self.check_tagged(file)?;
        for (index, tag) in self.tags.iter().enumerate() {
            if let Err(reason) = Tag::parse(tag) {
                return Err(DataError::InvalidTag { at: self.token_location(file, index), tag: tag.clone(), reason });
            }
        }
        Ok(())
    }

    /// Whether the sentence carries one tag per token.
    pub fn is_tagged(&self) -> bool {
        !self.tags.is_empty() && self.tags.len() == self.tokens.len()
    }
}
