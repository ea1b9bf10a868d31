//! retag: retrain a named-entity-recognition model for a new tagset.
//!
//! This facade re-exports the layers of the workspace so that a program (and
//! the end-to-end tests in `tests/`) can depend on one crate:
//! [`data`] reads corpora, knows tag schemes and tagsets, scores predictions
//! exactly like seqeval and aligns words with subword tokens.

pub use retag_data as data;
