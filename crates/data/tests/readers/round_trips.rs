//! Read → write → read round trips over arbitrary tokens, Unicode whitespace
//! inside tokens included.

use proptest::prelude::*;
use retag_data::Sentence;
use retag_data::conll::{ConllOptions, Delimiter, Separator, read_conll_str, write_conll};
use retag_data::jsonl::{JsonlOptions, JsonlShape, read_jsonl_str, write_jsonl};
use retag_data::scheme::{Scheme, Span, encode};

/// Characters that split-on-any-whitespace readers get wrong.
const UNICODE_WHITESPACE: &[&str] =
    &["\u{a0}", "\u{2028}", "\u{2029}", "\u{200b}", "\u{85}", "\u{3000}", "\u{feff}", "\u{b}", "\u{c}"];

/// A token with no ASCII space, tab or line break, often with Unicode
/// whitespace in it or made of it.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        "[^ \t\r\n]{1,6}",
        "[a-zA-Z#@]{1,5}",
        prop::sample::select(UNICODE_WHITESPACE).prop_map(String::from),
        ("[a-z]{1,3}", prop::sample::select(UNICODE_WHITESPACE), "[a-z]{0,3}")
            .prop_map(|(a, w, b)| format!("{a}{w}{b}")),
    ]
}

/// A tag the CoNLL writer accepts: anything without ASCII whitespace.
fn conll_tag() -> impl Strategy<Value = String> {
    prop_oneof!["O", "[BIES]-[a-zA-Z_-]{1,8}", "[^ \t\r\n]{1,6}"]
}

/// Well-formed sentences: tokens and tags as above, never a `-DOCSTART-`
/// token, never a first token that begins with a byte-order mark (which the
/// writer refuses: readers drop a BOM at the start of a file).
fn sentences(tagged: bool) -> impl Strategy<Value = Vec<Sentence>> {
    let sentence = prop::collection::vec((token(), conll_tag()), 1..8).prop_map(move |pairs| {
        let (tokens, tags): (Vec<String>, Vec<String>) = pairs.into_iter().unzip();
        Sentence::new(tokens, if tagged { tags } else { Vec::new() })
    });
    prop::collection::vec(sentence, 0..6).prop_filter("no document markers, no leading BOM", |sentences| {
        sentences.iter().all(|s| !s.tokens.iter().any(|t| t == "-DOCSTART-"))
            && sentences.first().is_none_or(|s| !s.tokens[0].starts_with('\u{feff}'))
    })
}

/// Sentences as a CoNLL reader gives them back: each token on its own line,
/// a blank line after each sentence.
fn as_read_from_conll(sentences: &[Sentence]) -> Vec<Sentence> {
    let mut line = 1;
    sentences
        .iter()
        .map(|sentence| {
            let mut read = sentence.clone();
            read.place_at_line(line);
            line += sentence.len() + 1;
            read
        })
        .collect()
}

/// Sentences as a JSONL reader gives them back: one record per line.
fn as_read_from_jsonl(sentences: &[Sentence]) -> Vec<Sentence> {
    sentences.iter().enumerate().map(|(index, sentence)| Sentence { line: index + 1, ..sentence.clone() }).collect()
}

fn conll_text(sentences: &[Sentence], separator: Separator) -> Result<String, retag_data::DataError> {
    let mut out = Vec::new();
    write_conll(&mut out, sentences, separator)?;
    Ok(String::from_utf8(out).expect("the writer writes UTF-8"))
}

fn jsonl_text(sentences: &[Sentence], shape: JsonlShape) -> Result<String, retag_data::DataError> {
    let mut out = Vec::new();
    write_jsonl(&mut out, sentences, shape)?;
    Ok(String::from_utf8(out).expect("the writer writes UTF-8"))
}

/// IOB2 tags for `len` tokens from arbitrary, possibly adjacent entities.
fn iob2_tags(len: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec((0..len, 1..4usize, "[A-Za-z][a-z_-]{0,6}"), 0..4).prop_map(move |candidates| {
        let mut spans: Vec<Span> = Vec::new();
        let mut taken = vec![false; len];
        for (start, width, kind) in candidates {
            let end = (start + width).min(len);
            if taken[start..end].iter().all(|t| !t) {
                taken[start..end].iter_mut().for_each(|t| *t = true);
                spans.push(Span { start, end, kind });
            }
        }
        spans.sort();
        encode(&spans, len, Scheme::Iob2)
    })
}

/// A sentence whose tokens have no ASCII whitespace and whose tags are IOB2.
fn iob2_sentence() -> impl Strategy<Value = Sentence> {
    prop::collection::vec(token(), 1..8)
        .prop_flat_map(|tokens| {
            let len = tokens.len();
            (Just(tokens), iob2_tags(len))
        })
        .prop_map(|(tokens, tags)| Sentence::new(tokens, tags))
        .prop_filter("no ASCII whitespace in the text shape", |s| {
            s.tokens.iter().all(|t| !t.contains(|c: char| c.is_ascii_whitespace()))
        })
}

proptest! {
    #[test]
    fn conll_round_trips(sentences in sentences(true), tab in any::<bool>()) {
        let separator = if tab { Separator::Tab } else { Separator::Space };
        let text = conll_text(&sentences, separator).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let read = read_conll_str(&text, &ConllOptions::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(read, as_read_from_conll(&sentences));
    }

    #[test]
    fn untagged_conll_round_trips(sentences in sentences(false)) {
        let text = conll_text(&sentences, Separator::Space).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let read = read_conll_str(&text, &ConllOptions::untagged()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(read, as_read_from_conll(&sentences));
    }

    /// Whatever the tokens, the writer either refuses them or writes a file
    /// that reads back identically (tab-separated, read with tab columns).
    #[test]
    fn conll_writes_only_what_reads_back(
        raw in prop::collection::vec(prop::collection::vec(("\\PC{0,4}|[ \t\r\n\u{feff}-]{0,3}", "\\PC{0,3}"), 0..5), 0..4),
        tab in any::<bool>(),
    ) {
        let sentences: Vec<Sentence> = raw
            .into_iter()
            .map(|pairs| { let (tokens, tags) = pairs.into_iter().unzip(); Sentence::new(tokens, tags) })
            .collect();
        let (separator, delimiter) = if tab { (Separator::Tab, Delimiter::Tab) } else { (Separator::Space, Delimiter::AsciiWhitespace) };
        if let Ok(text) = conll_text(&sentences, separator) {
            let options = ConllOptions { delimiter, ..ConllOptions::default() };
            let read = read_conll_str(&text, &options).map_err(|e| TestCaseError::fail(format!("{e} in {text:?}")))?;
            prop_assert_eq!(read, as_read_from_conll(&sentences));
        }
    }

    /// The token shape is lossless for any non-empty strings, and for empty
    /// sentences (a fuzzing find: they once lost their empty `tags`).
    #[test]
    fn jsonl_token_shape_round_trips(
        raw in prop::collection::vec(prop::collection::vec(("\\PC{1,5}|[\u{0}-\u{20}\u{85}\u{2028}\"\\\\]{1,3}", "\\PC{1,4}"), 0..6), 0..5),
    ) {
        let sentences: Vec<Sentence> = raw
            .into_iter()
            .map(|pairs| { let (tokens, tags) = pairs.into_iter().unzip(); Sentence::new(tokens, tags) })
            .collect();
        let text = jsonl_text(&sentences, JsonlShape::Tokens).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let read = read_jsonl_str(&text, &JsonlOptions::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(read, as_read_from_jsonl(&sentences));
    }

    /// The text shape keeps tokens without ASCII whitespace and IOB2 tags.
    #[test]
    fn jsonl_text_shape_round_trips(sentences in prop::collection::vec(iob2_sentence(), 0..5)) {
        let text = jsonl_text(&sentences, JsonlShape::Text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let read = read_jsonl_str(&text, &JsonlOptions::default()).map_err(|e| TestCaseError::fail(format!("{e} in {text}")))?;
        prop_assert_eq!(read, as_read_from_jsonl(&sentences));
    }

    /// CoNLL → JSONL text shape → CoNLL keeps the sentences.
    #[test]
    fn conll_to_jsonl_text_and_back(sentences in prop::collection::vec(iob2_sentence(), 1..4)) {
        let json = jsonl_text(&sentences, JsonlShape::Text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let from_json = read_jsonl_str(&json, &JsonlOptions::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let filtered: Vec<Sentence> = from_json.into_iter().filter(|s| !s.tokens.iter().any(|t| t == "-DOCSTART-")).collect();
        prop_assume!(filtered.first().is_none_or(|s| !s.tokens[0].starts_with('\u{feff}')));
        let conll = conll_text(&filtered, Separator::Space).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back = read_conll_str(&conll, &ConllOptions::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, as_read_from_conll(&filtered));
    }
}

/// The file-level helpers write, read and report missing files by path.
#[test]
fn files_round_trip_and_missing_files_are_named() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let sentences = vec![
        Sentence::new(vec!["EU".into(), "a\u{a0}b".into()], vec!["B-ORG".into(), "O".into()]),
        Sentence::new(vec!["x".into()], vec!["O".into()]),
    ];

    let conll = directory.path().join("out.conll");
    retag_data::conll::write_conll_file(&conll, &sentences, Separator::Tab).expect("writable");
    let read = retag_data::conll::read_conll_file(&conll, &ConllOptions::default()).expect("readable");
    assert_eq!(read, as_read_from_conll(&sentences));

    let jsonl = directory.path().join("out.jsonl");
    retag_data::jsonl::write_jsonl_file(&jsonl, &sentences, JsonlShape::Text).expect("writable");
    let read = retag_data::jsonl::read_jsonl_file(&jsonl, &JsonlOptions::default()).expect("readable");
    assert_eq!(read, as_read_from_jsonl(&sentences));

    let missing = directory.path().join("missing.conll");
    for error in [
        retag_data::conll::read_conll_file(&missing, &ConllOptions::default()).expect_err("missing"),
        retag_data::jsonl::read_jsonl_file(&missing, &JsonlOptions::default()).expect_err("missing"),
    ] {
        assert!(matches!(error, retag_data::DataError::Io { .. }), "{error}");
        assert!(error.to_string().starts_with(&missing.display().to_string()), "{error}");
    }
}
