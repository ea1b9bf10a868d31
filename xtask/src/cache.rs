//! Where retag keeps what it downloads and builds, so a second run starts at once.

use std::path::PathBuf;

/// `$RETAG_CACHE`, else `$XDG_CACHE_HOME/retag`, else `~/.cache/retag`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("RETAG_CACHE") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("retag");
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache").join("retag")
}

/// The repository root (xtask lives one folder below it).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask has a parent folder").to_path_buf()
}

/// Where cargo builds: `CARGO_TARGET_DIR` (relative to the repository root
/// when relative), else `target/` in the root.
pub fn target_dir() -> PathBuf {
    let root = repo_root();
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    if target.is_relative() { root.join(target) } else { target }
}
