//! Parity of `retag_data::metrics` with seqeval 1.2.2 on real corpora.
//!
//! The fixtures in `tests/fixtures/seqeval/` (made by
//! `scripts/make_seqeval_fixtures.py`) hold, for each gold file and
//! corruption rate, the positions where a corrupted prediction differs from
//! the gold tags and seqeval's numbers for it in default and strict mode.
//! This test rebuilds each prediction from the gold file in `../shared/data`
//! and checks that every number agrees to 1e-9. It needs no Python. Missing
//! fixtures fail it; missing corpora fail it under CI and, in a fresh clone,
//! make it say that it did not run (`retag-testdata`).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use retag_data::metrics::{Mode, Report, Scores, evaluate};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/seqeval");
/// The brief's bound. The results are in fact bit-identical to seqeval's
/// (checked with serde_json's `float_roundtrip` parser); serde_json's default
/// parser may read the fixture's `repr` floats one ulp off.
const TOLERANCE: f64 = 1e-9;

/// The tags of a CoNLL file, one list per sentence. Lines split on their last
/// ASCII space or TAB (tokens may hold Unicode spaces); a blank line ends a
/// sentence. Kept here, independent of the crate's reader, so that a bug in
/// the reader cannot hide one in the metrics.
fn read_tags(path: &Path) -> Vec<Vec<String>> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut sentences = Vec::new();
    let mut current = Vec::new();
    for (number, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            if !current.is_empty() {
                sentences.push(std::mem::take(&mut current));
            }
            continue;
        }
        let cut =
            line.rfind([' ', '\t']).unwrap_or_else(|| panic!("{}:{}: no tag on this line", path.display(), number + 1));
        current.push(line[cut + 1..].to_string());
    }
    if !current.is_empty() {
        sentences.push(current);
    }
    sentences
}

/// The gold tags with the fixture's `token_index<TAB>tag` corruptions applied.
fn corrupted(gold: &[Vec<String>], corruptions: &Path) -> Vec<Vec<String>> {
    let text = fs::read_to_string(corruptions).unwrap_or_else(|e| panic!("{}: {e}", corruptions.display()));
    let mut flat: Vec<String> = gold.iter().flatten().cloned().collect();
    for (number, line) in text.lines().enumerate() {
        let at = format!("{}:{}", corruptions.display(), number + 1);
        let (index, tag) = line.split_once('\t').unwrap_or_else(|| panic!("{at}: expected index<TAB>tag"));
        let index: usize = index.parse().unwrap_or_else(|e| panic!("{at}: {e}"));
        let slot = flat.get_mut(index).unwrap_or_else(|| panic!("{at}: token {index} is past the gold data"));
        *slot = tag.to_string();
    }
    let mut rest = flat.into_iter();
    gold.iter().map(|sentence| rest.by_ref().take(sentence.len()).collect()).collect()
}

fn number(value: &Value, at: &str) -> f64 {
    value.as_f64().unwrap_or_else(|| panic!("{at}: expected a number, found {value}"))
}

fn check_scores(at: &str, actual: &Scores, expected: &Value) {
    for (name, value) in [("precision", actual.precision), ("recall", actual.recall), ("f1", actual.f1)] {
        let want = number(&expected[name], &format!("{at}.{name}"));
        assert!((value - want).abs() <= TOLERANCE, "{at}.{name}: retag {value}, seqeval {want}");
    }
    let support = expected["support"].as_u64().unwrap_or_else(|| panic!("{at}.support: not an integer"));
    assert_eq!(actual.support as u64, support, "{at}.support");
}

fn check_report(at: &str, report: &Report, expected: &Value) {
    let per_type = expected["per_type"].as_object().unwrap_or_else(|| panic!("{at}.per_type: not an object"));
    let types: Vec<&String> = report.per_type.keys().collect();
    let expected_types: Vec<&String> = per_type.keys().collect();
    assert_eq!(types, expected_types, "{at}: types");
    for (kind, scores) in &report.per_type {
        check_scores(&format!("{at}.per_type.{kind}"), scores, &per_type[kind]);
    }
    check_scores(&format!("{at}.micro"), &report.micro, &expected["micro"]);
    check_scores(&format!("{at}.macro"), &report.macro_avg, &expected["macro"]);
    check_scores(&format!("{at}.weighted"), &report.weighted, &expected["weighted"]);
    let accuracy = number(&expected["accuracy"], &format!("{at}.accuracy"));
    assert!(
        (report.accuracy - accuracy).abs() <= TOLERANCE,
        "{at}.accuracy: retag {}, seqeval {accuracy}",
        report.accuracy
    );
}

#[test]
fn metrics_agree_with_seqeval_on_corrupted_real_corpora() {
    let data = retag_testdata::shared_or_return!("");
    let mut fixtures: Vec<PathBuf> = fs::read_dir(FIXTURES)
        .unwrap_or_else(|e| panic!("{FIXTURES}: {e}; run scripts/make_seqeval_fixtures.py"))
        .map(|entry| entry.expect("a readable fixture directory").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 9, "expected 9 fixtures (3 corpora x 3 rates) in {FIXTURES}, found {}", fixtures.len());

    let mut gold_files: HashMap<String, Vec<Vec<String>>> = HashMap::new();
    for fixture in &fixtures {
        let name = fixture.display().to_string();
        let text = fs::read_to_string(fixture).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let source = expected["gold"].as_str().unwrap_or_else(|| panic!("{name}: no gold file named"));
        let gold = gold_files.entry(source.to_string()).or_insert_with(|| read_tags(&data.join(source)));
        let tokens: usize = gold.iter().map(Vec::len).sum();
        assert_eq!(expected["sentences"].as_u64(), Some(gold.len() as u64), "{name}: sentences in {source}");
        assert_eq!(expected["tokens"].as_u64(), Some(tokens as u64), "{name}: tokens in {source}");

        let corruptions = expected["corruptions"].as_str().unwrap_or_else(|| panic!("{name}: no corruptions file"));
        let pred = corrupted(gold, &Path::new(FIXTURES).join(corruptions));
        assert_ne!(&pred, gold, "{name}: the prediction should differ from the gold data");
        for (mode, key) in [(Mode::Default, "default"), (Mode::Strict, "strict")] {
            let report = evaluate(gold, &pred, mode).unwrap_or_else(|e| panic!("{name} ({key}): {e}"));
            check_report(&format!("{name} {key}"), &report, &expected[key]);
        }
    }
}
