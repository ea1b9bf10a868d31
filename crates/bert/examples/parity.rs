//! Hand-run parity check of a real checkpoint against transformers.
//!
//! ```text
//! /work/venv/bin/python scripts/make_encoder_fixture.py minilm MODEL_DIR OUT.json
//! cargo run -p retag-bert --example parity -- MODEL_DIR OUT.json
//! # a token-classification checkpoint fine-tuned with transformers: logits too
//! /work/venv/bin/python scripts/make_encoder_fixture.py ner MODEL_DIR OUT.json
//! cargo run -p retag-bert --example parity -- MODEL_DIR OUT.json
//! ```
//!
//! Not a test: the checkpoint (90 MB for MiniLM) is not in the repository,
//! and a test that skips itself when a file is missing hides failures. Exits
//! non-zero when the last hidden states (or logits) of real (unpadded)
//! tokens differ by more than 1e-4.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use burn::tensor::{Device, Tensor};
use retag_bert::{BertForTokenClassification, BertInput, BertModel};
use serde_json::Value;

const TOLERANCE: f32 = 1e-4;

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<bool> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model_dir, fixture] = args.as_slice() else {
        bail!("usage: parity MODEL_DIR FIXTURE.json");
    };
    let (model_dir, fixture) = (PathBuf::from(model_dir), PathBuf::from(fixture));

    // The binary picks the backend: burn's pure-Rust CPU one.
    let device = Device::flex();
    let text = std::fs::read_to_string(&fixture).with_context(|| format!("reading {}", fixture.display()))?;
    let expected: Value = serde_json::from_str(&text).with_context(|| format!("parsing {}", fixture.display()))?;
    // A fixture with logits comes from a token-classification checkpoint
    // (`make_encoder_fixture.py ner`): its head is checked too.
    let with_head = expected.get("logits").is_some();
    let loading = || format!("loading {}", model_dir.display());
    let (encoder, classifier) = if with_head {
        let model = BertForTokenClassification::from_pretrained(&model_dir, &device).with_context(loading)?;
        (None, Some(model))
    } else {
        (Some(BertModel::from_pretrained(&model_dir, &device).with_context(loading)?), None)
    };
    let config = encoder.as_ref().map_or_else(
        || &classifier.as_ref().expect("with_head loads the classifier, otherwise the encoder").bert.config,
        |e| &e.config,
    );

    let input = BertInput::new(
        &rows(&expected["input_ids"])?,
        &rows(&expected["token_type_ids"])?,
        &rows(&expected["attention_mask"])?,
        config,
        &device,
    )?;
    let started = std::time::Instant::now();
    let (hidden, logits) = match (&encoder, &classifier) {
        (Some(encoder), _) => (encoder.forward(&input), None),
        (_, Some(model)) => {
            let (hidden, logits) = model.forward_with_hidden(&input);
            (hidden, Some(logits))
        }
        _ => unreachable!("one model is loaded"),
    };
    let elapsed = started.elapsed();
    let mask: Vec<bool> = rows(&expected["attention_mask"])?.concat().iter().map(|&m| m == 1).collect();

    let (real, all, dims) = compare(hidden, &expected["last_hidden_state"], &mask, &fixture)?;
    // Padding positions are computed too, but nothing reads them, and their
    // values are ill-conditioned (torch's own f32 and f64 runs differ there
    // by ~5e-5 on MiniLM): the tolerance applies to the real tokens.
    println!(
        "{}: last_hidden_state {dims:?}, max abs diff vs transformers: real tokens {real:e}, all positions {all:e} (forward {elapsed:.2?} on flex)",
        model_dir.display()
    );
    let mut max_diff = real;
    if let Some(logits) = logits {
        let (real, all, dims) = compare(logits, &expected["logits"], &mask, &fixture)?;
        println!("{}: logits {dims:?}, max abs diff: real tokens {real:e}, all positions {all:e}", model_dir.display());
        max_diff = max_diff.max(real);
    }
    Ok(max_diff <= TOLERANCE)
}

/// Max abs difference between `actual` and the fixture's `reference`, over
/// real tokens and over all positions, and the tensor's shape.
fn compare(
    actual: Tensor<3>,
    reference: &Value,
    mask: &[bool],
    fixture: &Path,
) -> anyhow::Result<(f32, f32, [usize; 3])> {
    let dims = actual.dims();
    let actual = actual.into_data();
    let actual = actual.as_slice::<f32>().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut expected = Vec::new();
    flatten(reference, &mut expected)?;
    if expected.len() != actual.len() {
        bail!("{} has {} values, the model gave {dims:?}", fixture.display(), expected.len());
    }
    let width = dims[2];
    let (mut all, mut real) = (0.0f32, 0.0f32);
    for (index, (a, e)) in actual.iter().zip(&expected).enumerate() {
        let diff = (a - e).abs();
        all = all.max(diff);
        if mask[index / width] {
            real = real.max(diff);
        }
    }
    Ok((real, all, dims))
}

fn rows(value: &Value) -> anyhow::Result<Vec<Vec<u32>>> {
    let rows = value.as_array().context("expected an array of rows")?;
    rows.iter()
        .map(|row| {
            row.as_array()
                .context("expected a row")?
                .iter()
                .map(|v| v.as_u64().and_then(|v| u32::try_from(v).ok()).context("expected a token id"))
                .collect()
        })
        .collect()
}

fn flatten(value: &Value, out: &mut Vec<f32>) -> anyhow::Result<()> {
    match value {
        Value::Array(items) => items.iter().try_for_each(|item| flatten(item, out)),
        number => {
            out.push(number.as_f64().context("expected a number")? as f32);
            Ok(())
        }
    }
}
