//! `retag-bert`: the BERT encoder of retag, in burn, loaded from and saved
//! to HuggingFace checkpoints so that it computes what transformers computes.
//! One encoder reads four checkpoint families, BERT, RoBERTa, XLM-RoBERTa and
//! DistilBERT, whose differences [`family`] names.
//!
//! - [`BertConfig`]: the architecture, from the checkpoint's `config.json`;
//! - [`Family`]: which checkpoint family, from `model_type`;
//! - [`BertModel`]: embeddings and encoder layers, giving the last hidden states;
//! - [`BertForTokenClassification`]: the encoder plus a linear head, giving logits;
//! - [`BertInput`]: a padded batch, checked against the config;
//! - [`remap`]: the one table from HF tensor names to burn parameters, used
//!   by the loader (`from_pretrained`) and by
//!   [`export_token_classification`], which writes a checkpoint transformers loads;
//! - [`check_weights`]: a `model.safetensors` checked against a config as
//!   loading checks it, without building a model (the fuzz target's entry);
//! - [`check_tokenizer`]: refuses a tokenizer whose ids run past the word
//!   embedding matrix, where a model's tokenizer and encoder meet.
//!
//! The crate picks no backend: every constructor takes a `&Device`.

pub mod activation;
pub mod attention;
pub mod config;
pub mod cpu;
mod dense;
mod dropout;
pub mod embeddings;
pub mod error;
pub mod export;
pub mod family;
pub mod input;
pub mod layer;
mod loader;
pub mod model;
pub mod remap;
pub mod source;
pub mod token_classification;
pub mod vocabulary;

pub use activation::Activation;
pub use config::BertConfig;
pub use error::{BertError, Result};
pub use export::{TOKENIZER_FILES, export_token_classification, write_encoder_files};
pub use family::Family;
pub use input::{BertInput, GPU_LENGTH_MULTIPLE, sequence_length_multiple};
pub use loader::check_weights;
pub use model::BertModel;
pub use source::{HubId, ResolveOptions, resolve_model};
pub use token_classification::BertForTokenClassification;
pub use vocabulary::{check_tokenizer, check_vocab_size, tokenizer_vocab_size};
