//! `--augment` as a user runs it, on the tiny random checkpoint: retrain and
//! extend train on augmented data and record the settings in
//! `run-config.json`; a bad spec is refused naming the bad part, frozen
//! refuses the flag, and a resume with other settings is refused.

use std::path::Path;

use tempfile::TempDir;

mod common;

use common::{DATA, fail, model_dir, path, retag, succeed, write};

/// New-type data for extend: its people and cities say O.
const NEW_ONLY: &str = "hello B-greeting\nann O\nsmith O\nwent O\nto O\nparis O\n\n\
                        hi B-greeting\nbob O\nsaw O\nthe O\nriver O\n\n";

fn run_config(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("run-config.json")).expect("run-config.json");
    serde_json::from_str(&text).expect("valid JSON")
}

#[test]
fn retrain_and_extend_train_on_augmented_data_and_record_it() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let data = write(dir.path(), "new.txt", DATA);
    let out = dir.path().join("naive");
    let run_dir = dir.path().join("naive.run");
    let retrain = |out: &Path, extra: &[&str]| {
        let mut args = vec![
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
            path(out),
            "--run-dir",
            path(&run_dir),
            "--epochs",
            "2",
            "--progress",
            "off",
        ];
        args.extend(extra);
        retag(&args)
    };
    succeed(&retrain(&out, &["--augment", "mr=0.5,case=0.2"]));
    let config = run_config(&out);
    assert_eq!(config["train"]["augment"], "mr=0.5,case=0.2", "{config}");
    assert_eq!(config["train"]["seed"], 42, "augmentation draws from the run's seed: {config}");

    // The run folder's checkpoint was augmented so: other settings are another run.
    let again = dir.path().join("again");
    for other in [&["--resume", "--augment", "mr=0.4,case=0.2"][..], &["--resume"]] {
        let stderr = fail(&retrain(&again, other));
        assert!(stderr.contains("other values of augment"), "{other:?}: {stderr}");
    }

    // extend: each epoch's sentences pseudo-labelled and distilled anew.
    let new_only = write(dir.path(), "new-only.txt", NEW_ONLY);
    let extended = dir.path().join("extended");
    succeed(&retag(&[
        "extend",
        "--model",
        path(model.path()),
        "--train",
        path(&new_only),
        "--dev",
        path(&new_only),
        "--out",
        path(&extended),
        "--epochs",
        "2",
        "--augment",
        "lwtr=0.5,sis=0.5",
        "--progress",
        "off",
    ]));
    let config = run_config(&extended);
    assert_eq!(config["train"]["augment"], "lwtr=0.5,sis=0.5", "{config}");
    assert_eq!(config["distill"]["weight"], 1.0, "augmentation and distillation go together: {config}");
}

#[test]
fn bad_augmentation_is_refused_naming_the_part() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let data = write(dir.path(), "new.txt", DATA);
    let out = dir.path().join("out");
    // (strategy, --augment, what the error must say)
    let cases = [
        ("naive", "mr=0.5,foo=0.1", "\"foo=0.1\": unknown operation \"foo\""),
        ("naive", "mr=1.5", "\"mr=1.5\": the rate 1.5 is outside [0, 1]"),
        ("naive", "case=0.1,case=0.2", "\"case=0.2\": case is given twice"),
        ("naive", "mr", "\"mr\": expected OP=RATE"),
        ("frozen", "mr=0.5", "--augment: strategy frozen"),
    ];
    for (strategy, spec, expected) in cases {
        let stderr = fail(&retag(&[
            "retrain",
            "--model",
            path(model.path()),
            "--strategy",
            strategy,
            "--train",
            path(&data),
            "--dev",
            path(&data),
            "--out",
            path(&out),
            "--augment",
            spec,
            "--progress",
            "off",
        ]));
        assert!(stderr.contains(expected), "{strategy} --augment {spec}: expected {expected:?} in {stderr}");
        assert!(!out.exists(), "nothing is written");
    }
}

/// `--augment-only` joins the spec the run records; a type the training
/// data never mentions, or the flag without `--augment`, is refused.
#[test]
fn augment_only_aims_the_run_and_refuses_unknown_types() {
    let model = model_dir();
    let dir = TempDir::new().expect("a temporary directory");
    let data = write(dir.path(), "new.txt", DATA);
    let retrain = |out: &str, extra: &[&str]| {
        let out = dir.path().join(out);
        let mut args = vec!["retrain", "--model", path(model.path()), "--strategy", "naive", "--train", path(&data)];
        args.extend(["--dev", path(&data), "--out", path(&out), "--epochs", "1", "--progress", "off"]);
        args.extend(extra);
        (retag(&args), out)
    };
    let (output, out) = retrain("aimed", &["--augment", "mr=0.5", "--augment-only", "city"]);
    succeed(&output);
    assert_eq!(run_config(&out)["train"]["augment"], "mr=0.5,only=city");

    let stderr = fail(&retrain("misspelt", &["--augment", "mr=0.5", "--augment-only", "cty"]).0);
    assert!(stderr.contains("mentions no cty") && stderr.contains("city, person"), "{stderr}");
    let stderr = fail(&retrain("alone", &["--augment-only", "city"]).0);
    assert!(stderr.contains("--augment-only") && stderr.contains("--augment too"), "{stderr}");
}

/// `retag data augment` writes the copy a run trains on: with rate 1 every
/// mention is replaced and every token re-cased, the tags stay valid IOB2,
/// the same seed writes the same file and another seed another one.
#[test]
fn data_augment_writes_one_epochs_copy_for_inspection() {
    let dir = TempDir::new().expect("a temporary directory");
    let data = write(dir.path(), "train.txt", DATA);
    let augment = |out: &str, extra: &[&str]| {
        let out = dir.path().join(out);
        let mut args = vec!["data", "augment", "--augment", "mr=1,case=1", path(&data), path(&out)];
        args.extend(extra);
        let stderr = String::from_utf8(retag(&args).stderr).unwrap();
        (std::fs::read_to_string(&out).unwrap_or_default(), stderr)
    };
    let (first, stderr) = augment("a.txt", &[]);
    assert!(stderr.contains("of 2 sentences changed (mr=1,case=1, seed 42, epoch 1)"), "{stderr}");
    assert_eq!(augment("b.txt", &[]).0, first, "the same seed and epoch");
    assert_ne!(augment("c.txt", &["--seed", "7"]).0, first, "another seed");
    let tags: Vec<&str> = first.lines().filter(|l| !l.is_empty()).map(|l| l.rsplit(' ').next().unwrap()).collect();
    for (index, tag) in tags.iter().enumerate() {
        if let Some(kind) = tag.strip_prefix("I-") {
            let before = tags[index - 1];
            assert!(before == format!("B-{kind}") || before == *tag, "I- after {before}: {first}");
        }
    }
    let (_, stderr) = augment("d.txt", &["--augment-only", "nothing"]);
    assert!(stderr.contains("mentions no nothing"), "{stderr}");
    assert!(!dir.path().join("d.txt").exists(), "nothing written on a refusal");
}
