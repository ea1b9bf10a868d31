//! Where retag's tests find the real corpora (CoNLL-2003, WNUT-16,
//! WNUT-17), and what a test does when they are not there.
//!
//! The corpora are not in the repository (CoNLL-2003's licence forbids
//! redistributing it), so they sit beside it, in `../shared/data`, or where
//! `RETAG_SHARED_DATA` points. A user's fresh clone has neither, and
//! `cargo test --workspace` must still pass there: a test that needs them
//! says that it did not run, and why, and returns. Under `CI=true` their
//! absence is a failure instead, so CI can never pass by skipping them.
//!
//! The note is written to the process's stderr directly, not through
//! `eprintln!`, which libtest captures and hides for passing tests: a test
//! that did not run must say so in the output a person reads.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The variable that points the tests at the corpora, when they are not in
/// `../shared/data` beside the repository.
pub const VARIABLE: &str = "RETAG_SHARED_DATA";

/// The folder of the corpora: `$RETAG_SHARED_DATA`, else `../shared/data`
/// beside the repository. Whether it exists is for the caller to ask.
pub fn shared_data_dir() -> PathBuf {
    match std::env::var_os(VARIABLE) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => repository_root().join("../shared/data"),
    }
}

/// The repository the running test belongs to: the nearest folder with a
/// `Cargo.lock` at or above the package folder that `cargo test` names in
/// `CARGO_MANIFEST_DIR` at run time. Not the compile-time `env!` value:
/// cargo reuses this crate's build across clones that share one
/// `CARGO_TARGET_DIR` (its hash does not include the clone's path), and a
/// baked-in path then points beside another clone, perhaps a deleted one.
fn repository_root() -> PathBuf {
    let package =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    package
        .ancestors()
        .find(|dir| dir.join("Cargo.lock").is_file())
        .map_or_else(|| package.join("../.."), Path::to_path_buf)
}

/// Whether this run is CI's, where every test must run (`CI` set to
/// anything but empty, `0` or `false`, as CI services set it).
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| means_ci(&value))
}

/// Whether a value of `CI` means "this is CI".
fn means_ci(value: &str) -> bool {
    !matches!(value.trim().to_ascii_lowercase().as_str(), "" | "0" | "false")
}

/// `relative` (e.g. `wnut17/test.txt`, or `""` for the folder itself) under
/// the corpora's folder when it exists. When it does not: under CI a panic
/// that names the path; elsewhere a note on stderr that the calling test did
/// not run, and `None`, on which the test returns.
pub fn shared_path(relative: &str) -> Option<PathBuf> {
    let path = shared_data_dir().join(relative);
    if path.exists() {
        return Some(path);
    }
    let why = format!(
        "{} is missing (the shared corpora sit in ../shared/data beside the repository, or where {VARIABLE} points)",
        path.display()
    );
    assert!(!under_ci(), "CI=true, so the tests that read the shared corpora must run: {why}");
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    // Written past libtest's capture (see the module's doc); a failed write
    // to stderr leaves nothing better to do than to go on.
    let _ = writeln!(std::io::stderr(), "NOT RUN: {test}: {why}");
    None
}

/// The path of `relative` under the corpora, or `return` from the calling
/// test (after [`shared_path`]'s note) when a fresh clone has none.
#[macro_export]
macro_rules! shared_or_return {
    ($relative:expr) => {
        match $crate::shared_path($relative) {
            Some(path) => path,
            None => return,
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_is_the_one_the_test_runs_in() {
        let root = repository_root();
        assert!(root.join("crates/testdata/src/lib.rs").is_file(), "{}", root.display());
        assert!(root.join("Cargo.lock").is_file(), "{}", root.display());
    }

    #[test]
    fn ci_is_read_as_services_set_it() {
        // The value only: the process's own CI variable is left alone,
        // since tests share the environment.
        for (value, expected) in
            [("true", true), ("1", true), ("TRUE", true), ("yes", true), ("false", false), ("0", false), (" ", false)]
        {
            assert_eq!(means_ci(value), expected, "CI={value:?}");
        }
    }
}
