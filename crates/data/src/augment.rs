//! Data augmentation for NER, applied on the fly: each epoch sees a freshly
//! augmented copy of the training sentences, drawn from a seed.
//!
//! The operations are those Dai and Adel compare in "An Analysis of Simple
//! Data Augmentation for Named Entity Recognition" (COLING 2020), where they
//! help most on small training sets, plus casing noise:
//!
//! - `mr`, mention replacement: each entity, with probability `rate`, is
//!   swapped for another mention of the same type from the training data,
//!   and the tags are written anew in the data's scheme (the mention may
//!   have another length);
//! - `lwtr`, label-wise token replacement: each token, with probability
//!   `rate`, is swapped for another token with the same label (`B-PER` for
//!   `B-PER`) from the training data;
//! - `sis`, shuffle within segments: the sentence is cut into maximal runs
//!   of one entity or of `O`, and each run, with probability `rate`, has its
//!   tokens shuffled;
//! - `case`, casing noise: each token, with probability `rate`, is
//!   lowercased, uppercased or title-cased (a cased encoder otherwise learns
//!   that a capital letter means a name, which user-generated text breaks).
//!
//! They apply in that order, each to the previous one's result. Where Dai
//! and Adel add augmented copies to the data, here each sentence is
//! *replaced* by its augmented copy for one epoch: the number of sentences,
//! hence of steps and the learning-rate schedule, is that of the plain data,
//! and with rates below 1 most sentences of an epoch are still as written.
//!
//! Guarantees, which the property tests check:
//!
//! - a sentence in is a sentence out, with one tag per token;
//! - a valid tag sequence in its scheme stays valid (only `mr` changes tags,
//!   through [`crate::scheme::encode`]); a sentence whose tags break the
//!   scheme is left to `lwtr` and `case`, which do not touch tags, because
//!   `mr` and `sis` need its spans and a repair would change its labels;
//! - the result depends only on the seed, the epoch, the sentence's index
//!   and the training data the pools were read from: each (epoch, index)
//!   has its own stream ([`SplitMix64::derived`]), so a run resumed in the
//!   middle of an epoch sees the same sentences as the run it continues, and
//!   the order in which sentences are augmented does not matter.

mod ops;
mod pools;
pub mod spec;

pub use spec::{AugmentSpec, Operation, SpecProblem};

use crate::rng::SplitMix64;
use crate::scheme::Scheme;
use crate::sentence::Sentence;
use pools::Pools;

/// Keeps the augmentation's streams apart from any other use of the same
/// seed (the data order, dropout, a head's initial weights).
const STREAM: u64 = 0x6175_676D_656E_7421; // "augment!"

/// Augments sentences as a spec says, drawing replacements from the
/// training data it was built on.
#[derive(Debug, Clone)]
pub struct Augmenter {
    spec: AugmentSpec,
    seed: u64,
    scheme: Scheme,
    pools: Pools,
}

impl Augmenter {
    /// An augmenter for data in `scheme`, whose replacements come from
    /// `training` (the plain training sentences: never dev or test, whose
    /// mentions would leak into training).
    pub fn new(spec: AugmentSpec, seed: u64, scheme: Scheme, training: &[Sentence]) -> Self {
        Self { spec, seed, scheme, pools: Pools::new(training, scheme) }
    }

    pub fn spec(&self) -> &AugmentSpec {
        &self.spec
    }

    /// The copy of `sentence`, the `index`th of the training data (0-based),
    /// that `epoch` trains on. An untagged sentence is returned as it is.
    /// The copy keeps the sentence's line; its tokens keep theirs unless
    /// mention replacement changed the number of tokens.
    pub fn sentence(&self, sentence: &Sentence, epoch: usize, index: usize) -> Sentence {
        if !sentence.is_tagged() || !self.aims_at_sentence(sentence) {
            return sentence.clone();
        }
        let mut rng = SplitMix64::derived(self.seed, &[STREAM, epoch as u64, index as u64]);
        let mut tokens = sentence.tokens.clone();
        let mut tags = sentence.tags.clone();
        let mut spans = ops::valid_spans(&tags, self.scheme);
        for &(operation, rate) in self.spec.rates() {
            if rate <= 0.0 {
                continue;
            }
            match (operation, &spans) {
                (Operation::MentionReplacement, Some(found)) => {
                    let (scheme, pools, aims_at) = (self.scheme, &self.pools, |kind: &str| self.spec.aims_at(kind));
                    if ops::replace_mentions(&mut tokens, &mut tags, found, scheme, rate, pools, &aims_at, &mut rng) {
                        spans = ops::valid_spans(&tags, self.scheme);
                        debug_assert!(spans.is_some(), "encode writes a valid sequence: {tags:?}");
                    }
                }
                (Operation::LabelWiseTokenReplacement, _) => {
                    ops::replace_tokens(&mut tokens, &tags, rate, &self.pools, &mut rng);
                }
                (Operation::ShuffleWithinSegments, Some(found)) => {
                    ops::shuffle_segments(&mut tokens, found, rate, &mut rng);
                }
                (Operation::CaseNoise, _) => ops::change_case(&mut tokens, rate, &mut rng),
                (Operation::MentionReplacement | Operation::ShuffleWithinSegments, None) => {}
            }
        }
        let token_lines = if tokens.len() == sentence.tokens.len() { sentence.token_lines.clone() } else { Vec::new() };
        Sentence { tokens, tags, line: sentence.line, token_lines }
    }

    /// Whether `sentence` is augmented: always, unless the spec is aimed at
    /// some types (`only`) and it mentions none of them. Read from its tags
    /// (`B-product`, `S-product`...), so a sentence whose tags break the
    /// scheme is judged by the types it names all the same.
    fn aims_at_sentence(&self, sentence: &Sentence) -> bool {
        self.spec.only().is_empty()
            || sentence.tags.iter().any(|tag| tag.split_once('-').is_some_and(|(_, kind)| self.spec.aims_at(kind)))
    }

    /// The types the spec is aimed at that the training data never
    /// mentions: nothing to aim at, most likely a misspelt name.
    pub fn unknown_targets(&self) -> Vec<String> {
        self.spec.only().iter().filter(|kind| self.pools.mentions(kind).is_empty()).cloned().collect()
    }

    /// The copies of all `sentences` (the training data, in order) that
    /// `epoch` trains on: as many as there are sentences, in the same order.
    pub fn epoch(&self, sentences: &[Sentence], epoch: usize) -> Vec<Sentence> {
        sentences.iter().enumerate().map(|(index, sentence)| self.sentence(sentence, epoch, index)).collect()
    }
}

#[cfg(test)]
mod tests;
