//! A fingerprint of the training data as the loop reads it, kept in every
//! checkpoint: a resume on other data is refused as clearly as one with
//! another config. The number of windows alone (what checkpoints kept
//! first) misses data that was edited in place: a fixed tag, a changed
//! word, another tokenizer. Such a resume would run, and silently end with
//! weights that neither data set would give.
//!
//! What is hashed is what training reads, in order. For windows: each
//! sentence's word count and windows, and each window's token ids,
//! attention mask, word indices, label ids and word ranges. For a cache of
//! encoder outputs (the frozen strategy): each sentence's length in words
//! and each word's label id. The cached vectors are left out: their bits
//! depend on the machine's kernels (an autotuned GPU matmul may pick another
//! summation order in the next process), and a resume must not be refused
//! over rounding. A cached run is thus checked on its labels and lengths,
//! beside the config.
//!
//! A model with input features (gazetteers, patterns) computes part of
//! what it reads from the words through files that a resume could find
//! edited; their fingerprint ([`InputFeatures::fingerprint`]) is mixed in
//! ([`fingerprint_with`]), and a model without them hashes as before.
//!
//! The hash is FNV-1a, 64 bits, over little-endian integers: a few lines,
//! the same in every Rust version and on every machine (the standard
//! library's `DefaultHasher` promises neither). It is a witness against
//! mistakes, not against forgery.

use std::path::Path;

use retag_data::features::InputFeatures;

use crate::error::{Result, TrainError};
use crate::inputs::Inputs;

/// A label slot the loss ignores (a special token, a continuation subword).
const NO_LABEL: u64 = u64::MAX;

/// The fingerprint of the training inputs (see the module doc).
pub fn fingerprint(inputs: &Inputs) -> u64 {
    let mut hash = Fnv1a::new();
    match inputs {
        Inputs::Windows(split) => {
            hash.word(1);
            hash.word(split.aligned.len() as u64);
            for sentence in &split.aligned {
                hash.word(sentence.word_count as u64);
                hash.word(sentence.windows.len() as u64);
                for window in &sentence.windows {
                    hash.word(window.len() as u64);
                    for (&id, &mask) in window.input_ids.iter().zip(&window.attention_mask) {
                        hash.word(u64::from(id));
                        hash.word(u64::from(mask));
                    }
                    for (word, label) in window.word_index.iter().zip(&window.labels) {
                        hash.word(word.map_or(NO_LABEL, |word| word as u64));
                        hash.word(label.map_or(NO_LABEL, |label| label as u64));
                    }
                    for bound in [window.words.start, window.words.end, window.owned.start, window.owned.end] {
                        hash.word(bound as u64);
                    }
                }
            }
        }
        Inputs::Cached(cache) => {
            hash.word(2);
            hash.word(cache.sentence_count() as u64);
            for sentence in 0..cache.sentence_count() {
                let words = cache.words_of(sentence);
                hash.word(words.len() as u64);
                for word in words {
                    hash.word(cache.label(word) as u64);
                }
            }
        }
    }
    hash.finish()
}

/// [`fingerprint`] of `inputs` as a model reading `features` sees them.
pub fn fingerprint_with(inputs: &Inputs, features: Option<&InputFeatures>) -> u64 {
    let data = fingerprint(inputs);
    let Some(features) = features else {
        return data;
    };
    let mut hash = Fnv1a::new();
    hash.word(3);
    hash.word(data);
    hash.word(features.fingerprint());
    hash.finish()
}

/// What a checkpoint says of the data its run trained on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavedData {
    pub windows: usize,
    /// `None` in checkpoints written before fingerprints were kept.
    pub fingerprint: Option<u64>,
}

/// Checks that `inputs` (giving `windows` training units, fingerprinted
/// `now`) are the data of the run whose `checkpoint` says `saved`. An old
/// checkpoint without a fingerprint passes on its window count, with the
/// note returned.
pub fn check_resumed(
    checkpoint: &Path,
    saved: SavedData,
    inputs: &Inputs,
    windows: usize,
    now: u64,
) -> Result<Option<String>> {
    let refuse = |reason: String| TrainError::Checkpoint { path: checkpoint.to_path_buf(), reason };
    if saved.windows != windows {
        return Err(refuse(format!(
            "the run trained on {} windows, the training data{} now gives {windows}",
            saved.windows,
            named(inputs)
        )));
    }
    match saved.fingerprint {
        Some(fingerprint) if fingerprint != now => Err(refuse(format!(
            "the run trained on other data than the training data{} gives: the same {windows} windows, \
             but other tokens, labels, window bounds or input-feature files (fingerprint {fingerprint:016x} in the checkpoint, \
             {now:016x} now); resume with the run's training data",
            named(inputs)
        ))),
        Some(_) => Ok(None),
        None => Ok(Some(format!(
            "{}: written by an older retag without a fingerprint of its data: the training data{} \
             could only be checked by its number of windows ({windows})",
            checkpoint.display(),
            named(inputs)
        ))),
    }
}

/// ` (file)`: the file the training windows were read from, when known.
fn named(inputs: &Inputs) -> String {
    let file = match inputs {
        Inputs::Windows(split) => split.aligned.first().and_then(|sentence| sentence.at.path.as_deref()),
        Inputs::Cached(_) => None,
    };
    file.map_or(String::new(), |file| format!(" ({})", file.display()))
}

/// FNV-1a, 64 bits (Fowler, Noll, Vo), fed whole little-endian `u64`s.
struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Self(Self::OFFSET)
    }

    fn word(&mut self, value: u64) {
        for byte in value.to_le_bytes() {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Input features change the fingerprint only when a model reads them,
    /// and then with their files' contents.
    #[test]
    fn input_features_mix_their_files_in() {
        use retag_data::features::{FeatureSource, Gazetteer, GazetteerOptions};
        let inputs = Inputs::Windows(crate::dataset::AlignedSplit::from_parts(Vec::new(), Vec::new(), 0));
        let features = |text: &str| {
            let gazetteer = Gazetteer::parse(text.into(), GazetteerOptions::default(), Path::new("g.txt")).unwrap();
            InputFeatures::from_sources(vec![FeatureSource::Gazetteer(gazetteer)])
        };
        let plain = fingerprint(&inputs);
        assert_eq!(fingerprint_with(&inputs, None), plain, "a model without features hashes as before");
        let paris = fingerprint_with(&inputs, Some(&features("Paris\tLOC\n")));
        assert_ne!(paris, plain);
        assert_eq!(paris, fingerprint_with(&inputs, Some(&features("Paris\tLOC\n"))));
        assert_ne!(paris, fingerprint_with(&inputs, Some(&features("Paris\tPER\n"))));
    }

    /// The published FNV-1a 64 test vectors pin the constants: "" and "a".
    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        assert_eq!(Fnv1a::new().finish(), 0xcbf2_9ce4_8422_2325);
        let mut hash = Fnv1a::new();
        hash.0 = (hash.0 ^ u64::from(b'a')).wrapping_mul(Fnv1a::PRIME);
        assert_eq!(hash.finish(), 0xaf63_dc4c_8601_ec8c);
        // A whole word is its eight bytes, lowest first.
        let mut word = Fnv1a::new();
        word.word(u64::from(b'a'));
        let mut bytes = Fnv1a::new();
        for byte in [b'a', 0, 0, 0, 0, 0, 0, 0] {
            bytes.0 = (bytes.0 ^ u64::from(byte)).wrapping_mul(Fnv1a::PRIME);
        }
        assert_eq!(word.finish(), bytes.finish());
    }
}
