//! The results file of one benchmark process, shared with
//! `scripts/bench_encoder.py` (which writes the same fields for PyTorch), and
//! the table that compares several of them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::machine::Machine;
use crate::timing::Timings;

/// What a 2-core slice of this machine can do in fp32, GFLOP/s: the reference
/// for "% of ceiling", the project's planning figure (issue 4). The PyTorch
/// script also times one large matrix product, the best a tuned BLAS gets
/// here; pass `--ceiling-gflops` to use that or another figure.
pub const DEFAULT_CEILING_GFLOPS: f64 = 210.0;

/// One process's measurements: one backend, one or more cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// `retag` or `pytorch`.
    pub engine: String,
    /// The burn backend (`flex`, `ndarray-blas`...) or `pytorch`.
    pub backend: String,
    pub model: String,
    pub machine: Machine,
    /// Thread-count variables in force (`RAYON_NUM_THREADS`, `OPENBLAS_NUM_THREADS`...).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    pub cases: Vec<CaseResult>,
    /// The process's peak resident memory over the whole run, MiB.
    pub peak_rss_mib: Option<f64>,
    /// A large fp32 matrix product's speed on the same threads (PyTorch only):
    /// a measured ceiling to read "% of ceiling" against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sgemm_gflops: Option<f64>,
}

/// One case: the same batches run `timings.seconds.len()` times after `warmup` passes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    /// `random-32`, `random-128`, `wnut17-test`.
    pub name: String,
    pub batches: usize,
    /// Real (unpadded) word-pieces in one pass: what throughput counts.
    pub word_pieces: u64,
    /// Positions computed in one pass, padding included.
    pub padded_word_pieces: u64,
    /// FLOP of one pass, padding included (see `cost.rs`).
    pub flop: f64,
    pub warmup: usize,
    #[serde(flatten)]
    pub timings: Timings,
    /// Real word-pieces per second, at the median pass time.
    pub word_pieces_per_s: f64,
    /// Peak resident memory during this case, MiB: the model plus this case's
    /// activations when `peak_is_per_case`, else the process's peak so far.
    pub peak_rss_mib: Option<f64>,
    pub peak_is_per_case: bool,
}

impl CaseResult {
    pub fn gflops(&self) -> f64 {
        self.flop / self.timings.median_s / 1e9
    }
}

pub fn read(path: &Path) -> Result<RunReport> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a benchmark results file", path.display()))
}

pub fn write(report: &RunReport, path: &Path) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let text = serde_json::to_string_pretty(report).expect("a report serializes");
    std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))
}

/// A Markdown table, one row per case and backend, cases in the order they
/// first appear, PyTorch first within a case. The ratio is each row's
/// throughput over PyTorch's on the same case, when a PyTorch run is among
/// `reports`; a case whose inputs differ from PyTorch's (another word-piece
/// count) gets no ratio and a note under the table.
pub fn table(reports: &[RunReport], ceiling_gflops: f64) -> String {
    let mut case_order: Vec<&str> = Vec::new();
    for case in reports.iter().flat_map(|r| &r.cases) {
        if !case_order.contains(&case.name.as_str()) {
            case_order.push(&case.name);
        }
    }
    let baseline =
        |name: &str| reports.iter().filter(|r| r.engine == "pytorch").flat_map(|r| &r.cases).find(|c| c.name == name);
    let mut out = String::new();
    let mut notes = Vec::new();
    out.push_str("| case | backend | word-pieces/s | spread | peak MiB | × PyTorch | GFLOP/s | % of ceiling |\n");
    out.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for name in case_order {
        let mut rows: Vec<(&RunReport, &CaseResult)> =
            reports.iter().flat_map(|r| r.cases.iter().filter(|c| c.name == name).map(move |c| (r, c))).collect();
        rows.sort_by_key(|(r, _)| r.engine != "pytorch");
        for (report, case) in rows {
            let ratio = match baseline(name) {
                Some(base) if base.word_pieces == case.word_pieces => {
                    format!("{:.2}", case.word_pieces_per_s / base.word_pieces_per_s)
                }
                Some(base) => {
                    notes.push(format!(
                        "{name}: {} ran {} word-pieces, PyTorch {}: no ratio",
                        report.backend, case.word_pieces, base.word_pieces
                    ));
                    "–".to_string()
                }
                None => "–".to_string(),
            };
            let peak = case.peak_rss_mib.map_or("–".to_string(), |mib| format!("{mib:.0}"));
            let gflops = case.gflops();
            let _ = writeln!(
                out,
                "| {name} | {} | {:.0} | {:.1}% | {peak} | {ratio} | {gflops:.1} | {:.0}% |",
                report.backend,
                case.word_pieces_per_s,
                100.0 * case.timings.spread(),
                100.0 * gflops / ceiling_gflops,
            );
        }
    }
    // Each PyTorch process times the product once; the best of them is the ceiling seen.
    let sgemm = reports.iter().filter_map(|r| r.sgemm_gflops).reduce(f64::max);
    if let Some(gflops) = sgemm {
        notes.push(format!("PyTorch's 2048³ fp32 matrix product: {gflops:.0} GFLOP/s on the same threads"));
    }
    for note in notes {
        let _ = writeln!(out, "\n{note}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(name: &str, word_pieces: u64, seconds: f64) -> CaseResult {
        CaseResult {
            name: name.to_string(),
            batches: 1,
            word_pieces,
            padded_word_pieces: word_pieces,
            flop: 21e9,
            warmup: 1,
            timings: Timings::new(vec![seconds, seconds]).expect("two timings"),
            word_pieces_per_s: word_pieces as f64 / seconds,
            peak_rss_mib: Some(300.0),
            peak_is_per_case: true,
        }
    }

    fn run(engine: &str, backend: &str, cases: Vec<CaseResult>) -> RunReport {
        RunReport {
            engine: engine.to_string(),
            backend: backend.to_string(),
            model: "m".to_string(),
            machine: Machine { cpu: "cpu".to_string(), cores: 2 },
            env: BTreeMap::new(),
            cases,
            peak_rss_mib: None,
            sgemm_gflops: None,
        }
    }

    #[test]
    fn ratios_are_against_pytorch_on_the_same_case() {
        let reports = [
            run("retag", "flex", vec![case("random-32", 1024, 0.5), case("wnut17-test", 900, 1.0)]),
            run("pytorch", "pytorch", vec![case("random-32", 1024, 0.25), case("wnut17-test", 901, 1.0)]),
        ];
        let table = table(&reports, 210.0);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[2], "| random-32 | pytorch | 4096 | 0.0% | 300 | 1.00 | 84.0 | 40% |", "{table}");
        assert_eq!(lines[3], "| random-32 | flex | 2048 | 0.0% | 300 | 0.50 | 42.0 | 20% |", "{table}");
        assert!(lines[5].starts_with("| wnut17-test | flex | 900 |") && lines[5].contains("| – |"), "{table}");
        assert!(table.contains("wnut17-test: flex ran 900 word-pieces, PyTorch 901: no ratio"), "{table}");
    }

    #[test]
    fn without_pytorch_there_is_no_ratio() {
        let table = table(&[run("retag", "flex", vec![case("random-32", 1024, 0.5)])], 210.0);
        assert!(table.lines().nth(2).expect("a row").contains("| – |"), "{table}");
    }

    #[test]
    fn reports_round_trip_through_json() {
        let report = run("retag", "flex", vec![case("random-32", 1024, 0.5)]);
        let text = serde_json::to_string(&report).expect("serializes");
        assert!(text.contains("\"median_s\":0.5"), "{text}");
        assert_eq!(serde_json::from_str::<RunReport>(&text).expect("parses"), report);
    }
}
