//! `retag retrain`, then `retag predict` and `retag eval` on the exported
//! folder, for each model family other than BERT: the tiny RoBERTa,
//! XLM-RoBERTa and DistilBERT checkpoints of retag-bert's fixtures
//! (`scripts/make_family_fixtures.py`), each with its own tokenizer.
//!
//! What is checked is the round trip: the retrained model is written back
//! in its family's own format (its `model_type`, `architectures` and tensor
//! names, so that transformers loads it as that family), its encoder did
//! train, and the folder predicts, and scores the test file exactly as the
//! run scored it before writing it. Whether the models learn is not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

mod common;

use common::{path, retag, succeed, write};

/// The new tagset's data: `person` (from PER) and `city` (from LOC), in the
/// kind of text the fixtures' tokenizers were trained on.
const DATA: &str = "Marie B-person\nCurie I-person\nwas O\nborn O\nin O\nWarsaw B-city\n. O\n\n\
                    Ada B-person\nLovelace I-person\nvisited O\nLondon B-city\n. O\n\n\
                    Bob B-person\nmoved O\nto O\nZürich B-city\nagain O\n! O\n\n\
                    José B-person\nSaramago I-person\nleft O\nSão B-city\nPaulo I-city\n. O\n\n";

/// The family's model type, the name it keeps its encoder under, and one
/// encoder tensor that training must change.
const FAMILIES: [(&str, &str, &str); 3] = [
    ("roberta", "RobertaForTokenClassification", "roberta.encoder.layer.0.attention.self.query.weight"),
    ("xlm-roberta", "XLMRobertaForTokenClassification", "roberta.encoder.layer.0.attention.self.query.weight"),
    ("distilbert", "DistilBertForTokenClassification", "distilbert.transformer.layer.0.attention.q_lin.weight"),
];

fn fixture(family: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../bert/tests/fixtures/tiny-{family}-ner"))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("a JSON file")).expect("valid JSON")
}

/// Each tensor of a `model.safetensors` and its bytes, read from the format
/// itself (an 8-byte little-endian header length, a JSON header of names
/// and data offsets, then the data).
fn tensors(file: &Path) -> BTreeMap<String, Vec<u8>> {
    let bytes = std::fs::read(file).expect("model.safetensors");
    let length = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let header: Value = serde_json::from_slice(&bytes[8..8 + length]).expect("a JSON header");
    let data = &bytes[8 + length..];
    header
        .as_object()
        .expect("an object")
        .iter()
        .filter(|(name, _)| *name != "__metadata__")
        .map(|(name, entry)| {
            let offsets = &entry["data_offsets"];
            let [start, end] = [0, 1].map(|i| offsets[i].as_u64().expect("an offset") as usize);
            (name.clone(), data[start..end].to_vec())
        })
        .collect()
}

#[test]
fn each_family_retrains_exports_in_its_own_format_and_predicts() {
    for (family, architecture, encoder_tensor) in FAMILIES {
        let dir = TempDir::new().expect("a temporary directory");
        let data = write(dir.path(), "new.txt", DATA);
        let out = dir.path().join("retrained");
        let stdout = succeed(&retag(&[
            "retrain",
            "--model",
            path(&fixture(family)),
            "--strategy",
            "naive",
            "--train",
            path(&data),
            "--dev",
            path(&data),
            "--test",
            path(&data),
            "--out",
            path(&out),
            "--epochs",
            "2",
            // One sentence a step: the first step is all warm-up (a zero
            // learning rate, as transformers' schedule has it), and the best
            // epoch may be the first, so that epoch needs steps that train.
            "--batch-size",
            "1",
            "--progress",
            "off",
        ]));
        assert!(stdout.contains("test:"), "{family}: {stdout}");

        // The family's own checkpoint: config, tensor names, tokenizer.
        let config = json(&out.join("config.json"));
        assert_eq!(config["model_type"], family);
        assert_eq!(config["architectures"], serde_json::json!([architecture]), "{family}");
        let labels: Vec<&str> =
            config["id2label"].as_object().expect("id2label").values().filter_map(Value::as_str).collect();
        assert_eq!(labels, ["O", "B-city", "I-city", "B-person", "I-person"], "{family}");
        let before = tensors(&fixture(family).join("model.safetensors"));
        let after = tensors(&out.join("model.safetensors"));
        let names = |tensors: &BTreeMap<String, Vec<u8>>| tensors.keys().cloned().collect::<BTreeSet<_>>();
        assert_eq!(names(&after), names(&before), "{family}: the names transformers saved, no more, no fewer");
        assert_ne!(after[encoder_tensor], before[encoder_tensor], "{family}: the encoder trained");
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            assert_eq!(
                std::fs::read(out.join(file)).expect("copied"),
                std::fs::read(fixture(family).join(file)).expect("the fixture's"),
                "{family}: {file}"
            );
        }

        // The folder predicts every word with a tag of the new tagset...
        let predicted = dir.path().join("predicted.txt");
        succeed(&retag(&["predict", "--model", path(&out), "--input", path(&data), "--output", path(&predicted)]));
        let predicted = std::fs::read_to_string(&predicted).expect("predictions");
        let rows: Vec<(&str, &str)> =
            predicted.lines().filter(|l| !l.is_empty()).map(|l| l.split_once(' ').expect("token tag")).collect();
        let words: Vec<&str> =
            DATA.lines().filter(|l| !l.is_empty()).map(|l| l.split(' ').next().expect("a token")).collect();
        assert_eq!(rows.iter().map(|(word, _)| *word).collect::<Vec<_>>(), words, "{family}");
        assert!(rows.iter().all(|(_, tag)| labels.contains(tag)), "{family}: {predicted}");

        // ...and scores the test file as the run scored the model it wrote.
        let metrics = json(&out.join("metrics.json"));
        let eval: Value =
            serde_json::from_str(&succeed(&retag(&["eval", "--model", path(&out), "--data", path(&data), "--json"])))
                .expect("eval --json");
        for field in ["precision", "recall", "f1"] {
            let from_folder = eval.pointer(&format!("/micro/{field}"));
            assert_eq!(from_folder, metrics.pointer(&format!("/test/micro/{field}")), "{family}: {eval} vs {metrics}");
        }
    }
}
