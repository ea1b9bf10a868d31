//! The one error type of `retag-train`. Every variant names what a user has
//! to look at: the config field, the checkpoint file, the data file.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// A [`crate::TrainConfig`] field with a value training cannot use.
    #[error("invalid training config: {field} = {value}: {reason}")]
    Config { field: &'static str, value: String, reason: String },

    /// A [`crate::Distillation`] setting the loss cannot use (`fold[3]`
    /// names the new label whose entry is wrong).
    #[error("invalid distillation setting: {field} = {value}: {reason}")]
    Distillation { field: String, value: String, reason: String },

    /// A config file that is not one (not TOML/JSON, an unknown field, a wrong type).
    #[error("{}: not a training config: {reason}", path.display())]
    ConfigFile { path: PathBuf, reason: String },

    /// Aligning, batching or scoring the data failed (the error names the
    /// file and line).
    #[error(transparent)]
    Data(#[from] retag_data::DataError),

    /// The model refused a batch (a bug in batching, or a tokenizer that
    /// does not belong to the model).
    #[error(transparent)]
    Model(#[from] retag_bert::BertError),

    /// The encoder and the head refused a batch, or do not fit together.
    #[error(transparent)]
    Tagger(#[from] retag_model::ModelError),

    /// A sentence with tokens but no tags, where training or scoring needs them.
    #[error("{at}: a {what} sentence has no tags")]
    Untagged { at: retag_data::Location, what: &'static str },

    /// There is nothing to train on or evaluate.
    #[error("{what}: no sentence with a token")]
    NoData { what: &'static str },

    /// The model and the data disagree (labels, vocabulary, length).
    #[error("{reason}")]
    Mismatch { reason: String },

    /// Reading, writing, syncing or renaming a run file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A checkpoint that is not one, or was written for another model,
    /// optimizer or config.
    #[error("{}: not a usable checkpoint: {reason}", path.display())]
    Checkpoint { path: PathBuf, reason: String },

    /// Another process (or another trainer in this one) is training in the
    /// run folder: `pid` is its process id, when its lock file names it.
    #[error(
        "{}: a run is already training in this folder ({}); wait for it to end or stop it, or train into another folder",
        dir.display(),
        pid.map_or("its process id is unknown".into(), |pid| format!("process {pid}"))
    )]
    Locked { dir: PathBuf, pid: Option<u32> },

    /// An epoch's training inputs could not be made (augmented sentences
    /// that do not align, a recipe's relabelling of them that failed).
    /// `epoch` is 1-based.
    #[error("epoch {epoch}'s training data: {source}")]
    EpochData {
        epoch: usize,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The loss became NaN or infinite at this step (a learning rate too
    /// high, or broken data).
    #[error("the loss is {loss} at step {step}; lower the learning rate or check the data")]
    Diverged { step: usize, loss: f32 },
}

pub type Result<T, E = TrainError> = std::result::Result<T, E>;

impl TrainError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| TrainError::Io { path, source }
    }

    pub(crate) fn config(field: &'static str, value: impl ToString, reason: impl Into<String>) -> Self {
        TrainError::Config { field, value: value.to_string(), reason: reason.into() }
    }
}
