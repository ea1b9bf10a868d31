//! Which types the prediction gives the gold entities: the table that says
//! whether a low score comes from confusing two types (ORG read as LOC) or
//! from finding the wrong spans.
//!
//! Definition: each gold entity is looked up among the predicted entities of
//! the same mode by its exact span (same first and last token). If one is
//! there, the cell (gold type, its predicted type) counts it (the diagonal is
//! the correct entities); if none is, the cell (gold type, missed) counts it,
//! even when a prediction overlaps it partly. Each predicted entity whose span
//! is no gold entity's span counts in (spurious, predicted type). So every
//! gold entity is counted once and every predicted entity at most once.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde::Serialize;

use super::entities::Entity;

/// One cell of the table. `gold: None` is the "spurious" row (a predicted
/// entity with no gold entity on its span); `predicted: None` is the "missed"
/// column (a gold entity with no predicted entity on its span).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfusionCell {
    pub gold: Option<String>,
    pub predicted: Option<String>,
    pub count: usize,
}

/// The non-zero cells of the entity-type confusion table, ordered by gold
/// type then predicted type, with the spurious row and missed column last.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Confusion {
    pub cells: Vec<ConfusionCell>,
}

/// Sorts named types before the missed/spurious slot, unlike `Option`'s order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Type(String),
    Nothing,
}

impl Slot {
    fn into_option(self) -> Option<String> {
        match self {
            Slot::Type(kind) => Some(kind),
            Slot::Nothing => None,
        }
    }
}

impl Confusion {
    pub(crate) fn new(gold: &[Entity], pred: &[Entity]) -> Self {
        let predicted_on: HashMap<(usize, usize), &str> =
            pred.iter().map(|e| ((e.start, e.end), e.kind.as_str())).collect();
        let gold_spans: std::collections::HashSet<(usize, usize)> = gold.iter().map(|e| (e.start, e.end)).collect();
        let mut counts: BTreeMap<(Slot, Slot), usize> = BTreeMap::new();
        for entity in gold {
            let predicted = match predicted_on.get(&(entity.start, entity.end)) {
                Some(kind) => Slot::Type(kind.to_string()),
                None => Slot::Nothing,
            };
            *counts.entry((Slot::Type(entity.kind.clone()), predicted)).or_default() += 1;
        }
        for entity in pred.iter().filter(|e| !gold_spans.contains(&(e.start, e.end))) {
            *counts.entry((Slot::Nothing, Slot::Type(entity.kind.clone()))).or_default() += 1;
        }
        let cells = counts
            .into_iter()
            .map(|((gold, predicted), count)| ConfusionCell {
                gold: gold.into_option(),
                predicted: predicted.into_option(),
                count,
            })
            .collect();
        Confusion { cells }
    }

    /// How many entities fall in one cell; `None` names the spurious row or
    /// the missed column.
    pub fn count(&self, gold: Option<&str>, predicted: Option<&str>) -> usize {
        self.cells
            .iter()
            .find(|c| c.gold.as_deref() == gold && c.predicted.as_deref() == predicted)
            .map_or(0, |c| c.count)
    }

    /// The table as text: one row per gold type and a `spurious` row, one
    /// column per predicted type and a `missed` column.
    pub fn to_text(&self) -> String {
        let mut rows: Vec<Option<&str>> = Vec::new();
        let mut columns: Vec<Option<&str>> = Vec::new();
        for cell in &self.cells {
            if cell.gold.is_some() && !rows.contains(&cell.gold.as_deref()) {
                rows.push(cell.gold.as_deref());
            }
            if cell.predicted.is_some() && !columns.contains(&cell.predicted.as_deref()) {
                columns.push(cell.predicted.as_deref());
            }
        }
        rows.sort();
        columns.sort();
        rows.push(None);
        columns.push(None);
        let name = |slot: Option<&str>, none: &'static str| slot.unwrap_or(none).to_string();
        let row_width =
            rows.iter().map(|r| name(*r, "spurious").chars().count()).max().unwrap_or(0).max("gold \\ predicted".len());
        let widths: Vec<usize> = columns.iter().map(|c| name(*c, "missed").chars().count().max(6)).collect();
        let mut text = format!("{:<row_width$}", "gold \\ predicted");
        for (column, width) in columns.iter().zip(&widths) {
            let _ = write!(text, "  {:>width$}", name(*column, "missed"));
        }
        text.push('\n');
        for row in &rows {
            let _ = write!(text, "{:<row_width$}", name(*row, "spurious"));
            for (column, width) in columns.iter().zip(&widths) {
                let cell = if row.is_none() && column.is_none() {
                    "-".to_string()
                } else {
                    self.count(*row, *column).to_string()
                };
                let _ = write!(text, "  {cell:>width$}");
            }
            text.push('\n');
        }
        text
    }
}
