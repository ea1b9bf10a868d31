//! Peak resident memory, read from Linux's `/proc/PID/status`: `VmHWM`, the
//! kernel's high-water mark of a process's resident set. The one reader of
//! it, for both kinds of measurement: the encoder binary reads its own
//! (`/proc/self`, reset between cases through `/proc/self/clear_refs` so that
//! each case reports its own peak: the model's weights plus that case's
//! activations), the pipeline bench a child's while it runs (`process.rs`).

/// The peak resident set of this process so far, in MiB; `None` where
/// `/proc` is not there (not Linux).
pub fn peak_rss_mib() -> Option<f64> {
    peak_kib("self").map(kib_to_mib)
}

/// The peak resident set of process `pid` so far, in KiB; `None` where
/// `/proc` is not there, and for a zombie (whose memory is gone, and the
/// line with it).
pub fn peak_kib_of(pid: u32) -> Option<u64> {
    peak_kib(&pid.to_string())
}

pub fn kib_to_mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Starts a new peak of this process from its current resident set (Linux
/// 4.0+: writing `5` to `clear_refs`). Returns whether it could; where it
/// cannot, the peaks that follow are the process's, from its start.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn peak_kib(pid: &str) -> Option<u64> {
    vm_hwm_kib(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// The `VmHWM:   123456 kB` line of a `/proc/PID/status`; `None` without one
/// or with an unexpected unit.
pub fn vm_hwm_kib(status: &str) -> Option<u64> {
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
        check("VmHWM:\t0 kB", Some(0));
        check("Name:\tzombie\nState:\tZ (zombie)\n", None);
        check("VmRSS:\t1 kB\n", None);
        check("VmHWM:\t12 MB\n", None);
        check("VmHWM:\tlots kB\n", None);
    }

    #[test]
    fn this_process_has_a_peak_on_linux() {
        if cfg!(target_os = "linux") {
            let peak = peak_rss_mib().expect("Linux has /proc/self/status");
            assert!(peak > 0.0);
            let by_pid = peak_kib_of(std::process::id()).expect("and /proc/PID/status");
            assert!(by_pid > 0);
        }
    }
}
