//! How a [`crate::Predictor`] batches, windows and streams.

use retag_bert::BertConfig;
use retag_data::align::{AlignOptions, LabelPolicy, WindowOptions, WordTokenizer};

use crate::error::{PredictError, Result};

/// Windows per forward pass unless told otherwise.
pub const DEFAULT_BATCH_SIZE: usize = 32;

/// Sentences read, tagged and written at a time when streaming unless told
/// otherwise: enough to fill many sorted batches (so padding stays small),
/// few enough that memory does not grow with the file.
pub const DEFAULT_CHUNK_SENTENCES: usize = 4096;

/// The knobs of prediction. `None` lets the model decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PredictOptions {
    /// Windows per forward pass (default [`DEFAULT_BATCH_SIZE`]). Each batch
    /// is padded to its own longest window only.
    pub batch_size: usize,
    /// The longest window in subwords, `[CLS]` and `[SEP]` included; longer
    /// sentences are cut into overlapping windows. Default: what both the
    /// tokenizer (`model_max_length`) and the model ([`BertConfig::max_positions`]) allow.
    pub max_len: Option<usize>,
    /// Subwords shared by consecutive windows of a long sentence, as context
    /// for the words near a cut. Default: a quarter of `max_len`.
    pub stride: Option<usize>,
    /// Sentences per chunk when streaming (default [`DEFAULT_CHUNK_SENTENCES`]).
    pub chunk_sentences: usize,
}

impl Default for PredictOptions {
    fn default() -> Self {
        Self { batch_size: DEFAULT_BATCH_SIZE, max_len: None, stride: None, chunk_sentences: DEFAULT_CHUNK_SENTENCES }
    }
}

impl PredictOptions {
    /// The window options these give for `model` and `tokenizer`, checked:
    /// a positive batch and chunk, a window the model's position table and
    /// the tokenizer both hold, a stride that lets windows advance.
    pub(crate) fn resolve(&self, model: &BertConfig, tokenizer: &WordTokenizer) -> Result<AlignOptions> {
        if self.batch_size == 0 {
            return Err(PredictError::InvalidOption { option: "batch_size", reason: "must be at least 1".into() });
        }
        if self.chunk_sentences == 0 {
            return Err(PredictError::InvalidOption { option: "chunk_sentences", reason: "must be at least 1".into() });
        }
        retag_bert::check_tokenizer(tokenizer, model)?;
        let limit = model.max_positions().min(tokenizer.max_length());
        let max_len = match self.max_len {
            Some(max_len) if max_len > limit => {
                return Err(PredictError::InvalidOption {
                    option: "max_len",
                    reason: format!(
                        "{max_len} is longer than the model takes: {} positions ({}), tokenizer limit {}",
                        model.max_positions(),
                        model.max_positions_reason(),
                        tokenizer.max_length()
                    ),
                });
            }
            Some(max_len) => max_len,
            None => limit,
        };
        let window = match self.stride {
            Some(stride) => WindowOptions::new(max_len, stride)?,
            None => WindowOptions::with_default_stride(max_len)?,
        };
        // Predictions are read at each word's first subword, whatever the policy;
        // there are no labels to place.
        Ok(AlignOptions::new(window, LabelPolicy::FirstSubword))
    }
}
