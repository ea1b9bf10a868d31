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
        Ok(Self { at, word_count, windows, warnings: pieces.into_warnings() })
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
        AlignedSentence::from_pieces(pieces, labels, options, self.special_tokens(), at.clone())
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
