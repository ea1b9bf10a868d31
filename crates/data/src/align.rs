//! Words to subword tokens and back.
//!
//! NER data comes as words with one tag each; a transformer sees subword
//! tokens, at most `max_len` of them, framed by `[CLS]` and `[SEP]`. This
//! module bridges the two without losing or doubling a word:
//!
//! 1. [`load_tokenizer`] loads a checkpoint's tokenizer (`tokenizer.json`, or
//!    BERT rebuilt from `vocab.txt` + `tokenizer_config.json`);
//! 2. [`WordTokenizer::word_pieces`] tokenizes the pre-split words, giving a
//!    word that normalizes to nothing the unknown token so it still gets a
//!    prediction;
//! 3. [`plan_windows`] cuts a long sentence into overlapping windows at word
//!    boundaries and makes each word owned by exactly one window;
//!    [`WordTokenizer::align_words`] / [`WordTokenizer::align_sentence`] do 2
//!    and 3 and place the labels ([`LabelPolicy`]);
//! 4. [`batches`] pads windows to the longest of each batch;
//! 5. [`AlignedSentence::merge`] (or [`merge_batches`]) reads one prediction
//!    per word back, from its first subword in its owning window.

mod aligned;
mod batch;
mod merge;
mod pieces;
mod tokenizer;
mod window;

pub use aligned::{AlignOptions, AlignedSentence, LabelPolicy, Window};
pub use batch::{Batch, LengthRounding, WindowId, batches, merge_batches};
pub use pieces::{AlignWarning, WordPieces};
pub use tokenizer::{DEFAULT_MAX_LENGTH, SpecialTokens, WordTokenizer, load_tokenizer};
pub use window::{WindowOptions, WindowSpan, plan_windows};
