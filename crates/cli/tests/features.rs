//! `--input-features` as a user runs it, on the tiny random checkpoint:
//! a retrained model keeps its gazetteer and patterns inside its folder, and
//! `predict` and `eval` recompute exactly what training computed after a
//! reload, the original files gone; the run records the spec, a resume with
//! other features (or an edited gazetteer) is refused; extend and frozen
//! take features too; a model that reads features passes them on; bad specs
//! and files are named; `retag data gazetteer` writes the mentions of
//! annotated data as a gazetteer.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

mod common;

use common::{DATA, fail, model_dir, path, retag, succeed, write};

const GAZETTEER: &str = "ann smith\tperson\nparis\tcity\nbob\tperson\n";
const PATTERNS: &str = "# short lowercase words\nshort\t[a-z]{1,3}\n";

/// `retag retrain` on the tiny model with DATA as train, dev and test.
fn retrain(model: &Path, data: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "retrain",
        "--model",
        path(model),
        "--train",
        path(data),
        "--dev",
        path(data),
        "--test",
        path(data),
        "--out",
        path(out),
        "--progress",
        "off",
    ];
    args.extend(extra);
    if !extra.contains(&"--epochs") {
        args.extend(["--epochs", "2"]);
    }
    retag(&args)
}

/// The third column of `test-predictions.txt` (`token gold predicted`).
fn trained_predictions(out: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(out.join("test-predictions.txt")).expect("test predictions");
    text.lines().filter(|line| !line.is_empty()).map(|line| line.split(' ').nth(2).unwrap().to_string()).collect()
}

/// The tags of a `token tag` CoNLL file.
fn tags(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).expect("predictions");
    text.lines().filter(|line| !line.is_empty()).map(|line| line.split(' ').nth(1).unwrap().to_string()).collect()
}

fn json(file: PathBuf) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(file).expect("a JSON file")).expect("valid JSON")
}

#[test]
fn features_are_saved_with_the_model_and_recomputed_alike_after_a_reload() {
    let model = model_dir();
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "new.txt", DATA);
    let gazetteer = write(dir.path(), "names.txt", GAZETTEER);
    let patterns = write(dir.path(), "patterns.tsv", PATTERNS);
    let spec = format!("shape,gazetteer:{},regex:{}", path(&gazetteer), path(&patterns));
    let out = dir.path().join("naive");
    let stdout = succeed(&retrain(model.path(), &data, &out, &["--strategy", "naive", "--input-features", &spec]));
    assert!(stdout.contains("test:"), "{stdout}");

    // The folder holds the files verbatim and describes them.
    assert_eq!(std::fs::read_to_string(out.join("input-features/2-gazetteer.txt")).unwrap(), GAZETTEER);
    assert_eq!(std::fs::read_to_string(out.join("input-features/3-regex.tsv")).unwrap(), PATTERNS);
    let description = json(out.join("retag-model.json"));
    let kinds: Vec<&str> =
        description["input_features"].as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["shape", "gazetteer", "regex"]);
    assert_eq!(description["input_features"][1]["channels"], serde_json::json!(["city", "person"]));
    assert_eq!(json(out.join("run-config.json"))["train"]["input_features"], spec.as_str());

    // The originals go: predict and eval read the folder alone, and tag as
    // the trained model tagged the test split before export.
    std::fs::remove_file(&gazetteer).unwrap();
    std::fs::remove_file(&patterns).unwrap();
    let predicted = dir.path().join("predicted.txt");
    succeed(&retag(&["predict", "--model", path(&out), "--input", path(&data), "--output", path(&predicted)]));
    assert_eq!(tags(&predicted), trained_predictions(&out));
    let eval = succeed(&retag(&["eval", "--model", path(&out), "--data", path(&data), "--json"]));
    let eval: serde_json::Value = serde_json::from_str(&eval).unwrap();
    let metrics = json(out.join("metrics.json"));
    assert_eq!(eval["micro"]["f1"], metrics["test"]["micro"]["f1"], "eval {eval}\nmetrics {metrics}");

    // Retraining from it keeps its features (its head reads them); asking for others is refused.
    let again = dir.path().join("again");
    succeed(&retrain(&out, &data, &again, &["--strategy", "warm-start", "--epochs", "1"]));
    assert_eq!(std::fs::read_to_string(again.join("input-features/2-gazetteer.txt")).unwrap(), GAZETTEER);
    let other = write(dir.path(), "other.txt", "paris\tcity\n");
    let stderr = fail(&retrain(
        &out,
        &data,
        &dir.path().join("refused"),
        &["--strategy", "naive", "--input-features", &format!("gazetteer:{}", path(&other))],
    ));
    assert!(stderr.contains("input_features") && stderr.contains("already reads input features"), "{stderr}");
}

#[test]
fn a_resume_with_other_features_or_an_edited_gazetteer_is_refused() {
    let model = model_dir();
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "new.txt", DATA);
    let gazetteer = write(dir.path(), "names.txt", GAZETTEER);
    let run_dir = dir.path().join("naive.run");
    let spec = format!("gazetteer:{}", path(&gazetteer));
    let run = |out: &str, extra: &[&str]| {
        let mut args = vec!["--strategy", "naive", "--run-dir", path(&run_dir)];
        args.extend(extra);
        retrain(model.path(), &data, &dir.path().join(out), &args)
    };
    succeed(&run("first", &["--input-features", &spec]));
    let stderr = fail(&run("second", &["--resume", "--input-features", &format!("shape,{spec}")]));
    assert!(stderr.contains("other values of input_features"), "{stderr}");
    let stderr = fail(&run("third", &["--resume"]));
    assert!(stderr.contains("other values of input_features"), "{stderr}");
    // The same spec, the file edited in place (the same types): other data.
    std::fs::write(&gazetteer, "paris\tcity\nann\tperson\n").unwrap();
    let stderr = fail(&run("fourth", &["--resume", "--input-features", &spec]));
    assert!(stderr.contains("input-feature files"), "{stderr}");
}

#[test]
fn extend_and_frozen_take_features() {
    let model = model_dir();
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "new.txt", DATA);
    let gazetteer = write(dir.path(), "names.txt", GAZETTEER);
    let spec = format!("shape,gazetteer+by=file:{}", path(&gazetteer));
    // frozen: the head trains over cached encoder outputs, the features joined to them.
    let frozen = dir.path().join("frozen");
    succeed(&retrain(model.path(), &data, &frozen, &["--strategy", "frozen", "--input-features", &spec]));
    assert_eq!(json(frozen.join("retag-model.json"))["input_features"][1]["by"], "file");
    let predicted = dir.path().join("frozen.txt");
    succeed(&retag(&["predict", "--model", path(&frozen), "--input", path(&data), "--output", path(&predicted)]));
    assert_eq!(tags(&predicted), trained_predictions(&frozen));

    // extend: the old head, warm-started, reads the new features from zero weights.
    let new_only = write(dir.path(), "new-only.txt", "hello B-greeting\nann O\nsmith O\n\nhi B-greeting\nbob O\n\n");
    let extended = dir.path().join("extended");
    succeed(&retag(&[
        "extend",
        "--model",
        path(model.path()),
        "--train",
        path(&new_only),
        "--dev",
        path(&new_only),
        "--test",
        path(&new_only),
        "--out",
        path(&extended),
        "--epochs",
        "1",
        "--progress",
        "off",
        "--input-features",
        &spec,
    ]));
    let predicted = dir.path().join("extended.txt");
    succeed(&retag(&["predict", "--model", path(&extended), "--input", path(&new_only), "--output", path(&predicted)]));
    assert_eq!(tags(&predicted), trained_predictions(&extended));
}

#[test]
fn bad_specs_and_files_are_named() {
    let model = model_dir();
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "new.txt", DATA);
    let bad_gazetteer = write(dir.path(), "bad.txt", "paris\tcity\nann\tperson\textra\n");
    let bad_patterns = write(dir.path(), "bad.tsv", "year\t(\\d{4}\n");
    let cases: Vec<(String, String)> = vec![
        ("shape,pos".into(), "unknown feature \"pos\"".into()),
        ("gazetteer".into(), "gazetteer needs a file".into()),
        (format!("gazetteer+case=upper:{}", path(&bad_gazetteer)), "expected insensitive or sensitive".into()),
        (format!("gazetteer:{}", path(&dir.path().join("missing.txt"))), "missing.txt".into()),
        (format!("gazetteer:{}", path(&bad_gazetteer)), format!("{}:2: 3 tab-separated columns", path(&bad_gazetteer))),
        (format!("regex:{}", path(&bad_patterns)), format!("{}:1: the pattern of \"year\"", path(&bad_patterns))),
    ];
    for (spec, expected) in &cases {
        let out = dir.path().join("out");
        let stderr = fail(&retrain(model.path(), &data, &out, &["--strategy", "naive", "--input-features", spec]));
        assert!(stderr.contains(expected.as_str()), "{spec}: expected {expected:?} in {stderr}");
        assert!(!out.exists(), "{spec}: no model folder");
    }
    // train and extend read the flag too.
    for command in ["train", "extend"] {
        let stderr = fail(&retag(&[
            command,
            "--model",
            path(model.path()),
            "--train",
            path(&data),
            "--dev",
            path(&data),
            "--out",
            path(&dir.path().join("x")),
            "--input-features",
            "shapes",
        ]));
        assert!(stderr.contains("unknown feature \"shapes\""), "{command}: {stderr}");
    }
}

#[test]
fn data_gazetteer_writes_the_mentions_of_annotated_data() {
    let dir = TempDir::new().unwrap();
    let data = write(dir.path(), "train.txt", &format!("{DATA}ann B-person\nsmith I-person\nin O\nrome B-city\n\n"));
    let out = dir.path().join("names.txt");
    let stdout = succeed(&retag(&["data", "gazetteer", "--from", path(&data), "--out", path(&out)]));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "paris\tcity\nrome\tcity\nann smith\tperson\nbob\tperson\n");
    assert!(stdout.contains("4 entries from 5 mentions") && stdout.contains("city: 2"), "{stdout}");
    let bad = write(dir.path(), "bad.txt", "ann O\nsmith I-person\n\n");
    let stderr = fail(&retag(&["data", "gazetteer", "--from", path(&bad), "--out", path(&dir.path().join("no.txt"))]));
    assert!(stderr.contains("bad.txt:2"), "{stderr}");
    assert!(!dir.path().join("no.txt").exists());
}
