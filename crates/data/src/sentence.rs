//! One annotated sentence: the unit every reader yields and every layer above consumes.

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
    /// 1-based line of the first token in the source file (0 when the
    /// sentence was not read from a file), so later checks can name the line.
    pub line: usize,
}

impl Sentence {
    /// A tagged sentence that did not come from a file.
    pub fn new(tokens: Vec<String>, tags: Vec<String>) -> Self {
        Self { tokens, tags, line: 0 }
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Whether the sentence carries one tag per token.
    pub fn is_tagged(&self) -> bool {
        !self.tags.is_empty() && self.tags.len() == self.tokens.len()
    }
}
