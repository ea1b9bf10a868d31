//! `retag retrain` and `retag train` as a user runs them, on the tiny random
//! checkpoint: the output folder, the report, the resume hint and the
//! errors. Whether the strategies learn is tested in retag-retrain.

use std::path::Path;

use tempfile::TempDir;

mod common;

use common::{DATA, fail, model_dir, path, retag, succeed, write};

#[test]
fn retrain_writes_a_model_folder_with_scores_and_prints_the_report() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let data = write(dir.path(), "new.txt", DATA);
    let mapping = write(dir.path(), "map.toml", "[types]\nPER = \"person\"\nLOC = \"city\"\n");
    for (strategy, extra) in [("frozen", vec![]), ("warm-start", vec!["--mapping", path(&mapping)])] {
        let out = dir.path().join(strategy);
        let mut args = vec![
            "retrain",
            "--model",
            path(model.path()),
            "--strategy",
            strategy,
            "--train",
            path(&data),
            "--dev",
            path(&data),
            "--test",
            path(&data),
            "--out",
            path(&out),
            "--epochs",
            "1",
            "--progress",
            "off",
        ];
        args.extend(extra.iter().copied());
        let stdout = succeed(&retag(&args));
        assert!(stdout.contains("test:"), "{strategy}: {stdout}");
        assert!(stdout.contains("person"), "{strategy}: per-type lines: {stdout}");
        for file in ["config.json", "model.safetensors", "vocab.txt", "metrics.json", "run-config.json"] {
            assert!(out.join(file).is_file(), "{strategy}: {file} missing");
        }
        let config: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("config.json")).expect("config.json"))
                .expect("JSON");
        let labels: Vec<&str> =
            config["id2label"].as_object().expect("id2label").values().filter_map(|v| v.as_str()).collect();
        assert_eq!(labels, ["O", "B-city", "I-city", "B-person", "I-person"], "{strategy}");
        assert!(dir.path().join(format!("{strategy}.run")).join("evaluations.jsonl").is_file());
        if strategy == "warm-start" {
            assert!(stdout.contains("copied from B-PER"), "the warm-start report is printed: {stdout}");
        }
    }

    // Both runs' curves in one picture, named after their run folders.
    let picture = dir.path().join("curves.svg");
    let runs = [dir.path().join("frozen.run"), dir.path().join("warm-start.run")];
    succeed(&retag(&["plot", path(&runs[0]), path(&runs[1]), "--out", path(&picture)]));
    let svg = std::fs::read_to_string(&picture).expect("the picture is written");
    assert!(svg.contains(">frozen (best dev F1") && svg.contains(">warm-start (best dev F1"), "{svg}");
    assert!(runs[0].join("learning-curve.svg").is_file(), "each run draws its own curve");

    // The same output again is refused before any training.
    let again = retag(&[
        "retrain",
        "--model",
        path(model.path()),
        "--strategy",
        "naive",
        "--train",
        path(&data),
        "--dev",
        path(&data),
        "--out",
        path(&dir.path().join("frozen")),
    ]);
    assert!(fail(&again).contains("already exists"));
}

#[test]
fn retrain_errors_name_what_is_wrong() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let data = write(dir.path(), "new.txt", DATA);
    let bad = write(dir.path(), "bad.txt", "ann B-person\nsmith X-person\n");
    let out = path(&dir.path().join("out")).to_string();
    let base = ["retrain", "--model", path(model.path()), "--dev", path(&data), "--out", &out, "--progress", "off"];

    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--strategy", "naive", "--train", path(&bad)], "bad.txt:2"),
        (vec!["--strategy", "full", "--train", path(&data)], "base_model"),
        (
            vec!["--strategy", "distil", "--train", path(&data)],
            "possible values: naive, frozen, full, warm-start, progressive, adapter",
        ),
        (vec!["--strategy", "naive", "--train", path(&data), "--learning-rate=-1"], "learning_rate"),
        // Flags the strategy would ignore are refused, not dropped.
        (vec!["--strategy", "naive", "--train", path(&data), "--mapping", path(&data)], "--mapping: strategy naive"),
        (vec!["--strategy", "frozen", "--train", path(&data), "--min-share", "0.3"], "--min-share: strategy frozen"),
        (
            vec!["--strategy", "naive", "--train", path(&data), "--base", path(model.path())],
            "--base: only strategy full",
        ),
    ];
    for (extra, expected) in cases {
        let mut args = base.to_vec();
        args.extend(extra);
        let stderr = fail(&retag(&args));
        assert!(stderr.contains(expected), "{args:?}: expected {expected:?} in {stderr}");
    }
    // A checkpoint with a classifier is no base encoder for `retag train`.
    let stderr = fail(&retag(&[
        "train",
        "--model",
        path(model.path()),
        "--train",
        path(&data),
        "--dev",
        path(&data),
        "--out",
        &out,
    ]));
    assert!(stderr.contains("classifier"), "{stderr}");

    // A run folder left by an interrupted run: the resume hint, then the
    // trainer's own error, printed as one chain.
    std::fs::create_dir_all(dir.path().join("out.run")).expect("a run folder");
    std::fs::write(dir.path().join("out.run").join("checkpoint.bin"), b"").expect("a checkpoint");
    let mut args = base.to_vec();
    args.extend(["--strategy", "naive", "--train", path(&data)]);
    let stderr = fail(&retag(&args));
    assert!(stderr.contains("out.run holds an interrupted run (add --resume to continue it): "), "{stderr}");
    assert!(stderr.contains("checkpoint.bin") && stderr.contains("already holds a run"), "{stderr}");
}

/// `progressive` and the retention score at the command line: the stages
/// set the run's length, `--retain-data` prints and keeps both models'
/// scores on old-tagset data, and flags that do not fit are refused by name.
#[test]
fn progressive_with_a_retention_score_runs_and_its_flags_are_checked() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let data = write(dir.path(), "new.txt", DATA);
    let old_data = write(dir.path(), "old.txt", "ann B-PER\nsmith I-PER\nwent O\nto O\nparis B-LOC\n\n");
    let mapping = write(dir.path(), "map.toml", "[types]\nPER = \"person\"\nLOC = \"city\"\n");
    let out = dir.path().join("progressive");
    let common = |out: &Path| -> Vec<String> {
        [
            "retrain",
            "--model",
            path(model.path()),
            "--train",
            path(&data),
            "--dev",
            path(&data),
            "--out",
            path(out),
            "--progress",
            "off",
        ]
        .iter()
        .map(|arg| arg.to_string())
        .collect()
    };
    let mut args = common(&out);
    args.extend(["--strategy", "progressive", "--stages", "head:1,top1:1", "--layer-decay", "0.8"].map(String::from));
    args.extend(["--mapping".to_string(), path(&mapping).to_string()]);
    args.extend(["--retain-data".to_string(), path(&old_data).to_string()]);
    args.extend(["--distill-weight", "1.0", "--temperature", "2"].map(String::from));
    let as_str: Vec<&str> = args.iter().map(String::as_str).collect();
    let stdout = succeed(&retag(&as_str));
    assert!(stdout.contains("retention on") && stdout.contains("old.txt"), "{stdout}");
    assert!(stdout.contains("2 epochs"), "the stages set the length: {stdout}");
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).expect("metrics.json")).expect("JSON");
    assert_eq!(metrics["strategy"], "progressive");
    assert!(metrics["retention"]["old_model"]["micro"]["f1"].is_number(), "{metrics}");
    let run_config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run-config.json")).expect("run-config")).expect("JSON");
    assert_eq!(run_config["stages"], "head:1,top1:1");
    assert_eq!(run_config["distill"]["temperature"], 2.0);
    let log = std::fs::read_to_string(dir.path().join("progressive.run").join("evaluations.jsonl")).expect("log");
    assert!(log.contains("train_distill_loss"), "the KL term is logged: {log}");

    let refused = |extra: &[&str], expected: &str| {
        let mut args = common(&dir.path().join("refused"));
        args.extend(extra.iter().map(|arg| arg.to_string()));
        let as_str: Vec<&str> = args.iter().map(String::as_str).collect();
        let error = fail(&retag(&as_str));
        assert!(error.contains(expected), "{extra:?}: {error}");
    };
    refused(&["--strategy", "progressive", "--epochs", "3"], "--epochs: progressive runs as long as its stages say");
    refused(&["--strategy", "naive", "--stages", "head:1,all:1"], "stages are for progressive, not naive");
    refused(&["--strategy", "progressive", "--stages", "all:1,head:1"], "opens no more than the stage before it");
    refused(&["--strategy", "frozen", "--layer-decay", "0.8"], "strategy frozen trains no encoder layer");
    refused(&["--strategy", "naive", "--temperature", "2"], "--temperature: it is distillation's temperature");
    refused(&["--strategy", "naive", "--distill-weight", "0"], "distill_weight: 0 must be a positive number");
}

/// `adapter` at the command line: the model folder carries the adapter and
/// the old model it reads, `predict` runs it, and the adapter's flags are
/// checked (refused on other strategies, values listed, widths validated).
#[test]
fn adapter_retrains_predicts_and_its_flags_are_checked() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let data = write(dir.path(), "new.txt", DATA);
    let out = dir.path().join("adapter");
    let common = |out: &Path, extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = ["retrain", "--model", path(model.path()), "--train", path(&data), "--dev"]
            .iter()
            .map(|arg| arg.to_string())
            .collect();
        args.extend([path(&data), "--out", path(out), "--progress", "off", "--epochs", "1"].map(String::from));
        args.extend(extra.iter().map(|arg| arg.to_string()));
        args
    };
    let args = common(&out, &["--strategy", "adapter", "--adapter-layer", "linear", "--adapter-width", "8"]);
    let as_str: Vec<&str> = args.iter().map(String::as_str).collect();
    succeed(&retag(&as_str));
    assert!(out.join("adapter.safetensors").is_file());
    assert!(out.join("old-model").join("config.json").is_file());
    let description: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("retag-model.json")).expect("retag-model.json"))
            .expect("JSON");
    assert_eq!(description["adapter"]["kind"], "linear");
    assert_eq!(description["adapter"]["width"], 8);
    let run_config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run-config.json")).expect("run-config")).expect("JSON");
    assert_eq!(run_config["adapter"], serde_json::json!({"kind": "linear", "width": 8}));

    let tagged = dir.path().join("tagged.txt");
    succeed(&retag(&["predict", "--model", path(&out), "--input", path(&data), "--output", path(&tagged)]));
    let tagged = std::fs::read_to_string(&tagged).expect("predictions");
    assert_eq!(tagged.lines().filter(|line| !line.trim().is_empty()).count(), 9, "one tag per word:\n{tagged}");

    let refused = |extra: &[&str], expected: &str| {
        let args = common(&dir.path().join("refused"), extra);
        let as_str: Vec<&str> = args.iter().map(String::as_str).collect();
        let error = fail(&retag(&as_str));
        assert!(error.contains(expected), "{extra:?}: {error}");
    };
    refused(&["--strategy", "naive", "--adapter-width", "8"], "--adapter-width: only strategy adapter");
    refused(&["--strategy", "adapter", "--adapter-layer", "gru"], "possible values: bilstm, linear");
    refused(&["--strategy", "adapter", "--adapter-width", "7"], "must be even, not 7");
}

/// An `--out` that cannot be made (here: under a regular file, which stops
/// even root) is refused before the data is read or a run folder made.
#[test]
fn an_output_under_a_regular_file_is_refused_before_training() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let data = write(dir.path(), "new.txt", DATA);
    let file = write(dir.path(), "a-file", "not a folder");
    let out = file.join("model");
    let run_dir = dir.path().join("elsewhere.run");
    let stderr = fail(&retag(&[
        "retrain",
        "--model",
        path(model.path()),
        "--strategy",
        "naive",
        "--train",
        path(&data),
        "--dev",
        path(&data),
        "--out",
        path(&out),
        "--run-dir",
        path(&run_dir),
        "--progress",
        "off",
    ]));
    assert!(stderr.contains("--out cannot be written, so training did not start"), "{stderr}");
    assert!(stderr.contains(path(&out)) && stderr.contains("is not a folder"), "{stderr}");
    assert!(!run_dir.exists(), "no run was started");
}
