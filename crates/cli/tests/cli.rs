//! The `retag` binary as a user runs it: arguments in, files and stdout out,
//! errors that name the file and line.

mod common;

use std::path::Path;

use common::{fail as stderr_of_failure, retag, succeed as stdout, write};
use serde_json::Value;

const GOLD: &str = "John B-PER\nSmith I-PER\nin O\nParis B-LOC\n\nACME B-ORG\nand O\nMary B-PER\n";
/// Starts a PER entity with I- and breaks B-ORG I-PER: the cases where the two modes differ.
const PRED: &str = "John I-PER\nSmith I-PER\nin O\nParis B-LOC\n\nACME B-ORG\nand I-PER\nMary B-PER\n";

fn close(json: &Value, pointer: &str, expected: f64) {
    let got = json.pointer(pointer).and_then(Value::as_f64).unwrap_or_else(|| panic!("no {pointer} in {json}"));
    assert!((got - expected).abs() < 1e-12, "{pointer}: {got} != {expected}");
}

#[test]
fn eval_json_has_the_documented_shape_and_seqeval_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let gold = write(dir.path(), "gold.txt", GOLD);
    let pred = write(dir.path(), "pred.txt", PRED);
    let gold = gold.to_str().unwrap();
    let pred = pred.to_str().unwrap();

    // Expected values printed by seqeval 1.2.2 (classification_report, output_dict=True).
    let lenient: Value =
        serde_json::from_str(&stdout(&retag(&["eval", "--gold", gold, "--pred", pred, "--json"]))).unwrap();
    let keys: Vec<&String> = lenient.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["micro", "per_type"]);
    close(&lenient, "/micro/precision", 0.8);
    close(&lenient, "/micro/recall", 1.0);
    close(&lenient, "/micro/f1", 0.888888888888889);
    close(&lenient, "/per_type/PER/precision", 0.6666666666666666);
    close(&lenient, "/per_type/PER/f1", 0.8);
    assert_eq!(lenient.pointer("/per_type/PER/support"), Some(&Value::from(2)));
    assert_eq!(lenient["per_type"].as_object().unwrap().len(), 3);

    let strict: Value =
        serde_json::from_str(&stdout(&retag(&["eval", "--gold", gold, "--pred", pred, "--mode", "strict", "--json"])))
            .unwrap();
    close(&strict, "/micro/precision", 1.0);
    close(&strict, "/micro/recall", 0.75);
    close(&strict, "/micro/f1", 0.8571428571428571);
    close(&strict, "/per_type/PER/recall", 0.5);
}

#[test]
fn eval_prints_a_report_per_type() {
    let dir = tempfile::tempdir().unwrap();
    let gold = write(dir.path(), "gold.txt", GOLD);
    let report = stdout(&retag(&["eval", "--gold", gold.to_str().unwrap(), "--pred", gold.to_str().unwrap()]));
    for kind in ["LOC", "ORG", "PER", "micro avg", "macro avg", "weighted avg"] {
        assert!(report.contains(kind), "{kind} missing from\n{report}");
    }
}

#[test]
fn eval_names_the_line_where_prediction_and_gold_disagree() {
    let dir = tempfile::tempdir().unwrap();
    let gold = write(dir.path(), "gold.txt", GOLD);
    let pred = write(dir.path(), "pred.txt", &GOLD.replace("Mary B-PER", "Marie B-PER"));
    let error =
        stderr_of_failure(&retag(&["eval", "--gold", gold.to_str().unwrap(), "--pred", pred.to_str().unwrap()]));
    assert!(error.contains("pred.txt:8") && error.contains("Marie") && error.contains("gold.txt:8"), "{error}");

    let short = write(dir.path(), "short.txt", "John B-PER\nSmith I-PER\nin O\n\nACME B-ORG\nand O\nMary B-PER\n");
    let error =
        stderr_of_failure(&retag(&["eval", "--gold", gold.to_str().unwrap(), "--pred", short.to_str().unwrap()]));
    assert!(error.contains("short.txt:1") && error.contains("sentence 1 has 3 tokens"), "{error}");

    let bad_tag = write(dir.path(), "bad.txt", &GOLD.replace("Paris B-LOC", "Paris LOC"));
    let error =
        stderr_of_failure(&retag(&["eval", "--gold", gold.to_str().unwrap(), "--pred", bad_tag.to_str().unwrap()]));
    assert!(error.contains("bad.txt:4") && error.contains("\"LOC\""), "{error}");
}

/// A missing file is named once with the system's reason, and the reason
/// is not repeated (the library error carries it in its message and as its
/// source).
#[test]
fn a_missing_file_is_named_with_its_reason_once() {
    let dir = tempfile::tempdir().unwrap();
    let gold = write(dir.path(), "gold.txt", GOLD);
    let missing = dir.path().join("missing.txt");
    let error =
        stderr_of_failure(&retag(&["eval", "--gold", gold.to_str().unwrap(), "--pred", missing.to_str().unwrap()]));
    assert!(error.contains("missing.txt"), "{error}");
    assert_eq!(error.matches("os error").count(), 1, "the reason once: {error}");
}

#[test]
fn convert_round_trips_a_real_corpus_through_every_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let original = retag_testdata::shared_or_return!("wnut17/test.txt");
    let original_text = std::fs::read_to_string(&original).unwrap();
    for scheme in ["iob1", "ioe2", "bioes", "bilou"] {
        let there = dir.path().join(format!("test.{scheme}"));
        let back = dir.path().join(format!("back-from-{scheme}.txt"));
        stdout(&retag(&[
            "data",
            "convert",
            "--from",
            "iob2",
            "--to",
            scheme,
            original.to_str().unwrap(),
            there.to_str().unwrap(),
        ]));
        stdout(&retag(&[
            "data",
            "convert",
            "--from",
            scheme,
            "--to",
            "iob2",
            there.to_str().unwrap(),
            back.to_str().unwrap(),
        ]));
        let back_text = std::fs::read_to_string(&back).unwrap();
        assert_eq!(back_text.trim_end(), original_text.trim_end(), "iob2 -> {scheme} -> iob2 changed the file");
    }
}

#[test]
fn convert_refuses_invalid_sequences_unless_asked_to_repair() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.txt", "a O\nb I-PER\nc O\n");
    let output = dir.path().join("out.txt");
    let args =
        ["data", "convert", "--from", "iob2", "--to", "bioes", input.to_str().unwrap(), output.to_str().unwrap()];
    let error = stderr_of_failure(&retag(&args));
    assert!(error.contains("in.txt:2") && error.contains("I-PER"), "{error}");
    assert!(!output.exists(), "a failed conversion must leave no output file");

    let mut repair = args.to_vec();
    repair.push("--repair");
    stdout(&retag(&repair));
    assert_eq!(std::fs::read_to_string(&output).unwrap().trim_end(), "a O\nb S-PER\nc O");
}

#[test]
fn errors_point_at_the_tokens_own_line_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let convert = |input: &Path, extra: &[&str]| {
        let output = dir.path().join("out").with_extension(input.extension().unwrap());
        let mut args = vec!["data", "convert", "--from", "iob2", "--to", "bioes", input.to_str().unwrap()];
        args.push(output.to_str().unwrap());
        args.extend_from_slice(extra);
        stderr_of_failure(&retag(&args))
    };
    // JSONL: the record's line, whatever the token.
    let jsonl = write(
        dir.path(),
        "j.jsonl",
        "{\"tokens\":[\"a\"],\"tags\":[\"O\"]}\n{\"tokens\":[\"a\",\"b\",\"c\"],\"tags\":[\"O\",\"O\",\"I-X\"]}\n",
    );
    let error = convert(&jsonl, &[]);
    assert!(error.contains("j.jsonl:2: invalid IOB2 sequence at token 3"), "{error}");
    // CoNLL with a comment inside the sentence: the tag's own line, not first line + index.
    let conll = write(dir.path(), "c.txt", "a O\n# note\nb I-PER\n");
    let error = convert(&conll, &["--comment-prefix", "#"]);
    assert!(error.contains("c.txt:3: invalid IOB2 sequence at token 2"), "{error}");
}

#[test]
fn eval_refuses_what_strict_mode_cannot_read_and_names_extra_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let gold = write(dir.path(), "gold.txt", "a O\nb S-PER\n");
    let error = stderr_of_failure(&retag(&[
        "eval",
        "--gold",
        gold.to_str().unwrap(),
        "--pred",
        gold.to_str().unwrap(),
        "--mode",
        "strict",
    ]));
    assert!(error.contains("gold.txt:2") && error.contains("strict mode reads IOB2"), "{error}");
    let longer = write(dir.path(), "longer.txt", "a O\nb S-PER\n\nc O\n");
    let error =
        stderr_of_failure(&retag(&["eval", "--gold", gold.to_str().unwrap(), "--pred", longer.to_str().unwrap()]));
    assert!(error.contains("longer.txt:4") && error.contains("sentence 2 starts here"), "{error}");
}

#[test]
fn relabel_maps_fine_types_to_coarse_ones() {
    let wnut16 = retag_testdata::shared_or_return!("wnut16/train.txt");
    let dir = tempfile::tempdir().unwrap();
    let mapping = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mappings/wnut16-to-coarse.toml");
    let output = dir.path().join("coarse.txt");
    stdout(&retag(&[
        "data",
        "relabel",
        "--mapping",
        mapping.to_str().unwrap(),
        wnut16.to_str().unwrap(),
        output.to_str().unwrap(),
    ]));
    let stats: Value =
        serde_json::from_str(&stdout(&retag(&["data", "stats", "--json", output.to_str().unwrap()]))).unwrap();
    assert_eq!(stats["entities"], 1496, "relabelling must neither lose nor invent entities");
    let person = stats["entity_types"].as_array().unwrap().iter().find(|c| c["name"] == "person").unwrap();
    assert_eq!(person["count"], 449);

    let unmapped = write(dir.path(), "x.txt", "a B-person\nb O\nc B-spaceship\n");
    let error = stderr_of_failure(&retag(&[
        "data",
        "relabel",
        "--mapping",
        mapping.to_str().unwrap(),
        unmapped.to_str().unwrap(),
        dir.path().join("y.txt").to_str().unwrap(),
    ]));
    assert!(error.contains("x.txt:3") && error.contains("spaceship"), "{error}");
}

#[test]
fn stats_reads_a_real_corpus() {
    let conll = retag_testdata::shared_or_return!("conll2003/test.txt");
    let json: Value =
        serde_json::from_str(&stdout(&retag(&["data", "stats", "--json", conll.to_str().unwrap()]))).unwrap();
    assert_eq!(json["sentences"], 3453);
    assert_eq!(json["tokens"], 46435);
    assert_eq!(json["entities"], 5648);
}

/// `retag retrain --help` lists every strategy with its one-line summary.
#[test]
fn retrain_help_lists_the_strategies() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_retag"))
        .args(["retrain", "--help"])
        .output()
        .expect("retag runs");
    let help = String::from_utf8(output.stdout).expect("UTF-8 help");
    for strategy in ["naive", "frozen", "full", "warm-start", "progressive", "adapter"] {
        assert!(help.contains(&format!("{strategy}:")), "{strategy} missing from --help:\n{help}");
    }
    assert!(help.contains("trained in stages"), "summaries are shown:\n{help}");
}
