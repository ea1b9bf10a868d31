//! `retag plan` as a user runs it, on the tiny random checkpoint (its
//! predictions are noise, so the test checks the outputs and their round
//! trip, not which parents come out: the rules are tested in retag-data).

use tempfile::TempDir;

mod common;

use common::{fail, model_dir, path, retag, succeed, write};

/// New-tagset data: `person` and `city`, and a rare `party`.
const DATA: &str = "ann B-person\nsmith I-person\nwent O\nto O\nparis B-city\n\nbob B-person\nsaw O\nthe O\n\
                    greens B-party\n\n";

#[test]
fn plan_prints_writes_its_files_and_its_mapping_retrains() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let data = write(dir.path(), "new.txt", DATA);
    let out = dir.path().join("plan");
    let stdout = succeed(&retag(&["plan", "--model", path(model.path()), "--train", path(&data), "--out", path(&out)]));
    for kind in ["person", "city", "party"] {
        assert!(stdout.contains(kind), "{kind} missing:\n{stdout}");
    }
    assert!(stdout.contains("share of tagged") && stdout.contains("recommendation:\n1. "), "{stdout}");
    assert!(stdout.contains("rare new types (fewer than 50 training entities): city, party, person"), "{stdout}");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).expect("plan.json")).expect("JSON");
    assert_eq!(json["format"], "retag-plan");
    assert_eq!(json["old_types"], serde_json::json!(["PER", "LOC"]), "in the old model's label order");
    assert_eq!(json["relations"].as_array().expect("rows").len(), 3);
    let markdown = std::fs::read_to_string(out.join("plan.md")).expect("plan.md");
    assert!(markdown.starts_with("# Plan") && markdown.contains("## Recommendation"), "{markdown}");

    // The mapping file is one `retrain --mapping` takes as it is.
    let mapping = out.join("mapping.toml");
    let retrained = dir.path().join("retrained");
    succeed(&retag(&[
        "retrain",
        "--model",
        path(model.path()),
        "--strategy",
        "warm-start",
        "--mapping",
        path(&mapping),
        "--train",
        path(&data),
        "--dev",
        path(&data),
        "--out",
        path(&retrained),
        "--epochs",
        "1",
        "--progress",
        "off",
    ]));
    let config = std::fs::read_to_string(retrained.join("run-config.json")).expect("run-config.json");
    assert!(config.contains("mapping.toml"), "the run names the mapping it used: {config}");
}

#[test]
fn plan_errors_name_what_is_wrong() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let data = write(dir.path(), "new.txt", DATA);
    let bad = write(dir.path(), "bad.txt", "ann B-person\nsmith X-person\n");
    for (extra, expected) in [
        (vec!["--train", path(&bad)], "bad.txt:2"),
        (vec!["--train", path(&data), "--min-share", "2"], "min_share"),
        (vec!["--train", path(&data), "--mapping", path(&bad)], "bad.txt"),
    ] {
        let mut args = vec!["plan", "--model", path(model.path())];
        args.extend(extra);
        let stderr = fail(&retag(&args));
        assert!(stderr.contains(expected), "{args:?}: expected {expected:?} in {stderr}");
    }
}
