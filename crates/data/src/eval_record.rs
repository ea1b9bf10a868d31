//! `evaluations.jsonl` in a run directory: one JSON object per dev
//! evaluation, so that curves can be plotted and runs compared with `jq`
//! while training goes on. The training loop writes it (retag-train's
//! `EvalLog`); `retag plot`, the strategy tables and `retag compare` read it.
//! The record lives here, below the neural-network crates, so that those
//! readers need no burn.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{DataError, Result};
use crate::location::Location;
use crate::metrics::Report;

/// The file name of the log inside the run directory.
pub const EVAL_LOG: &str = "evaluations.jsonl";

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalRecord {
    /// 1-based epoch just finished.
    pub epoch: usize,
    /// Optimizer steps taken so far.
    pub step: usize,
    /// Mean training loss since the previous evaluation.
    pub train_loss: f64,
    /// The distillation term's share of `train_loss` (weighted, as added to
    /// it); absent in a run that does not distil.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_distill_loss: Option<f64>,
    pub dev_precision: f64,
    pub dev_recall: f64,
    pub dev_f1: f64,
    /// F1 of each entity type of the dev gold data or the predictions.
    pub dev_f1_per_type: BTreeMap<String, f64>,
    /// Whether this evaluation is the best so far (its weights are kept).
    pub best: bool,
    /// Seconds of training, across resumptions.
    pub elapsed_secs: f64,
}

impl EvalRecord {
    pub fn new(epoch: usize, step: usize, train_loss: f64, report: &Report, best: bool, elapsed_secs: f64) -> Self {
        Self {
            epoch,
            step,
            train_loss,
            train_distill_loss: None,
            dev_precision: report.micro.precision,
            dev_recall: report.micro.recall,
            dev_f1: report.micro.f1,
            dev_f1_per_type: report.per_type.iter().map(|(kind, s)| (kind.clone(), s.f1)).collect(),
            best,
            elapsed_secs,
        }
    }
}

/// Appends records, one line each, flushed at once.
/// All records of a run directory's log; a line that does not read is an
/// error naming the file and the line.
pub fn read_eval_log(run_dir: &Path) -> Result<Vec<EvalRecord>> {
    let path = run_dir.join(EVAL_LOG);
    let file = File::open(&path).map_err(|source| DataError::Io { path: path.clone(), source })?;
    BufReader::new(file)
        .lines()
        .enumerate()
        .map(|(index, line)| {
            let line = line.map_err(|source| DataError::Io { path: path.clone(), source })?;
            serde_json::from_str(&line).map_err(|error| DataError::Malformed {
                at: Location::line(&path, index + 1),
                reason: format!("not an evaluation record: {error}"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_records_and_names_a_bad_line() {
        let dir = std::env::temp_dir().join(format!("retag-eval-record-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = r#"{"epoch":1,"step":10,"train_loss":0.5,"dev_precision":0.5,"dev_recall":0.5,"dev_f1":0.5,"dev_f1_per_type":{"PER":0.5},"best":true,"elapsed_secs":3.0}"#;
        std::fs::write(dir.join(EVAL_LOG), format!("{good}\n")).unwrap();
        let records = read_eval_log(&dir).unwrap();
        assert_eq!((records[0].epoch, records[0].dev_f1, records[0].train_distill_loss), (1, 0.5, None));
        std::fs::write(dir.join(EVAL_LOG), format!("{good}\n{{\"epoch\": 2}}\n")).unwrap();
        let error = read_eval_log(&dir).unwrap_err().to_string();
        assert!(error.contains("evaluations.jsonl:2: not an evaluation record"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
