//! Entity-level scores that agree with seqeval 1.2.2 to the last bit, so that
//! numbers reported by retag can be put next to numbers from the Python
//! ecosystem (Hugging Face's `evaluate`, papers) without a footnote.
//!
//! Two modes, as seqeval has them:
//!
//! - [`Mode::Default`] is `seqeval.metrics.classification_report(y_true,
//!   y_pred)` with no scheme, the conlleval-compatible reading: the sentences
//!   are flattened with an `O` after each one and read by `get_entities`
//!   ([`crate::scheme::seqeval_chunks`]), so an `I-X` after `O` starts an
//!   entity and `B-X I-Y` is two entities.
//! - [`Mode::Strict`] is `classification_report(..., mode="strict",
//!   scheme=IOB2)`: an entity is `B-X` followed by `I-X` tags only; an `I-X`
//!   that does not continue one is no entity at all, and any tag whose first
//!   letter is not `B`, `I` or `O` is an error (seqeval raises).
//!
//! In both modes a score whose denominator is zero is 0.0 (seqeval's
//! `zero_division="warn"`), types are the union of gold and predicted types in
//! code-point order (Python's `sorted`), and the macro and weighted averages
//! are summed the way NumPy sums (pairwise), so that even the last bits agree.
//!
//! Sentences read from files go through [`check_tags`] and
//! [`check_same_tokens`] before [`evaluate_sentences`] scores them, so that a
//! bad tag or a prediction that drifted from the gold file is named by file
//! and line rather than by sentence number.

pub mod bootstrap;
mod confusion;
mod entities;
mod report;
mod scores;
mod scoring_input;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::DataError;
use crate::location::Location;

pub use confusion::{Confusion, ConfusionCell};
pub use report::Report;
pub use scores::Scores;
pub use scoring_input::{check_same_tokens, check_tags, evaluate_sentences};

use entities::{Entity, default_entities, strict_entities};
use scores::Counts;

/// Which of seqeval's two readings of the tags to score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// seqeval's default (conlleval) mode: invalid sequences are repaired.
    #[default]
    Default,
    /// seqeval's `mode="strict", scheme=IOB2`: invalid sequences are not entities.
    Strict,
}

impl std::str::FromStr for Mode {
    type Err = DataError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.to_ascii_lowercase().as_str() {
            "default" | "conlleval" => Ok(Mode::Default),
            "strict" => Ok(Mode::Strict),
            _ => Err(DataError::InvalidOption {
                option: "mode".into(),
                reason: format!("unknown evaluation mode {name:?}; expected default or strict"),
            }),
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Default => "default",
            Mode::Strict => "strict",
        })
    }
}

/// Scores `pred` against `gold`, sentence by sentence, the way seqeval does.
///
/// Both must have the same number of sentences and each sentence the same
/// number of tags (else [`DataError::Mismatch`], naming the 1-based sentence).
/// An empty tag, a tag strict mode cannot read, or input with no token at all
/// is an error, where seqeval would raise.
pub fn evaluate<S, T>(gold: &[S], pred: &[S], mode: Mode) -> Result<Report, DataError>
where
    S: AsRef<[T]>,
    T: AsRef<str>,
{
    check_shapes(gold, pred)?;
    let (gold_entities, pred_entities) = match mode {
        Mode::Default => (default_entities(gold, "gold")?, default_entities(pred, "prediction")?),
        Mode::Strict => (strict_entities(gold, "gold")?, strict_entities(pred, "prediction")?),
    };
    let counts = count_by_type(&gold_entities, &pred_entities);
    Ok(Report {
        mode,
        micro: Scores::micro(counts.values()),
        macro_avg: Scores::macro_average(&counts),
        weighted: Scores::weighted_average(&counts),
        per_type: counts.iter().map(|(kind, c)| (kind.clone(), Scores::from_counts(c))).collect(),
        accuracy: accuracy(gold, pred)?,
        confusion: Confusion::new(&gold_entities, &pred_entities),
    })
}

fn check_shapes<S, T>(gold: &[S], pred: &[S]) -> Result<(), DataError>
where
    S: AsRef<[T]>,
{
    if gold.len() != pred.len() {
        return Err(DataError::Mismatch {
            at: Location::default(),
            reason: format!("the gold data has {} sentences, the prediction has {}", gold.len(), pred.len()),
        });
    }
    for (index, (g, p)) in gold.iter().zip(pred).enumerate() {
        let (g, p) = (g.as_ref().len(), p.as_ref().len());
        if g != p {
            return Err(DataError::Mismatch {
                at: Location::default(),
                reason: format!("sentence {}: the gold data has {g} tokens, the prediction has {p}", index + 1),
            });
        }
    }
    Ok(())
}

/// Per type: how many gold, predicted and correct (same type, same span) entities.
fn count_by_type(gold: &[Entity], pred: &[Entity]) -> BTreeMap<String, Counts> {
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    for entity in gold {
        counts.entry(entity.kind.clone()).or_default().gold += 1;
    }
    for entity in pred {
        counts.entry(entity.kind.clone()).or_default().predicted += 1;
    }
    // Entities of one side never repeat (they do not overlap), so counting the
    // predicted ones found in the gold set is seqeval's set intersection.
    let gold_set: std::collections::HashSet<&Entity> = gold.iter().collect();
    for entity in pred.iter().filter(|e| gold_set.contains(e)) {
        counts.get_mut(&entity.kind).expect("the loop above gave every predicted entity's type an entry").correct += 1;
    }
    counts
}

/// seqeval's `accuracy_score`: the share of tokens whose tag is exactly the gold tag.
fn accuracy<S, T>(gold: &[S], pred: &[S]) -> Result<f64, DataError>
where
    S: AsRef<[T]>,
    T: AsRef<str>,
{
    let mut total = 0usize;
    let mut correct = 0usize;
    for (g, p) in gold.iter().zip(pred) {
        for (g, p) in g.as_ref().iter().zip(p.as_ref()) {
            total += 1;
            correct += usize::from(g.as_ref() == p.as_ref());
        }
    }
    if total == 0 {
        return Err(DataError::Malformed {
            at: Location::default(),
            reason: "nothing to evaluate: the gold data has no tokens".into(),
        });
    }
    Ok(correct as f64 / total as f64)
}
