//! The CoNLL reader must never panic: every input gives sentences or errors,
//! and what it reads must be writable and read back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retag_data::Location;
use retag_data::conll::{ConllOptions, ConllReader, Delimiter, Separator, TagColumn, read_conll_str, write_conll};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the options, the rest is the file.
    let Some((&choice, input)) = data.split_first() else { return };
    let tab = choice & 1 != 0;
    let options = ConllOptions {
        token_column: usize::from((choice >> 1) & 1),
        tag_column: match (choice >> 2) & 3 {
            0 => TagColumn::Last,
            1 => TagColumn::None,
            2 => TagColumn::Index(2),
            _ => TagColumn::Index(0),
        },
        delimiter: if tab { Delimiter::Tab } else { Delimiter::AsciiWhitespace },
        comment_prefix: (choice & 16 != 0).then(|| "#".to_string()),
    };
    let Ok(reader) = ConllReader::new(input, Location::unnamed(None), options.clone()) else { return };
    let Ok(sentences) = reader.collect::<Result<Vec<_>, _>>() else { return };
    for sentence in &sentences {
        assert!(!sentence.is_empty());
        assert!(sentence.tags.is_empty() || sentence.tags.len() == sentence.tokens.len());
    }
    // Round trip: whatever the writer accepts must read back identically
    // (token and tag only, in the columns the writer writes).
    let mut written = Vec::new();
    let separator = if tab { Separator::Tab } else { Separator::Space };
    if write_conll(&mut written, &sentences, separator).is_ok() {
        let text = String::from_utf8(written).expect("the writer writes UTF-8");
        let simple = ConllOptions {
            tag_column: if options.reads_tags() { TagColumn::Last } else { TagColumn::None },
            ..ConllOptions { delimiter: options.delimiter, ..ConllOptions::default() }
        };
        let back = read_conll_str(&text, &simple).expect("written CoNLL reads back");
        let words =
            |s: &[retag_data::Sentence]| s.iter().map(|s| (s.tokens.clone(), s.tags.clone())).collect::<Vec<_>>();
        assert_eq!(words(&back), words(&sentences));
    }
});
