//! The recommendation: which strategy to try first, and what else the
//! evidence calls for, each point with the one-sentence reason a user can
//! check against the table above it.
//!
//! The rules follow the measurements in docs/strategies.md: warm-start pays
//! when the new types descend from old ones (its rows begin where the old
//! model already separates those entities); a frozen encoder overfits least
//! on small data; types with few examples need the head trained first, or
//! more data; a type the old model never tags gains nothing from it.

use serde::{Deserialize, Serialize};

use super::PlanReport;
use super::relation::Relation;

/// Below this many training sentences, the data is called small.
const SMALL_DATA_SENTENCES: usize = 1000;

/// One point of the recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advice {
    /// What to do: a strategy or a command, as the user would type it.
    pub action: String,
    pub reason: String,
}

fn advice(action: impl Into<String>, reason: impl Into<String>) -> Advice {
    Advice { action: action.into(), reason: reason.into() }
}

/// The points for `report`, the first one the strategy to start with.
pub(super) fn advise(report: &PlanReport) -> Vec<Advice> {
    let rows = &report.relations;
    let total = rows.len();
    let descend: Vec<&str> =
        rows.iter().filter(|row| row.relation != Relation::New).map(|row| row.new_type.as_str()).collect();
    let new: Vec<&str> =
        rows.iter().filter(|row| row.relation == Relation::New).map(|row| row.new_type.as_str()).collect();
    let mut points = Vec::new();
    if total == 0 {
        points.push(advice("nothing to retrain", "the training data has no entities"));
        return points;
    }
    if descend.len() * 2 >= total {
        points.push(advice(
            "--strategy warm-start",
            format!(
                "{} of {total} new types descend from old ones ({}), so their output rows can start from their \
                 parents' weights instead of at random",
                descend.len(),
                descend.join(", ")
            ),
        ));
    } else if report.sentences < SMALL_DATA_SENTENCES {
        points.push(advice(
            "--strategy frozen",
            format!(
                "only {} of {total} new types descend from old ones and the data is small ({} sentences): a head \
                 on the frozen encoder overfits least and trains in seconds",
                descend.len(),
                report.sentences
            ),
        ));
    } else {
        points.push(advice(
            "--strategy naive",
            format!(
                "only {} of {total} new types descend from old ones, so warm-starting carries little over: a fresh \
                 head on the fine-tuned encoder is the baseline to beat",
                descend.len()
            ),
        ));
    }
    let splits: Vec<&str> =
        rows.iter().filter(|row| row.relation == Relation::Split).map(|row| row.new_type.as_str()).collect();
    if !splits.is_empty() {
        points.push(advice(
            "--distill-weight 1",
            format!(
                "{} split an old type between them: they start from one parent row, and distilling from the old \
                 model keeps what it knew of the parent while they diverge",
                splits.join(", ")
            ),
        ));
    }
    if !report.rare.is_empty() {
        points.push(advice(
            "--strategy progressive (or frozen)",
            format!(
                "{} have fewer than {} training entities: training the head first (progressive) or only the head \
                 (frozen) fits them with fewer examples; more data, or augmentation, helps most",
                report.rare.join(", "),
                report.rare_below
            ),
        ));
    }
    if !new.is_empty() {
        points.push(advice(
            "compare with --strategy full",
            format!(
                "{} have no ancestor among the old types: the old model leaves them O or spreads them over several \
                 types, so if they score poorly after warm-start or naive, check whether the old fine-tuning is in \
                 the way",
                new.join(", ")
            ),
        ));
    }
    if !report.without_descendants.is_empty() {
        points.push(advice(
            "retag extend",
            format!(
                "no new type descends from {}: a retrained model will not tag them; if they must stay, extend the \
                 old model with the new types instead",
                report.without_descendants.join(", ")
            ),
        ));
    }
    points.push(advice(
        "check with several seeds",
        "these are the old model's predictions, not scores: confirm by retraining with the recommended strategy and \
         with naive over several seeds",
    ));
    points
}
