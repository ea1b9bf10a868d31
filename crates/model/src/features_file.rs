//! `input-features.safetensors`: the input features' embedding tables on
//! disk, `tables.N.weight` `[values, dim]` for channel `N` (burn's paths,
//! as [`crate::tensor_file`] writes them). The features themselves are
//! described in the folder's `retag-model.json` and their files copied
//! beside it ([`retag_data::features::record`]).
//!
//! Loading builds fresh tables for the channels the features give, of the
//! recorded width, and replaces each by the file's tensor: a folder whose
//! features give other channels than its tables hold (a gazetteer copy
//! edited to another type count, a table file from another model) is an
//! error naming the file and the tensor.

use std::path::Path;

use burn::tensor::Device;
use retag_data::features::InputFeatures;

use crate::error::Result;
use crate::features::FeatureEmbeddings;
use crate::tensor_file;

/// The file name a model folder keeps the input features' tables under.
pub const FEATURES_FILE: &str = "input-features.safetensors";

/// Writes the tables to `path`, atomically.
pub fn save(embeddings: &FeatureEmbeddings, path: &Path) -> Result<()> {
    tensor_file::save(embeddings, path, "retag-input-features")
}

/// The tables of `features`, `dim` wide, read from `path`.
pub fn load(features: InputFeatures, dim: usize, path: &Path, device: &Device) -> Result<FeatureEmbeddings> {
    let fresh = FeatureEmbeddings::new(features, dim, 0, device)?;
    tensor_file::load(fresh, path, "the input features", device)
}
