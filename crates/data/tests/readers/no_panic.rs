//! Neither reader may panic, whatever bytes it is given: every input gives
//! sentences or errors. (The `fuzz/` targets check the same, longer.)

use proptest::prelude::*;
use retag_data::Location;
use retag_data::conll::{ConllOptions, ConllReader, Delimiter, TagColumn};
use retag_data::jsonl::{JsonlOptions, JsonlReader, TextTokenizer};

/// Bytes biased towards the characters the readers treat specially.
fn tricky_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        any::<u8>().prop_map(|b| vec![b]),
        prop::sample::select(vec![
            &b" "[..],
            b"\t",
            b"\n",
            b"\r\n",
            b"\xEF\xBB\xBF",
            b"-DOCSTART-",
            b"#",
            b"O",
            b"B-PER",
            b"\xC3",
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"",
            b",",
            b":",
            b"\"tokens\"",
            b"\"tags\"",
            b"\"text\"",
            b"\"spans\"",
            b"\"label\"",
            b"\"start\"",
            b"\"end\"",
            b"0",
            b"1",
            b"-1",
            b"99999999999999999999",
            "\u{a0}".as_bytes(),
            "é".as_bytes(),
            "😀".as_bytes(),
        ])
        .prop_map(|piece| piece.to_vec()),
    ];
    prop::collection::vec(piece, 0..64).prop_map(|pieces| pieces.concat())
}

fn conll_options() -> impl Strategy<Value = ConllOptions> {
    (
        0usize..3,
        prop_oneof![Just(TagColumn::Last), Just(TagColumn::None), (0usize..4).prop_map(TagColumn::Index)],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(token_column, tag_column, tab, comments)| ConllOptions {
            token_column,
            tag_column,
            delimiter: if tab { Delimiter::Tab } else { Delimiter::AsciiWhitespace },
            comment_prefix: comments.then(|| "#".to_string()),
        })
}

proptest! {
    #[test]
    fn conll_reader_never_panics(bytes in tricky_bytes(), options in conll_options()) {
        if let Ok(reader) = ConllReader::new(bytes.as_slice(), Location::unnamed(None), options) {
            for sentence in reader.flatten() {
                prop_assert!(!sentence.is_empty());
                prop_assert!(sentence.tags.is_empty() || sentence.tags.len() == sentence.tokens.len());
            }
        }
    }

    #[test]
    fn jsonl_reader_never_panics(bytes in tricky_bytes(), read_tags in any::<bool>(), punctuation in any::<bool>()) {
        let tokenizer = if punctuation { TextTokenizer::WhitespaceAndPunctuation } else { TextTokenizer::Whitespace };
        let options = JsonlOptions { read_tags, tokenizer };
        for sentence in JsonlReader::new(bytes.as_slice(), Location::unnamed(None), options).flatten() {
            prop_assert!(sentence.tags.is_empty() || sentence.tags.len() == sentence.tokens.len());
        }
    }

    #[test]
    fn readers_never_panic_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let conll = ConllReader::new(bytes.as_slice(), Location::unnamed(None), ConllOptions::default());
        prop_assert!(conll.is_ok());
        let _sentences: Vec<_> = conll.into_iter().flatten().collect();
        let _records: Vec<_> = JsonlReader::new(bytes.as_slice(), Location::unnamed(None), JsonlOptions::default()).collect();
    }
}
