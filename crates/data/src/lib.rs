//! `retag-data`: everything retag knows about NER data, with no neural-network
//! dependency, so that it can be tested fast and exhaustively.
//!
//! - [`Sentence`]: words and their tags, as read from a file;
//! - [`scheme`]: tag schemes (IO, IOB1, IOB2, IOE2, BIOES/BILOU), span
//!   extraction, conversion, and repair of invalid sequences the way seqeval does;
//! - [`Tagset`]: the ordered labels of a model;
//! - [`conll`] and [`jsonl`]: readers and writers, streaming, with errors that
//!   name the file and the line; [`text`]: plain text to predict on, a sentence a line;
//! - [`hf`]: HuggingFace `datasets` files (Parquet, Arrow, label names for integer tags);
//! - [`mapping`]: old-tagset to new-tagset mappings (rename, merge, split, new, drop);
//! - [`metrics`]: entity-level scores that agree with seqeval 1.2.2;
//! - [`align`]: words to subword tokens and back, with windows for long sentences;
//! - [`stats`]: what a dataset holds;
//! - [`run_metrics`]: the `metrics.json` a run leaves, written and read as one type;
//! - [`augment`]: training data augmented on the fly (mention replacement and others), from a seed;
//! - [`features`]: per-word input features (word shape, gazetteers, regular expressions) and their files;
//! - [`rng`]: the seeded generator behind the bootstrap and the augmentation.

pub mod align;
pub mod atomic;
pub mod augment;
pub mod conll;
pub mod error;
pub mod eval_record;
pub mod features;
pub mod hf;
pub mod jsonl;
pub mod location;
pub mod mapping;
pub mod metrics;
pub mod plan;
pub mod rng;
pub mod run_metrics;
pub mod scheme;
pub mod sentence;
pub mod spread;
pub mod stats;
pub mod tagset;
pub mod text;

pub use error::{DataError, Result};
pub use location::Location;
pub use scheme::{OnInvalid, Scheme, Span};
pub use sentence::Sentence;
pub use tagset::Tagset;
