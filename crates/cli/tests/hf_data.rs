//! HuggingFace `datasets` files as a user hands them to retag, without
//! conversion: the Parquet file `to_parquet` wrote and the integer-tag JSONL
//! file `to_json` wrote (fixtures made by scripts/make_dataset_fixtures.py)
//! train the tiny random checkpoint, predict and score; bad files and bad
//! label names are refused naming the file, the row and the value.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

mod common;

use common::{fail, model_dir, path, retag, succeed};

fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/tests/fixtures/hf").join(relative)
}

fn id2label(model: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(model.join("config.json")).expect("config.json");
    let config: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    config["id2label"].as_object().expect("id2label").values().filter_map(|v| v.as_str().map(String::from)).collect()
}

#[test]
fn parquet_and_integer_tag_jsonl_train_predict_and_score_without_conversion() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let parquet = fixture("datasets/train.parquet");
    let jsonl = fixture("datasets/train.jsonl");
    let arrow = fixture("datasets/saved/data-00000-of-00001.arrow");

    // Names from the Parquet metadata (train), dataset_info.json (dev), the
    // Arrow file's metadata (test).
    let out = dir.path().join("model");
    let stdout = succeed(&retag(&[
        "retrain",
        "--model",
        path(model.path()),
        "--strategy",
        "naive",
        "--train",
        path(&parquet),
        "--dev",
        path(&jsonl),
        "--test",
        path(&arrow),
        "--out",
        path(&out),
        "--epochs",
        "1",
        "--progress",
        "off",
    ]));
    assert!(stdout.contains("test:") && stdout.contains("PER") && stdout.contains("LOC"), "{stdout}");
    assert_eq!(id2label(&out), ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]);

    // --label-names wins over both: the same integers become other types.
    let renamed = dir.path().join("renamed");
    succeed(&retag(&[
        "retrain",
        "--model",
        path(model.path()),
        "--strategy",
        "naive",
        "--train",
        path(&parquet),
        "--dev",
        path(&jsonl),
        "--label-names",
        "O,B-person,I-person,B-city,I-city",
        "--out",
        path(&renamed),
        "--epochs",
        "1",
        "--progress",
        "off",
    ]));
    assert_eq!(id2label(&renamed), ["O", "B-city", "I-city", "B-person", "I-person"]);

    // The trained model tags the Parquet file's tokens and is scored on it.
    let predictions = dir.path().join("pred.jsonl");
    succeed(&retag(&[
        "predict",
        "--model",
        path(&out),
        "--input",
        path(&parquet),
        "--output",
        path(&predictions),
        "--output-format",
        "jsonl-tokens",
    ]));
    let lines = std::fs::read_to_string(&predictions).expect("predictions");
    assert_eq!(lines.lines().count(), 6, "{lines}");
    assert!(lines.starts_with("{\"tokens\":[\"ann\",\"smith\",\"went\",\"to\",\"paris\"],\"tags\":["), "{lines}");
    let report = succeed(&retag(&["eval", "--model", path(&out), "--data", path(&parquet)]));
    assert!(report.contains("micro avg"), "{report}");

    // The data commands read it too, and write CoNLL or JSONL.
    let stats = succeed(&retag(&["data", "stats", path(&jsonl), "--json"]));
    let stats: serde_json::Value = serde_json::from_str(&stats).expect("JSON");
    assert_eq!(stats["sentences"], 6, "{stats}");
    let conll = dir.path().join("train.conll");
    succeed(&retag(&["data", "convert", "--from", "iob2", "--to", "bioes", path(&parquet), path(&conll)]));
    let text = std::fs::read_to_string(&conll).expect("converted");
    assert!(text.starts_with("ann B-PER\nsmith E-PER\nwent O\nto O\nparis S-LOC\n\n"), "{text}");
    let refused = fail(&retag(&["data", "convert", "--from", "iob2", "--to", "bioes", path(&jsonl), "out.parquet"]));
    assert!(refused.contains("out.parquet: retag writes CoNLL or JSONL, not Parquet"), "{refused}");
}

#[test]
fn bad_files_and_label_names_are_refused_naming_file_row_and_value() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let good = fixture("datasets/train.parquet");
    let cases: Vec<(PathBuf, Vec<&str>, String)> = vec![
        (
            fixture("bad/out_of_range.parquet"),
            vec![],
            format!(
                "{}: row 3 (ds[2]): tag 2 is 9, but the 5 label names",
                fixture("bad/out_of_range.parquet").display()
            ),
        ),
        (
            fixture("bad/length_mismatch.parquet"),
            vec![],
            format!("{}: row 2 (ds[1]): 7 tokens but 6 tags", fixture("bad/length_mismatch.parquet").display()),
        ),
        (
            fixture("bad/out_of_range.jsonl"),
            vec!["--label-names", "O,B-PER,I-PER"],
            format!("{}:2: tag 2 is 7, but the 3 label names", fixture("bad/out_of_range.jsonl").display()),
        ),
        (
            fixture("bad/no_label_names.parquet"),
            vec![],
            "column \"ner_tags\" holds integer tags, but no label names were given (--label-names)".into(),
        ),
        (
            good.clone(),
            vec!["--label-names", "O,PER,LOC"],
            "--label-names: label names from --label-names: name 1 \"PER\" is not a tag".into(),
        ),
        // --format wins over the extension.
        (good.clone(), vec!["--format", "jsonl"], format!("{}:1: the line is not valid UTF-8", good.display())),
    ];
    let out = dir.path().join("out");
    for (train, extra, expected) in cases {
        let mut args = vec![
            "retrain",
            "--model",
            path(model.path()),
            "--strategy",
            "naive",
            "--train",
            path(&train),
            "--dev",
            path(&train),
            "--out",
            path(&out),
            "--progress",
            "off",
        ];
        args.extend(extra);
        let stderr = fail(&retag(&args));
        assert!(stderr.contains(&expected), "{args:?}: expected {expected:?} in {stderr}");
    }
    assert!(!out.exists(), "nothing is written when the data is refused");
}
