//! The corpora of `shared/data`, read with the default options, must give
//! the counts its README lists, and must survive writing and reading back.

use retag_data::conll::{ConllOptions, ConllReader, Separator, write_conll};
use retag_data::jsonl::{JsonlOptions, JsonlShape, read_jsonl_str, write_jsonl};
use retag_data::scheme::{OnInvalid, Scheme, decode};

/// File, separator it is written with, sentences, tokens, entities (from
/// `shared/data/README.md`).
const CORPORA: &[(&str, Separator, usize, usize, usize)] = &[
    ("conll2003/train.txt", Separator::Space, 14041, 203621, 23499),
    ("conll2003/dev.txt", Separator::Space, 3250, 51362, 5942),
    ("conll2003/test.txt", Separator::Space, 3453, 46435, 5648),
    ("wnut16/train.txt", Separator::Tab, 2394, 46469, 1496),
    ("wnut17/train.txt", Separator::Space, 3394, 62730, 1975),
    ("wnut17/dev.txt", Separator::Space, 1009, 15729, 836),
    ("wnut17/test.txt", Separator::Space, 1286, 23374, 1078),
];

#[test]
fn corpora_have_the_documented_counts_and_round_trip() {
    let data = retag_testdata::shared_or_return!("");
    for &(file, separator, sentences, tokens, entities) in CORPORA {
        let path = data.join(file);
        let read: Vec<_> = ConllReader::open(&path, ConllOptions::default())
            .unwrap_or_else(|error| panic!("{error}"))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(read.len(), sentences, "{file}: sentences");
        assert_eq!(read.iter().map(|s| s.len()).sum::<usize>(), tokens, "{file}: tokens");
        assert!(read.iter().all(|s| s.is_tagged()), "{file}: every sentence tagged");
        let found: usize = read
            .iter()
            .map(|s| decode(&s.tags, Scheme::Iob2, OnInvalid::Error).map(|spans| spans.len()))
            .sum::<Result<usize, _>>()
            .unwrap_or_else(|violation| panic!("{file}: invalid IOB2: {violation:?}"));
        assert_eq!(found, entities, "{file}: entities");

        // The files are in exactly the shape the writer produces, except that
        // they have no blank line after the last sentence.
        let original = std::fs::read_to_string(&path).expect("readable corpus");
        let mut rewritten = Vec::new();
        write_conll(&mut rewritten, &read, separator).unwrap_or_else(|error| panic!("{file}: {error}"));
        assert_eq!(String::from_utf8(rewritten).expect("UTF-8"), original + "\n", "{file}: rewritten");

        let mut jsonl = Vec::new();
        write_jsonl(&mut jsonl, &read, JsonlShape::Tokens).unwrap_or_else(|error| panic!("{file}: {error}"));
        let back = read_jsonl_str(&String::from_utf8(jsonl).expect("UTF-8"), &JsonlOptions::default())
            .unwrap_or_else(|error| panic!("{file}: {error}"));
        assert_eq!(back.len(), read.len(), "{file}: JSONL sentences");
        assert!(back.iter().zip(&read).all(|(b, r)| b.tokens == r.tokens && b.tags == r.tags), "{file}: JSONL");
    }
}

#[test]
fn sentence_lines_point_at_their_first_token() {
    let path = retag_testdata::shared_or_return!("wnut17/dev.txt");
    let lines: Vec<String> = std::fs::read_to_string(&path).expect("readable").lines().map(String::from).collect();
    let reader = ConllReader::open(&path, ConllOptions::default()).expect("opens");
    for sentence in reader {
        let sentence = sentence.expect("well-formed corpus");
        let first = &lines[sentence.line - 1];
        let previous_blank = sentence.line == 1 || lines[sentence.line - 2].is_empty();
        assert!(previous_blank, "line {} follows a token line", sentence.line);
        assert_eq!(first, &format!("{} {}", sentence.tokens[0], sentence.tags[0]), "line {}", sentence.line);
    }
}
