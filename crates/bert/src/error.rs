//! The one error type of `retag-bert`. Every variant names the file and the
//! config field or checkpoint tensor a user has to look at.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BertError {
    /// Opening, reading, writing or renaming a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// `config.json` is not a JSON object.
    #[error("{}: not a valid config.json: {reason}", path.display())]
    ConfigSyntax { path: PathBuf, reason: String },

    /// A field of `config.json` is missing, has the wrong type, an unsupported
    /// value, or disagrees with another field.
    #[error("{}: field {field:?}: {reason}", path.display())]
    ConfigField { path: PathBuf, field: String, reason: String },

    /// The safetensors file itself cannot be read (truncated, bad header...).
    #[error("{}: not a valid safetensors file: {reason}", path.display())]
    Safetensors { path: PathBuf, reason: String },

    /// `model.safetensors` is absent and the folder holds the weights in
    /// another format (`found`); the reason says why retag does not read it
    /// and how to convert it.
    #[error("{}: missing; the folder has {found} instead, {reason}", path.display())]
    WeightFormat { path: PathBuf, found: String, reason: String },

    /// The model needs this tensor and the checkpoint does not have it.
    #[error("{}: missing tensor {tensor:?}", path.display())]
    MissingTensor { path: PathBuf, tensor: String },

    /// The checkpoint has a tensor that the model has no place for.
    #[error("{}: unexpected tensor {tensor:?}: {reason}", path.display())]
    UnexpectedTensor { path: PathBuf, tensor: String, reason: String },

    /// A tensor whose shape does not follow from `config.json`.
    #[error("{}: tensor {tensor:?} has shape {found:?}, the config implies {expected:?}", path.display())]
    TensorShape { path: PathBuf, tensor: String, expected: Vec<usize>, found: Vec<usize> },

    /// A tensor stored in a dtype this loader does not read.
    #[error("{}: tensor {tensor:?} has dtype {dtype}; only F32, F16 and BF16 are supported", path.display())]
    TensorDtype { path: PathBuf, tensor: String, dtype: String },

    /// A model parameter with no checkpoint tensor, or the reverse, because
    /// the remap table and the modules disagree: a bug in retag-bert.
    #[error("{}: parameter {parameter:?} has no entry in retag-bert's remap table (a bug in retag-bert)", path.display())]
    Unmapped { path: PathBuf, parameter: String },

    /// A batch that does not fit the model (shapes, length, token ids).
    #[error("invalid input: {reason}")]
    Input { reason: String },

    /// Writing an exported model failed for a reason other than I/O.
    #[error("{}: cannot export: {reason}", path.display())]
    Export { path: PathBuf, reason: String },

    /// A tokenizer that can produce ids past the last row of the model's word
    /// embedding matrix: the two come from different models.
    #[error(
        "{}: the tokenizer's ids, added tokens included, need {tokenizer_vocab_size} embedding rows, but the \
         model's word embedding matrix has only {embedding_rows} (vocab_size in its config.json): ids from \
         {embedding_rows} on have no embedding, so the tokenizer and the model do not belong together",
        tokenizer.display()
    )]
    VocabularyMismatch { tokenizer: PathBuf, tokenizer_vocab_size: usize, embedding_rows: usize },

    /// A `--model` argument that is neither a model folder nor a hub model id
    /// that could be fetched; the reason names the path or cache entry looked for.
    #[error("model {spec:?}: {reason}")]
    ModelSource { spec: String, reason: String },
}

pub type Result<T, E = BertError> = std::result::Result<T, E>;
