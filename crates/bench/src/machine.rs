//! The machine a benchmark ran on, recorded with every result: the CPU's name
//! (`model name` of `/proc/cpuinfo`) and the cores the process may use. The
//! one cpuinfo reader, for the encoder binary's results files and the
//! pipeline bench's summary.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// `model name` from /proc/cpuinfo, `unknown` without one.
    pub cpu: String,
    /// Cores this process may run on.
    pub cores: usize,
}

impl Machine {
    pub fn this() -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().as_deref().and_then(cpu_name);
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self { cpu: cpu.unwrap_or_else(|| "unknown".to_string()), cores }
    }
}

/// The first `model name : NAME` line of a `/proc/cpuinfo`.
fn cpu_name(cpuinfo: &str) -> Option<String> {
    cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_model_name() {
        let check = |info: &str, expected: Option<&str>| assert_eq!(cpu_name(info).as_deref(), expected, "{info:?}");
        check("processor\t: 0\nmodel name\t: AMD EPYC 9B45  \nflags\t: avx\n", Some("AMD EPYC 9B45"));
        check("model name\t: A\nmodel name\t: B\n", Some("A"));
        check("model name:X", Some("X"));
        check("processor\t: 0\nCPU part\t: 0xd0c\n", None);
    }

    #[test]
    fn this_machine_has_a_core() {
        let machine = Machine::this();
        assert!(machine.cores >= 1 && !machine.cpu.is_empty(), "{machine:?}");
    }
}
