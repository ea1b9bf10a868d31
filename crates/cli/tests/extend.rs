//! `retag extend` as a user runs it, on the tiny random checkpoint (labels
//! O, B/I-PER, B/I-LOC): the output folder, the report, and the errors.
//! Whether extending keeps the old types is tested in retag-retrain.

use std::path::Path;

use tempfile::TempDir;

mod common;

use common::{fail, model_dir, path, retag, succeed, write};

/// Data annotated with the new type only: its people and cities say O.
const NEW_ONLY: &str = "hello B-greeting\nann O\nsmith O\nwent O\nto O\nparis O\n\n\
                        hi B-greeting\nbob O\nsaw O\nthe O\nriver O\n\n";
/// Test data annotated with the old types and the new one.
const BOTH: &str = "hello B-greeting\nann B-PER\nsmith I-PER\nwent O\nto O\nparis B-LOC\n\n\
                    bob B-PER\nsaw O\noslo B-LOC\n\n";

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("a JSON file")).expect("valid JSON")
}

#[test]
fn extend_writes_a_model_with_old_and_new_types_and_reports_each_group() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let data = write(dir.path(), "new.txt", NEW_ONLY);
    let test = write(dir.path(), "test.txt", BOTH);
    let out = dir.path().join("extended");
    let run = |out: &Path, extra: &[&str]| {
        let mut args = vec![
            "extend",
            "--model",
            path(model.path()),
            "--train",
            path(&data),
            "--dev",
            path(&data),
            "--test",
            path(&test),
            "--out",
            path(out),
            "--epochs",
            "1",
            "--progress",
            "off",
        ];
        args.extend(extra);
        retag(&args)
    };
    // Threshold 0: every entity the random old model predicts is adopted.
    let stdout = succeed(&run(&out, &["--rehearsal-threshold", "0"]));
    assert!(stdout.contains("train: pseudo-rehearsal (old model's confidence >= 0)"), "{stdout}");
    assert!(stdout.contains("old types (LOC, PER): F1"), "{stdout}");
    assert!(stdout.contains("new types (greeting): F1"), "{stdout}");
    assert!(stdout.contains("copied from B-PER") && stdout.contains("copied from I-LOC"), "old rows kept: {stdout}");
    for file in ["config.json", "model.safetensors", "vocab.txt", "metrics.json", "run-config.json"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let config = json(&out.join("config.json"));
    let labels: Vec<&str> =
        config["id2label"].as_object().expect("id2label").values().filter_map(|v| v.as_str()).collect();
    assert_eq!(labels, ["O", "B-LOC", "I-LOC", "B-PER", "I-PER", "B-greeting", "I-greeting"]);
    let metrics = json(&out.join("metrics.json"));
    assert_eq!(metrics["strategy"], "extend");
    assert_eq!(metrics["extension"]["old_types"], serde_json::json!(["LOC", "PER"]));
    assert_eq!(metrics["extension"]["new_types"], serde_json::json!(["greeting"]));
    assert!(metrics["extension"]["test"]["old"]["f1"].is_number(), "{metrics}");
    assert!(metrics["test"]["per_type"]["PER"]["support"] == 2, "{metrics}");
    let run_config = json(&out.join("run-config.json"));
    assert_eq!(run_config["rehearsal"]["threshold"], 0.0);
    assert_eq!(run_config["distill"]["weight"], 1.0, "distillation is on by default");
    assert!(dir.path().join("extended.run").join("learning-curve.svg").is_file());

    // Unsure words kept as O, and no distillation.
    let kept = dir.path().join("kept");
    let stdout = succeed(&run(&kept, &["--leave-out-unsure", "false", "--distill-weight", "0"]));
    assert!(stdout.contains("unsure words kept as O"), "{stdout}");
    assert!(json(&kept.join("run-config.json"))["distill"].is_null());

    // The same output again is refused before any training.
    assert!(fail(&run(&out, &[])).contains("already exists"));
}

#[test]
fn extend_errors_name_what_is_wrong() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let data = write(dir.path(), "new.txt", NEW_ONLY);
    let bad = write(dir.path(), "bad.txt", "hello B-greeting\nann X-greeting\n");
    let old_only = write(dir.path(), "old-only.txt", "ann B-PER\nwent O\n\n");
    let out = path(&dir.path().join("out")).to_string();
    let base = ["extend", "--model", path(model.path()), "--out", &out, "--progress", "off"];
    let new = ["--train", path(&data), "--dev", path(&data)];
    let with = |extra: &[&'static str]| -> Vec<&str> { new.iter().copied().chain(extra.iter().copied()).collect() };
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--train", path(&bad), "--dev", path(&data)], "bad.txt:2"),
        (vec!["--train", path(&data), "--dev", path(&bad)], "bad.txt:2"),
        (with(&["--rehearsal-threshold", "1.5"]), "rehearsal_threshold: 1.5 is not a probability"),
        (with(&["--distill-weight=-1"]), "distill_weight"),
        (with(&["--head", "mlp"]), "--head: extend keeps the old model's head"),
        (with(&["--head-layers", "2"]), "--head-layers: extend keeps the old model's head"),
        (vec!["--train", path(&old_only), "--dev", path(&old_only)], "annotates no type the old model lacks"),
    ];
    for (extra, expected) in cases {
        let mut args = base.to_vec();
        args.extend(extra);
        let stderr = fail(&retag(&args));
        assert!(stderr.contains(expected), "{args:?}: expected {expected:?} in {stderr}");
    }
}
