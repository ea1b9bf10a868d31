//! `retag-predict`: tagging words with a token-classification model.
//!
//! - [`Predictor`]: a `BertForTokenClassification` and its tokenizer; tags
//!   sentences of words ([`Predictor::tag`]) or streams a file's sentences
//!   chunk by chunk ([`Predictor::tag_stream`]) so that memory stays flat on
//!   any input size. Long sentences are cut into overlapping windows and
//!   every word gets exactly one tag, from the window where it has the most context.
//! - [`PredictOptions`]: batch size, window length and stride, chunk size.
//! - [`PredictionWriter`]: predictions out as CoNLL (`token tag`) or JSONL
//!   (entity spans, or tokens and tags), through `retag-data`'s writers.
//!
//! The crate picks no backend: it takes a `&Device`, and runs on its plain
//! (non-autodiff) form.

pub mod error;
pub mod options;
pub mod output;
pub mod predictor;

pub use error::{PredictError, Result};
pub use options::{DEFAULT_BATCH_SIZE, DEFAULT_CHUNK_SENTENCES, PredictOptions};
pub use output::{OutputFormat, PredictionWriter};
pub use predictor::{Predictor, StreamSummary};
