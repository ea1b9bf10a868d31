//! The one error type of `retag-model`.

use std::path::PathBuf;

use retag_bert::BertError;
use retag_data::DataError;
use retag_heads::HeadError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The encoder refused a batch, or a checkpoint could not be read.
    #[error(transparent)]
    Bert(#[from] BertError),

    /// The head or CRF refused its input.
    #[error(transparent)]
    Head(#[from] HeadError),

    /// Predictions did not line up with the sentences they belong to.
    #[error(transparent)]
    Data(#[from] DataError),

    /// Parts that do not fit together: a head as wide as another encoder,
    /// a model with no encoder asked to read windows, a head that a plain
    /// HuggingFace checkpoint cannot hold.
    #[error("{reason}")]
    Mismatch { reason: String },

    /// A model folder, or its description file, that retag cannot read or write.
    #[error("{}: {reason}", path.display())]
    Folder { path: PathBuf, reason: String },

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = ModelError> = std::result::Result<T, E>;

impl ModelError {
    pub(crate) fn mismatch(reason: impl Into<String>) -> Self {
        ModelError::Mismatch { reason: reason.into() }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| ModelError::Io { path, source }
    }
}
