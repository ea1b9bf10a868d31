//! The pipeline bench's results: one row per case, printed as a Markdown
//! table and written as JSON.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::inputs::Agreement;
use super::process::Measured;

/// One case, both sides.
#[derive(Debug, Clone)]
pub struct Row {
    /// `predict wnut17-test`, `retrain frozen 3 epochs`...
    pub case: String,
    pub retag: Option<Measured>,
    pub pytorch: Option<Measured>,
    /// What the rates count: `words` or `word-pieces` (real ones, no padding).
    pub unit: &'static str,
    /// How many `unit`s each side processed (its own count).
    pub retag_work: Option<f64>,
    pub pytorch_work: Option<f64>,
    /// Predict cases: how many words got the same tag from both.
    pub agreement: Option<Agreement>,
    /// Anything else worth keeping in the JSON (in-process timings...).
    pub extra: Value,
    /// Lines printed under the table (in-process rates, what a side skipped).
    pub notes: Vec<String>,
}

impl Row {
    pub fn new(case: impl Into<String>, unit: &'static str) -> Self {
        Self {
            case: case.into(),
            retag: None,
            pytorch: None,
            unit,
            retag_work: None,
            pytorch_work: None,
            agreement: None,
            extra: json!({}),
            notes: Vec::new(),
        }
    }

    /// PyTorch's wall time over retag's: above 1, retag is faster.
    pub fn ratio(&self) -> Option<f64> {
        Some(self.pytorch.as_ref()?.wall_secs / self.retag.as_ref()?.wall_secs)
    }

    fn rate(measured: Option<&Measured>, work: Option<f64>) -> Option<f64> {
        Some(work? / measured?.wall_secs)
    }

    pub fn retag_rate(&self) -> Option<f64> {
        Self::rate(self.retag.as_ref(), self.retag_work)
    }

    pub fn pytorch_rate(&self) -> Option<f64> {
        Self::rate(self.pytorch.as_ref(), self.pytorch_work)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "case": self.case,
            "retag": self.retag.as_ref().map(Measured::to_json),
            "pytorch": self.pytorch.as_ref().map(Measured::to_json),
            "ratio": self.ratio(),
            "unit": self.unit,
            "retag_work": self.retag_work,
            "pytorch_work": self.pytorch_work,
            "retag_per_s": self.retag_rate(),
            "pytorch_per_s": self.pytorch_rate(),
            "agreement_percent": self.agreement.map(|a| a.percent()),
            "agreement_words": self.agreement.map(|a| a.words),
            "notes": self.notes,
            "extra": self.extra,
        })
    }
}

/// The Markdown table: times are whole processes (wall), rates are the unit
/// over that wall time.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    out.push_str("| case | retag | PyTorch | ratio | retag peak MiB | PyTorch peak MiB | retag rate | PyTorch rate | tags agree |\n");
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for row in rows {
        let secs = |m: Option<&Measured>| m.map_or_else(|| "-".to_string(), |m| format!("{:.1} s", m.wall_secs));
        let mib = |m: Option<&Measured>| {
            m.and_then(|m| m.peak_rss_mib).map_or_else(|| "-".to_string(), |mib| format!("{mib:.0}"))
        };
        let rate = |r: Option<f64>| r.map_or_else(|| "-".to_string(), |r| format!("{} {}/s", thousands(r), row.unit));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.case,
            secs(row.retag.as_ref()),
            secs(row.pytorch.as_ref()),
            row.ratio().map_or_else(|| "-".to_string(), |r| format!("{r:.2}")),
            mib(row.retag.as_ref()),
            mib(row.pytorch.as_ref()),
            rate(row.retag_rate()),
            rate(row.pytorch_rate()),
            row.agreement.map_or_else(|| "-".to_string(), |a| format!("{:.3}%", a.percent())),
        );
    }
    let notes: Vec<String> =
        rows.iter().flat_map(|row| row.notes.iter().map(|note| format!("- {}: {note}", row.case))).collect();
    if !notes.is_empty() {
        let _ = write!(out, "\n{}\n", notes.join("\n"));
    }
    out
}

/// The training loop's own rate on each side, from the reports the programs
/// write (whole-process rates are in the table): retag's `metrics.json`
/// timing (frozen: encoding once plus the head's epochs; naive: the epochs,
/// their dev evaluation included), the Trainer's `train_runtime` (no
/// evaluation), the frozen reference's per-epoch training seconds.
pub fn in_process_note(row: &Row, strategy: &str) -> Option<String> {
    let timing = &row.extra["retag"]["timing"];
    let retag_secs = timing["train_secs"].as_f64()? + timing["cache_secs"].as_f64().unwrap_or(0.0);
    let pytorch = &row.extra["pytorch"];
    let pytorch_secs = match strategy {
        "frozen" => {
            pytorch["epochs"].as_array().map(|epochs| epochs.iter().filter_map(|e| e["train_secs"].as_f64()).sum())
        }
        _ => pytorch["train_seconds"].as_f64(),
    };
    let rate =
        |work: Option<f64>, secs: f64| work.map_or_else(|| "-".to_string(), |work| format!("{:.0}", work / secs));
    let mut note =
        format!("training loop alone, retag {} word-pieces/s ({retag_secs:.1} s)", rate(row.retag_work, retag_secs));
    if let Some(secs) = pytorch_secs.filter(|secs| *secs > 0.0) {
        note.push_str(&format!(", PyTorch {} word-pieces/s ({secs:.1} s)", rate(row.pytorch_work, secs)));
    }
    Some(note)
}

/// The CPU's name and the cores this process may use.
pub fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    json!({ "cpu": cpu, "cores": std::thread::available_parallelism().map_or(1, usize::from) })
}

/// 12345.6 -> "12,346".
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        let check = |value: f64, expected: &str| assert_eq!(thousands(value), expected, "{value}");
        check(0.0, "0");
        check(999.4, "999");
        check(1000.0, "1,000");
        check(1234567.8, "1,234,568");
    }

    #[test]
    fn ratio_is_pytorch_over_retag() {
        let measured = |secs: f64| Measured { wall_secs: secs, peak_rss_mib: Some(100.0), command: String::new() };
        let mut row = Row::new("predict", "words");
        assert_eq!(row.ratio(), None);
        row.retag = Some(measured(2.0));
        row.pytorch = Some(measured(5.0));
        row.retag_work = Some(1000.0);
        assert_eq!(row.ratio(), Some(2.5));
        assert_eq!(row.retag_rate(), Some(500.0));
        assert_eq!(row.pytorch_rate(), None);
        let table = table(&[row]);
        assert!(table.contains("| predict | 2.0 s | 5.0 s | 2.50 | 100 | 100 | 500 words/s | - | - |"), "{table}");
    }
}
