//! The result of an evaluation and its two renderings: seqeval's text table
//! for people, and JSON for tools.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Value, json};

use super::{Confusion, Mode, Scores};

/// Everything [`super::evaluate`] measures. Serializes with `macro_avg` named
/// `macro`; a NaN (the macro average when there is no entity at all) becomes
/// `null` in JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub mode: Mode,
    /// Scores of all entities pooled (seqeval's `micro avg`, the usual headline F1).
    pub micro: Scores,
    /// Unweighted mean of the per-type scores.
    #[serde(rename = "macro")]
    pub macro_avg: Scores,
    /// Mean of the per-type scores weighted by support.
    pub weighted: Scores,
    /// One entry per type found in the gold data or the prediction.
    pub per_type: BTreeMap<String, Scores>,
    /// Share of tokens tagged exactly as in the gold data (seqeval's `accuracy_score`).
    pub accuracy: f64,
    pub confusion: Confusion,
}

impl Report {
    /// seqeval's `classification_report` with 4 digits.
    pub fn to_text(&self) -> String {
        self.to_text_with_digits(4)
    }

    /// seqeval's `classification_report(digits=...)`, character for character
    /// (seqeval itself fails when there is no type; we print the averages).
    pub fn to_text_with_digits(&self, digits: usize) -> String {
        let name_width = self.per_type.keys().map(|k| k.chars().count()).max().unwrap_or(0);
        let width = name_width.max("weighted avg".len()).max(digits);
        let mut text =
            format!("{:>width$}  {:>9} {:>9} {:>9} {:>9}\n\n", "", "precision", "recall", "f1-score", "support");
        for (kind, scores) in &self.per_type {
            write_row(&mut text, kind, scores, width, digits);
        }
        text.push('\n');
        for (name, scores) in
            [("micro avg", &self.micro), ("macro avg", &self.macro_avg), ("weighted avg", &self.weighted)]
        {
            write_row(&mut text, name, scores, width, digits);
        }
        text
    }

    /// The JSON that `retag eval --json` prints:
    /// `{"micro":{"precision","recall","f1"},"per_type":{TYPE:{"precision","recall","f1","support"}}}`.
    pub fn to_eval_json(&self) -> Value {
        let per_type: serde_json::Map<String, Value> = self
            .per_type
            .iter()
            .map(|(kind, s)| {
                (kind.clone(), json!({"precision": s.precision, "recall": s.recall, "f1": s.f1, "support": s.support}))
            })
            .collect();
        json!({
            "micro": {"precision": self.micro.precision, "recall": self.micro.recall, "f1": self.micro.f1},
            "per_type": per_type,
        })
    }
}

/// One line of the table: `'{:>{width}s} ' + ' {:>9.{digits}f}' * 3 + ' {:>9}'`.
fn write_row(text: &mut String, name: &str, scores: &Scores, width: usize, digits: usize) {
    let _ = writeln!(
        text,
        "{name:>width$}  {} {} {} {:>9}",
        number(scores.precision, digits),
        number(scores.recall, digits),
        number(scores.f1, digits),
        scores.support
    );
}

/// A score as Python's `'{:>9.{digits}f}'` prints it (`nan` in lower case).
fn number(value: f64, digits: usize) -> String {
    if value.is_nan() { format!("{:>9}", "nan") } else { format!("{value:>9.digits$}") }
}
