//! The one error type of `retag-data`. Every variant carries what a user
//! needs to fix the input: the file and line, the label, the tensor.

use std::path::PathBuf;

use crate::location::Location;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// Opening, reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A line of a data file does not have the expected shape.
    #[error("{at}: {reason}")]
    Malformed { at: Location, reason: String },

    /// A tag that no scheme can read (`B-`, `X-PER`, `PER` without prefix...).
    #[error("{at}: invalid tag {tag:?}: {reason}")]
    InvalidTag { at: Location, tag: String, reason: String },

    /// A tag sequence that breaks its scheme's rules (an `I-X` after `O` in
    /// IOB2, an `I-X` after `B-Y`...). `index` is the 1-based token in the sentence.
    #[error("{at}: invalid {scheme} sequence at token {index}, tag {tag:?}: {reason}")]
    InvalidSequence { at: Location, scheme: crate::scheme::Scheme, index: usize, tag: String, reason: String },

    /// A row of a Parquet or Arrow file that cannot be read as a sentence.
    /// `row` counts from 1, as lines do; Python's `ds[row - 1]` is that row,
    /// and the message says so.
    #[error("{}: row {row} (ds[{}]): {reason}", path.display(), row.saturating_sub(1))]
    Row { path: PathBuf, row: usize, reason: String },

    /// Label names for integer tags that cannot be used (not a tag such as
    /// `B-PER`, repeated, none at all); `origin` says where they were read
    /// (`--label-names`, a file's metadata, a `dataset_info.json`).
    #[error("label names from {origin}: {reason}")]
    LabelNames { origin: String, reason: String },

    /// A label that the tagset does not contain.
    #[error("{at}: unknown label {label:?}; the tagset has {known}")]
    UnknownLabel { at: Location, label: String, known: String },

    /// A tagset that cannot be built (duplicate labels, gaps in `id2label`...).
    #[error("invalid tagset: {reason}")]
    InvalidTagset { reason: String },

    /// A tagset mapping file that is wrong or does not fit the data.
    #[error("{at}: mapping: {reason}")]
    Mapping { at: Location, reason: String },

    /// A tokenizer that cannot be loaded or used.
    #[error("{}: tokenizer: {reason}", path.display())]
    Tokenizer { path: PathBuf, reason: String },

    /// Two inputs that should line up do not (gold and predicted tag lists of
    /// different shapes, a windowing request that cannot fit). Gold and
    /// prediction files get [`DataError::TokensDiffer`] or
    /// [`DataError::SentenceCountDiffers`], which name both places.
    #[error("{at}: {reason}")]
    Mismatch { at: Location, reason: String },

    /// A predicted sentence whose tokens are not the gold sentence's (another
    /// number of tokens, another word). Tags are compared token by token, so
    /// scoring it would compare the wrong words; both places are named,
    /// because the fix may be in either file.
    #[error("{at_pred}: {reason} ({at_gold})")]
    TokensDiffer { at_pred: Location, at_gold: Location, reason: String },

    /// Gold and prediction files that hold different numbers of sentences.
    /// `at` is where the first sentence without a counterpart starts, in the
    /// longer file; `unmatched` is its 1-based number. The two files are
    /// paths, not [`Location`]s, to keep the error small (clippy's
    /// `result_large_err`): every `Result` of the crate carries it.
    #[error(
        "{at}: {} has {gold_sentences} sentences but {} has {pred_sentences}; sentence {unmatched} starts here and \
         has no counterpart",
        gold.display(),
        pred.display()
    )]
    SentenceCountDiffers {
        at: Location,
        gold: PathBuf,
        gold_sentences: usize,
        pred: PathBuf,
        pred_sentences: usize,
        unmatched: usize,
    },

    /// An augmentation spec (`mr=0.3,case=0.1`) with a part that cannot be
    /// read; `part` is that part as written, so the fix is where it points.
    #[error("augmentation {part:?}: {problem}")]
    Augment { part: String, problem: crate::augment::SpecProblem },

    /// An input-features spec (`shape,gazetteer:cities.txt`) with a part
    /// that cannot be read; `part` is that part as written.
    #[error("input features {part:?}: {problem}")]
    FeatureSpec { part: String, problem: crate::features::FeatureSpecProblem },

    /// A path that a JSON record must hold (`metrics.json`'s `run_dir`,
    /// `run-config.json`'s `old_model`...) but that is not valid UTF-8: JSON
    /// keeps a path as text, so it cannot be written faithfully. `what` is
    /// the field, `record` the file it was to go in.
    #[error("{what} {}: not valid UTF-8, but {record} keeps it as JSON text; use a UTF-8 path", path.display())]
    PathNotUtf8 { what: String, record: String, path: PathBuf },

    /// An option value that makes no sense (a window stride larger than the window...).
    #[error("invalid option {option}: {reason}")]
    InvalidOption { option: String, reason: String },
}

pub type Result<T, E = DataError> = std::result::Result<T, E>;
