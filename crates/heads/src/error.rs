//! The one error type of `retag-heads`. Every variant names what a user has
//! to fix: the tensor and both shapes, the label and the labels that exist,
//! the option and the value it was given, the file and the tensor in it.

use std::path::PathBuf;

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

    /// A warm-start report applied to a tagset it does not describe (a CRF
    /// warm-started from another head's report): its labels differ, or it
    /// starts a label from an old label the old tagset lacks.
    #[error("the warm-start report does not fit: {reason}")]
    ReportMismatch { reason: String },

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

    /// A [`crate::HeadSpec`] that cannot be read: bad JSON, an unknown or
    /// missing field, an impossible value (serde's message says which).
    #[error("invalid head spec: {reason}")]
    Spec { reason: String },

    /// A [`crate::HeadSpec`] of a version this crate does not read.
    #[error("head spec version {found}; this retag reads version {supported}")]
    SpecVersion { found: u32, supported: u32 },

    /// Opening, reading, writing or renaming a head file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A head file that is not a readable safetensors file (truncated, bad header...).
    #[error("{}: not a valid safetensors file: {reason}", path.display())]
    Safetensors { path: PathBuf, reason: String },

    /// The head the spec describes needs this tensor and the file lacks it.
    #[error("{}: missing tensor {tensor:?}", path.display())]
    MissingTensor { path: PathBuf, tensor: String },

    /// The file has a tensor the head the spec describes has no place for
    /// (a head file of another kind, depth or CRF setting).
    #[error("{}: unexpected tensor {tensor:?}: the head spec has no place for it", path.display())]
    UnexpectedTensor { path: PathBuf, tensor: String },

    /// A tensor in a head file whose shape does not follow from the spec and the labels.
    #[error("{}: tensor {tensor:?} has shape {found:?}, the head spec and labels imply {expected:?}", path.display())]
    TensorShape { path: PathBuf, tensor: String, expected: Vec<usize>, found: Vec<usize> },

    /// A tensor in a head file stored in a dtype other than F32.
    #[error("{}: tensor {tensor:?} has dtype {dtype}; head files hold F32 only", path.display())]
    TensorDtype { path: PathBuf, tensor: String, dtype: String },

    /// A tagset that cannot be built, or a label it does not have.
    #[error(transparent)]
    Data(#[from] DataError),
}

pub type Result<T, E = HeadError> = std::result::Result<T, E>;
