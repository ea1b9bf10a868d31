//! The training-config parser must never panic: every input, read as TOML
//! (`config.toml`) and as JSON (`config.json`), gives a config or an error,
//! and a config it accepts can be validated and compared with another.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use retag_train::TrainConfig;

fuzz_target!(|data: &[u8]| {
    // `TrainConfig::from_file` reads with `read_to_string`: UTF-8 only.
    let Ok(text) = std::str::from_utf8(data) else { return };
    for name in ["config.toml", "config.json"] {
        let Ok(config) = TrainConfig::parse(text, Path::new(name)) else { continue };
        let _ = config.validate();
        // What `--resume` does with the config a run started with.
        let _ = config.changes_from(&TrainConfig::default());
    }
});
