//! Table-driven tests of the JSONL reader and writer on small inline inputs.

use super::*;
use crate::error::DataError;
use crate::sentence::Sentence;

fn sentence(tokens: &[&str], tags: &[&str], line: usize) -> Sentence {
    Sentence {
        tokens: tokens.iter().map(|t| t.to_string()).collect(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        line,
        token_lines: Vec::new(),
    }
}

fn read_bytes(bytes: &[u8], options: JsonlOptions) -> Result<Vec<Sentence>, DataError> {
    JsonlReader::new(bytes, crate::Location::file("in.jsonl"), options).collect()
}

#[test]
fn reads_both_shapes() {
    let punctuation = JsonlOptions { tokenizer: TextTokenizer::WhitespaceAndPunctuation, ..JsonlOptions::default() };
    let untagged = JsonlOptions { read_tags: false, ..JsonlOptions::default() };
    let cases: Vec<(&str, &str, JsonlOptions, Vec<Sentence>)> = vec![
        (
            "token shape, blank line, CRLF, extra fields",
            "{\"tokens\":[\"EU\",\"rejects\"],\"tags\":[\"B-ORG\",\"O\"],\"id\":7}\r\n\r\n{\"tokens\":[\"a b\"],\"ner_tags\":[\"O\"]}",
            JsonlOptions::default(),
            vec![sentence(&["EU", "rejects"], &["B-ORG", "O"], 1), sentence(&["a b"], &["O"], 3)],
        ),
        (
            "text shape with span objects",
            r#"{"text": "Peter Blackburn visits  Paris", "spans": [{"start": 24, "end": 29, "label": "LOC"}, {"start": 0, "end": 15, "label": "PER"}]}"#,
            JsonlOptions::default(),
            vec![sentence(&["Peter", "Blackburn", "visits", "Paris"], &["B-PER", "I-PER", "O", "B-LOC"], 1)],
        ),
        (
            "doccano label triples",
            r#"{"id": 1, "text": "EU rejects", "label": [[0, 2, "ORG"]]}"#,
            JsonlOptions::default(),
            vec![sentence(&["EU", "rejects"], &["B-ORG", "O"], 1)],
        ),
        (
            "doccano entities with offsets",
            r#"{"text": "EU rejects", "entities": [{"id": 3, "start_offset": 0, "end_offset": 2, "label": "ORG"}]}"#,
            JsonlOptions::default(),
            vec![sentence(&["EU", "rejects"], &["B-ORG", "O"], 1)],
        ),
        (
            "offsets count characters, not bytes; Unicode whitespace stays in tokens",
            "{\"text\": \"é\u{a0}x 😀 Zoë\", \"spans\": [{\"start\": 6, \"end\": 9, \"label\": \"PER\"}]}",
            JsonlOptions::default(),
            vec![sentence(&["é\u{a0}x", "😀", "Zoë"], &["O", "O", "B-PER"], 1)],
        ),
        (
            "punctuation tokenizer",
            r#"{"text": "in Paris.", "spans": [[3, 8, "LOC"]]}"#,
            punctuation,
            vec![sentence(&["in", "Paris", "."], &["O", "B-LOC", "O"], 1)],
        ),
        ("empty text", r#"{"text": "", "spans": []}"#, JsonlOptions::default(), vec![sentence(&[], &[], 1)]),
        (
            "untagged reading ignores missing tags",
            "{\"tokens\": [\"a\"]}\n{\"text\": \"b c\"}",
            untagged,
            vec![sentence(&["a"], &[], 1), sentence(&["b", "c"], &[], 2)],
        ),
    ];
    for (name, input, options, expected) in cases {
        let read = read_bytes(input.as_bytes(), options).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(read, expected, "{name}");
    }
}

#[test]
fn rejects_bad_records_naming_file_line_and_span() {
    let cases: Vec<(&str, &[u8], &str, &str)> = vec![
        ("invalid JSON", b"{\"tokens\": [\"a\"], \"tags\": [\"O\"]}\n{\"tokens\": [\n", "in.jsonl:2", "invalid JSON"),
        ("not an object", b"[1, 2]\n", "in.jsonl:1", "a JSON object"),
        ("no tokens nor text", b"{\"words\": []}\n", "in.jsonl:1", "missing field"),
        ("no tags", b"{\"tokens\": [\"a\"]}\n", "in.jsonl:1", "\"tags\""),
        ("no spans", b"{\"text\": \"a\"}\n", "in.jsonl:1", "\"spans\""),
        (
            "length mismatch",
            b"\n{\"tokens\": [\"a\", \"b\"], \"tags\": [\"O\"]}\n",
            "in.jsonl:2",
            "2 tokens but 1 tags",
        ),
        ("empty token", b"{\"tokens\": [\"a\", \"\"], \"tags\": [\"O\", \"O\"]}\n", "in.jsonl:1", "token 2 is empty"),
        ("integer tags without names", b"{\"tokens\": [\"a\"], \"ner_tags\": [3]}\n", "in.jsonl:1", "need label names"),
        (
            "span cuts a token",
            b"{\"text\": \"Paris.\", \"spans\": [[0, 5, \"LOC\"]]}\n",
            "in.jsonl:1",
            "span 1 (0..5 \"LOC\") does not end at a token boundary: it cuts token \"Paris.\"",
        ),
        (
            "span starts on space",
            b"{\"text\": \"a  b\", \"spans\": [[2, 4, \"X\"]]}\n",
            "in.jsonl:1",
            "falls on whitespace",
        ),
        (
            "span overlap",
            b"{\"text\": \"a b c\", \"spans\": [[0, 3, \"X\"], [2, 5, \"Y\"]]}\n",
            "in.jsonl:1",
            "span 2 (2..5 \"Y\") overlaps span 1",
        ),
        (
            "duplicate span",
            b"{\"text\": \"a b\", \"spans\": [[0, 1, \"X\"], [0, 1, \"X\"]]}\n",
            "in.jsonl:1",
            "overlaps",
        ),
        (
            "span past the end",
            b"{\"text\": \"a b\", \"spans\": [[2, 9, \"X\"]]}\n",
            "in.jsonl:1",
            "ends past the text, which has 3 characters",
        ),
        ("empty span", b"{\"text\": \"a b\", \"spans\": [[2, 2, \"X\"]]}\n", "in.jsonl:1", "empty or reversed"),
        ("empty label", b"{\"text\": \"a b\", \"spans\": [[0, 1, \"\"]]}\n", "in.jsonl:1", "empty label"),
        ("negative offset", b"{\"text\": \"a b\", \"spans\": [[-1, 1, \"X\"]]}\n", "in.jsonl:1", "span"),
        ("spans and label", b"{\"text\": \"a\", \"spans\": [], \"label\": []}\n", "in.jsonl:1", "both"),
        ("invalid UTF-8", b"{\"text\": \"\xff\", \"spans\": []}\n", "in.jsonl:1", "UTF-8"),
    ];
    for (name, input, at, reason) in cases {
        let error = read_bytes(input, JsonlOptions::default()).expect_err(name);
        let message = error.to_string();
        assert!(message.starts_with(&format!("{at}:")), "{name}: {message}");
        assert!(message.contains(reason), "{name}: {message}");
    }
}

fn written(sentences: &[Sentence], shape: JsonlShape) -> Result<String, DataError> {
    let mut out = Vec::new();
    write_jsonl(&mut out, sentences, shape)?;
    Ok(String::from_utf8(out).expect("the writer writes UTF-8"))
}

#[test]
fn writes_both_shapes() {
    let sentences = [
        sentence(&["Zoë", "Blackburn", "visits", "Paris"], &["B-PER", "I-PER", "O", "B-LOC"], 1),
        sentence(&["a"], &[], 0),
        sentence(&[], &[], 0),
    ];
    let cases = [
        (
            JsonlShape::Tokens,
            "{\"tokens\":[\"Zoë\",\"Blackburn\",\"visits\",\"Paris\"],\"tags\":[\"B-PER\",\"I-PER\",\"O\",\"B-LOC\"]}\n{\"tokens\":[\"a\"]}\n{\"tokens\":[],\"tags\":[]}\n",
        ),
        (
            JsonlShape::Text,
            "{\"text\":\"Zoë Blackburn visits Paris\",\"spans\":[{\"start\":0,\"end\":13,\"label\":\"PER\"},{\"start\":21,\"end\":26,\"label\":\"LOC\"}]}\n{\"text\":\"a\"}\n{\"text\":\"\",\"spans\":[]}\n",
        ),
    ];
    for (shape, expected) in cases {
        assert_eq!(written(&sentences, shape).expect("writable"), expected, "{shape:?}");
    }
}

#[test]
fn text_shape_refuses_what_cannot_be_read_back() {
    let cases: Vec<(&str, Sentence, JsonlShape, &str)> = vec![
        (
            "space in token",
            sentence(&["New York"], &["B-LOC"], 4),
            JsonlShape::Text,
            "input line 4: token 1 \"New York\" contains ASCII whitespace",
        ),
        ("invalid IOB2", sentence(&["a", "b"], &["O", "I-PER"], 0), JsonlShape::Text, "not valid IOB2: token 2"),
        ("empty token", sentence(&[""], &["O"], 0), JsonlShape::Tokens, "token 1 is empty"),
        ("tag count", sentence(&["a", "b"], &["O"], 0), JsonlShape::Tokens, "2 tokens but 1 tags"),
    ];
    for (name, bad, shape, reason) in cases {
        let error = written(&[bad], shape).expect_err(name);
        assert!(error.to_string().contains(reason), "{name}: {error}");
        assert!(error.to_string().starts_with("<output>:1:"), "{name}: {error}");
    }
}

/// Found by `cargo fuzz run jsonl_reader`: an empty text read as an empty
/// tagged sentence was written without `tags`, and then failed to read back.
#[test]
fn empty_sentence_round_trips_in_both_shapes() {
    let read = read_bytes(b"{\"text\": \"\", \"spans\": []}\n\x0c", JsonlOptions::default()).expect("readable");
    assert_eq!(read, vec![sentence(&[], &[], 1)]);
    for shape in [JsonlShape::Tokens, JsonlShape::Text] {
        let text = written(&read, shape).expect("writable");
        assert_eq!(read_bytes(text.as_bytes(), JsonlOptions::default()).expect("reads back"), read, "{shape:?}");
    }
}

/// Integer tags as `datasets`' `to_json` writes them, read with label names.
#[test]
fn reads_integer_tags_with_label_names() {
    let names =
        crate::hf::LabelNames::new(["O", "B-PER", "I-PER"].map(String::from).to_vec(), crate::hf::LabelOrigin::Flag)
            .expect("valid names");
    let read = |input: &str| {
        JsonlReader::new(input.as_bytes(), crate::Location::file("in.jsonl"), JsonlOptions::default())
            .with_label_names(Some(names.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| error.to_string())
    };
    let good: Vec<(&str, &str, Vec<Sentence>)> = vec![
        (
            "ids",
            "{\"id\": \"0\", \"tokens\": [\"ann\", \"smith\", \"went\"], \"ner_tags\": [1, 2, 0]}",
            vec![sentence(&["ann", "smith", "went"], &["B-PER", "I-PER", "O"], 1)],
        ),
        ("names still read", "{\"tokens\": [\"ann\"], \"tags\": [\"B-LOC\"]}", vec![sentence(&["ann"], &["B-LOC"], 1)]),
        (
            "ids and names mixed",
            "{\"tokens\": [\"a\", \"b\"], \"tags\": [\"B-X\", 0]}",
            vec![sentence(&["a", "b"], &["B-X", "O"], 1)],
        ),
    ];
    for (name, input, expected) in good {
        assert_eq!(read(input).unwrap_or_else(|error| panic!("{name}: {error}")), expected, "{name}");
    }
    let bad = [
        (
            "past the names",
            "{\"tokens\": [\"a\", \"b\"], \"ner_tags\": [0, 3]}",
            "in.jsonl:1: tag 2 is 3, but the 3 label names from --label-names are numbered 0 to 2",
        ),
        (
            "negative",
            "\n{\"tokens\": [\"a\"], \"ner_tags\": [-100]}",
            "in.jsonl:2: tag 1 is -100, but the 3 label names",
        ),
        (
            "a float",
            "{\"tokens\": [\"a\"], \"ner_tags\": [1.5]}",
            "in.jsonl:1: invalid JSON record: a tag: a string such as \"B-PER\", or an integer class id",
        ),
        ("length", "{\"tokens\": [\"a\"], \"ner_tags\": [0, 1]}", "in.jsonl:1: 1 tokens but 2 tags"),
    ];
    for (name, input, expected) in bad {
        let error = read(input).expect_err(name);
        assert!(error.starts_with(expected), "{name}: {error}");
    }
}
