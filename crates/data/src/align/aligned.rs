//! A sentence as the model sees it: one or more framed windows of subword
//! ids, each token knowing which word it came from and which label it trains on.

use std::ops::Range;

use crate::align::pieces::{AlignWarning, WordPieces};
use crate::align::tokenizer::{SpecialTokens, WordTokenizer};
use crate::align::window::{WindowOptions, plan_windows};
use crate::error::DataError;
use crate::location::Location;
use crate::sentence::Sentence;
use crate::tagset::Tagset;

/// Which subwords of a word carry its label in training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LabelPolicy {
    /// Only the first subword; the others are ignored by the loss (the usual
    /// `-100`). Predictions are read from the first subword, so this trains
    /// exactly what is evaluated.
    #[default]
    FirstSubword,
    /// Every subword gets the word's label, unchanged (a `B-` label is not
    /// turned into `I-` on continuations), like `label_all_tokens` in
    /// `transformers`' NER example: more signal, slightly off-target.
    AllSubwords,
}

/// How sentences are cut and labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlignOptions {
    pub window: WindowOptions,
    pub labels: LabelPolicy,
}

impl AlignOptions {
    pub fn new(window: WindowOptions, labels: LabelPolicy) -> Self {
        Self { window, labels }
    }

    /// The tokenizer's full length, the default stride, labels on first subwords.
    pub fn for_tokenizer(tokenizer: &WordTokenizer) -> Result<Self, DataError> {
        Ok(Self::new(WindowOptions::with_default_stride(tokenizer.max_length())?, LabelPolicy::default()))
    }
}

/// One model input: `[CLS] subwords [SEP]`, at most `max_len` long. The four
/// per-token vectors have the same length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub input_ids: Vec<u32>,
    /// 1 for every token; padding (added by batching) gets 0.
    pub attention_mask: Vec<u32>,
    /// The sentence-level word each token came from; `None` for `[CLS]`/`[SEP]`.
    pub word_index: Vec<Option<usize>>,
    /// The label id each token trains on; `None` where the loss must ignore
    /// the token (special tokens, continuations under
    /// [`LabelPolicy::FirstSubword`], or everything when aligning without labels).
    pub labels: Vec<Option<usize>>,
    /// The words this window holds, as sentence word indices.
    pub words: Range<usize>,
    /// The words whose prediction is read from this window.
    pub owned: Range<usize>,
}

impl Window {
    pub fn len(&self) -> usize {
        self.input_ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.input_ids.is_empty()
    }
}

/// A sentence turned into windows, with what had to be changed on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlignedSentence {
    /// Where the sentence was read, for errors when merging predictions back.
    pub at: Location,
    pub word_count: usize,
    /// The words themselves, as aligned: what per-token input features are
    /// computed from ([`crate::features`]). Empty when the sentence was
    /// framed from pieces alone ([`AlignedSentence::from_pieces`]).
    pub words: Vec<String>,
    /// In order; a sentence that fits has one; an empty sentence has none.
    pub windows: Vec<Window>,
    pub warnings: Vec<AlignWarning>,
}

impl AlignedSentence {
    /// Frames the pieces into windows (see [`plan_windows`]). `labels`, one id
    /// per word, is placed per `options.labels`. Words longer than a window
    /// are truncated with a warning, see [`WordPieces::truncate_words`].
    pub fn from_pieces(
        mut pieces: WordPieces,
        labels: Option<&[usize]>,
        options: &AlignOptions,
        special: SpecialTokens,
        at: Location,
    ) -> Result<Self, DataError> {
        let word_count = pieces.word_count();
        if let Some(labels) = labels
            && labels.len() != word_count
        {
            return Err(DataError::Mismatch { at, reason: format!("{} labels for {word_count} words", labels.len()) });
        }
        pieces.truncate_words::<&str>(options.window.capacity(), &[], &at);
        let spans = plan_windows(&pieces.lengths(), &options.window)?;
        let windows = spans
            .into_iter()
            .map(|span| {
                let len = span.words.clone().map(|w| pieces.word(w).len()).sum::<usize>() + 2;
                let mut window = Window {
                    input_ids: Vec::with_capacity(len),
                    attention_mask: vec![1; len],
                    word_index: Vec::with_capacity(len),
                    labels: Vec::with_capacity(len),
                    words: span.words.clone(),
                    owned: span.owned,
                };
                window.push(special.cls, None, None);
                for word in span.words {
                    let label = labels.map(|labels| labels[word]);
                    for (position, &id) in pieces.word(word).iter().enumerate() {
                        let carries = position == 0 || options.labels == LabelPolicy::AllSubwords;
                        window.push(id, Some(word), label.filter(|_| carries));
                    }
                }
                window.push(special.sep, None, None);
                window
            })
            .collect();
        Ok(Self { at, word_count, words: Vec::new(), windows, warnings: pieces.into_warnings() })
    }
}

impl AlignedSentence {
    /// Changes the label word `word` trains on, in every window that holds
    /// it (a word in the overlap of two windows is trained in both), on the
    /// subwords that carry a label under the policy it was aligned with.
    /// `None` leaves the word out of the loss: it is still read as context,
    /// but nothing is learnt about its own tag. This is how a run scores
    /// only the words it trusts (pseudo-labels above a confidence threshold,
    /// see `retag extend`) without realigning the sentence.
    ///
    /// Returns how many subword positions changed; a word the sentence does
    /// not have changes none, and so does a word already left out (which
    /// of its positions carried the label is no longer known).
    pub fn relabel_word(&mut self, word: usize, label: Option<usize>) -> usize {
        let mut changed = 0;
        for window in self.windows.iter_mut().filter(|window| window.words.contains(&word)) {
            for (position, slot) in window.labels.iter_mut().enumerate() {
                // A position that carries no label (a continuation under
                // first-subword labelling) stays unlabelled.
                if window.word_index[position] == Some(word) && slot.is_some() {
                    *slot = label;
                    changed += 1;
                }
            }
        }
        changed
    }
}

impl Window {
    fn push(&mut self, id: u32, word: Option<usize>, label: Option<usize>) {
        self.input_ids.push(id);
        self.word_index.push(word);
        self.labels.push(label);
    }
}

impl WordTokenizer {
    /// Tokenizes pre-split `words` and frames them into windows; `labels`
    /// (one id per word) are placed per `options.labels`. `at` names the
    /// sentence in warnings and errors. `options.window.max_len()` may not
    /// exceed the model's [`WordTokenizer::max_length`].
    pub fn align_words<S: AsRef<str>>(
        &self,
        words: &[S],
        labels: Option<&[usize]>,
        options: &AlignOptions,
        at: &Location,
    ) -> Result<AlignedSentence, DataError> {
        if options.window.max_len() > self.max_length() {
            return Err(DataError::InvalidOption {
                option: "max_len".into(),
                reason: format!(
                    "{} is longer than the {} positions of the tokenizer at {}",
                    options.window.max_len(),
                    self.max_length(),
                    self.path().display()
                ),
            });
        }
        let mut pieces = self.word_pieces(words, at)?;
        // Truncating here, where the words are at hand, lets the warning quote the word.
        pieces.truncate_words(options.window.capacity(), words, at);
        let mut aligned = AlignedSentence::from_pieces(pieces, labels, options, self.special_tokens(), at.clone())?;
        aligned.words = words.iter().map(|word| word.as_ref().to_string()).collect();
        Ok(aligned)
    }

    /// [`WordTokenizer::align_words`] for a sentence read from `file`. With a
    /// tagset, the tags become label ids: the sentence must have one tag per
    /// token (a training sentence without labels would silently teach
    /// nothing) and an unknown tag is an error naming its line. Without a
    /// tagset the windows carry no labels (text to predict on).
    pub fn align_sentence(
        &self,
        sentence: &Sentence,
        tagset: Option<&Tagset>,
        options: &AlignOptions,
        file: &Location,
    ) -> Result<AlignedSentence, DataError> {
        let at = sentence.token_location(file, 0);
        let labels = match tagset {
            Some(tagset) => {
                sentence.check_tagged(file)?;
                let ids = sentence
                    .tags
                    .iter()
                    .enumerate()
                    .map(|(index, tag)| tagset.id_at(tag, &sentence.token_location(file, index)))
                    .collect::<Result<Vec<_>, _>>()?;
                Some(ids)
            }
            None => None,
        };
        self.align_words(&sentence.tokens, labels.as_deref(), options, &at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words 0..3 in two windows sharing word 1; word 1 has two subwords,
    /// labelled on both (as [`LabelPolicy::AllSubwords`] places them).
    fn two_windows() -> AlignedSentence {
        let window = |word_index: Vec<Option<usize>>, labels: Vec<Option<usize>>, words, owned| Window {
            input_ids: vec![0; word_index.len()],
            attention_mask: vec![1; word_index.len()],
            word_index,
            labels,
            words,
            owned,
        };
        AlignedSentence {
            at: Location::unnamed(None),
            word_count: 3,
            words: Vec::new(),
            windows: vec![
                window(
                    vec![None, Some(0), Some(1), Some(1), None],
                    vec![None, Some(1), Some(2), Some(2), None],
                    0..2,
                    0..1,
                ),
                window(
                    vec![None, Some(1), Some(1), Some(2), None],
                    vec![None, Some(2), Some(2), Some(0), None],
                    1..3,
                    1..3,
                ),
            ],
            warnings: Vec::new(),
        }
    }

    fn labels(sentence: &AlignedSentence) -> Vec<Vec<Option<usize>>> {
        sentence.windows.iter().map(|window| window.labels.clone()).collect()
    }

    #[test]
    fn a_word_is_relabelled_or_left_out_in_every_window_that_holds_it() {
        let mut sentence = two_windows();
        assert_eq!(sentence.relabel_word(1, Some(4)), 4, "two subwords in each of two windows");
        assert_eq!(
            labels(&sentence),
            [vec![None, Some(1), Some(4), Some(4), None], vec![None, Some(4), Some(4), Some(0), None]]
        );
        assert_eq!(sentence.relabel_word(2, None), 1);
        assert_eq!(labels(&sentence)[1], [None, Some(4), Some(4), None, None]);
        // Left out, the word's carriers are no longer known; unknown words change nothing.
        assert_eq!(sentence.relabel_word(2, Some(1)), 0);
        assert_eq!(sentence.relabel_word(7, Some(1)), 0);
    }

    #[test]
    fn continuations_without_a_label_stay_unlabelled() {
        let mut sentence = two_windows();
        // First-subword labelling: word 1's second subword carries nothing.
        sentence.windows[0].labels[3] = None;
        sentence.windows[1].labels[2] = None;
        assert_eq!(sentence.relabel_word(1, Some(3)), 2);
        assert_eq!(labels(&sentence)[0], [None, Some(1), Some(3), None, None]);
        assert_eq!(labels(&sentence)[1], [None, Some(3), None, Some(0), None]);
    }
}
