//! The checks on a checkpoint's `model.safetensors` must never panic: any
//! bytes give an error (bad header, unexpected, mis-typed, mis-shaped or
//! missing tensor) or pass. The config is fixed, the one-layer model of
//! `seeds/tiny-bert/` (whose `model.safetensors` is the seed to start from),
//! so that mutations of a valid file reach the per-tensor checks.
#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use retag_bert::remap::Head;
use retag_bert::{BertConfig, check_weights};

static CONFIG: LazyLock<BertConfig> = LazyLock::new(|| {
    BertConfig::from_json_str(include_str!("../seeds/tiny-bert/config.json"), Path::new("config.json"))
        .expect("the seed config is valid")
});

fuzz_target!(|data: &[u8]| {
    let num_labels = CONFIG.num_labels().expect("the seed config has labels");
    for head in [Head::TokenClassification { num_labels }, Head::None] {
        let _ = check_weights(data, Path::new("model.safetensors"), &CONFIG, head);
    }
});
