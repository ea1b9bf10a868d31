//! The one error type of `retag-heads`. Every variant names what a user has
//! to fix: the tensor and both shapes, the label and the labels that exist,
//! the option and the value it was given.

use retag_data::DataError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HeadError {
    /// A tensor handed to a head or a CRF has the wrong shape: a checkpoint
    /// whose classifier does not match the tagset, emissions that do not
    /// match the labels...
    #[error("tensor {tensor}: expected shape {expected:?}, found {found:?}")]
    Shape { tensor: String, expected: Vec<usize>, found: Vec<usize> },

    /// A label that cannot be read as `O` or a prefixed type such as `B-PER`.
    #[error("label {label:?}: {reason}")]
    InvalidLabel { label: String, reason: String },

    /// A new label whose parent type (from the mapping) has no label in the
    /// old tagset, so there is no row to start it from.
    #[error(
        "new label {label:?} descends from old type {parent:?}, which the old tagset does not have; \
         its types are {known}"
    )]
    UnknownParent { label: String, parent: String, known: String },

    /// A label id outside the tagset in a gold-label tensor.
    #[error("tensor {tensor}: label id {id} at row {row}, position {position} is not below the {num_labels} labels")]
    LabelOutOfRange { tensor: String, row: usize, position: usize, id: i64, num_labels: usize },

    /// An option value that makes no sense (dropout of 1.5, a negative
    /// perturbation, a hidden size of 0...).
    #[error("invalid option {option}: {reason}")]
    InvalidOption { option: String, reason: String },

    /// A head name the training loop was given that no head answers to.
    #[error("unknown head {name:?}; expected one of {known}")]
    UnknownHead { name: String, known: String },

    /// A tensor's values could not be read back from the device.
    #[error("tensor {tensor}: cannot read its values: {reason}")]
    TensorRead { tensor: String, reason: String },

    /// A tagset that cannot be built, or a label it does not have.
    #[error(transparent)]
    Data(#[from] DataError),
}

pub type Result<T, E = HeadError> = std::result::Result<T, E>;
