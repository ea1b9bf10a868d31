//! Release builds of the workspace's binaries, for the tasks that run them as
//! whole processes (the main job, the benchmarks): one place that knows how
//! to call cargo and where the binary lands.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::cache::{repo_root, target_dir};

/// `cargo build --release --package PACKAGE EXTRA...` from the repository
/// root, and the path of the binary `binary` it produced (under
/// [`target_dir`]). Cargo's own progress shows: a first release build takes
/// minutes, and a silent one looks hung.
pub fn release_binary(package: &str, binary: &str, extra: &[&str]) -> Result<PathBuf> {
    let root = repo_root();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["build", "--release", "--package", package])
        .args(extra)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("building {package} failed ({status})");
    }
    Ok(target_dir().join("release").join(if cfg!(windows) { format!("{binary}.exe") } else { binary.to_string() }))
}
