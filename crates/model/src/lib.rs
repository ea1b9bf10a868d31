//! `retag-model`: the one model retag trains, evaluates, predicts with and
//! exports, whatever the strategy.
//!
//! - [`TaggerModel`]: an encoder (or none, when the head reads cached
//!   encoder outputs) topped by a [`retag_heads::Tagger`] (a linear or MLP
//!   head, with or without a CRF). A HuggingFace token-classification
//!   checkpoint is the linear, CRF-free case, converted by moving modules.
//! - [`adapter`]: the neural adapter of Chen and Moschitti (2019), a
//!   learned layer over a frozen old model's label distribution whose
//!   features join the encoder's output.
//! - [`features`]: per-word input features (shape, gazetteers, patterns)
//!   as small learned embeddings joined to the encoder's output.
//! - [`word_tags`]: the one routine from aligned windows to one label id per
//!   word, shared by prediction, evaluation during training and lineage
//!   inference.
//! - [`verify`]: an exported folder reloaded and checked against the model
//!   it was written from (labels, head, one forward pass), before a command
//!   reports success.
//! - [`groups`]: the model's parameters in named groups (embeddings, each
//!   encoder layer, the head), the unit that training freezes, unfreezes and
//!   gives its own learning rate.

pub mod adapter;
pub mod adapter_file;
pub mod error;
pub mod features;
pub mod features_file;
pub mod folder;
pub mod groups;
pub mod tagger_model;
mod tensor_file;
pub mod verify;
pub mod word_tags;

pub use adapter::{Adapter, AdapterKind, AdapterSpec, OldModel};
pub use error::{ModelError, Result};
pub use features::{DEFAULT_FEATURE_DIM, FeatureEmbeddings};
pub use groups::{GroupName, group_of};
pub use tagger_model::TaggerModel;
pub use verify::{SCORE_TOLERANCE, verify_folder};
pub use word_tags::{encoder_input, length_rounding, tag_windows, window_batches};
