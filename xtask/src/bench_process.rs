//! One program run as a whole process and measured from outside: its wall
//! time and its peak resident memory.
//!
//! The peak is the child's `VmHWM` (the kernel's high-water mark of its
//! resident set) read from `/proc/PID/status` every few milliseconds while it
//! runs. `wait4`'s `ru_maxrss` would give the same figure exactly at exit,
//! but it needs `unsafe` FFI (libc), which the workspace forbids
//! (`unsafe_code = "forbid"`), and std does not expose it. `VmHWM` never goes
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
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib: Option<u64> = None;
    let status: ExitStatus = loop {
        if let Some(status) = child.try_wait().with_context(|| format!("waiting for {line}"))? {
            break status;
        }
        if let Some(kib) = std::fs::read_to_string(&status_file).ok().as_deref().and_then(vm_hwm_kib) {
            peak_kib = Some(peak_kib.map_or(kib, |peak| peak.max(kib)));
        }
        std::thread::sleep(POLL);
    };
    let wall_secs = started.elapsed().as_secs_f64();
    if !status.success() {
        bail!("{line} failed ({status}); its output is in {}", log.display());
    }
    Ok(Measured { wall_secs, peak_rss_mib: peak_kib.map(|kib| kib as f64 / 1024.0), command: line })
}

/// The command as a shell would show it (program and arguments, no environment).
fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `VmHWM:   123456 kB` line of a `/proc/PID/status`; `None` for a zombie
/// (whose memory is gone, and the line with it) or an unexpected unit.
fn vm_hwm_kib(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|line| line.strip_prefix("VmHWM:"))?;
    let mut fields = line.split_whitespace();
    let value = fields.next()?.parse().ok()?;
    (fields.next() == Some("kB")).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_high_water_mark() {
        let check = |status: &str, expected: Option<u64>| assert_eq!(vm_hwm_kib(status), expected, "{status:?}");
        check("Name:\tx\nVmPeak:\t  900 kB\nVmHWM:\t  123456 kB\nVmRSS:\t 1 kB\n", Some(123456));
        check("Name:\tzombie\nState:\tZ (zombie)\n", None);
        check("VmHWM:\t12 MB\n", None);
        check("VmHWM:\tlots kB\n", None);
    }

    #[test]
    fn measures_a_child_that_holds_memory() {
        if !cfg!(target_os = "linux") || !Path::new("/bin/sh").exists() {
            return;
        }
        let log = std::env::temp_dir().join(format!("xtask-measure-{}.log", std::process::id()));
        // `sleep` keeps the child alive long enough to be polled at least once.
        let measured = measure(Command::new("/bin/sh").args(["-c", "sleep 0.1"]), &log).expect("sh runs");
        assert!(measured.wall_secs >= 0.1, "{measured:?}");
        assert!(measured.peak_rss_mib.is_some_and(|mib| mib > 0.0), "{measured:?}");
        let failed = measure(Command::new("/bin/sh").args(["-c", "exit 3"]), &log).unwrap_err();
        assert!(format!("{failed:#}").contains(&log.display().to_string()), "{failed:#}");
        let _ = std::fs::remove_file(&log);
    }
}
