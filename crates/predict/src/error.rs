//! The one error type of `retag-predict`. Reading errors keep the file and
//! line the data layer found; the others name the option, the sentence or
//! the model folder at fault.

use retag_bert::BertError;
use retag_data::{DataError, Location};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PredictError {
    /// Reading, aligning or writing data failed; the error names the file and line.
    #[error(transparent)]
    Data(#[from] DataError),

    /// The model could not be loaded or refused a batch.
    #[error(transparent)]
    Bert(#[from] BertError),

    /// The model's parts refused a batch or do not fit together.
    #[error(transparent)]
    Model(#[from] retag_model::ModelError),

    /// An option that cannot work with this model (a window longer than its
    /// position table, a batch of 0 sentences...).
    #[error("invalid option {option}: {reason}")]
    InvalidOption { option: &'static str, reason: String },

    /// The model predicted a label id its tagset does not have, or the
    /// predictions do not line up with the sentence: a bug, reported with
    /// the sentence it concerns rather than a panic.
    #[error("{at}: {reason}")]
    Mismatch { at: Location, reason: String },
}

pub type Result<T, E = PredictError> = std::result::Result<T, E>;
