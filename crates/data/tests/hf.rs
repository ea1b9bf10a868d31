//! The HuggingFace `datasets` readers on files that `datasets` itself wrote
//! (scripts/make_dataset_fixtures.py, committed under fixtures/hf): every
//! source of label names, their precedence, and one bad file per failure,
//! whose error must name the file, the row (the line, in JSONL) and the value.

use std::path::{Path, PathBuf};

use retag_data::Sentence;
use retag_data::hf::{LabelNames, LabelOrigin, TableOptions, jsonl_label_names, open_arrow, open_parquet};
use retag_data::jsonl::{JsonlOptions, JsonlReader};

fn fixture(relative: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hf")).join(relative)
}

/// The sentences the script wrote, as tags.
const ROWS: [(&[&str], &[&str]); 6] = [
    (&["ann", "smith", "went", "to", "paris"], &["B-PER", "I-PER", "O", "O", "B-LOC"]),
    (&["bob", "saw", "the", "river", "in", "new", "york"], &["B-PER", "O", "O", "O", "O", "B-LOC", "I-LOC"]),
    (&["eve", "jones", "met", "bob"], &["B-PER", "I-PER", "O", "B-PER"]),
    (&["the", "old", "house", "is", "in", "rome"], &["O", "O", "O", "O", "O", "B-LOC"]),
    (&["london", "was", "big", "today"], &["B-LOC", "O", "O", "O"]),
    (&["ann", "went", "to", "oslo", "and", "lima"], &["B-PER", "O", "O", "B-LOC", "O", "B-LOC"]),
];

/// The first `count` rows, each on its own line (JSONL) or row (Parquet, Arrow).
fn rows(count: usize) -> Vec<Sentence> {
    ROWS[..count]
        .iter()
        .enumerate()
        .map(|(index, (tokens, tags))| Sentence {
            tokens: tokens.iter().map(|token| token.to_string()).collect(),
            tags: tags.iter().map(|tag| tag.to_string()).collect(),
            line: index + 1,
            token_lines: Vec::new(),
        })
        .collect()
}

/// Reads `path` as the CLI does, picking the reader by extension, with
/// `--label-names` when `flag` is given; returns the sentences and where the
/// label names came from (`None`: string tags, or tags not read).
fn read(path: &Path, flag: Option<&str>, read_tags: bool) -> Result<(Vec<Sentence>, Option<LabelOrigin>), String> {
    let given = flag.map(LabelNames::from_flag).transpose().map_err(|error| error.to_string())?;
    let options = TableOptions { read_tags, label_names: given.clone() };
    let table = match path.extension().and_then(|ext| ext.to_str()) {
        Some("parquet") => Some(open_parquet(path, &options)),
        Some("arrow") => Some(open_arrow(path, &options)),
        _ => None,
    };
    if let Some(table) = table {
        let reader = table.map_err(|error| error.to_string())?;
        let origin = reader.label_names().map(|names| names.origin().clone());
        let sentences = reader.collect::<Result<Vec<_>, _>>().map_err(|error| error.to_string())?;
        return Ok((sentences, origin));
    }
    let names = jsonl_label_names(path, given.as_ref()).map_err(|error| error.to_string())?;
    let origin = names.as_ref().map(|names| names.origin().clone());
    let reader = JsonlReader::open(path, JsonlOptions { read_tags, ..JsonlOptions::default() })
        .map_err(|error| error.to_string())?
        .with_label_names(names);
    let sentences = reader.collect::<Result<Vec<_>, _>>().map_err(|error| error.to_string())?;
    Ok((sentences, origin))
}

fn metadata(relative: &str) -> Option<LabelOrigin> {
    Some(LabelOrigin::Metadata { file: fixture(relative), column: "ner_tags".into() })
}

fn dataset_info(folder: &str) -> Option<LabelOrigin> {
    Some(LabelOrigin::DatasetInfo { file: fixture(folder).join("dataset_info.json"), column: "ner_tags".into() })
}

#[test]
fn files_written_by_datasets_read_as_the_sentences_it_was_given() {
    let cases: [(&str, usize, Option<LabelOrigin>); 7] = [
        ("datasets/train.parquet", 6, metadata("datasets/train.parquet")),
        ("datasets/train.jsonl", 6, dataset_info("datasets")),
        ("datasets/saved/data-00000-of-00001.arrow", 6, metadata("datasets/saved/data-00000-of-00001.arrow")),
        ("sequence/train.parquet", 6, metadata("sequence/train.parquet")),
        ("strings/train.parquet", 6, None),
        ("strings/train.jsonl", 2, None),
        ("precedence/with_metadata.parquet", 6, metadata("precedence/with_metadata.parquet")),
    ];
    for (file, count, origin) in cases {
        let read = read(&fixture(file), None, true).unwrap_or_else(|error| panic!("{file}: {error}"));
        assert_eq!(read, (rows(count), origin), "{file}");
    }
}

#[test]
fn label_names_come_from_the_flag_then_the_metadata_then_dataset_info_json() {
    let names_file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(names_file.path(), "O\nB-A\nI-A\n\nB-B\nI-B\n").expect("writable");
    let names_path = names_file.path().to_str().expect("UTF-8").to_string();
    // Row 0 is ids [1, 2, 0, 0, 3]; which names were read shows in its tags.
    let cases = [
        (
            "precedence/with_metadata.parquet",
            None,
            ["B-PER", "I-PER", "O", "O", "B-LOC"],
            metadata("precedence/with_metadata.parquet"),
        ),
        ("precedence/no_metadata.parquet", None, ["B-LOC", "I-LOC", "O", "O", "B-PER"], dataset_info("precedence")),
        ("precedence/int_tags.jsonl", None, ["B-LOC", "I-LOC", "O", "O", "B-PER"], dataset_info("precedence")),
        (
            "precedence/with_metadata.parquet",
            Some("O,B-X,I-X,B-Y,I-Y"),
            ["B-X", "I-X", "O", "O", "B-Y"],
            Some(LabelOrigin::Flag),
        ),
        (
            "precedence/int_tags.jsonl",
            Some(" O, B-X ,I-X,B-Y,I-Y"),
            ["B-X", "I-X", "O", "O", "B-Y"],
            Some(LabelOrigin::Flag),
        ),
        (
            "precedence/no_metadata.parquet",
            Some(names_path.as_str()),
            ["B-A", "I-A", "O", "O", "B-B"],
            Some(LabelOrigin::FlagFile(names_file.path().to_path_buf())),
        ),
    ];
    for (file, flag, tags, origin) in cases {
        let (sentences, read_origin) =
            read(&fixture(file), flag, true).unwrap_or_else(|error| panic!("{file}: {error}"));
        assert_eq!(sentences[0].tags, tags, "{file} {flag:?}");
        assert_eq!(read_origin, origin, "{file} {flag:?}");
    }
}

#[test]
fn untagged_reading_needs_only_the_tokens() {
    for file in [
        "bad/no_tags.parquet",
        "bad/no_label_names.parquet",
        "bad/no_label_names.jsonl",
        "datasets/saved/data-00000-of-00001.arrow",
    ] {
        let (sentences, origin) = read(&fixture(file), None, false).unwrap_or_else(|error| panic!("{file}: {error}"));
        assert!(!sentences.is_empty() && sentences.iter().all(|sentence| sentence.tags.is_empty()), "{file}");
        assert_eq!(sentences[0].tokens[0], "ann", "{file}");
        assert_eq!(origin, None, "{file}");
    }
}

#[test]
fn every_bad_input_names_the_file_the_row_and_the_value() {
    let bad = |name: &str| fixture("bad").join(name).display().to_string();
    let cases: Vec<(&str, Option<&str>, String)> = vec![
        (
            "bad/out_of_range.parquet",
            None,
            format!(
                "{}: row 3 (ds[2]): tag 2 is 9, but the 5 label names from the huggingface metadata of {} (column \
                 ner_tags) are numbered 0 to 4",
                bad("out_of_range.parquet"),
                bad("out_of_range.parquet")
            ),
        ),
        ("bad/negative.parquet", None, format!("{}: row 1 (ds[0]): tag 1 is -100, but the 5", bad("negative.parquet"))),
        (
            "bad/length_mismatch.parquet",
            None,
            format!("{}: row 2 (ds[1]): 7 tokens but 6 tags", bad("length_mismatch.parquet")),
        ),
        ("bad/null_token.parquet", None, format!("{}: row 4 (ds[3]): token 3 is null", bad("null_token.parquet"))),
        (
            "bad/no_tokens.parquet",
            None,
            format!("{}: no column \"tokens\"; the file has id, words, ner_tags", bad("no_tokens.parquet")),
        ),
        (
            "bad/no_tags.parquet",
            None,
            format!(
                "{}: no tag column: expected one of ner_tags, tags, labels; the file has id, tokens",
                bad("no_tags.parquet")
            ),
        ),
        (
            "bad/tags_not_a_list.parquet",
            None,
            format!(
                "{}: column \"ner_tags\" is Int64, not a list of integers or strings",
                bad("tags_not_a_list.parquet")
            ),
        ),
        (
            "bad/no_label_names.parquet",
            None,
            format!(
                "{}: column \"ner_tags\" holds integer tags, but no label names were given (--label-names), the \
                 file's huggingface metadata has no ClassLabel for it, and {} has none",
                bad("no_label_names.parquet"),
                bad("dataset_info.json")
            ),
        ),
        (
            "bad/label_not_iob.parquet",
            None,
            format!(
                "label names from the huggingface metadata of {} (column ner_tags): name 1 \"PER\" is not a tag: \
                 expected O or a prefix and a type such as B-PER",
                bad("label_not_iob.parquet")
            ),
        ),
        (
            "bad/zstd.parquet",
            None,
            format!("{}: column \"tokens\" is compressed with ZSTD; retag reads snappy", bad("zstd.parquet")),
        ),
        ("bad/not_parquet.parquet", None, format!("{}: not a Parquet file retag can read", bad("not_parquet.parquet"))),
        (
            "bad/out_of_range.jsonl",
            Some("O,B-PER,I-PER"),
            format!(
                "{}:2: tag 2 is 7, but the 3 label names from --label-names are numbered 0 to 2",
                bad("out_of_range.jsonl")
            ),
        ),
        (
            "bad/no_label_names.jsonl",
            None,
            format!("{}:1: tag 1 is the integer 1, and integer tags need label names", bad("no_label_names.jsonl")),
        ),
        (
            "bad/broken_info/train.jsonl",
            None,
            format!("{}: not JSON: EOF while parsing", fixture("bad/broken_info/dataset_info.json").display()),
        ),
        (
            "datasets/train.parquet",
            Some("PER,LOC"),
            "label names from --label-names: name 0 \"PER\" is not a tag".to_string(),
        ),
        (
            "datasets/train.jsonl",
            Some("O,B-PER,O"),
            "label names from --label-names: name 2 \"O\" repeats name 0".into(),
        ),
        (
            "datasets/train.jsonl",
            Some("labels.txt"),
            "label names from --label-names: name 0 \"labels.txt\" is not a tag: expected O or a prefix and a type \
             such as B-PER (and there is no file \"labels.txt\")"
                .into(),
        ),
    ];
    for (file, flag, expected) in cases {
        let error = read(&fixture(file), flag, true).expect_err(file);
        assert!(error.starts_with(&expected), "{file} {flag:?}:\n  got      {error}\n  expected {expected}");
    }
}

#[test]
fn a_file_that_is_not_arrow_is_refused_by_name() {
    let path = fixture("bad/not_parquet.parquet");
    let error = open_arrow(&path, &TableOptions::default()).map(drop).expect_err("not Arrow");
    assert!(
        error.to_string().starts_with(&format!("{}: not an Arrow IPC file retag can read", path.display())),
        "{error}"
    );
}

/// A damaged file is an error, never a panic: every byte of the Parquet and
/// Arrow fixtures, in turn, set to 0x00 and to 0xFF.
#[test]
fn damaged_files_are_errors_not_panics() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for file in ["datasets/train.parquet", "datasets/saved/data-00000-of-00001.arrow"] {
        let bytes = std::fs::read(fixture(file)).expect("the fixture");
        let damaged = dir.path().join(Path::new(file).file_name().expect("a file name"));
        for offset in 0..bytes.len() {
            for value in [0x00, 0xFF] {
                let mut copy = bytes.clone();
                copy[offset] = value;
                std::fs::write(&damaged, &copy).expect("writable");
                // Ok or Err: what matters is that it returns. Without names
                // the metadata is parsed too.
                for flag in [None, Some("O,B-PER,I-PER,B-LOC,I-LOC")] {
                    let _ = read(&damaged, flag, true);
                }
            }
        }
    }
}
