//! Log lines on stderr through `tracing`: the libraries emit events
//! (`tracing::info!` and the like), and this is the one place a subscriber
//! is installed, at the level `-v`/`-q` ask for, unless `RUST_LOG` says
//! otherwise. Progress bars and result tables are not logs: they are
//! printed as before, whatever the level.

use tracing_subscriber::EnvFilter;

/// The filter for `-v` given `verbose` times, or `-q`: retag's own crates
/// (whose targets all start with `retag`) at the asked level; burn, cubecl
/// and wgpu at warnings until -vvv, where they are as chatty as retag.
pub fn filter(verbose: u8, quiet: bool) -> String {
    match (quiet, verbose) {
        (true, _) => "error".to_string(),
        (false, 0) => "warn".to_string(),
        (false, 1) => "warn,retag=info".to_string(),
        (false, 2) => "warn,retag=debug".to_string(),
        (false, _) => "trace".to_string(),
    }
}

/// Installs the subscriber once per process; later calls (a Python session
/// running several commands) keep the first.
pub fn init(verbose: u8, quiet: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter(verbose, quiet)));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(verbose >= 2)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_flag_gives_its_level_and_keeps_dependencies_quiet_until_the_third_v() {
        assert_eq!(filter(0, false), "warn");
        assert_eq!(filter(1, false), "warn,retag=info");
        assert_eq!(filter(2, false), "warn,retag=debug");
        assert_eq!(filter(3, false), "trace");
        assert_eq!(filter(0, true), "error");
        for verbose in 0..4 {
            EnvFilter::try_new(filter(verbose, false)).expect("a valid filter");
        }
    }
}
