//! Is one system's entity F1 really above another's on this test set? The
//! paired bootstrap over sentences (Koehn, EMNLP 2004; Berg-Kirkpatrick et
//! al., EMNLP 2012), the test NER papers use for it.
//!
//! Each system is reduced to per-sentence entity counts (correct, predicted,
//! gold; seqeval's entities never cross a sentence, so the sums are exactly
//! its micro counts). With several seeds the counts are averaged per
//! sentence first, so the test asks about the strategies, not about one
//! draw of each. Then test sets of the same size are drawn with replacement,
//! the same sentences for both systems, and micro F1 is recomputed on each:
//! how often the difference falls on the other side of zero is the p-value,
//! and the middle 95% of the differences is the interval.

use serde::{Deserialize, Serialize};

use super::Mode;
use super::entities::{default_entities, strict_entities};
use crate::error::DataError;
use crate::rng::SplitMix64;

/// Entity counts of one sentence (averaged over seeds, hence `f64`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SentenceCounts {
    pub correct: f64,
    pub predicted: f64,
    pub gold: f64,
}

/// What the bootstrap says of system B against system A.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapResult {
    /// Micro F1 of B minus micro F1 of A on the whole test set (0..=1 scale).
    pub delta: f64,
    /// The 2.5th and 97.5th percentiles of the resampled differences.
    pub low: f64,
    pub high: f64,
    /// Two-sided: twice the share of resamples on the far side of zero from
    /// `delta` (ties count half), at most 1.
    pub p_value: f64,
    pub samples: usize,
}

impl BootstrapResult {
    /// Whether the difference is significant at `alpha` (e.g. 0.05).
    pub fn significant(&self, alpha: f64) -> bool {
        self.p_value < alpha
    }
}

/// Per-sentence counts of `pred` against `gold`, read as seqeval reads them in `mode`.
pub fn sentence_counts<S, T>(gold: &[S], pred: &[S], mode: Mode) -> Result<Vec<SentenceCounts>, DataError>
where
    S: AsRef<[T]>,
    T: AsRef<str>,
{
    // `evaluate` checks the shapes and names the sentence; reuse it for the check alone.
    super::evaluate(gold, pred, mode)?;
    gold.iter()
        .zip(pred)
        .map(|(g, p)| {
            let (g, p) = (std::slice::from_ref(g), std::slice::from_ref(p));
            let (gold, pred) = match mode {
                Mode::Default => (default_entities(g, "gold")?, default_entities(p, "prediction")?),
                Mode::Strict => (strict_entities(g, "gold")?, strict_entities(p, "prediction")?),
            };
            let correct = pred.iter().filter(|entity| gold.contains(entity)).count();
            Ok(SentenceCounts { correct: correct as f64, predicted: pred.len() as f64, gold: gold.len() as f64 })
        })
        .collect()
}

/// The per-sentence mean of several runs' counts on the same test set.
pub fn average_counts(runs: &[Vec<SentenceCounts>]) -> Result<Vec<SentenceCounts>, DataError> {
    let Some(first) = runs.first() else { return Ok(Vec::new()) };
    if let Some(other) = runs.iter().find(|run| run.len() != first.len()) {
        return Err(mismatch(format!("runs of {} and {} sentences", first.len(), other.len())));
    }
    let n = runs.len() as f64;
    Ok((0..first.len())
        .map(|at| SentenceCounts {
            correct: runs.iter().map(|run| run[at].correct).sum::<f64>() / n,
            predicted: runs.iter().map(|run| run[at].predicted).sum::<f64>() / n,
            gold: runs.iter().map(|run| run[at].gold).sum::<f64>() / n,
        })
        .collect())
}

/// Micro F1 of summed counts (0 when nothing is predicted or nothing is gold).
pub fn micro_f1(counts: impl IntoIterator<Item = SentenceCounts>) -> f64 {
    let total = counts.into_iter().fold(SentenceCounts::default(), |sum, c| SentenceCounts {
        correct: sum.correct + c.correct,
        predicted: sum.predicted + c.predicted,
        gold: sum.gold + c.gold,
    });
    let denominator = total.predicted + total.gold;
    if denominator == 0.0 { 0.0 } else { 2.0 * total.correct / denominator }
}

/// The paired bootstrap of B against A over `samples` resampled test sets
/// drawn from `seed`. Both must count the same sentences, in the same order.
pub fn paired_bootstrap(
    a: &[SentenceCounts],
    b: &[SentenceCounts],
    samples: usize,
    seed: u64,
) -> Result<BootstrapResult, DataError> {
    if a.len() != b.len() {
        return Err(mismatch(format!("system A has {} sentences, system B {}", a.len(), b.len())));
    }
    if a.is_empty() || samples == 0 {
        return Err(mismatch(format!("{} sentences and {samples} samples: nothing to resample", a.len())));
    }
    let delta = micro_f1(b.iter().copied()) - micro_f1(a.iter().copied());
    let mut rng = SplitMix64::new(seed);
    let mut deltas = Vec::with_capacity(samples);
    let (mut below, mut above, mut ties) = (0usize, 0usize, 0usize);
    let mut picks = vec![0usize; a.len()];
    for _ in 0..samples {
        for pick in &mut picks {
            *pick = rng.below(a.len());
        }
        let resampled = micro_f1(picks.iter().map(|&i| b[i])) - micro_f1(picks.iter().map(|&i| a[i]));
        match resampled.partial_cmp(&0.0) {
            Some(std::cmp::Ordering::Less) => below += 1,
            Some(std::cmp::Ordering::Greater) => above += 1,
            _ => ties += 1,
        }
        deltas.push(resampled);
    }
    deltas.sort_by(f64::total_cmp);
    let percentile = |q: f64| deltas[((q * (samples - 1) as f64).round() as usize).min(samples - 1)];
    let far_side = if delta >= 0.0 { below } else { above } as f64 + ties as f64 / 2.0;
    Ok(BootstrapResult {
        delta,
        low: percentile(0.025),
        high: percentile(0.975),
        p_value: (2.0 * far_side / samples as f64).min(1.0),
        samples,
    })
}

fn mismatch(reason: String) -> DataError {
    DataError::Mismatch { at: crate::location::Location::default(), reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(lines: &[&str]) -> Vec<Vec<String>> {
        lines.iter().map(|line| line.split_whitespace().map(str::to_string).collect()).collect()
    }

    #[test]
    fn sentence_counts_sum_to_seqevals_micro_counts() {
        let gold = tags(&["B-PER I-PER O B-LOC", "O B-ORG", "I-MISC O"]);
        let pred = tags(&["B-PER I-PER O B-ORG", "O B-ORG", "O O"]);
        for mode in [Mode::Default, Mode::Strict] {
            let counts = sentence_counts(&gold, &pred, mode).unwrap();
            let report = super::super::evaluate(&gold, &pred, mode).unwrap();
            assert!((micro_f1(counts.iter().copied()) - report.micro.f1).abs() < 1e-12, "{mode}");
        }
        let counts = sentence_counts(&gold, &pred, Mode::Default).unwrap();
        assert_eq!(counts[0], SentenceCounts { correct: 1.0, predicted: 2.0, gold: 2.0 });
        assert_eq!(counts[2], SentenceCounts { correct: 0.0, predicted: 0.0, gold: 1.0 }, "a lone I- is an entity");
        let strict = sentence_counts(&gold, &pred, Mode::Strict).unwrap();
        assert_eq!(strict[2].gold, 0.0, "but not in strict mode");
        assert!(sentence_counts(&gold, &pred[..2], Mode::Default).is_err());
    }

    fn counts(correct: f64, predicted: f64, gold: f64) -> SentenceCounts {
        SentenceCounts { correct, predicted, gold }
    }

    #[test]
    fn identical_systems_differ_by_nothing() {
        let a: Vec<SentenceCounts> = (0..50).map(|i| counts((i % 3) as f64, 2.0, 2.0)).collect();
        let result = paired_bootstrap(&a, &a, 500, 7).unwrap();
        assert_eq!((result.delta, result.low, result.high, result.p_value), (0.0, 0.0, 0.0, 1.0));
        assert!(!result.significant(0.05));
    }

    #[test]
    fn a_system_better_on_every_sentence_is_significantly_better() {
        let a: Vec<SentenceCounts> = (0..40).map(|_| counts(1.0, 2.0, 2.0)).collect();
        let b: Vec<SentenceCounts> = (0..40).map(|_| counts(2.0, 2.0, 2.0)).collect();
        let result = paired_bootstrap(&a, &b, 1000, 1).unwrap();
        // Every resample has F1 0.5 against 1.0, whatever sentences it draws.
        assert_eq!((result.delta, result.low, result.high, result.p_value), (0.5, 0.5, 0.5, 0.0));
        let reversed = paired_bootstrap(&b, &a, 1000, 1).unwrap();
        assert_eq!((reversed.delta, reversed.p_value), (-0.5, 0.0));
    }

    #[test]
    fn one_better_sentence_in_many_is_not_significant_and_the_draw_repeats() {
        // B wins one sentence of 200: a difference the resampling easily loses.
        let a: Vec<SentenceCounts> = (0..200).map(|_| counts(1.0, 2.0, 2.0)).collect();
        let mut b = a.clone();
        b[17] = counts(2.0, 2.0, 2.0);
        let result = paired_bootstrap(&a, &b, 2000, 3).unwrap();
        assert!(result.delta > 0.0 && result.low == 0.0 && result.high > 0.0, "{result:?}");
        // About 37% of resamples (1 - 1/e) never draw sentence 17: those tie.
        assert!(result.p_value > 0.2 && !result.significant(0.05), "{result:?}");
        assert_eq!(paired_bootstrap(&a, &b, 2000, 3).unwrap(), result, "the same seed, the same draw");
    }

    #[test]
    fn seeds_are_averaged_per_sentence() {
        let one = vec![counts(1.0, 1.0, 1.0), counts(0.0, 1.0, 1.0)];
        let two = vec![counts(0.0, 1.0, 1.0), counts(1.0, 2.0, 1.0)];
        let mean = average_counts(&[one.clone(), two]).unwrap();
        assert_eq!(mean, vec![counts(0.5, 1.0, 1.0), counts(0.5, 1.5, 1.0)]);
        assert!(average_counts(&[one, vec![]]).is_err());
        assert!(paired_bootstrap(&[], &[], 10, 1).is_err());
    }
}
