//! Data as HuggingFace `datasets` leaves it, read without conversion:
//! Parquet (`Dataset.to_parquet`, the hub's Parquet conversion), Arrow IPC
//! (`Dataset.save_to_disk`) and JSONL with integer tags (`Dataset.to_json`;
//! the JSONL reader itself lives in [`crate::jsonl`]).
//!
//! A row is a sentence: `tokens`, a list of strings, and the tags in
//! `ner_tags` (else `tags`, else `labels`), a list of strings or of integer
//! class ids. Integer tags become tag names through [`LabelNames`], taken
//! from the first of:
//!
//! 1. the names the caller gives (`--label-names`, comma-separated or a file);
//! 2. the `ClassLabel` feature of the tag column in the file's `huggingface`
//!    schema metadata (Parquet and Arrow only: JSONL has no metadata);
//! 3. the same feature in a `dataset_info.json` beside the file.
//!
//! The names are checked once, where they are read (each a tag such as `O`
//! or `B-PER`, none repeated); an integer tag outside them, a null, a missing
//! column or a row whose tokens and tags differ in number is an error that
//! names the file and the row (the line, in JSONL) and the value.

mod arrow_ipc;
mod features_json;
mod label_names;
mod parquet;
mod table;

use std::path::Path;

pub use arrow_ipc::{open_arrow, read_arrow_file};
pub use features_json::{DATASET_INFO, dataset_info_path};
pub use label_names::{LabelNames, LabelOrigin};
pub use parquet::{METADATA_KEY, open_parquet, read_parquet_file};
pub use table::{TAG_COLUMNS, TOKEN_COLUMN, TableOptions, TableReader};

use crate::error::Result;

/// The names for the integer tags of the JSONL file at `path`: `given`
/// (`--label-names`), else those of the first tag column with a
/// `ClassLabel` in the `dataset_info.json` beside it, else none (its tags
/// are then expected to be strings).
pub fn jsonl_label_names(path: &Path, given: Option<&LabelNames>) -> Result<Option<LabelNames>> {
    match given {
        Some(names) => Ok(Some(names.clone())),
        None => features_json::beside(path, &TAG_COLUMNS),
    }
}
