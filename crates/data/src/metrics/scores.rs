//! Precision, recall and F1 from entity counts, computed in the same order
//! and with the same summation as seqeval (through NumPy), so that the
//! results agree bit for bit rather than merely to rounding.

use std::collections::BTreeMap;

use serde::Serialize;

/// Entity counts of one type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Entities in the gold data (seqeval's `true_sum`, the support).
    pub gold: usize,
    /// Entities in the prediction (`pred_sum`).
    pub predicted: usize,
    /// Predicted entities with the gold type and span (`tp_sum`).
    pub correct: usize,
}

/// Scores of one type or one average.
///
/// `support` is the number of gold entities; `predicted` and `correct` are the
/// number of predicted and correctly predicted entities (summed over types for
/// the averages), kept so that a report can be checked by hand.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
    pub predicted: usize,
    pub correct: usize,
}

impl Scores {
    /// The scores of one type.
    pub(crate) fn from_counts(counts: &Counts) -> Self {
        let precision = ratio(counts.correct, counts.predicted);
        let recall = ratio(counts.correct, counts.gold);
        Scores {
            precision,
            recall,
            f1: f1(precision, recall),
            support: counts.gold,
            predicted: counts.predicted,
            correct: counts.correct,
        }
    }

    /// Micro average: the scores of all entities pooled, whatever their type.
    pub(crate) fn micro<'a>(counts: impl Iterator<Item = &'a Counts>) -> Self {
        let total = counts.fold(Counts::default(), |sum, c| Counts {
            gold: sum.gold + c.gold,
            predicted: sum.predicted + c.predicted,
            correct: sum.correct + c.correct,
        });
        Scores::from_counts(&total)
    }

    /// Macro average: the unweighted mean over types (NumPy's `mean`, so NaN
    /// when there is no type at all, as seqeval returns).
    pub(crate) fn macro_average(counts: &BTreeMap<String, Counts>) -> Self {
        let per_type: Vec<Scores> = counts.values().map(Scores::from_counts).collect();
        let mean = |field: fn(&Scores) -> f64| {
            let values: Vec<f64> = per_type.iter().map(field).collect();
            numpy_sum(&values) / values.len() as f64
        };
        Scores {
            precision: mean(|s| s.precision),
            recall: mean(|s| s.recall),
            f1: mean(|s| s.f1),
            ..Scores::summed(&per_type)
        }
    }

    /// Weighted average: the mean over types weighted by support (NumPy's
    /// `average` with weights). With no gold entity at all seqeval returns
    /// 0.0 for every score (its zero-division value), and so do we.
    pub(crate) fn weighted_average(counts: &BTreeMap<String, Counts>) -> Self {
        let per_type: Vec<Scores> = counts.values().map(Scores::from_counts).collect();
        let summed = Scores::summed(&per_type);
        if summed.support == 0 {
            return Scores { precision: 0.0, recall: 0.0, f1: 0.0, ..summed };
        }
        let weights: Vec<f64> = per_type.iter().map(|s| s.support as f64).collect();
        let total_weight = numpy_sum(&weights);
        let average = |field: fn(&Scores) -> f64| {
            let products: Vec<f64> = per_type.iter().zip(&weights).map(|(s, w)| field(s) * w).collect();
            numpy_sum(&products) / total_weight
        };
        Scores { precision: average(|s| s.precision), recall: average(|s| s.recall), f1: average(|s| s.f1), ..summed }
    }

    /// Zero scores with the counts summed over types.
    fn summed(per_type: &[Scores]) -> Self {
        Scores {
            precision: 0.0,
            recall: 0.0,
            f1: 0.0,
            support: per_type.iter().map(|s| s.support).sum(),
            predicted: per_type.iter().map(|s| s.predicted).sum(),
            correct: per_type.iter().map(|s| s.correct).sum(),
        }
    }
}

/// `numerator / denominator`, or 0.0 when the denominator is zero
/// (seqeval's `zero_division="warn"`).
fn ratio(numerator: usize, denominator: usize) -> f64 {
    if denominator == 0 { 0.0 } else { numerator as f64 / denominator as f64 }
}

/// F1 written as seqeval writes F-beta with beta = 1: `2 * p * r / (p + r)`,
/// evaluated left to right, with a zero denominator replaced by 1.
fn f1(precision: f64, recall: f64) -> f64 {
    let denominator = precision + recall;
    let denominator = if denominator == 0.0 { 1.0 } else { denominator };
    2.0 * precision * recall / denominator
}

/// The sum NumPy computes for a contiguous `float64` array: its identity 0.0
/// plus a pairwise sum that adds blocks of up to 128 values with eight
/// running partial sums. Plain left-to-right addition differs in the last
/// bits as soon as there are eight or more types.
pub(crate) fn numpy_sum(values: &[f64]) -> f64 {
    0.0 + pairwise_sum(values)
}

fn pairwise_sum(values: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = values.len();
    if n < 8 {
        values.iter().fold(0.0, |sum, v| sum + v)
    } else if n <= BLOCK {
        let mut partial = [0.0f64; 8];
        partial.copy_from_slice(&values[..8]);
        let whole = n - n % 8;
        for chunk in values[8..whole].chunks_exact(8) {
            for (p, v) in partial.iter_mut().zip(chunk) {
                *p += v;
            }
        }
        let mut sum = ((partial[0] + partial[1]) + (partial[2] + partial[3]))
            + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
        for v in &values[whole..] {
            sum += v;
        }
        sum
    } else {
        let half = n / 2;
        let half = half - half % 8;
        pairwise_sum(&values[..half]) + pairwise_sum(&values[half..])
    }
}
