//! Whether a tokenizer and a model's word embeddings belong together.
//!
//! Every id the tokenizer produces picks a row of the word embedding matrix,
//! which has `vocab_size` rows (`config.json`). A tokenizer with ids past the
//! last row comes from another model: it is refused when the two are first
//! put together, naming both sizes, rather than on the first batch that
//! happens to hold such a token ([`crate::BertInput`] would refuse that batch
//! mid-run), or never, on a backend whose gather does not check bounds.
//!
//! The other way round is normal and accepted: a matrix with more rows than
//! the tokenizer has ids (vocabularies padded to a multiple of 8 or 64 for
//! faster matrix products, rows kept for tokens a tokenizer no longer makes).
//!
//! The tokenizer and the encoder are loaded in different places (alignment
//! and training load the tokenizer, [`crate::BertModel::from_pretrained`] the
//! weights), so this is a function for the place that holds both.

use std::path::Path;

use retag_data::align::WordTokenizer;

use crate::config::BertConfig;
use crate::error::{BertError, Result};

/// One past the largest id `tokenizer` can produce, added tokens included.
/// For a vocabulary without gaps this is `Tokenizer::get_vocab_size(true)`;
/// a gap (an added token given a high id) makes it larger, and it is the
/// largest id that has to find a row.
pub fn tokenizer_vocab_size(tokenizer: &WordTokenizer) -> usize {
    tokenizer.inner().get_vocab(true).into_values().max().map_or(0, |id| id as usize + 1)
}

/// Checks that a tokenizer of `tokenizer_vocab_size` ids (one past its
/// largest id; `tokenizer` names its file in the error) fits the word
/// embedding matrix of `config`: [`BertError::VocabularyMismatch`] when the
/// tokenizer has more ids than the matrix has rows. More rows than ids is fine.
pub fn check_vocab_size(tokenizer_vocab_size: usize, tokenizer: &Path, config: &BertConfig) -> Result<()> {
    if tokenizer_vocab_size > config.vocab_size {
        return Err(BertError::VocabularyMismatch {
            tokenizer: tokenizer.to_path_buf(),
            tokenizer_vocab_size,
            embedding_rows: config.vocab_size,
        });
    }
    Ok(())
}

/// [`check_vocab_size`] for a loaded tokenizer: call it where a model's
/// tokenizer and its encoder's config first meet.
pub fn check_tokenizer(tokenizer: &WordTokenizer, config: &BertConfig) -> Result<()> {
    check_vocab_size(tokenizer_vocab_size(tokenizer), tokenizer.path(), config)
}
