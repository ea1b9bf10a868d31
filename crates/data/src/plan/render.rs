//! The plan as a terminal table and as Markdown; the JSON is its serde form.

use std::fmt::Write as _;

use super::{ParentSource, PlanReport, TypeRelation};

impl PlanReport {
    /// The report as a terminal table.
    pub fn to_text(&self) -> String {
        let mut text = format!("{}\n\n", self.heading());
        let width = self.relations.iter().map(|row| row.new_type.len()).max().unwrap_or(0).max("new type".len());
        let _ = writeln!(
            text,
            "{:<width$}  {:<8} {:<16} {:>8}  {:>16} {:>7}  old model's tags on its tokens",
            "new type", "relation", "parents", "entities", "share of tagged", "O share"
        );
        for row in &self.relations {
            let _ = writeln!(
                text,
                "{:<width$}  {:<8} {:<16} {:>8}  {:>16} {:>7}  {}",
                row.new_type,
                row.relation.name(),
                parents(row),
                row.entities,
                format!("{:.1}% of {}", row.share * 100.0, row.tagged),
                format!("{:.1}%", row.outside_share * 100.0),
                counts(row)
            );
        }
        text.push('\n');
        for line in self.facts() {
            let _ = writeln!(text, "{line}");
        }
        text.push_str("\nrecommendation:\n");
        for (at, point) in self.advice.iter().enumerate() {
            let _ = writeln!(text, "{}. {}: {}.", at + 1, point.action, point.reason);
        }
        text
    }

    /// The report as a Markdown document.
    pub fn to_markdown(&self) -> String {
        let mut text = format!("# Plan\n\n{}\n\n", self.heading());
        text.push_str("| new type | relation | parents | entities | share of tagged | O share | old model's tags on its tokens |\n");
        text.push_str("|---|---|---|---|---|---|---|\n");
        for row in &self.relations {
            let _ = writeln!(
                text,
                "| {} | {} | {} | {} | {:.1}% of {} | {:.1}% | {} |",
                row.new_type,
                row.relation.name(),
                parents(row),
                row.entities,
                row.share * 100.0,
                row.tagged,
                row.outside_share * 100.0,
                counts(row)
            );
        }
        text.push('\n');
        for line in self.facts() {
            let _ = writeln!(text, "- {line}");
        }
        text.push_str("\n## Recommendation\n\n");
        for (at, point) in self.advice.iter().enumerate() {
            let _ = writeln!(text, "{}. **{}**: {}.", at + 1, point.action, point.reason);
        }
        text
    }

    fn heading(&self) -> String {
        let source = match &self.parents_from {
            ParentSource::Inferred { min_share, max_outside } => format!(
                "parents inferred from the old model's predictions (an old type covering at least {:.0}% of the \
                 tokens it tags, unless it leaves over {:.0}% of them O)",
                min_share * 100.0,
                max_outside * 100.0
            ),
            ParentSource::Mapping { file } => format!("parents from the mapping {file}"),
        };
        format!(
            "old model {} (types {}), new data {} ({} sentences); {source}",
            self.old_model,
            self.old_types.join(", "),
            self.train,
            self.sentences
        )
    }

    fn facts(&self) -> Vec<String> {
        let list = |names: &[String]| if names.is_empty() { "none".to_string() } else { names.join(", ") };
        vec![
            format!("old types no new type descends from: {}", list(&self.without_descendants)),
            format!("rare new types (fewer than {} training entities): {}", self.rare_below, list(&self.rare)),
        ]
    }
}

fn parents(row: &TypeRelation) -> String {
    if row.parents.is_empty() { "-".to_string() } else { row.parents.join(" + ") }
}

fn counts(row: &TypeRelation) -> String {
    row.counts.iter().map(|(old, n)| format!("{old} {n}")).collect::<Vec<_>>().join(", ")
}
