//! One program run as a whole process and measured from outside: its wall
//! time and its peak resident memory.
//!
//! The peak is the child's `VmHWM` (the kernel's high-water mark of its
//! resident set, `memory.rs`) read from `/proc/PID/status` every few
//! milliseconds while it runs. `wait4`'s `ru_maxrss` would give the same figure exactly at exit,
//! but it needs `unsafe` FFI (libc), which the workspace denies
//! (`unsafe_code = "deny"`), and std does not expose it. `VmHWM` never goes
//! down, so polling loses only a new peak reached in the last interval before
//! exit; for programs that run for seconds and whose last act is writing a
//! file, that does not happen. Where `/proc` is missing (not Linux) the peak
//! is `None` and only the time is reported.

use std::fs::File;
use std::path::Path;
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::memory;

/// How often the child's status is read.
const POLL: Duration = Duration::from_millis(5);

/// What one whole process cost.
#[derive(Debug, Clone)]
pub struct Measured {
    /// From spawn to exit, seconds (`POLL` resolution).
    pub wall_secs: f64,
    /// The child's peak resident set, MiB.
    pub peak_rss_mib: Option<f64>,
    /// The command line, for the record.
    pub command: String,
}

impl Measured {
    pub fn to_json(&self) -> Value {
        json!({ "wall_secs": self.wall_secs, "peak_rss_mib": self.peak_rss_mib, "command": self.command })
    }
}

/// Runs `command` to its end with stdout and stderr into `log`, and measures
/// it. A failing exit is an error that names the log.
pub fn measure(command: &mut Command, log: &Path) -> Result<Measured> {
    let out = File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    let err = out.try_clone().with_context(|| format!("cannot reopen {}", log.display()))?;
    let line = describe(command);
    let started = Instant::now();
    let mut child = command.stdout(out).stderr(err).spawn().with_context(|| format!("cannot run {line}"))?;
    let mut peak_kib: Option<u64> = None;
    let status: ExitStatus = loop {
        if let Some(status) = child.try_wait().with_context(|| format!("waiting for {line}"))? {
            break status;
        }
        if let Some(kib) = memory::peak_kib_of(child.id()) {
            peak_kib = Some(peak_kib.map_or(kib, |peak| peak.max(kib)));
        }
        std::thread::sleep(POLL);
    };
    let wall_secs = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!("{line} failed ({status}); its output is in {}", log.display());
    }
    Ok(Measured { wall_secs, peak_rss_mib: peak_kib.map(memory::kib_to_mib), command: line })
}

/// The command as a shell would show it (program and arguments, no environment).
fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_child_that_holds_memory() {
        if !cfg!(target_os = "linux") || !Path::new("/bin/sh").exists() {
            return;
        }
        let log = std::env::temp_dir().join(format!("retag-bench-measure-{}.log", std::process::id()));
        // `sleep` keeps the child alive long enough to be polled at least once.
        let measured = measure(Command::new("/bin/sh").args(["-c", "sleep 0.1"]), &log).expect("sh runs");
        assert!(measured.wall_secs >= 0.1, "{measured:?}");
        assert!(measured.peak_rss_mib.is_some_and(|mib| mib > 0.0), "{measured:?}");
        let failed = measure(Command::new("/bin/sh").args(["-c", "exit 3"]), &log).unwrap_err();
        assert!(format!("{failed:#}").contains(&log.display().to_string()), "{failed:#}");
        let _ = std::fs::remove_file(&log);
    }
}
