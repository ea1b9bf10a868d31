//! `retag predict` and `retag eval --model` on the tiny random checkpoint of
//! retag-bert with the vocabulary of retag-predict's tests. The model's
//! tags mean nothing; what is checked is the shape of what comes out.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

const LABELS: &[&str] = &["O", "B-PER", "I-PER", "B-LOC", "I-LOC"];

fn retag(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_retag")).args(args).output().expect("the retag binary runs")
}

fn succeed(output: &Output) -> String {
    assert!(output.status.success(), "retag failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn fail(output: &Output) -> String {
    assert!(!output.status.success(), "retag should have failed; stdout: {}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The tiny checkpoint and a vocabulary in one folder, as a user's model is.
fn model_dir() -> TempDir {
    let dir = TempDir::new().unwrap();
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for file in ["config.json", "model.safetensors"] {
        std::fs::copy(crates.join("bert/tests/fixtures/tiny-bert-ner").join(file), dir.path().join(file)).unwrap();
    }
    std::fs::copy(crates.join("predict/tests/fixtures/tiny-bert-ner-vocab.txt"), dir.path().join("vocab.txt")).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Gold CoNLL with a POS column between token and tag, to show that only
/// the token is read.
const GOLD: &str = "Ann NNP B-PER\nSmith NNP I-PER\nwent VBD O\nto TO O\nParis NNP B-LOC\n\n\
                    Bob NNP B-PER\nsaw VBD O\nthe DT O\nriver NN O\n\nhello UH O\n";

fn tokens_and_tags(conll: &str) -> Vec<Vec<(String, String)>> {
    conll
        .split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            block
                .lines()
                .map(|line| {
                    let (token, tag) = line.split_once(' ').unwrap_or_else(|| panic!("two columns: {line:?}"));
                    (token.to_string(), tag.to_string())
                })
                .collect()
        })
        .collect()
}

#[test]
fn predict_writes_the_same_tokens_with_tags_of_the_model() {
    let model = model_dir();
    let dir = TempDir::new().unwrap();
    let input = write(dir.path(), "gold.txt", GOLD);
    let output = dir.path().join("pred.txt");
    let run = retag(&["predict", "--model", path(model.path()), "--input", path(&input), "--output", path(&output)]);
    assert_eq!(succeed(&run), "", "stdout stays clean");
    assert!(String::from_utf8_lossy(&run.stderr).contains("tagged 3 sentences (10 words)"));

    let written = std::fs::read_to_string(&output).unwrap();
    let sentences = tokens_and_tags(&written);
    let expected: Vec<Vec<&str>> =
        vec![vec!["Ann", "Smith", "went", "to", "Paris"], vec!["Bob", "saw", "the", "river"], vec!["hello"]];
    let tokens: Vec<Vec<&str>> = sentences.iter().map(|s| s.iter().map(|(t, _)| t.as_str()).collect()).collect();
    assert_eq!(tokens, expected);
    for (_, tag) in sentences.iter().flatten() {
        assert!(LABELS.contains(&tag.as_str()), "{tag}");
    }

    // The same file, read as plain text: one sentence a line.
    let text = write(dir.path(), "in.text", "Ann Smith went to Paris\n\nBob saw the river\nhello\n");
    let from_text = dir.path().join("from-text.txt");
    succeed(&retag(&[
        "predict",
        "--model",
        path(model.path()),
        "--input",
        path(&text),
        "--input-format",
        "text",
        "--output",
        path(&from_text),
        "--batch-size",
        "1",
    ]));
    assert_eq!(std::fs::read_to_string(&from_text).unwrap(), written);

    // JSONL spans over the text.
    let jsonl = dir.path().join("pred.jsonl");
    succeed(&retag(&["predict", "--model", path(model.path()), "--input", path(&input), "--output", path(&jsonl)]));
    let records: Vec<Value> =
        std::fs::read_to_string(&jsonl).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0]["text"], "Ann Smith went to Paris");
    assert!(records.iter().all(|r| r["spans"].is_array()));
}

#[test]
fn eval_with_a_model_prints_the_report_of_its_predictions() {
    let model = model_dir();
    let dir = TempDir::new().unwrap();
    let gold = write(dir.path(), "gold.txt", GOLD);

    // The report of `eval --model` is that of `eval --gold --pred` on the model's predictions.
    let pred = dir.path().join("pred.txt");
    succeed(&retag(&["predict", "--model", path(model.path()), "--input", path(&gold), "--output", path(&pred)]));
    let from_files = succeed(&retag(&["eval", "--gold", path(&gold), "--pred", path(&pred), "--json"]));
    let from_model = succeed(&retag(&["eval", "--model", path(model.path()), "--data", path(&gold), "--json"]));
    assert_eq!(from_model, from_files);
    let json: Value = serde_json::from_str(&from_model).unwrap();
    assert!(json.pointer("/micro/f1").is_some(), "{json}");

    let report = succeed(&retag(&["eval", "--model", path(model.path()), "--data", path(&gold)]));
    assert!(report.contains("token accuracy"), "{report}");
}

#[test]
fn eval_takes_files_or_a_model_not_both() {
    let dir = TempDir::new().unwrap();
    let gold = write(dir.path(), "gold.txt", GOLD);
    let g = path(&gold);
    for args in [
        vec!["eval", "--gold", g, "--pred", g, "--model", g, "--data", g],
        vec!["eval", "--gold", g, "--data", g],
        vec!["eval", "--model", g],
        vec!["eval"],
    ] {
        let error = fail(&retag(&args));
        assert!(error.contains("--gold") || error.contains("--model") || error.contains("--data"), "{args:?}: {error}");
    }
}

#[test]
fn a_bad_model_folder_is_named() {
    let dir = TempDir::new().unwrap();
    let input = write(dir.path(), "in.txt", GOLD);
    let missing = dir.path().join("no-such-model");
    let output = dir.path().join("out.txt");
    let error =
        fail(&retag(&["predict", "--model", path(&missing), "--input", path(&input), "--output", path(&output)]));
    assert!(error.contains(path(&missing)), "{error}");
    assert!(!output.exists(), "no output after a failure");

    // A model without a tokenizer.
    let model = model_dir();
    std::fs::remove_file(model.path().join("vocab.txt")).unwrap();
    let error = fail(&retag(&["eval", "--model", path(model.path()), "--data", path(&input)]));
    assert!(error.contains(path(model.path())) && error.contains("vocab.txt"), "{error}");

    // A plain encoder (no labels) is not a token-classification model.
    let model = model_dir();
    let config = std::fs::read_to_string(model.path().join("config.json")).unwrap();
    let mut config: Value = serde_json::from_str(&config).unwrap();
    config.as_object_mut().unwrap().remove("id2label");
    config.as_object_mut().unwrap().remove("label2id");
    std::fs::write(model.path().join("config.json"), config.to_string()).unwrap();
    let error =
        fail(&retag(&["predict", "--model", path(model.path()), "--input", path(&input), "--output", path(&output)]));
    assert!(error.contains("config.json"), "{error}");
}

#[test]
fn bad_input_is_named_with_its_line_and_leaves_no_output() {
    let model = model_dir();
    let dir = TempDir::new().unwrap();
    let input = write(dir.path(), "in.txt", "Ann O\nSmith O\n\nbroken\n");
    let output = dir.path().join("out.txt");
    let error = fail(&retag(&[
        "predict",
        "--model",
        path(model.path()),
        "--input",
        path(&input),
        "--output",
        path(&output),
        "--chunk-sentences",
        "1",
    ]));
    assert!(error.contains(&format!("{}:4", path(&input))), "{error}");
    assert!(!output.exists());
}

#[test]
fn gpu_without_the_wgpu_feature_says_how_to_rebuild() {
    if cfg!(feature = "wgpu") {
        return;
    }
    let model = model_dir();
    let dir = TempDir::new().unwrap();
    let input = write(dir.path(), "in.txt", GOLD);
    let output = dir.path().join("out.txt");
    let error = fail(&retag(&[
        "predict",
        "--model",
        path(model.path()),
        "--input",
        path(&input),
        "--output",
        path(&output),
        "--backend",
        "gpu",
    ]));
    assert!(error.contains("--features wgpu"), "{error}");
}

#[test]
fn verbose_logs_what_retag_does_and_quiet_keeps_only_errors() {
    let model = model_dir();
    let dir = TempDir::new().unwrap();
    let input = write(dir.path(), "gold.txt", GOLD);
    let output = dir.path().join("pred.txt");
    let predict = |flags: &[&str]| {
        let mut args: Vec<&str> = flags.to_vec();
        args.extend(["predict", "--model", path(model.path()), "--input", path(&input), "--output", path(&output)]);
        let run = Command::new(env!("CARGO_BIN_EXE_retag")).args(&args).env_remove("RUST_LOG").output().unwrap();
        succeed(&run);
        String::from_utf8(run.stderr).unwrap()
    };
    let quiet_by_default = predict(&[]);
    assert!(!quiet_by_default.contains("model loaded"), "{quiet_by_default}");
    let verbose = predict(&["-v"]);
    assert!(verbose.contains("model loaded") && verbose.contains(path(model.path())), "{verbose}");
    assert!(!verbose.contains("tagged a chunk"), "-v shows no debug lines: {verbose}");
    let more = predict(&["-vv"]);
    assert!(more.contains("tagged a chunk"), "{more}");
    let quiet = predict(&["-q"]);
    assert!(!quiet.contains("model loaded") && !quiet.contains("INFO"), "{quiet}");
}
