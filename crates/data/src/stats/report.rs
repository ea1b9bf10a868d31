//! The human-readable report of `retag data stats FILE`.

use std::fmt::Write;

use super::{Count, DatasetStats, LengthStats};

/// Width of the longest histogram bar, in characters.
const BAR_WIDTH: usize = 40;

impl DatasetStats {
    /// A plain-text report, one fact per line, tables aligned, for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write_text(&mut out).expect("writing to a String cannot fail");
        out
    }

    fn write_text(&self, out: &mut String) -> std::fmt::Result {
        writeln!(out, "sentences    {}", self.sentences)?;
        if self.untagged_sentences > 0 {
            writeln!(out, "  untagged   {}", self.untagged_sentences)?;
        }
        writeln!(out, "tokens       {}", self.tokens)?;
        writeln!(
            out,
            "entities     {} ({} tokens, {} per entity)",
            self.entities,
            self.entity_tokens,
            ratio(self.entity_tokens, self.entities)
        )?;
        if self.invalid.sentences == 0 {
            writeln!(out, "scheme       {}, every sequence valid", self.scheme)?;
        } else {
            writeln!(
                out,
                "scheme       {}: {} sentences with invalid sequences ({} violations), repaired as seqeval reads them",
                self.scheme, self.invalid.sentences, self.invalid.violations
            )?;
        }
        if !self.entity_types.is_empty() {
            writeln!(out, "\nentity types ({})", self.entity_types.len())?;
            write_counts(out, &self.entity_types, self.entities)?;
        }
        if !self.tags.is_empty() {
            writeln!(out, "\ntags ({})", self.tags.len())?;
            write_counts(out, &self.tags, self.tags.iter().map(|count| count.count).sum())?;
        }
        if let Some(lengths) = &self.lengths {
            write_lengths(out, lengths)?;
        }
        Ok(())
    }
}

/// `name  count  share%` rows, names and counts aligned.
fn write_counts(out: &mut String, counts: &[Count], total: usize) -> std::fmt::Result {
    let name_width = counts.iter().map(|count| count.name.chars().count()).max().unwrap_or(0);
    let count_width = counts.iter().map(|count| count.count.to_string().len()).max().unwrap_or(0);
    for Count { name, count } in counts {
        let share = if total == 0 { 0.0 } else { 100.0 * *count as f64 / total as f64 };
        writeln!(out, "  {name:<name_width$}  {count:>count_width$}  {share:5.1}%")?;
    }
    Ok(())
}

fn write_lengths(out: &mut String, lengths: &LengthStats) -> std::fmt::Result {
    writeln!(
        out,
        "\nsentence length (tokens): min {}, max {}, mean {:.1}, median {}, p90 {}, p99 {}",
        lengths.min, lengths.max, lengths.mean, lengths.median, lengths.p90, lengths.p99
    )?;
    let labels: Vec<String> = lengths
        .histogram
        .iter()
        .map(
            |bucket| {
                if bucket.low == 0 { format!("<={}", bucket.high) } else { format!("{}-{}", bucket.low, bucket.high) }
            },
        )
        .collect();
    let label_width = labels.iter().map(String::len).max().unwrap_or(0);
    let most = lengths.histogram.iter().map(|bucket| bucket.count).max().unwrap_or(0);
    let count_width = most.to_string().len();
    for (label, bucket) in labels.iter().zip(&lengths.histogram) {
        // A non-empty bucket always gets at least one mark, so rare long
        // sentences do not look like none.
        let bar = if most == 0 { 0 } else { (bucket.count * BAR_WIDTH).div_ceil(most) };
        writeln!(out, "  {label:>label_width$}  {:>count_width$}  {}", bucket.count, "#".repeat(bar))?;
    }
    Ok(())
}

fn ratio(part: usize, whole: usize) -> String {
    if whole == 0 { "-".into() } else { format!("{:.2}", part as f64 / whole as f64) }
}
