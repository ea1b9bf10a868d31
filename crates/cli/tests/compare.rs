//! `retag compare` as a user runs it, on the tiny random checkpoint: real
//! `retag retrain` processes, the report files, and the flags' errors. The
//! report's figures and the bootstrap are tested in retag-compare.

use tempfile::TempDir;

mod common;

use common::{DATA, fail, model_dir, path, retag, succeed, write};

#[test]
fn compare_runs_each_recipe_and_writes_the_report() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let data = write(dir.path(), "new.txt", DATA);
    let out = dir.path().join("compare");
    let args = [
        "compare",
        "--model",
        path(model.path()),
        "--train",
        path(&data),
        "--dev",
        path(&data),
        "--test",
        path(&data),
        "--strategies",
        "naive,frozen",
        "--recipe",
        "crf=--strategy naive --head crf",
        "--seeds",
        "2",
        "--epochs",
        "1",
        "--out",
        path(&out),
        "--",
        "--learning-rate",
        "0.003",
    ];
    let run = retag(&args);
    let stdout = succeed(&run);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("[1/6] naive, seed 42: running") && stderr.contains("[6/6] crf, seed 43"), "{stderr}");
    assert!(stdout.contains("| recipe | test F1 | Δ vs naive"), "{stdout}");
    for recipe in ["naive", "frozen", "crf"] {
        assert!(stdout.contains(&format!("| {recipe} |")), "{recipe} missing:\n{stdout}");
        assert!(out.join("models").join(format!("{recipe}-s43")).join("test-predictions.txt").is_file());
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("report.json")).expect("JSON");
    assert_eq!(json["baseline"], "naive");
    assert_eq!(json["seeds"], serde_json::json!([42, 43]));
    assert!(json["recipes"][1]["versus_baseline"]["p_value"].is_number(), "{json}");
    assert!(json["recipes"][2]["runs"][0]["cost"]["wall_secs"].as_f64().is_some_and(|s| s > 0.0), "{json}");
    // The flags after `--` reach every run.
    for recipe in ["naive-s42", "frozen-s43", "crf-s42"] {
        let config = std::fs::read_to_string(out.join("models").join(recipe).join("run-config.json")).expect("config");
        let config: serde_json::Value = serde_json::from_str(&config).expect("JSON");
        assert_eq!(config["train"]["learning_rate"], 0.003, "{recipe}: {config}");
    }

    // Again: every run is kept, none trains.
    let again = retag(&args);
    succeed(&again);
    assert!(String::from_utf8_lossy(&again.stderr).matches("kept from an earlier run").count() == 6);
}

#[test]
fn compare_errors_name_the_flag() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let data = write(dir.path(), "new.txt", DATA);
    let out = dir.path().join("compare");
    let common = ["compare", "--model", path(model.path()), "--train", path(&data), "--dev", path(&data)];
    for (extra, expected) in [
        (vec!["--strategies", "full"], "\"full\" is not one of"),
        (vec!["--recipe", "bad"], "recipe: \"bad\""),
        (vec!["--recipe", "x=--strategy naive", "--recipe", "x=--strategy frozen"], "the name \"x\" is used twice"),
        (vec!["--seeds", "0"], "--seeds: at least one seed"),
        (vec!["--budget-minutes=-1"], "--budget-minutes: -1"),
        (vec!["--", "--seed", "7"], "--seed after `--`: compare sets it"),
        (vec!["--", "--strategy", "full"], "--strategy after `--`"),
    ] {
        let mut args = common.to_vec();
        args.extend(["--test", path(&data), "--out", path(&out)]);
        args.extend(extra);
        let stderr = fail(&retag(&args));
        assert!(stderr.contains(expected), "{args:?}: expected {expected:?} in {stderr}");
    }
}
