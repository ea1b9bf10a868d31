//! What the replacements are drawn from: the mentions of each entity type
//! and the tokens of each label in the training data, counted with their
//! frequency (a draw picks an occurrence, as Dai and Adel's "randomly select
//! a mention from the training set" does, so frequent mentions come up more).

use std::collections::HashMap;

use crate::scheme::{OnInvalid, Scheme, decode};
use crate::sentence::Sentence;

/// Mentions by type and tokens by label, in corpus order (so that draws
/// depend on the data and the seed only, not on a hash map's order).
#[derive(Debug, Clone, Default)]
pub(crate) struct Pools {
    mentions: HashMap<String, Vec<Vec<String>>>,
    tokens: HashMap<String, Vec<String>>,
}

impl Pools {
    /// Reads `training` under `scheme`. A sentence without one tag per token
    /// gives nothing; one whose tags break the scheme gives its tokens (their
    /// labels are what they are) but no mentions (its spans are not).
    pub(crate) fn new(training: &[Sentence], scheme: Scheme) -> Self {
        let mut pools = Self::default();
        for sentence in training.iter().filter(|s| s.is_tagged()) {
            for (token, tag) in sentence.tokens.iter().zip(&sentence.tags) {
                pools.tokens.entry(tag.clone()).or_default().push(token.clone());
            }
            if let Ok(spans) = decode(&sentence.tags, scheme, OnInvalid::Error) {
                for span in spans {
                    let mention = sentence.tokens[span.start..span.end].to_vec();
                    pools.mentions.entry(span.kind).or_default().push(mention);
                }
            }
        }
        pools
    }

    /// Every mention of `kind`, one entry per occurrence; empty for a type
    /// the training data never mentions.
    pub(crate) fn mentions(&self, kind: &str) -> &[Vec<String>] {
        self.mentions.get(kind).map_or(&[], Vec::as_slice)
    }

    /// Every token tagged `label`, one entry per occurrence.
    pub(crate) fn tokens(&self, label: &str) -> &[String] {
        self.tokens.get(label).map_or(&[], Vec::as_slice)
    }
}
