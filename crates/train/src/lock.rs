//! One live run per run folder: a second `retag train` or `retrain` on a
//! folder where a run is training is refused, naming the folder and the
//! process that trains there, instead of two loops overwriting each other's
//! checkpoint and evaluation log.
//!
//! The lock is the operating system's advisory lock on the file `run.lock`
//! in the folder (`File::try_lock`: `flock` on Unix, `LockFileEx` on
//! Windows), not the file's existence. The system drops it when its holder
//! ends, however it ends (a SIGKILL, a crash, a power cut), so a killed run
//! leaves no stale lock to remove by hand, and nothing has to guess from a
//! pid whether the holder still lives (a pid is reused). The file holds the
//! holder's pid as text, for the refusal's message; a pid found there when
//! the lock is taken belongs to a run that ended without releasing it,
//! which is worth a note.
//!
//! The file stays in the folder, emptied on release: deleting it would let
//! a process that opened it just before the delete lock a file no longer in
//! the folder while a third process creates and locks a new one.
//!
//! Advisory locks only bind processes that ask for them (every retag does),
//! and on some network file systems they are not shared between machines:
//! two machines training in one shared folder are not caught.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Result, TrainError};

/// The lock file's name inside the run folder.
pub const LOCK: &str = "run.lock";

/// Times the pid of a holder is looked for: the holder writes it just after
/// taking the lock, so a refusal may find the file still empty.
const HOLDER_READS: usize = 5;
const HOLDER_READ_PAUSE: Duration = Duration::from_millis(20);

/// The lock on a run folder, held until dropped.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    path: PathBuf,
    /// False on a file system that cannot lock (then the run goes on unguarded, with a note).
    locked: bool,
    note: Option<String>,
}

impl RunLock {
    /// Takes the lock on `run_dir`, which must exist. Refused with
    /// [`TrainError::Locked`] while another process (or another trainer in
    /// this one) holds it.
    pub fn acquire(run_dir: &Path) -> Result<Self> {
        let path = run_dir.join(LOCK);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(TrainError::io(&path))?;
        let mut note = None;
        let locked = match file.try_lock() {
            Ok(()) => true,
            Err(TryLockError::WouldBlock) => {
                return Err(TrainError::Locked { dir: run_dir.to_path_buf(), pid: holder(&path) });
            }
            Err(TryLockError::Error(error)) if error.kind() == ErrorKind::Unsupported => {
                note = Some(format!(
                    "{}: this file system cannot lock files ({error}); make sure no other run trains in {}",
                    path.display(),
                    run_dir.display()
                ));
                false
            }
            Err(TryLockError::Error(error)) => return Err(TrainError::io(&path)(error)),
        };
        if let Some(pid) = read_pid(&mut file) {
            note = note.or(Some(format!(
                "{}: process {pid} trained in {} and ended without releasing it (killed or crashed); \
                 this run takes the folder over",
                path.display(),
                run_dir.display()
            )));
        }
        let mut write_pid = || -> std::io::Result<()> {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            writeln!(file, "{}", std::process::id())
        };
        write_pid().map_err(TrainError::io(&path))?;
        Ok(Self { file, path, locked, note })
    }

    /// What the taking of the lock found worth telling: a previous holder
    /// that ended without releasing it, or a file system that cannot lock.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Best effort: closing the file releases the lock anyway; the pid
        // is cleared first so that the next holder does not take it for a
        // run that was killed.
        let _ = self.file.set_len(0);
        if self.locked {
            let _ = self.file.unlock();
        }
    }
}

/// The pid written in the file, if it holds one.
fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// The pid of the process holding the lock at `path`, if it has written it yet.
fn holder(path: &Path) -> Option<u32> {
    for attempt in 0..HOLDER_READS {
        if attempt > 0 {
            std::thread::sleep(HOLDER_READ_PAUSE);
        }
        if let Some(pid) = File::open(path).ok().as_mut().and_then(read_pid) {
            return Some(pid);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_folder_is_refused_naming_it_and_the_holder() {
        let dir = tempfile::TempDir::new().unwrap();
        let held = RunLock::acquire(dir.path()).unwrap();
        assert_eq!(held.note(), None, "a fresh folder has no previous holder");
        let error = RunLock::acquire(dir.path()).unwrap_err();
        assert!(matches!(error, TrainError::Locked { pid: Some(pid), .. } if pid == std::process::id()), "{error}");
        let message = error.to_string();
        assert!(message.contains(&dir.path().display().to_string()), "{message}");
        assert!(message.contains(&format!("process {}", std::process::id())), "{message}");

        drop(held);
        let again = RunLock::acquire(dir.path()).expect("a released lock is free");
        assert_eq!(again.note(), None, "a release is not a crash");
    }

    #[test]
    fn a_pid_left_by_a_killed_holder_is_taken_over_with_a_note() {
        let dir = tempfile::TempDir::new().unwrap();
        // What a killed holder leaves: its pid, and no lock (the system dropped it).
        std::fs::write(dir.path().join(LOCK), "4194304\n").unwrap();
        let lock = RunLock::acquire(dir.path()).unwrap();
        let note = lock.note().expect("a note on the takeover");
        assert!(note.contains("process 4194304") && note.contains("ended without releasing"), "{note}");
        let written = std::fs::read_to_string(lock.path()).unwrap();
        assert_eq!(written.trim(), std::process::id().to_string());
        drop(lock);
        assert_eq!(std::fs::read_to_string(dir.path().join(LOCK)).unwrap(), "", "emptied on release");
    }

    #[test]
    fn a_missing_folder_is_named() {
        let dir = tempfile::TempDir::new().unwrap();
        let error = RunLock::acquire(&dir.path().join("nowhere")).unwrap_err();
        assert!(error.to_string().contains("run.lock"), "{error}");
    }
}
