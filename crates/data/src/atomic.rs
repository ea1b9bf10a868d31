//! Writing files and folders atomically: a reader (a later load, a user, a
//! resumed run) sees the old version or the new one, never half of one.
//!
//! Everything retag writes for later goes through here: a head's tensors,
//! a training checkpoint, `metrics.json`, a converted data file, a whole
//! model folder. The recipe is the usual one: write beside the destination
//! under the hidden name `.name.partial` (beside it, so that the final
//! rename stays on one file system and so is atomic), make the bytes
//! durable, rename into place. On any failure the partial file or folder is
//! removed, and the destination is as it was.
//!
//! One writer per destination at a time: two writers of the same path share
//! the partial name, and a partial left by a crash is simply overwritten by
//! the next write.
//!
//! Errors are [`DataError::Io`] naming the destination, the path the user
//! asked for, rather than the partial name they never chose.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{DataError, Result};

/// A file being written to `<name>.partial` beside its destination, buffered.
/// [`AtomicFile::commit`] moves it into place; dropping it uncommitted (an
/// error, a panic, an early return) removes the partial file and leaves the
/// destination untouched.
#[derive(Debug)]
pub struct AtomicFile {
    /// `None` only once committed or while being dropped.
    out: Option<BufWriter<File>>,
    partial: PathBuf,
    destination: PathBuf,
    /// Renamed into place: nothing is left for `drop` to remove.
    committed: bool,
}

impl AtomicFile {
    /// Starts writing `destination`. A partial file left by a crashed
    /// earlier write is truncated and reused.
    pub fn create(destination: &Path) -> Result<Self> {
        let partial = partial_path(destination)?;
        let file = File::create(&partial).map_err(io(destination))?;
        Ok(Self { out: Some(BufWriter::new(file)), partial, destination: destination.to_path_buf(), committed: false })
    }

    /// The path the file will have once committed.
    pub fn destination(&self) -> &Path {
        &self.destination
    }

    /// Flushes the buffer (an error here, such as a full disk, must not go
    /// unnoticed), syncs the file to disk and renames it over the
    /// destination; then syncs the folder so that the rename survives a
    /// power cut. On error the partial file is removed.
    pub fn commit(mut self) -> Result<()> {
        let out = self.out.take().expect("out is Some from create on; commit consumes self, so it takes it once");
        let file = out.into_inner().map_err(|error| io(&self.destination)(error.into_error()))?;
        file.sync_all().map_err(io(&self.destination))?;
        // Closed before the rename: some systems refuse to rename an open file.
        drop(file);
        std::fs::rename(&self.partial, &self.destination).map_err(io(&self.destination))?;
        self.committed = true;
        // Best effort: the new file is in place and its bytes are on disk;
        // at worst a power cut now loses the rename and leaves the old file,
        // which is still whole. Failing here would report a write that
        // happened as one that did not.
        if let Ok(folder) = File::open(parent_of(&self.destination)) {
            let _ = folder.sync_all();
        }
        Ok(())
    }

    fn out(&mut self) -> &mut BufWriter<File> {
        self.out.as_mut().expect("out is Some from create on; only commit (which consumes self) and drop take it")
    }
}

impl Write for AtomicFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.out().write(bytes)
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out().write_all(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out().flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        // Closed first, without flushing what is buffered, since it is
        // thrown away: some systems refuse to remove an open file.
        drop(self.out.take().map(BufWriter::into_parts));
        // Best effort: the error that abandoned the file matters more.
        let _ = std::fs::remove_file(&self.partial);
    }
}

/// Writes `bytes` to `path` through an [`AtomicFile`], replacing any file
/// there in one step.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).map_err(io(path))?;
    file.commit()
}

/// Makes the new folder `dir` with `write`, which fills a hidden
/// `.name.partial` folder beside it; the folder is renamed into place only
/// once `write` succeeded, so a crash or an error never leaves a
/// half-written folder where a later load would take it for a whole one.
///
/// `dir` must not exist: a model folder is never written over another (an
/// existing `dir` is an [`io::ErrorKind::AlreadyExists`] error). A partial
/// folder left by an earlier crash is removed first, and the partial folder
/// is removed whenever `write` or the rename fails. Every model folder
/// retag writes goes through here.
pub fn write_dir_atomically<E: From<DataError>>(
    dir: &Path,
    write: impl FnOnce(&Path) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    if dir.exists() {
        let refusal = io::Error::new(io::ErrorKind::AlreadyExists, "already exists; retag writes a new folder");
        return Err(io(dir)(refusal).into());
    }
    let partial = partial_path(dir)?;
    if partial.exists() {
        // Left by a write that crashed: never a finished folder.
        std::fs::remove_dir_all(&partial).map_err(io(&partial))?;
    }
    std::fs::create_dir_all(&partial).map_err(io(&partial))?;
    let written = write(&partial).and_then(|()| std::fs::rename(&partial, dir).map_err(|e| io(dir)(e).into()));
    if written.is_err() {
        // Best effort: the error being returned matters more than this one.
        let _ = std::fs::remove_dir_all(&partial);
    }
    written
}

/// Checks, before hours of work, that [`write_dir_atomically`] could make
/// the new folder `dir`: that it does not exist, that no folder on its path
/// is a regular file, and that a file can be created and made durable
/// beside it. The probe (a hidden `.name.probe` folder holding one byte,
/// and any missing parent folders) is removed again.
///
/// This knows what can be known up front: a path under a file (or under
/// `/dev/full`), a read-only file system, a disk already full, a folder the
/// user may not write to. It cannot promise room for the whole folder.
/// Errors are [`DataError::Io`] naming `dir`.
pub fn check_new_dir(dir: &Path) -> Result<()> {
    if dir.symlink_metadata().is_ok() {
        let refusal = io::Error::new(io::ErrorKind::AlreadyExists, "already exists; retag writes a new folder");
        return Err(io(dir)(refusal));
    }
    let probe = hidden_beside(dir, ".probe")?;
    // The folders the probe creates, innermost first, so that they are
    // removed in that order; the first that exists must be a folder.
    let mut created = Vec::new();
    for ancestor in probe.ancestors().filter(|path| !path.as_os_str().is_empty()) {
        match ancestor.metadata() {
            Ok(metadata) if metadata.is_dir() => break,
            Ok(_) => {
                let reason = format!("{} is not a folder", ancestor.display());
                return Err(io(dir)(io::Error::new(io::ErrorKind::NotADirectory, reason)));
            }
            Err(_) => created.push(ancestor.to_path_buf()),
        }
    }
    let written = std::fs::create_dir_all(&probe).and_then(|()| {
        let mut file = File::create(probe.join("probe"))?;
        file.write_all(b"r")?;
        // A full disk often shows only here, when the byte needs a block.
        file.sync_all()
    });
    // Best effort: the probe's own error, if any, matters more.
    let _ = std::fs::remove_file(probe.join("probe"));
    for folder in &created {
        let _ = std::fs::remove_dir(folder);
    }
    written.map_err(io(dir))
}

/// `parent/.name.partial` for `parent/name`: hidden, and on the same file
/// system as the destination so that the final rename is atomic.
fn partial_path(destination: &Path) -> Result<PathBuf> {
    hidden_beside(destination, ".partial")
}

/// `parent/.name<suffix>` for `parent/name`.
fn hidden_beside(destination: &Path, suffix: &str) -> Result<PathBuf> {
    let name = destination
        .file_name()
        .ok_or_else(|| io(destination)(io::Error::new(io::ErrorKind::InvalidInput, "not a file or folder name")))?;
    let mut hidden = OsString::from(".");
    hidden.push(name);
    hidden.push(suffix);
    Ok(destination.with_file_name(hidden))
}

/// The folder `path` is in; `.` for a bare file name.
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn io(path: &Path) -> impl FnOnce(io::Error) -> DataError + use<> {
    let path = path.to_path_buf();
    move |source| DataError::Io { path, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in `dir`, sorted.
    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> =
            std::fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    #[test]
    fn a_committed_file_has_the_bytes_and_no_partial_remains() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("head.safetensors");
        write_atomically(&path, b"new bytes").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new bytes");
        assert_eq!(entries(dir.path()), ["head.safetensors"]);
    }

    #[test]
    fn a_commit_replaces_an_older_file_in_one_step() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.json");
        std::fs::write(&path, "old").unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"new, ").unwrap();
        file.write_all(b"written in pieces").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old", "the old file stays until the commit");
        assert_eq!(file.destination(), path);
        file.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new, written in pieces");
        assert_eq!(entries(dir.path()), ["metrics.json"]);
    }

    #[test]
    fn a_dropped_writer_leaves_the_destination_untouched_and_no_partial() {
        let dir = tempfile::tempdir().unwrap();
        let older = dir.path().join("checkpoint.bin");
        std::fs::write(&older, "older checkpoint").unwrap();
        let fresh = dir.path().join("out.conll");
        for path in [&older, &fresh] {
            let mut file = AtomicFile::create(path).unwrap();
            file.write_all(&[7; 100_000]).unwrap();
            drop(file);
        }
        assert_eq!(std::fs::read_to_string(&older).unwrap(), "older checkpoint");
        assert!(!fresh.exists());
        assert_eq!(entries(dir.path()), ["checkpoint.bin"]);
    }

    #[test]
    fn a_partial_file_left_by_a_crash_is_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".out.jsonl.partial"), "a crashed write, longer than the new one").unwrap();
        let path = dir.path().join("out.jsonl");
        write_atomically(&path, b"whole").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"whole");
        assert_eq!(entries(dir.path()), ["out.jsonl"]);
    }

    #[test]
    fn a_built_folder_is_renamed_into_place() {
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("model");
        write_dir_atomically::<DataError>(&dir, |partial| {
            assert_eq!(partial, out.path().join(".model.partial"));
            assert!(!dir.exists(), "the destination appears only at the end");
            write_atomically(&partial.join("config.json"), b"{}")
        })
        .unwrap();
        assert_eq!(entries(&dir), ["config.json"]);
        assert_eq!(entries(out.path()), ["model"]);
    }

    #[test]
    fn a_failing_folder_build_leaves_no_destination_and_no_partial() {
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("model");
        let error = write_dir_atomically(&dir, |partial| {
            std::fs::write(partial.join("config.json"), "{}").unwrap();
            Err(DataError::InvalidOption { option: "--test".into(), reason: "the build failed".into() })
        })
        .unwrap_err();
        assert!(error.to_string().contains("the build failed"), "the build's own error is returned: {error}");
        assert!(entries(out.path()).is_empty(), "{:?}", entries(out.path()));
    }

    #[test]
    fn an_existing_folder_is_refused_and_kept() {
        let out = tempfile::tempdir().unwrap();
        std::fs::write(out.path().join("keep.txt"), "user data").unwrap();
        let error =
            write_dir_atomically::<DataError>(out.path(), |_| panic!("nothing is built over an existing folder"))
                .unwrap_err();
        assert!(
            matches!(&error, DataError::Io { path, source }
                if path == out.path() && source.kind() == io::ErrorKind::AlreadyExists),
            "{error:?}"
        );
        assert!(error.to_string().contains("already exists"), "{error}");
        assert_eq!(std::fs::read_to_string(out.path().join("keep.txt")).unwrap(), "user data");
    }

    #[test]
    fn a_partial_folder_left_by_a_crash_is_replaced() {
        let out = tempfile::tempdir().unwrap();
        let stale = out.path().join(".model.partial");
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join("model.safetensors"), "half a model").unwrap();
        let dir = out.path().join("model");
        write_dir_atomically::<DataError>(&dir, |partial| write_atomically(&partial.join("config.json"), b"{}"))
            .unwrap();
        assert_eq!(entries(&dir), ["config.json"]);
        assert_eq!(entries(out.path()), ["model"]);
    }

    #[test]
    fn a_new_folder_is_checked_without_leaving_anything_behind() {
        let out = tempfile::tempdir().unwrap();
        check_new_dir(&out.path().join("model")).unwrap();
        check_new_dir(&out.path().join("runs").join("today").join("model")).unwrap();
        assert!(entries(out.path()).is_empty(), "{:?}", entries(out.path()));
    }

    #[test]
    fn a_new_folder_that_cannot_be_made_is_refused_naming_it() {
        let out = tempfile::tempdir().unwrap();
        let file = out.path().join("a-file");
        std::fs::write(&file, "not a folder").unwrap();
        for dir in [file.join("model"), file.join("deeper").join("model"), PathBuf::from("/dev/full/model")] {
            let error = check_new_dir(&dir).unwrap_err();
            assert!(matches!(&error, DataError::Io { path, .. } if *path == dir), "{error:?}");
            assert!(error.to_string().contains("is not a folder"), "{error}");
        }
        let error = check_new_dir(&file).unwrap_err();
        assert!(error.to_string().contains("already exists"), "{error}");
        assert_eq!(entries(out.path()), ["a-file"]);
    }

    #[test]
    fn writing_under_a_regular_file_fails_naming_the_path() {
        let out = tempfile::tempdir().unwrap();
        let file = out.path().join("a-file");
        std::fs::write(&file, "not a folder").unwrap();
        let path = file.join("metrics.json");

        let error = write_atomically(&path, b"{}").unwrap_err();
        assert!(matches!(&error, DataError::Io { path: named, .. } if *named == path), "{error:?}");
        assert!(error.to_string().contains(&path.display().to_string()), "{error}");

        let dir = file.join("model");
        let error = write_dir_atomically::<DataError>(&dir, |_| Ok(())).unwrap_err();
        assert!(error.to_string().contains("a-file"), "{error}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
        assert_eq!(entries(out.path()), ["a-file"]);
    }
}
