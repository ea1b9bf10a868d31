//! A tokenizer with ids past the last row of the word embedding matrix is
//! refused, naming both sizes; a matrix padded beyond the vocabulary is not.
//! Each case writes the tiny fixture's config.json with another vocab_size,
//! and a tokenizer, into a temporary directory.

mod common;

use std::path::Path;

use retag_bert::{BertConfig, BertError, check_tokenizer, check_vocab_size, tokenizer_vocab_size};
use retag_data::align::{WordTokenizer, load_tokenizer};
use serde_json::{Value, json};

/// The tiny fixture's config.json with `vocab_size` rows, written to `dir`.
fn config_with_rows(dir: &Path, vocab_size: usize) -> BertConfig {
    let text = std::fs::read_to_string(common::tiny_dir().join("config.json")).unwrap();
    let mut config: Value = serde_json::from_str(&text).unwrap();
    config["vocab_size"] = json!(vocab_size);
    let path = dir.join("config.json");
    std::fs::write(&path, config.to_string()).unwrap();
    BertConfig::from_file(&path).unwrap()
}

/// A BERT `vocab.txt` of `ids` tokens, ids `0..ids`.
fn write_vocab(dir: &Path, ids: usize) {
    let mut vocab: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map(String::from).to_vec();
    vocab.extend((vocab.len()..ids).map(|i| format!("word{i}")));
    std::fs::write(dir.join("vocab.txt"), vocab.join("\n") + "\n").unwrap();
}

/// A `tokenizer.json` of the `vocab.txt` tokenizer of `ids` tokens, plus one
/// token at id `gap_id`: a vocabulary with a hole, whose largest id is past
/// its token count.
fn write_tokenizer_with_gap(dir: &Path, ids: usize, gap_id: usize) {
    let vocab_dir = tempfile::tempdir().unwrap();
    write_vocab(vocab_dir.path(), ids);
    let path = dir.join("tokenizer.json");
    load_tokenizer(vocab_dir.path()).unwrap().save(&path).unwrap();
    let mut tokenizer: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    tokenizer["model"]["vocab"]["faraway"] = json!(gap_id);
    std::fs::write(&path, tokenizer.to_string()).unwrap();
}

enum Tokenizer {
    /// `vocab.txt` with ids `0..n`.
    Vocab(usize),
    /// `tokenizer.json` with ids `0..n` and one more token at the second id.
    Gap(usize, usize),
}

fn tokenizer(dir: &Path, kind: &Tokenizer) -> WordTokenizer {
    match *kind {
        Tokenizer::Vocab(ids) => write_vocab(dir, ids),
        Tokenizer::Gap(ids, gap_id) => write_tokenizer_with_gap(dir, ids, gap_id),
    }
    load_tokenizer(dir).unwrap()
}

#[test]
fn tokenizers_must_fit_the_embedding_matrix() {
    // (case, tokenizer, config vocab_size, the tokenizer's size, refused)
    let cases = [
        ("the fixture's own size", Tokenizer::Vocab(100), 100, 100, false),
        ("a matrix padded beyond the vocabulary", Tokenizer::Vocab(100), 128, 100, false),
        ("a smaller vocab_size than the tokenizer", Tokenizer::Vocab(100), 64, 100, true),
        ("one id too many", Tokenizer::Vocab(101), 100, 101, true),
        ("a gap in the ids: the largest id counts", Tokenizer::Gap(100, 150), 128, 151, true),
        ("a gap that still fits", Tokenizer::Gap(100, 120), 128, 121, false),
    ];
    for (case, kind, rows, size, refused) in cases {
        let dir = tempfile::tempdir().unwrap();
        let config = config_with_rows(dir.path(), rows);
        let tokenizer = tokenizer(dir.path(), &kind);
        assert_eq!(tokenizer_vocab_size(&tokenizer), size, "{case}");
        let result = check_tokenizer(&tokenizer, &config);
        match (refused, result) {
            (false, Ok(())) => {}
            (true, Err(error)) => {
                assert!(
                    matches!(&error, BertError::VocabularyMismatch { tokenizer_vocab_size, embedding_rows, .. }
                        if *tokenizer_vocab_size == size && *embedding_rows == rows),
                    "{case}: {error:?}"
                );
                let message = error.to_string();
                let file = tokenizer.path().display().to_string();
                for part in
                    [&file, &format!("need {size} embedding rows"), &format!("only {rows} "), &"vocab_size".to_owned()]
                {
                    assert!(message.contains(part.as_str()), "{case}: {message:?} does not name {part:?}");
                }
            }
            (refused, result) => panic!("{case}: refused should be {refused}, got {result:?}"),
        }
    }
}

#[test]
fn the_size_check_alone_takes_any_count() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_rows(dir.path(), 100);
    let file = Path::new("some/tokenizer.json");
    for (size, refused) in [(0, false), (99, false), (100, false), (101, true), (30_522, true)] {
        assert_eq!(check_vocab_size(size, file, &config).is_err(), refused, "{size} ids");
    }
}
