//! Every file of `fixtures/bad` holds one failure; each must be reported as
//! an error that starts with `file:line` and says what is wrong.

use std::collections::BTreeSet;
use std::path::Path;

use retag_data::conll::{ConllOptions, Delimiter, read_conll_file};
use retag_data::jsonl::{JsonlOptions, read_jsonl_file};

/// File name, line the error must name, words the reason must contain.
const CASES: &[(&str, usize, &str)] = &[
    ("conll_column_dropped.conll", 4, "the line has 3 columns but line 3 has 4"),
    ("conll_empty_tag.tsv", 2, "the tag (column 2) is empty"),
    ("conll_empty_token.conll", 2, "token is empty"),
    ("conll_invalid_utf8.conll", 4, "not valid UTF-8"),
    ("conll_invalid_utf8_after_bom_crlf.conll", 4, "not valid UTF-8"),
    ("conll_missing_tag.conll", 3, "one column but a token and a tag are expected"),
    ("conll_space_in_token.conll", 4, "the line has 3 columns but line 1 has 2"),
    ("jsonl_empty_token.jsonl", 1, "token 2 is empty"),
    ("jsonl_integer_tags.jsonl", 1, "tag 1 is the integer 3, and integer tags need label names"),
    ("jsonl_invalid_json.jsonl", 2, "invalid JSON record"),
    ("jsonl_invalid_utf8.jsonl", 2, "not valid UTF-8"),
    ("jsonl_length_mismatch.jsonl", 3, "2 tokens but 1 tags"),
    ("jsonl_missing_spans.jsonl", 1, "missing field \"spans\""),
    ("jsonl_missing_tags.jsonl", 2, "missing field \"tags\""),
    ("jsonl_missing_tokens.jsonl", 1, "missing field"),
    ("jsonl_not_an_object.jsonl", 3, "expected a JSON object"),
    (
        "jsonl_span_cuts_token.jsonl",
        2,
        "span 1 (0..15 \"PER\") does not end at a token boundary: it cuts token \"Blackburn.\"",
    ),
    ("jsonl_span_empty.jsonl", 1, "span 1 (3..3 \"X\") is empty"),
    ("jsonl_span_out_of_range.jsonl", 1, "span 1 (3..11 \"X\") ends past the text, which has 10 characters"),
    ("jsonl_span_overlap.jsonl", 1, "span 2 (11..22 \"MISC\") overlaps span 3 (11..17 \"MISC\")"),
];

fn read_error(path: &Path) -> String {
    let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
    let result = if name.ends_with(".jsonl") {
        read_jsonl_file(path, &JsonlOptions::default()).map(drop)
    } else if name.ends_with(".tsv") {
        read_conll_file(path, &ConllOptions { delimiter: Delimiter::Tab, ..ConllOptions::default() }).map(drop)
    } else {
        read_conll_file(path, &ConllOptions::default()).map(drop)
    };
    match result {
        Ok(()) => panic!("{name}: read without error"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn every_bad_input_is_reported_with_file_and_line() {
    let directory = super::bad_fixtures();
    for &(name, line, reason) in CASES {
        let path = directory.join(name);
        let message = read_error(&path);
        let expected_start = format!("{}:{line}: ", path.display());
        assert!(message.starts_with(&expected_start), "{name}: expected {expected_start:?}..., got {message:?}");
        assert!(message.contains(reason), "{name}: expected {reason:?} in {message:?}");
    }
}

#[test]
fn every_file_of_the_corpus_is_in_the_table() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(super::bad_fixtures())
        .expect("the bad-input corpus exists")
        .map(|entry| entry.expect("readable directory").file_name().to_string_lossy().into_owned())
        .collect();
    let in_table: BTreeSet<String> = CASES.iter().map(|(name, _, _)| name.to_string()).collect();
    assert_eq!(on_disk, in_table);
}
