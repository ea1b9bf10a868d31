//! The pipeline bench's tables: retag against PyTorch for every case, then,
//! where ONNX Runtime ran, one line per case and runtime; times are whole
//! processes (wall), rates are the unit over that wall time.

use std::fmt::Write as _;

use super::row::{Reference, Row, Side};
use crate::process::Measured;

/// The Markdown tables and the rows' notes.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::new();
    out.push_str("| case | retag | PyTorch | ratio | retag peak MiB | PyTorch peak MiB | retag rate | PyTorch rate | tags agree |\n");
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for row in rows {
        let pytorch = row.side(Reference::PyTorch);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.case,
            secs(Some(&row.retag)),
            secs(pytorch),
            ratio(row.ratio(Reference::PyTorch)),
            mib(Some(&row.retag)),
            mib(pytorch),
            rate(Some(&row.retag), row.unit),
            rate(pytorch, row.unit),
            agree(pytorch),
        );
    }
    let onnx: Vec<(&Row, Reference, &Side)> = rows
        .iter()
        .flat_map(|row| row.references.iter().map(move |(reference, side)| (row, *reference, side)))
        .filter(|(_, reference, _)| Reference::ONNX_RUNTIME.contains(reference))
        .collect();
    if !onnx.is_empty() {
        out.push_str("\nONNX Runtime, the same checkpoint exported to ONNX (ratio: its time over retag's):\n\n");
        out.push_str("| case | runtime | time | ratio | peak MiB | rate | tags agree |\n");
        out.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (row, reference, side) in onnx {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                row.case,
                reference.name(),
                secs(Some(side)),
                ratio(row.ratio(reference)),
                mib(Some(side)),
                rate(Some(side), row.unit),
                agree(Some(side)),
            );
        }
    }
    let notes: Vec<String> =
        rows.iter().flat_map(|row| row.notes.iter().map(|note| format!("- {}: {note}", row.case))).collect();
    if !notes.is_empty() {
        let _ = write!(out, "\n{}\n", notes.join("\n"));
    }
    out
}

fn measured(side: Option<&Side>) -> Option<&Measured> {
    side?.measured.as_ref()
}

fn secs(side: Option<&Side>) -> String {
    measured(side).map_or_else(|| "-".to_string(), |m| format!("{:.1} s", m.wall_secs))
}

fn mib(side: Option<&Side>) -> String {
    measured(side).and_then(|m| m.peak_rss_mib).map_or_else(|| "-".to_string(), |mib| format!("{mib:.0}"))
}

fn ratio(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "-".to_string(), |r| format!("{r:.2}"))
}

fn rate(side: Option<&Side>, unit: &str) -> String {
    side.and_then(Side::rate).map_or_else(|| "-".to_string(), |r| format!("{} {unit}/s", thousands(r)))
}

fn agree(side: Option<&Side>) -> String {
    side.and_then(|side| side.agreement).map_or_else(|| "-".to_string(), |a| format!("{:.3}%", a.percent()))
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
        format!("training loop alone, retag {} word-pieces/s ({retag_secs:.1} s)", rate(row.retag.work, retag_secs));
    if let Some(secs) = pytorch_secs.filter(|secs| *secs > 0.0) {
        let work = row.side(Reference::PyTorch).and_then(|side| side.work);
        let _ = write!(note, ", PyTorch {} word-pieces/s ({secs:.1} s)", rate(work, secs));
    }
    Some(note)
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
    use serde_json::json;

    use super::*;
    use crate::agreement::Agreement;

    fn side(secs: f64, work: Option<f64>, agreement: Option<Agreement>) -> Side {
        Side {
            measured: Some(Measured { wall_secs: secs, peak_rss_mib: Some(100.0), command: String::new() }),
            work,
            agreement,
        }
    }

    #[test]
    fn groups_thousands() {
        let check = |value: f64, expected: &str| assert_eq!(thousands(value), expected, "{value}");
        check(0.0, "0");
        check(999.4, "999");
        check(1000.0, "1,000");
        check(1234567.8, "1,234,568");
    }

    #[test]
    fn pytorch_has_columns_and_onnx_runtime_lines() {
        let mut row = Row::new("predict", "words");
        row.retag = side(2.0, Some(1000.0), None);
        row.references.push((Reference::PyTorch, side(5.0, None, None)));
        let printed = table(std::slice::from_ref(&row));
        assert!(printed.contains("| predict | 2.0 s | 5.0 s | 2.50 | 100 | 100 | 500 words/s | - | - |"), "{printed}");
        assert!(!printed.contains("ONNX Runtime"), "{printed}");

        row.references.push((Reference::OrtFp32, side(1.0, Some(1000.0), Some(Agreement { words: 8, equal: 8 }))));
        row.references.push((Reference::OrtInt8, Side::default()));
        row.notes.push("a note".to_string());
        let printed = table(&[row]);
        let lines: Vec<&str> = printed.lines().collect();
        let at = lines.iter().position(|line| line.starts_with("| case | runtime |")).expect("an ONNX Runtime table");
        assert_eq!(
            lines[at + 2],
            "| predict | ORT fp32 | 1.0 s | 0.50 | 100 | 1,000 words/s | 100.000% |",
            "{printed}"
        );
        assert_eq!(lines[at + 3], "| predict | ORT int8 | - | - | - | - | - |", "{printed}");
        assert_eq!(lines.last(), Some(&"- predict: a note"), "{printed}");
    }

    #[test]
    fn notes_the_training_loops_own_rate() {
        let mut row = Row::new("retrain naive 1 epoch", "word-pieces");
        row.retag.work = Some(1000.0);
        row.references.push((Reference::PyTorch, Side { work: Some(1200.0), ..Side::default() }));
        assert_eq!(in_process_note(&row, "naive"), None, "no retag report");
        row.extra = json!({ "retag": { "timing": { "train_secs": 2.0 } }, "pytorch": { "train_seconds": 4.0 } });
        let note = in_process_note(&row, "naive").expect("both reports");
        assert_eq!(note, "training loop alone, retag 500 word-pieces/s (2.0 s), PyTorch 300 word-pieces/s (4.0 s)");
        row.extra = json!({
            "retag": { "timing": { "train_secs": 1.0, "cache_secs": 1.0 } },
            "pytorch": { "epochs": [{ "train_secs": 1.0 }, { "train_secs": 2.0 }] },
        });
        let note = in_process_note(&row, "frozen").expect("both reports");
        assert_eq!(note, "training loop alone, retag 500 word-pieces/s (2.0 s), PyTorch 400 word-pieces/s (3.0 s)");
    }
}
