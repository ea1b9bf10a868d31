//! Words to subwords, word by word: the step where a word could silently
//! vanish (a lone zero-width space, a control character that the normalizer
//! strips), so every word is guaranteed at least one subword here.

use std::fmt;

use crate::align::tokenizer::{WordTokenizer, tokenizer_error};
use crate::error::DataError;
use crate::location::Location;

/// The subword ids of a sentence's words, kept per word so that windows can
/// cut between words and predictions can be read from each word's first subword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordPieces {
    ids: Vec<u32>,
    /// Word `i` is `ids[starts[i]..starts[i + 1]]`; `starts.len()` is words + 1.
    starts: Vec<usize>,
    warnings: Vec<AlignWarning>,
}

/// Something alignment changed so that every word still gets a prediction;
/// worth telling the user, never worth failing a whole file for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlignWarning {
    /// The tokenizer produced no subword for the word (it normalized to
    /// nothing); the word was given the unknown token instead.
    NoSubwords { at: Location, word: usize, text: String },
    /// The word alone had more subwords than a window holds; only the first
    /// `kept` were kept (its prediction comes from the first one anyway).
    /// `word` is 0-based (displayed 1-based); `text` is empty when the
    /// pieces were framed without their words ([`crate::align::AlignedSentence::from_pieces`]).
    TruncatedWord { at: Location, word: usize, text: String, subwords: usize, kept: usize },
}

impl fmt::Display for AlignWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSubwords { at, word, text } => write!(
                f,
                "{at}: word {} {text:?} has no subwords after normalization; using the unknown token",
                word + 1
            ),
            Self::TruncatedWord { at, word, text, subwords, kept } => write!(
                f,
                "{at}: word {} {:?} has {subwords} subwords, more than a window holds; kept the first {kept}",
                word + 1,
                shorten(text)
            ),
        }
    }
}

/// Enough of a (possibly enormous) word to recognise it in a warning.
fn shorten(text: &str) -> String {
    const SHOWN: usize = 40;
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

impl WordPieces {
    /// Pieces from per-word ids, for callers that tokenized elsewhere (and tests).
    /// An empty word is an error: it would have no subword to predict from.
    pub fn from_words(words: Vec<Vec<u32>>) -> Result<Self, DataError> {
        let mut ids = Vec::new();
        let mut starts = Vec::with_capacity(words.len() + 1);
        starts.push(0);
        for (index, word) in words.into_iter().enumerate() {
            if word.is_empty() {
                return Err(DataError::InvalidOption {
                    option: "words".into(),
                    reason: format!("word {} has no subword ids", index + 1),
                });
            }
            ids.extend(word);
            starts.push(ids.len());
        }
        Ok(Self { ids, starts, warnings: Vec::new() })
    }

    pub fn word_count(&self) -> usize {
        self.starts.len() - 1
    }

    /// The subword ids of word `index`, never empty.
    pub fn word(&self, index: usize) -> &[u32] {
        &self.ids[self.starts[index]..self.starts[index + 1]]
    }

    /// How many subwords each word has.
    pub fn lengths(&self) -> Vec<usize> {
        self.starts.windows(2).map(|pair| pair[1] - pair[0]).collect()
    }

    /// What was changed to give every word a subword, in word order.
    pub fn warnings(&self) -> &[AlignWarning] {
        &self.warnings
    }

    pub(crate) fn into_warnings(self) -> Vec<AlignWarning> {
        self.warnings
    }

    /// Cuts every word to at most `capacity` subwords (what a window holds),
    /// recording a warning that names the word. Chosen over an error because
    /// such a "word" is a URL or a run of punctuation, and its label still
    /// sits on its first subword.
    pub fn truncate_words<S: AsRef<str>>(&mut self, capacity: usize, texts: &[S], at: &Location) {
        let lengths = self.lengths();
        if lengths.iter().all(|&len| len <= capacity) {
            return;
        }
        let mut ids = Vec::with_capacity(self.ids.len());
        let mut starts = Vec::with_capacity(self.starts.len());
        starts.push(0);
        for (index, &len) in lengths.iter().enumerate() {
            let kept = len.min(capacity);
            ids.extend_from_slice(&self.word(index)[..kept]);
            starts.push(ids.len());
            if kept < len {
                self.warnings.push(AlignWarning::TruncatedWord {
                    at: at.clone(),
                    word: index,
                    text: texts.get(index).map(|t| t.as_ref().to_string()).unwrap_or_default(),
                    subwords: len,
                    kept,
                });
            }
        }
        self.ids = ids;
        self.starts = starts;
    }
}

impl WordTokenizer {
    /// Tokenizes pre-split words (one call, the words given as a
    /// pre-tokenized sequence, so the tokenizer never re-splits across
    /// them) and groups the subwords by word. A word that yields no subword
    /// gets the unknown token and an [`AlignWarning::NoSubwords`], so that
    /// every word of the input still gets a prediction. `at` names the
    /// sentence in warnings and errors.
    pub fn word_pieces<S: AsRef<str>>(&self, words: &[S], at: &Location) -> Result<WordPieces, DataError> {
        let texts: Vec<&str> = words.iter().map(AsRef::as_ref).collect();
        let encoding = self
            .inner()
            .encode(texts.as_slice(), false)
            .map_err(|e| tokenizer_error(self.path(), format!("{at}: cannot tokenize the sentence: {e}")))?;
        let mut per_word: Vec<Vec<u32>> = vec![Vec::new(); texts.len()];
        for (&id, word) in encoding.get_ids().iter().zip(encoding.get_word_ids()) {
            // With pre-tokenized input every token carries the index of the word it came from.
            let slot = word.and_then(|w| per_word.get_mut(w as usize)).ok_or_else(|| {
                tokenizer_error(self.path(), format!("{at}: token {id} does not belong to any input word"))
            })?;
            slot.push(id);
        }
        let mut warnings = Vec::new();
        for (index, ids) in per_word.iter_mut().enumerate() {
            if ids.is_empty() {
                ids.push(self.special_tokens().unk);
                warnings.push(AlignWarning::NoSubwords { at: at.clone(), word: index, text: texts[index].to_string() });
            }
        }
        let mut pieces =
            WordPieces::from_words(per_word).expect("the loop above gave each word with no subword the unknown token");
        pieces.warnings = warnings;
        Ok(pieces)
    }
}
