use proptest::prelude::*;

use super::*;

fn tags(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

fn span(start: usize, end: usize, kind: &str) -> Span {
    Span { start, end, kind: kind.to_string() }
}

/// The same entities written in every scheme: two adjacent PER entities, a
/// single-token LOC, a three-token ORG. Every pair of rows must convert into
/// each other.
const SAME_ENTITIES: [(Scheme, &str); 6] = [
    (Scheme::Iob1, "I-PER I-PER B-PER O I-LOC O I-ORG I-ORG I-ORG"),
    (Scheme::Iob2, "B-PER I-PER B-PER O B-LOC O B-ORG I-ORG I-ORG"),
    (Scheme::Ioe2, "I-PER E-PER E-PER O E-LOC O I-ORG I-ORG E-ORG"),
    (Scheme::Bioes, "B-PER E-PER S-PER O S-LOC O B-ORG I-ORG E-ORG"),
    (Scheme::Bilou, "B-PER L-PER U-PER O U-LOC O B-ORG I-ORG L-ORG"),
    (Scheme::Io, "I-PER I-PER I-PER O I-LOC O I-ORG I-ORG I-ORG"),
];

#[test]
fn every_scheme_converts_to_every_other_both_ways() {
    for (from, source) in SAME_ENTITIES {
        for (to, target) in SAME_ENTITIES {
            let converted = convert(&tags(source), from, to, OnInvalid::Error).unwrap();
            if from == Scheme::Io && to != Scheme::Io {
                // IO cannot tell the two adjacent PER entities apart: they merge.
                let merged = encode(&[span(0, 3, "PER"), span(4, 5, "LOC"), span(6, 9, "ORG")], 9, to);
                assert_eq!(converted, merged, "{from} -> {to}");
            } else {
                assert_eq!(converted, tags(target), "{from} -> {to}");
            }
        }
    }
}

#[test]
fn decode_finds_the_same_spans_in_every_scheme() {
    let expected = vec![span(0, 2, "PER"), span(2, 3, "PER"), span(4, 5, "LOC"), span(6, 9, "ORG")];
    for (scheme, line) in SAME_ENTITIES.iter().filter(|(s, _)| s.separates_adjacent()) {
        assert_eq!(decode(&tags(line), *scheme, OnInvalid::Error).unwrap(), expected, "{scheme}");
    }
}

#[test]
fn types_may_contain_hyphens() {
    let spans = decode(&tags("B-geo-loc I-geo-loc O S-x-y"), Scheme::Bioes, OnInvalid::Repair).unwrap();
    assert_eq!(spans, vec![span(0, 2, "geo-loc"), span(3, 4, "x-y")]);
}

/// (scheme, tags, 0-based index of the first violation, words the reason must contain)
const INVALID: &[(Scheme, &str, usize, &str)] = &[
    (Scheme::Iob2, "O I-PER", 1, "follows O"),
    (Scheme::Iob2, "I-PER", 0, "start of the sentence"),
    (Scheme::Iob2, "B-PER I-LOC", 1, "follows B-PER"),
    (Scheme::Iob2, "B-PER S-PER", 1, "not used by IOB2"),
    (Scheme::Iob1, "O B-PER", 1, "follows O"),
    (Scheme::Iob1, "I-LOC B-PER", 1, "follows I-LOC"),
    (Scheme::Ioe2, "I-PER O", 1, "no E- tag"),
    (Scheme::Ioe2, "I-PER E-LOC", 1, "no E- tag"),
    (Scheme::Ioe2, "O I-PER", 1, "ends inside"),
    (Scheme::Bioes, "B-PER O", 1, "no E- tag"),
    (Scheme::Bioes, "O I-PER E-PER", 1, "follows O"),
    (Scheme::Bioes, "B-PER B-PER E-PER", 1, "no E- tag"),
    (Scheme::Bioes, "B-PER I-PER", 1, "ends inside"),
    (Scheme::Bioes, "E-PER", 0, "start of the sentence"),
    (Scheme::Io, "B-PER", 0, "not used by IO"),
    (Scheme::Iob2, "PER", 0, "expected O or a prefix"),
    (Scheme::Iob2, "B-", 0, "type after the prefix is empty"),
    (Scheme::Iob2, "X-PER", 0, "unknown prefix"),
];

#[test]
fn invalid_sequences_are_reported_at_the_offending_token() {
    for (scheme, line, index, words) in INVALID {
        let violation = decode(&tags(line), *scheme, OnInvalid::Error).unwrap_err();
        assert_eq!(violation.index, *index, "{scheme} {line}: {violation:?}");
        assert!(violation.reason.contains(words), "{scheme} {line}: {:?} lacks {words:?}", violation.reason);
    }
}

#[test]
fn valid_sequences_have_no_violations() {
    for (scheme, line) in SAME_ENTITIES {
        assert_eq!(violations(&tags(line), scheme), vec![], "{scheme}");
    }
    assert_eq!(violations(&tags("S-PER U-LOC L-PER"), Scheme::Bioes).len(), 1, "L- after U- is an unopened end");
}

/// (tags in IOB2 with mistakes, the spans seqeval's default mode reads)
type ExpectedSpans = &'static [(usize, usize, &'static str)];

const REPAIRS: &[(&str, ExpectedSpans)] = &[
    ("O I-PER I-PER", &[(1, 3, "PER")]),
    ("B-PER I-LOC I-LOC", &[(0, 1, "PER"), (1, 3, "LOC")]),
    ("B-PER I-PER I-LOC B-LOC", &[(0, 2, "PER"), (2, 3, "LOC"), (3, 4, "LOC")]),
    ("I-PER B-PER", &[(0, 1, "PER"), (1, 2, "PER")]),
];

#[test]
fn repair_reads_invalid_sequences_as_seqeval_does() {
    for (line, expected) in REPAIRS {
        let expected: Vec<Span> = expected.iter().map(|(s, e, k)| span(*s, *e, k)).collect();
        assert_eq!(decode(&tags(line), Scheme::Iob2, OnInvalid::Repair).unwrap(), expected, "{line}");
        assert!(decode(&tags(line), Scheme::Iob2, OnInvalid::Error).is_err(), "{line} is invalid IOB2");
    }
    let repaired = convert(&tags("O I-PER I-LOC"), Scheme::Iob2, Scheme::Iob2, OnInvalid::Repair).unwrap();
    assert_eq!(repaired, tags("O B-PER B-LOC"));
}

#[test]
fn seqeval_chunks_match_seqeval_get_entities() {
    // Expected values printed by seqeval 1.2.2:
    // get_entities(['B-PER','I-PER','O','B-LOC','I-MISC','E-MISC','S-ORG','I-ORG'])
    let chunks = seqeval_chunks(["B-PER", "I-PER", "O", "B-LOC", "I-MISC", "E-MISC", "S-ORG", "I-ORG"]);
    let as_tuples: Vec<(&str, usize, usize)> = chunks.iter().map(|c| (c.kind.as_str(), c.start, c.end)).collect();
    assert_eq!(as_tuples, [("PER", 0, 1), ("LOC", 3, 3), ("MISC", 4, 5), ("ORG", 6, 6), ("ORG", 7, 7)]);
}

#[test]
fn violations_are_located_on_the_token_line() {
    let mut sentence = Sentence::new(tags("a b c"), tags("O O I-PER"));
    sentence.place_at_line(40);
    let error = sentence_spans(&sentence, Scheme::Iob2, OnInvalid::Error, &Location::file("train.txt")).unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with("train.txt:42: invalid IOB2 sequence at token 3, tag \"I-PER\""), "{message}");
}

#[test]
fn scheme_names_parse_case_insensitively_and_bilou_is_an_alias() {
    assert_eq!("BIO".parse::<Scheme>().unwrap(), Scheme::Iob2);
    let ambiguous = "IOB".parse::<Scheme>().unwrap_err().to_string();
    assert!(ambiguous.contains("ambiguous"), "{ambiguous}");
    assert_eq!("iobes".parse::<Scheme>().unwrap(), Scheme::Bioes);
    assert_eq!("Bilou".parse::<Scheme>().unwrap(), Scheme::Bilou);
    let error = "iob3".parse::<Scheme>().unwrap_err().to_string();
    assert!(error.contains("iob3"), "{error}");
}

/// (labels, the scheme [`Scheme::from_labels`] reads from them). Includes
/// the cases retag-predict and retag-retrain once tested with copies of
/// their own, before both called `Scheme::from_labels`.
const FROM_LABELS: &[(&[&str], Scheme)] = &[
    (&["O", "B-PER", "I-PER"], Scheme::Iob2),
    (&["B-PER", "I-PER", "O", "B-geo-loc", "I-geo-loc"], Scheme::Iob2),
    (&["O", "B-PER"], Scheme::Iob2),
    (&["O", "I-PER"], Scheme::Io),
    (&["O", "I-PER", "I-LOC"], Scheme::Io),
    (&["O"], Scheme::Io),
    (&[], Scheme::Io),
    (&["O", "B-PER", "I-PER", "E-PER", "S-PER"], Scheme::Bioes),
    (&["O", "B-PER", "I-PER", "E-PER"], Scheme::Bioes),
    (&["O", "S-PER"], Scheme::Bioes),
    (&["O", "I-PER", "S-PER", "E-PER"], Scheme::Bioes),
    (&["O", "B-PER", "I-PER", "L-PER", "U-PER"], Scheme::Bilou),
    (&["O", "U-PER", "B-PER", "L-PER"], Scheme::Bilou),
    (&["O", "U-PER"], Scheme::Bilou),
    (&["O", "I-PER", "E-PER"], Scheme::Ioe2),
    (&["O", "E-PER"], Scheme::Ioe2),
    // Only the prefix counts: a type that starts with a letter and a hyphen
    // is not a prefix, and unprefixed labels say nothing.
    (&["O", "I-B-X"], Scheme::Io),
    (&["O", "PER", "I-PER"], Scheme::Io),
    (&["O", "Bob", "B-PER"], Scheme::Iob2),
];

#[test]
fn scheme_is_read_from_the_prefixes_of_the_labels() {
    for (labels, expected) in FROM_LABELS {
        assert_eq!(Scheme::from_labels(labels), *expected, "{labels:?}");
        let owned: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        assert_eq!(Scheme::from_labels(&owned), *expected, "{labels:?} as Strings");
    }
}

#[test]
fn the_scheme_read_from_a_scheme_s_own_labels_is_that_scheme() {
    for scheme in Scheme::ALL {
        let labels: Vec<String> =
            std::iter::once("O".to_string()).chain(scheme.prefixes().iter().map(|p| format!("{p}-PER"))).collect();
        // IOB1 writes the labels of IOB2 and cannot be told apart from them.
        let expected = if scheme == Scheme::Iob1 { Scheme::Iob2 } else { scheme };
        assert_eq!(Scheme::from_labels(&labels), expected, "{scheme}: {labels:?}");
    }
}

#[test]
fn schemes_serialize_as_their_names_and_read_back() {
    for scheme in Scheme::ALL {
        let json = serde_json::to_string(&scheme).unwrap();
        assert_eq!(json, format!("\"{scheme}\""));
        assert_eq!(serde_json::from_str::<Scheme>(&json).unwrap(), scheme, "{json}");
    }
    // (JSON, what it reads as, or words the error must contain)
    let cases: &[(&str, Result<Scheme, &str>)] = &[
        ("\"bio\"", Ok(Scheme::Iob2)),
        ("\"iobes\"", Ok(Scheme::Bioes)),
        ("\"iob\"", Err("ambiguous")),
        ("\"iob3\"", Err("unknown scheme")),
        ("2", Err("expected a string")),
    ];
    for (json, expected) in cases {
        let read = serde_json::from_str::<Scheme>(json).map_err(|error| error.to_string());
        match (read, expected) {
            (Ok(scheme), Ok(want)) => assert_eq!(scheme, *want, "{json}"),
            (Err(error), Err(words)) => assert!(error.contains(words), "{json}: {error}"),
            (read, _) => panic!("{json}: read {read:?}, expected {expected:?}"),
        }
    }
}

/// Random non-overlapping spans over a random length.
fn arbitrary_spans() -> impl Strategy<Value = (Vec<Span>, usize)> {
    prop::collection::vec((0usize..3, 1usize..4, prop::sample::select(vec!["PER", "LOC", "geo-loc"])), 0..12).prop_map(
        |pieces| {
            let mut spans = Vec::new();
            let mut position = 0;
            for (gap, length, kind) in pieces {
                position += gap;
                spans.push(span(position, position + length, kind));
                position += length;
            }
            (spans, position + 1)
        },
    )
}

proptest! {
    #[test]
    fn encode_then_decode_gives_the_spans_back((spans, len) in arbitrary_spans()) {
        for scheme in Scheme::ALL.into_iter().filter(|s| s.separates_adjacent()) {
            let written = encode(&spans, len, scheme);
            prop_assert!(violations(&written, scheme).is_empty(), "{scheme}: {written:?}");
            prop_assert_eq!(decode(&written, scheme, OnInvalid::Error).unwrap(), spans.clone());
        }
    }

    #[test]
    fn conversion_round_trips_through_every_scheme((spans, len) in arbitrary_spans()) {
        for from in Scheme::ALL.into_iter().filter(|s| s.separates_adjacent()) {
            let original = encode(&spans, len, from);
            for to in Scheme::ALL.into_iter().filter(|s| s.separates_adjacent()) {
                let there = convert(&original, from, to, OnInvalid::Error).unwrap();
                let back = convert(&there, to, from, OnInvalid::Error).unwrap();
                prop_assert_eq!(&back, &original, "{} -> {} -> {}", from, to, from);
            }
        }
    }

    #[test]
    fn repair_never_fails_on_parseable_tags(raw in prop::collection::vec(
        prop::sample::select(vec!["O", "B-PER", "I-PER", "E-PER", "S-PER", "I-LOC", "B-LOC", "L-LOC", "U-LOC"]), 0..30)) {
        for scheme in Scheme::ALL {
            let repaired = convert(&raw, scheme, Scheme::Iob2, OnInvalid::Repair).unwrap();
            prop_assert!(violations(&repaired, Scheme::Iob2).is_empty());
        }
    }
}
