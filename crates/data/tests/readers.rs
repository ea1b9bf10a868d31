//! Integration tests of the CoNLL and JSONL readers and writers: the
//! bad-input corpus, the real corpora of `shared/data`, round trips and
//! robustness on arbitrary bytes.

#[path = "readers/bad_inputs.rs"]
mod bad_inputs;
#[path = "readers/no_panic.rs"]
mod no_panic;
#[path = "readers/real_data.rs"]
mod real_data;
#[path = "readers/round_trips.rs"]
mod round_trips;

use std::path::PathBuf;

/// The bad-input corpus: one file per failure.
pub fn bad_fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad"))
}
