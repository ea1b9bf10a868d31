//! Peak resident memory of this process, read from Linux's `/proc/self/status`
//! (`VmHWM`, the high-water mark of the resident set), and reset between cases
//! through `/proc/self/clear_refs` so that each case reports its own peak: the
//! model's weights plus that case's activations.

/// The peak resident set of this process so far, in MiB; `None` where
/// `/proc` is not there (not Linux).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm_kib(&status).map(|kib| kib as f64 / 1024.0)
}

/// Starts a new peak from the current resident set (Linux 4.0+: writing `5`
/// to `clear_refs`). Returns whether it could; where it cannot, the peaks that
/// follow are the process's, from its start.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The `VmHWM:   123456 kB` line of a `/proc/<pid>/status`.
fn parse_vm_hwm_kib(status: &str) -> Option<u64> {
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
        let check = |status: &str, expected: Option<u64>| assert_eq!(parse_vm_hwm_kib(status), expected, "{status:?}");
        check("Name:\tx\nVmPeak:\t  900 kB\nVmHWM:\t  123456 kB\nVmRSS:\t 1 kB\n", Some(123456));
        check("VmHWM:\t0 kB", Some(0));
        check("VmRSS:\t1 kB\n", None);
        check("VmHWM:\t12 MB\n", None);
        check("VmHWM:\tlots kB\n", None);
    }

    #[test]
    fn this_process_has_a_peak_on_linux() {
        if cfg!(target_os = "linux") {
            let peak = peak_rss_mib().expect("Linux has /proc/self/status");
            assert!(peak > 0.0);
        }
    }
}
