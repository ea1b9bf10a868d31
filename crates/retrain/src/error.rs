//! The one error type of `retag-retrain`: the errors of the layers below,
//! and what only a retraining can get wrong (a strategy without what it needs).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RetrainError {
    /// Reading, aligning or scoring data (names the file and line).
    #[error(transparent)]
    Data(#[from] retag_data::DataError),

    /// Loading or exporting a model (names the file and tensor).
    #[error(transparent)]
    Model(#[from] retag_bert::BertError),

    /// Building or resizing a head (names the label).
    #[error(transparent)]
    Head(#[from] retag_heads::HeadError),

    /// Putting the encoder and the head together, or running them.
    #[error(transparent)]
    Tagger(#[from] retag_model::ModelError),

    /// The training loop (names the config field or checkpoint).
    #[error(transparent)]
    Train(#[from] retag_train::TrainError),

    /// A strategy asked for something it cannot use, or lacks what it needs.
    #[error("{option}: {reason}")]
    Option { option: &'static str, reason: String },

    /// The models and data disagree (hidden sizes, labels).
    #[error("{reason}")]
    Mismatch { reason: String },

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = RetrainError> = std::result::Result<T, E>;

impl RetrainError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| RetrainError::Io { path, source }
    }

    pub(crate) fn option(option: &'static str, reason: impl Into<String>) -> Self {
        RetrainError::Option { option, reason: reason.into() }
    }
}
