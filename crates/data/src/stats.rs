//! What a dataset holds: sentences, tokens, entities per type, tags, sentence
//! lengths and invalid tag sequences, for `retag data stats FILE` and for the
//! checks a training run makes before it starts.
//!
//! Entities are counted the way seqeval counts them (invalid sequences are
//! repaired as its default mode reads them), so these counts are the
//! denominators the metrics will use. Sentences whose tags break the scheme
//! are counted too: a dataset with many of them is probably in another
//! scheme than the one asked for.

mod report;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::Result;
use crate::location::Location;
use crate::scheme::{self, OnInvalid, Scheme};
use crate::sentence::Sentence;

/// The statistics of one dataset. Serializes to the JSON that
/// `retag data stats --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetStats {
    /// The scheme the tags were read in, as `IOB2`, `BIOES`...
    pub scheme: String,
    pub sentences: usize,
    pub tokens: usize,
    /// Sentences with no tag column (text to predict on).
    pub untagged_sentences: usize,
    pub entities: usize,
    /// Tokens inside an entity.
    pub entity_tokens: usize,
    /// Entities per type, most frequent first, ties by name.
    pub entity_types: Vec<Count>,
    /// Every tag seen and how often, most frequent first, ties by name.
    pub tags: Vec<Count>,
    /// Sentence lengths in tokens; `None` for a dataset with no sentence.
    pub lengths: Option<LengthStats>,
    pub invalid: InvalidSequences,
}

/// How often one entity type or tag occurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub name: String,
    pub count: usize,
}

/// The distribution of sentence lengths, in tokens. Percentiles use the
/// nearest-rank method (`p90` is a length that occurs in the data, with at
/// least 90% of sentences no longer), which is what matters when choosing a
/// maximum sequence length.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LengthStats {
    pub min: usize,
    pub max: usize,
    pub mean: f64,
    /// The middle length, or the mean of the two middle ones.
    pub median: f64,
    pub p90: usize,
    pub p99: usize,
    /// Sentences per length bucket, from the first bucket to the one that
    /// holds the longest sentence.
    pub histogram: Vec<LengthBucket>,
}

/// Sentences with `low..=high` tokens. Buckets double in width (`0..=8`,
/// `9..=16`, `17..=32`...), so the few very long sentences that decide
/// windowing stay visible next to the many short ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LengthBucket {
    pub low: usize,
    pub high: usize,
    pub count: usize,
}

/// Tag sequences that break the scheme's rules.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct InvalidSequences {
    /// Sentences with at least one violation, each repaired as seqeval
    /// reads it before its entities are counted.
    pub sentences: usize,
    /// Violations in all, several per sentence possible.
    pub violations: usize,
}

/// Upper bound of the first length bucket; each next bucket doubles it.
const FIRST_BUCKET_HIGH: usize = 8;

impl DatasetStats {
    /// The statistics of `sentences`, their tags read in `scheme`. `file` is
    /// where they were read, so that a tag no scheme can read, or a sentence
    /// with more tags than tokens, is an error naming its line.
    pub fn collect<'a>(
        sentences: impl IntoIterator<Item = &'a Sentence>,
        scheme: Scheme,
        file: &Location,
    ) -> Result<Self> {
        let mut collector = StatsCollector::new(scheme, file.clone());
        for sentence in sentences {
            collector.add(sentence)?;
        }
        Ok(collector.finish())
    }
}

/// Builds [`DatasetStats`] one sentence at a time, so that a large file can
/// be streamed from a reader without being held in memory.
#[derive(Debug, Clone)]
pub struct StatsCollector {
    scheme: Scheme,
    file: Location,
    lengths: Vec<usize>,
    untagged_sentences: usize,
    entity_tokens: usize,
    entity_types: BTreeMap<String, usize>,
    tags: BTreeMap<String, usize>,
    invalid: InvalidSequences,
}

impl StatsCollector {
    pub fn new(scheme: Scheme, file: Location) -> Self {
        Self {
            scheme,
            file,
            lengths: Vec::new(),
            untagged_sentences: 0,
            entity_tokens: 0,
            entity_types: BTreeMap::new(),
            tags: BTreeMap::new(),
            invalid: InvalidSequences::default(),
        }
    }

    pub fn add(&mut self, sentence: &Sentence) -> Result<()> {
        if sentence.tags.is_empty() {
            self.untagged_sentences += 1;
            self.lengths.push(sentence.len());
            return Ok(());
        }
        sentence.check_tags(&self.file)?;
        let violations = scheme::violations(&sentence.tags, self.scheme).len();
        if violations > 0 {
            self.invalid.sentences += 1;
            self.invalid.violations += violations;
        }
        let spans = scheme::decode(&sentence.tags, self.scheme, OnInvalid::Repair)
            .map_err(|violation| violation.locate(self.scheme, sentence, &self.file))?;
        for span in spans {
            self.entity_tokens += span.end - span.start;
            *self.entity_types.entry(span.kind).or_default() += 1;
        }
        for tag in &sentence.tags {
            match self.tags.get_mut(tag) {
                Some(count) => *count += 1,
                None => {
                    self.tags.insert(tag.clone(), 1);
                }
            }
        }
        self.lengths.push(sentence.len());
        Ok(())
    }

    pub fn finish(self) -> DatasetStats {
        let entity_types = by_count(self.entity_types);
        DatasetStats {
            scheme: self.scheme.to_string(),
            sentences: self.lengths.len(),
            tokens: self.lengths.iter().sum(),
            untagged_sentences: self.untagged_sentences,
            entities: entity_types.iter().map(|count| count.count).sum(),
            entity_tokens: self.entity_tokens,
            entity_types,
            tags: by_count(self.tags),
            lengths: LengthStats::of(self.lengths),
            invalid: self.invalid,
        }
    }
}

/// Most frequent first, ties by name (the map is already sorted by name and
/// the sort is stable).
fn by_count(counts: BTreeMap<String, usize>) -> Vec<Count> {
    let mut counts: Vec<Count> = counts.into_iter().map(|(name, count)| Count { name, count }).collect();
    counts.sort_by_key(|count| std::cmp::Reverse(count.count));
    counts
}

impl LengthStats {
    fn of(mut lengths: Vec<usize>) -> Option<Self> {
        lengths.sort_unstable();
        let (&min, &max) = (lengths.first()?, lengths.last()?);
        let n = lengths.len();
        let median =
            if n % 2 == 1 { lengths[n / 2] as f64 } else { (lengths[n / 2 - 1] + lengths[n / 2]) as f64 / 2.0 };
        let nearest_rank = |percent: usize| lengths[(percent * n).div_ceil(100).max(1) - 1];
        let mut histogram = Vec::new();
        let (mut low, mut high) = (0, FIRST_BUCKET_HIGH);
        loop {
            let count = lengths.iter().filter(|&&len| (low..=high).contains(&len)).count();
            histogram.push(LengthBucket { low, high, count });
            if high >= max {
                break;
            }
            (low, high) = (high + 1, high * 2);
        }
        Some(Self {
            min,
            max,
            mean: lengths.iter().sum::<usize>() as f64 / n as f64,
            median,
            p90: nearest_rank(90),
            p99: nearest_rank(99),
            histogram,
        })
    }
}
