//! retag: retrain a named-entity-recognition model for a new tagset.
//!
//! This facade re-exports the layers of the workspace so that a program (and
//! the end-to-end tests in `tests/`) can depend on one crate:
//! [`data`] reads corpora, knows tag schemes and tagsets, scores predictions
//! exactly like seqeval and aligns words with subword tokens; [`bert`] is
//! the BERT encoder in burn, loaded from and exported to HuggingFace
//! checkpoints; [`heads`] holds the classification heads (linear, MLP, CRF)
//! and their warm start for a new tagset; [`train`] is the training loop;
//! [`predict`] tags words with a trained model, streaming big files;
//! [`retrain`] carries a model over to a new tagset by one of several strategies.

pub use retag_bert as bert;
pub use retag_data as data;
pub use retag_heads as heads;
pub use retag_model as model;
pub use retag_predict as predict;
pub use retag_retrain as retrain;
pub use retag_train as train;
