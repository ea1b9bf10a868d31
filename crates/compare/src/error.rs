//! The one error type of `retag-compare`.

use std::path::PathBuf;

use retag_data::DataError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompareError {
    /// A recipe or setting that cannot run, naming the flag.
    #[error("{option}: {reason}")]
    Option { option: String, reason: String },

    /// A run that failed; its log holds the run's own error.
    #[error("{recipe}, seed {seed}: {reason}")]
    Run { recipe: String, seed: u64, reason: String },

    /// A picture that could not be drawn or rendered.
    #[error("drawing the report's pictures: {reason}")]
    Picture { reason: String },

    /// A run's files (metrics, predictions) that do not read or do not agree.
    #[error(transparent)]
    Data(#[from] DataError),

    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = CompareError> = std::result::Result<T, E>;

impl CompareError {
    pub(crate) fn option(option: &str, reason: impl Into<String>) -> Self {
        CompareError::Option { option: option.to_string(), reason: reason.into() }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| CompareError::Io { path, source }
    }
}
