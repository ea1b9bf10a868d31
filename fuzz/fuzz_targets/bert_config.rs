//! The reader of a checkpoint's HF `config.json` must never panic: every
//! input gives a checked `BertConfig` or an error naming the field.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use retag_bert::BertConfig;

fuzz_target!(|data: &[u8]| {
    // `BertConfig::from_file` reads with `read_to_string`: UTF-8 only.
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(config) = BertConfig::from_json_str(text, Path::new("config.json")) {
        let _ = config.num_labels();
    }
});
