//! Table-driven tests of the CoNLL reader and writer on small inline inputs.

use super::*;
use crate::error::DataError;
use crate::sentence::Sentence;

fn tagged(tokens: &[&str], tags: &[&str], line: usize) -> Sentence {
    Sentence {
        tokens: tokens.iter().map(|t| t.to_string()).collect(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        line,
        // One token per line, with no comment inside the sentence.
        token_lines: (line..line + tokens.len()).collect(),
    }
}

fn read_bytes(bytes: &[u8], options: ConllOptions) -> Result<Vec<Sentence>, DataError> {
    ConllReader::new(bytes, crate::Location::file("in.conll"), options)?.collect()
}

#[test]
fn reads_well_formed_inputs() {
    let cases: Vec<(&str, &[u8], ConllOptions, Vec<Sentence>)> = vec![
        (
            "two sentences, missing final blank line",
            b"EU B-ORG\nrejects O\n\nPeter B-PER\nBlackburn I-PER",
            ConllOptions::default(),
            vec![
                tagged(&["EU", "rejects"], &["B-ORG", "O"], 1),
                tagged(&["Peter", "Blackburn"], &["B-PER", "I-PER"], 4),
            ],
        ),
        (
            "CRLF, several blank lines, BOM",
            b"\xEF\xBB\xBFEU B-ORG\r\n\r\n\r\n\r\nx O\r\n\r\n",
            ConllOptions::default(),
            vec![tagged(&["EU"], &["B-ORG"], 1), tagged(&["x"], &["O"], 5)],
        ),
        (
            "tabs, as WNUT-16",
            b"@paul\tO\nEmpire\tB-facility\n",
            ConllOptions::default(),
            vec![tagged(&["@paul", "Empire"], &["O", "B-facility"], 1)],
        ),
        (
            "DOCSTART and the blank line after it",
            b"-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n",
            ConllOptions::default(),
            vec![tagged(&["EU", "rejects"], &["B-ORG", "O"], 3)],
        ),
        (
            "DOCSTART with no blank line ends the sentence",
            b"a O\n-DOCSTART- O\nb O\n",
            ConllOptions::default(),
            vec![tagged(&["a"], &["O"], 1), tagged(&["b"], &["O"], 3)],
        ),
        (
            "four columns, tag column chosen",
            b"EU NNP B-NP B-ORG\n",
            ConllOptions { tag_column: TagColumn::Index(2), ..ConllOptions::default() },
            vec![tagged(&["EU"], &["B-NP"], 1)],
        ),
        (
            "token column chosen",
            b"1 EU B-ORG\n2 rejects O\n",
            ConllOptions { token_column: 1, ..ConllOptions::default() },
            vec![tagged(&["EU", "rejects"], &["B-ORG", "O"], 1)],
        ),
        (
            "untagged text, one column",
            b"EU\nrejects\n\nok\n",
            ConllOptions::untagged(),
            vec![tagged(&["EU", "rejects"], &[], 1), tagged(&["ok"], &[], 4)],
        ),
        ("untagged mode ignores a tag column", b"EU B-ORG\n", ConllOptions::untagged(), vec![tagged(&["EU"], &[], 1)]),
        (
            "Unicode whitespace stays in tokens",
            "\u{a0} O\nwatched\u{200b}was O\na\u{2028}b O\nDubbz\u{feff} B-person\n\u{3000} O\n".as_bytes(),
            ConllOptions::default(),
            vec![tagged(
                &["\u{a0}", "watched\u{200b}was", "a\u{2028}b", "Dubbz\u{feff}", "\u{3000}"],
                &["O", "O", "O", "B-person", "O"],
                1,
            )],
        ),
        (
            "a # token is a token by default",
            b"# O\n#NFL B-group\n",
            ConllOptions::default(),
            vec![tagged(&["#", "#NFL"], &["O", "B-group"], 1)],
        ),
        (
            "with a comment prefix, # O is still a token, # text = ... is a comment",
            b"# text = EU rejects\n# sent_id = 1\nEU B-ORG\n# O\n",
            ConllOptions { comment_prefix: Some("#".into()), ..ConllOptions::default() },
            vec![tagged(&["EU", "#"], &["B-ORG", "O"], 3)],
        ),
        (
            "tab delimiter keeps spaces in tokens",
            b"New York\tB-LOC\n a \tO\n",
            ConllOptions { delimiter: Delimiter::Tab, ..ConllOptions::default() },
            vec![tagged(&["New York", " a "], &["B-LOC", "O"], 1)],
        ),
        (
            "lines of spaces are blank lines, trailing spaces ignored",
            b"a O  \n  \t \nb O\t\n",
            ConllOptions::default(),
            vec![tagged(&["a"], &["O"], 1), tagged(&["b"], &["O"], 3)],
        ),
        ("empty input", b"", ConllOptions::default(), vec![]),
        ("only blank lines", b"\n\n\r\n", ConllOptions::default(), vec![]),
    ];
    for (name, input, options, expected) in cases {
        let read = read_bytes(input, options).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(read, expected, "{name}");
    }
}

#[test]
fn rejects_malformed_lines_naming_file_and_line() {
    let cases: Vec<(&str, &[u8], ConllOptions, &str, &str)> = vec![
        ("one column", b"a O\nb\n", ConllOptions::default(), "in.conll:2", "one column"),
        ("column count changes", b"a O\n\nb X O\n", ConllOptions::default(), "in.conll:3", "line 1 has 2"),
        ("leading space", b"a O\n O\n", ConllOptions::default(), "in.conll:2", "token is empty"),
        (
            "empty tag with tab",
            b"a\tO\nb\t\n",
            ConllOptions { delimiter: Delimiter::Tab, ..Default::default() },
            "in.conll:2",
            "tag (column 2) is empty",
        ),
        (
            "empty token with tab",
            b"\tO\n",
            ConllOptions { delimiter: Delimiter::Tab, ..Default::default() },
            "in.conll:1",
            "token (column 1) is empty",
        ),
        (
            "missing tag column",
            b"a B NP\nb C\n",
            ConllOptions { tag_column: TagColumn::Index(2), ..Default::default() },
            "in.conll:2",
            "columns",
        ),
        (
            "missing tag index",
            b"a B\n",
            ConllOptions { tag_column: TagColumn::Index(3), ..Default::default() },
            "in.conll:1",
            "no tag column 4",
        ),
        (
            "missing token column",
            b"a\n",
            ConllOptions { token_column: 2, ..ConllOptions::untagged() },
            "in.conll:1",
            "no token column 3",
        ),
        ("invalid UTF-8", b"a O\n\xff O\n", ConllOptions::default(), "in.conll:2", "UTF-8"),
        ("invalid UTF-8 after BOM", b"\xEF\xBB\xBF\xC3 O\n", ConllOptions::default(), "in.conll:1", "UTF-8"),
    ];
    for (name, input, options, at, reason) in cases {
        let error = read_bytes(input, options).expect_err(name);
        let message = error.to_string();
        assert!(matches!(error, DataError::Malformed { .. }), "{name}: {message}");
        assert!(message.starts_with(&format!("{at}:")), "{name}: {message}");
        assert!(message.contains(reason), "{name}: {message}");
    }
}

#[test]
fn rejects_contradictory_options() {
    let cases = [
        ConllOptions { tag_column: TagColumn::Index(0), ..ConllOptions::default() },
        ConllOptions { comment_prefix: Some(String::new()), ..ConllOptions::default() },
    ];
    for options in cases {
        assert!(matches!(read_bytes(b"a O\n", options), Err(DataError::InvalidOption { .. })));
    }
}

#[test]
fn reader_stops_after_the_first_error() {
    let mut reader =
        ConllReader::new(&b"a O\n\nb\n\nc O\n"[..], crate::Location::unnamed(None), ConllOptions::default())
            .expect("valid options");
    assert!(reader.next().is_some_and(|s| s.is_ok()));
    assert!(reader.next().is_some_and(|s| s.is_err()));
    assert!(reader.next().is_none());
}

fn written(sentences: &[Sentence], separator: Separator) -> Result<String, DataError> {
    let mut out = Vec::new();
    write_conll(&mut out, sentences, separator)?;
    Ok(String::from_utf8(out).expect("the writer writes UTF-8"))
}

#[test]
fn writes_token_tag_lines_and_blank_lines() {
    let sentences = [tagged(&["EU", "rejects"], &["B-ORG", "O"], 1), tagged(&["a\u{a0}b"], &["O"], 4)];
    let cases = [
        (Separator::Space, "EU B-ORG\nrejects O\n\na\u{a0}b O\n\n"),
        (Separator::Tab, "EU\tB-ORG\nrejects\tO\n\na\u{a0}b\tO\n\n"),
    ];
    for (separator, expected) in cases {
        assert_eq!(written(&sentences, separator).expect("writable"), expected);
    }
    assert_eq!(written(&[tagged(&["a", "b"], &[], 0)], Separator::Space).expect("writable"), "a\nb\n\n");
}

#[test]
fn writes_prediction_columns() {
    let gold = [tagged(&["EU", "rejects"], &["B-ORG", "O"], 1)];
    let predicted = vec![vec!["B-LOC".to_string(), "O".to_string()]];
    let mut out = Vec::new();
    write_conll_predictions(&mut out, &gold, &predicted, Separator::Space).expect("writable");
    assert_eq!(String::from_utf8(out).expect("UTF-8"), "EU B-ORG B-LOC\nrejects O O\n\n");
    let short = vec![vec!["O".to_string()]];
    assert!(matches!(
        write_conll_predictions(Vec::new(), &gold, &short, Separator::Space),
        Err(DataError::Mismatch { .. })
    ));
}

#[test]
fn refuses_what_cannot_be_read_back() {
    let cases: Vec<(&str, Vec<Sentence>, Separator, &str)> = vec![
        ("space in token", vec![tagged(&["New York"], &["B-LOC"], 7)], Separator::Space, "contains a space or tab"),
        ("tab in token", vec![tagged(&["a\tb"], &["O"], 0)], Separator::Tab, "contains a tab"),
        ("newline", vec![tagged(&["a\nb"], &["O"], 0)], Separator::Tab, "line break"),
        ("empty token", vec![tagged(&[""], &["O"], 0)], Separator::Space, "is empty"),
        ("empty tag", vec![tagged(&["a"], &[""], 0)], Separator::Space, "is empty"),
        ("docstart", vec![tagged(&["-DOCSTART-"], &["O"], 0)], Separator::Space, "document marker"),
        ("empty sentence", vec![tagged(&[], &[], 0)], Separator::Space, "empty sentence"),
        ("leading BOM", vec![tagged(&["\u{feff}a"], &["O"], 0)], Separator::Space, "U+FEFF"),
        ("spaces-only untagged token", vec![tagged(&[" "], &[], 0)], Separator::Tab, "blank line"),
        (
            "tagged then untagged",
            vec![tagged(&["a"], &["O"], 0), tagged(&["b"], &[], 0)],
            Separator::Space,
            "earlier sentences have 2",
        ),
        ("tag count", vec![tagged(&["a", "b"], &["O"], 3)], Separator::Space, "input line 3"),
    ];
    for (name, sentences, separator, reason) in cases {
        let error = written(&sentences, separator).expect_err(name);
        assert!(error.to_string().contains(reason), "{name}: {error}");
        assert!(error.to_string().starts_with("<output>:"), "{name}: {error}");
    }
}

#[test]
fn round_trips_tab_separated_tokens_with_spaces() {
    let sentences = vec![tagged(&["New York", " x"], &["B-LOC", "O"], 1)];
    let text = written(&sentences, Separator::Tab).expect("writable");
    let options = ConllOptions { delimiter: Delimiter::Tab, ..ConllOptions::default() };
    assert_eq!(read_conll_str(&text, &options).expect("readable"), sentences);
}
