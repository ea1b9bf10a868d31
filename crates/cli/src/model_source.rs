//! What a `--model`/`--base` argument may be: a local folder, or (in a
//! build with `--features hub`) a HuggingFace hub id fetched into the hub
//! cache. See docs/model-sources.md.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use retag_bert::{ResolveOptions, resolve_model};

/// The local folder `spec` names or downloads to.
pub fn resolve(spec: &Path) -> Result<PathBuf> {
    let text = spec.to_str().with_context(|| format!("the model path {} is not UTF-8", spec.display()))?;
    Ok(resolve_model(text, &ResolveOptions { progress: true, ..ResolveOptions::default() })?)
}
