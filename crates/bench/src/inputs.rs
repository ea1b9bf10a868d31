//! The files the pipeline bench feeds every side: CoNLL files cut or
//! repeated sentence by sentence (lines kept verbatim) or packed to a
//! sentence length, and the word and word-piece counts its rates divide by.

use std::path::Path;

use anyhow::{Context, Result, ensure};
use retag_data::Location;
use retag_data::align::{AlignOptions, load_tokenizer};
use retag_data::conll::{ConllOptions, read_conll_file};

/// The sentences of a CoNLL file as text blocks (their lines, each ending in
/// `\n`), split at blank lines exactly as the data's README asks: at `\n` only.
fn sentence_blocks(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut blocks = Vec::new();
    let mut block = String::new();
    for line in text.split('\n') {
        if line.trim_end_matches('\r').is_empty() {
            if !block.is_empty() {
                blocks.push(std::mem::take(&mut block));
            }
        } else {
            block.push_str(line);
            block.push('\n');
        }
    }
    if !block.is_empty() {
        blocks.push(block);
    }
    ensure!(!blocks.is_empty(), "{} holds no sentence", path.display());
    Ok(blocks)
}

/// Writes `count` sentences taken from `source` in order, starting again from
/// its first sentence as often as needed: the first `count` of a larger file,
/// or the file repeated. Returns `count`.
pub fn cycle_sentences(source: &Path, count: usize, target: &Path) -> Result<usize> {
    ensure!(count > 0, "an input of 0 sentences");
    let blocks = sentence_blocks(source)?;
    let mut out = String::new();
    for block in blocks.iter().cycle().take(count) {
        out.push_str(block);
        out.push('\n');
    }
    std::fs::write(target, out).with_context(|| format!("cannot write {}", target.display()))?;
    Ok(count)
}

/// Sentences in a CoNLL file.
pub fn count_sentences(path: &Path) -> Result<usize> {
    Ok(sentence_blocks(path)?.len())
}

/// Words (tokens) in a CoNLL file, read as retag reads it.
pub fn count_words(path: &Path) -> Result<u64> {
    let sentences =
        read_conll_file(path, &ConllOptions::default()).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(sentences.iter().map(|sentence| sentence.tokens.len() as u64).sum())
}

/// Real word-pieces (`[CLS]` and `[SEP]` included, no padding) of the windows
/// retag trains on for `data` with the tokenizer of `model`: the same
/// alignment as `retag train/retrain` (`retag_data::align`, default windows).
pub fn count_word_pieces(model: &Path, data: &Path) -> Result<u64> {
    let tokenizer =
        load_tokenizer(model).with_context(|| format!("cannot load the tokenizer of {}", model.display()))?;
    let options = AlignOptions::for_tokenizer(&tokenizer)?;
    let sentences =
        read_conll_file(data, &ConllOptions::default()).with_context(|| format!("cannot read {}", data.display()))?;
    let file = Location::file(data);
    let mut pieces = 0;
    for sentence in &sentences {
        let aligned = tokenizer.align_sentence(sentence, None, &options, &file)?;
        pieces += aligned.windows.iter().map(|window| window.input_ids.len() as u64).sum::<u64>();
    }
    Ok(pieces)
}

/// Writes sentences of about `length` word-pieces each (`[CLS]` and `[SEP]`
/// included), `words` words in all: the words of `source` in order (again
/// from its start as often as needed), packed greedily so that no sentence
/// passes `length` unless one word alone does. Returns the sentences written.
/// The tags are all `O`: the file is only predicted on.
pub fn pack_to_length(model: &Path, source: &Path, length: usize, words: usize, target: &Path) -> Result<usize> {
    ensure!(length > 2 && words > 0, "sentences of {length} word-pieces, {words} words");
    let tokenizer =
        load_tokenizer(model).with_context(|| format!("cannot load the tokenizer of {}", model.display()))?;
    let sentences = read_conll_file(source, &ConllOptions::default())
        .with_context(|| format!("cannot read {}", source.display()))?;
    let file = Location::file(source);
    let mut stream = Vec::new();
    for sentence in &sentences {
        let pieces = tokenizer.word_pieces(&sentence.tokens, &sentence.token_location(&file, 0))?;
        stream.extend(sentence.tokens.iter().zip(pieces.lengths()));
    }
    ensure!(!stream.is_empty(), "{} holds no word", source.display());
    let (text, sentences) = pack(&stream, length, words);
    std::fs::write(target, text).with_context(|| format!("cannot write {}", target.display()))?;
    Ok(sentences)
}

/// The CoNLL text of [`pack_to_length`] from `(word, its word-pieces)`, and
/// its number of sentences. Each sentence starts with 2 pieces used
/// (`[CLS]`, `[SEP]`).
fn pack(stream: &[(&String, usize)], length: usize, words: usize) -> (String, usize) {
    let (mut out, mut sentences, mut used) = (String::new(), 1, 2);
    for &(token, pieces) in stream.iter().cycle().take(words) {
        if used > 2 && used + pieces > length {
            out.push('\n');
            sentences += 1;
            used = 2;
        }
        out.push_str(token);
        out.push_str(" O\n");
        used += pieces;
    }
    out.push('\n');
    (out, sentences)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("temp dir is writable");
        path
    }

    #[test]
    fn cycles_and_cuts() {
        let dir = std::env::temp_dir().join(format!("retag-bench-inputs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let source = write(&dir, "src.txt", "a O\nb B-x\n\nc O\n\n\nd I-x\n");
        let out = dir.join("out.txt");
        let check = |count: usize, expected: &str| {
            cycle_sentences(&source, count, &out).expect("writes");
            assert_eq!(std::fs::read_to_string(&out).expect("reads"), expected, "{count}");
        };
        check(1, "a O\nb B-x\n\n");
        check(3, "a O\nb B-x\n\nc O\n\nd I-x\n\n");
        check(5, "a O\nb B-x\n\nc O\n\nd I-x\n\na O\nb B-x\n\nc O\n\n");
        assert_eq!(count_sentences(&out).expect("reads"), 5);
        assert_eq!(count_words(&out).expect("reads"), 7);

        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn packs_words_up_to_the_length() {
        let (a, b, c) = ("a".to_string(), "b".to_string(), "c".to_string());
        let stream = [(&a, 1), (&b, 3), (&c, 2)];
        let check = |length: usize, words: usize, expected: &str, sentences: usize| {
            assert_eq!(pack(&stream, length, words), (expected.to_string(), sentences), "{length} {words}");
        };
        check(8, 3, "a O\nb O\nc O\n\n", 1);
        check(7, 3, "a O\nb O\n\nc O\n\n", 2);
        check(6, 4, "a O\nb O\n\nc O\na O\n\n", 2);
        // A word longer than the length sits alone (retag windows it).
        check(3, 3, "a O\n\nb O\n\nc O\n\n", 3);
    }
}
