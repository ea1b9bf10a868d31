//! A hub model repo as the loopback hub serves it: an id, the revisions
//! (branch or tag names) and the commits they point to, and the files.
//!
//! Every commit holds the same files: the tests need revisions that resolve
//! to different snapshot folders, not different contents.

use std::path::Path;

#[derive(Debug, Clone)]
pub struct ServedRepo {
    /// `owner/name`.
    pub id: String,
    /// `(revision, commit)`, `main` first.
    pub revisions: Vec<(String, String)>,
    /// `(file name, bytes)`, in the order of the hub's `siblings` listing.
    pub files: Vec<(String, Vec<u8>)>,
}

impl ServedRepo {
    /// The repo `id` whose `main` is `commit`, holding every file of `dir`.
    pub fn from_folder(id: &str, commit: &str, dir: &Path) -> Self {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .map(|entry| entry.expect("a folder entry").file_name().into_string().expect("a UTF-8 file name"))
            .collect();
        names.sort();
        let files = names
            .into_iter()
            .map(|name| {
                let bytes = std::fs::read(dir.join(&name)).unwrap_or_else(|e| panic!("reading {name}: {e}"));
                (name, bytes)
            })
            .collect();
        Self { id: id.to_owned(), revisions: vec![("main".to_owned(), commit.to_owned())], files }
    }

    /// Adds a branch or tag `name` pointing at `commit`.
    pub fn with_revision(mut self, name: &str, commit: &str) -> Self {
        self.revisions.push((name.to_owned(), commit.to_owned()));
        self
    }

    /// Drops the file `name`, e.g. `model.safetensors` from a repo that has
    /// only `pytorch_model.bin`.
    pub fn without_file(mut self, name: &str) -> Self {
        self.files.retain(|(file, _)| file != name);
        self
    }

    pub fn with_file(mut self, name: &str, bytes: &[u8]) -> Self {
        self.files.push((name.to_owned(), bytes.to_vec()));
        self
    }

    /// The commit a revision names: a branch or tag, or a commit itself.
    pub fn commit_of(&self, revision: &str) -> Option<&str> {
        self.revisions
            .iter()
            .find(|(name, commit)| name == revision || commit == revision)
            .map(|(_, commit)| commit.as_str())
    }

    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files.iter().find(|(file, _)| file == name).map(|(_, bytes)| bytes.as_slice())
    }
}

/// Whether the hub keeps `name` in LFS, so that `resolve` redirects to its
/// CDN: weights are LFS files on the hub, JSON and text files are not.
pub fn is_lfs(name: &str) -> bool {
    name.ends_with(".safetensors") || name.ends_with(".bin")
}

/// The etag served for a file, which hf-hub uses as the blob's file name in
/// the cache. The hub sends the git blob sha1 (or for LFS files the sha256);
/// any stable name of the content does here, so FNV-1a keeps it std-only.
pub fn etag(bytes: &[u8]) -> String {
    let hash = bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3));
    format!("{hash:016x}")
}
