//! What the CLI's test files share: running the `retag` binary, checking
//! how it ended, and the tiny random checkpoint (labels O, B/I-PER, B/I-LOC)
//! with a vocabulary, copied where a test can write beside it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// New-tagset data for the tiny checkpoint: `person` (from PER) and `city` (from LOC).
pub const DATA: &str =
    "ann B-person\nsmith I-person\nwent O\nto O\nparis B-city\n\nbob B-person\nsaw O\nthe O\nriver O\n\n";

pub fn retag(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_retag")).args(args).output().expect("the retag binary runs")
}

pub fn succeed(output: &Output) -> String {
    assert!(output.status.success(), "retag failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

pub fn fail(output: &Output) -> String {
    assert!(!output.status.success(), "retag should have failed; stdout: {}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8(output.stderr.clone()).expect("UTF-8 errors")
}

/// The tiny checkpoint (labels O, B/I-PER, B/I-LOC) with a vocabulary.
pub fn model_dir() -> TempDir {
    let dir = TempDir::new().expect("a temporary directory");
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for file in ["config.json", "model.safetensors"] {
        std::fs::copy(crates.join("bert/tests/fixtures/tiny-bert-ner").join(file), dir.path().join(file))
            .expect("copying the fixture");
    }
    std::fs::copy(crates.join("predict/tests/fixtures/tiny-bert-ner-vocab.txt"), dir.path().join("vocab.txt"))
        .expect("copying the vocabulary");
    dir
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("writing a data file");
    path
}

pub fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}
