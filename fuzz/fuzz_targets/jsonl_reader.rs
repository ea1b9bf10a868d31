//! The JSONL reader must never panic: every input gives sentences or errors,
//! and what it reads must be writable in the token shape and read back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retag_data::Location;
use retag_data::jsonl::{JsonlOptions, JsonlReader, JsonlShape, TextTokenizer, read_jsonl_str, write_jsonl};

fuzz_target!(|data: &[u8]| {
    let Some((&choice, input)) = data.split_first() else { return };
    let options = JsonlOptions {
        read_tags: choice & 1 == 0,
        tokenizer: if choice & 2 == 0 { TextTokenizer::Whitespace } else { TextTokenizer::WhitespaceAndPunctuation },
    };
    let Ok(sentences) = JsonlReader::new(input, Location::unnamed(None), options).collect::<Result<Vec<_>, _>>() else {
        return;
    };
    for sentence in &sentences {
        assert!(sentence.tags.is_empty() || sentence.tags.len() == sentence.tokens.len());
    }
    for shape in [JsonlShape::Tokens, JsonlShape::Text] {
        let mut written = Vec::new();
        if write_jsonl(&mut written, &sentences, shape).is_ok() {
            let text = String::from_utf8(written).expect("the writer writes UTF-8");
            let back = read_jsonl_str(&text, &JsonlOptions { read_tags: options.read_tags, ..JsonlOptions::default() })
                .expect("written JSONL reads back");
            let words =
                |s: &[retag_data::Sentence]| s.iter().map(|s| (s.tokens.clone(), s.tags.clone())).collect::<Vec<_>>();
            assert_eq!(words(&back), words(&sentences), "{shape:?}");
        }
    }
});
