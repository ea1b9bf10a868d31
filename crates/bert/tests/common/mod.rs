//! Helpers shared by the integration tests: the committed tiny checkpoint,
//! its PyTorch outputs, and copies of it that a test may damage.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor};
use serde_json::Value;

/// The random 2-layer, hidden-32 `BertForTokenClassification` written by
/// `scripts/make_encoder_fixture.py tiny`.
pub fn tiny_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-bert-ner")
}

/// The batch and transformers' outputs for the tiny checkpoint.
pub fn tiny_expected() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-bert-ner.expected.json");
    let text = std::fs::read_to_string(&path).expect("the committed fixture is readable");
    serde_json::from_str(&text).expect("the committed fixture is JSON")
}

/// Tests run on burn's pure-Rust CPU backend.
pub fn device() -> Device {
    Device::flex()
}

/// A copy of the tiny checkpoint in a fresh temporary directory.
pub fn tiny_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for file in ["config.json", "model.safetensors"] {
        std::fs::copy(tiny_dir().join(file), dir.path().join(file)).expect("copying the fixture");
    }
    dir
}

/// A JSON array of arrays of integers, as rows of `u32`.
pub fn rows(value: &Value) -> Vec<Vec<u32>> {
    value
        .as_array()
        .expect("an array of rows")
        .iter()
        .map(|row| row.as_array().expect("a row").iter().map(|v| v.as_u64().expect("an integer") as u32).collect())
        .collect()
}

/// The flattened values and dims of a nested JSON array of numbers.
pub fn flatten(value: &Value) -> (Vec<f32>, Vec<usize>) {
    fn walk(value: &Value, depth: usize, values: &mut Vec<f32>, dims: &mut Vec<usize>) {
        match value {
            Value::Array(items) => {
                if dims.len() == depth {
                    dims.push(items.len());
                }
                for item in items {
                    walk(item, depth + 1, values, dims);
                }
            }
            number => values.push(number.as_f64().expect("a number") as f32),
        }
    }
    let (mut values, mut dims) = (Vec::new(), Vec::new());
    walk(value, 0, &mut values, &mut dims);
    (values, dims)
}

/// Largest absolute difference between a tensor and a nested JSON array,
/// after checking that they have the same shape.
pub fn max_abs_diff(actual: Tensor<3>, expected: &Value) -> f32 {
    let (expected, dims) = flatten(expected);
    assert_eq!(actual.dims().to_vec(), dims, "shape of the output");
    let actual = actual.into_data();
    let actual = actual.as_slice::<f32>().expect("f32 output");
    actual.iter().zip(&expected).map(|(a, e)| (a - e).abs()).fold(0.0, f32::max)
}

/// The message of the `ModelSource` error `result` holds; a resolved path
/// or any other error fails the test.
pub fn model_source_message(result: retag_bert::Result<PathBuf>) -> String {
    match result {
        Ok(path) => panic!("resolved to {}", path.display()),
        Err(e @ retag_bert::BertError::ModelSource { .. }) => e.to_string(),
        Err(e) => panic!("expected a ModelSource error, got {e}"),
    }
}

/// Fails unless `message` mentions every one of `parts`.
pub fn assert_mentions(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "{message:?} does not mention {part:?}");
    }
}
