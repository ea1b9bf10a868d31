//! `evaluations.jsonl` in the run directory: one JSON object per dev
//! evaluation, so that curves can be plotted and runs compared with `jq`
//! while training goes on.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use retag_data::metrics::Report;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};

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
#[derive(Debug)]
pub struct EvalLog {
    path: PathBuf,
    file: File,
}

impl EvalLog {
    /// Opens `run_dir/evaluations.jsonl` keeping its first `keep` lines: a
    /// resumed run drops the evaluations made after its checkpoint, which
    /// it is about to make again.
    pub fn open(run_dir: &Path, keep: usize) -> Result<Self> {
        let path = run_dir.join(EVAL_LOG);
        let kept = match File::open(&path) {
            Ok(file) => BufReader::new(file)
                .lines()
                .take(keep)
                .collect::<std::io::Result<Vec<String>>>()
                .map_err(TrainError::io(&path))?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(error) => return Err(TrainError::io(&path)(error)),
        };
        let mut file =
            OpenOptions::new().create(true).write(true).truncate(true).open(&path).map_err(TrainError::io(&path))?;
        for line in kept {
            writeln!(file, "{line}").map_err(TrainError::io(&path))?;
        }
        Ok(Self { path, file })
    }

    pub fn append(&mut self, record: &EvalRecord) -> Result<()> {
        let line = serde_json::to_string(record).expect("an EvalRecord always serializes");
        writeln!(self.file, "{line}").and_then(|()| self.file.flush()).map_err(TrainError::io(&self.path))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// All records of a run directory's log.
pub fn read_eval_log(run_dir: &Path) -> Result<Vec<EvalRecord>> {
    let path = run_dir.join(EVAL_LOG);
    let file = File::open(&path).map_err(TrainError::io(&path))?;
    BufReader::new(file)
        .lines()
        .enumerate()
        .map(|(index, line)| {
            let line = line.map_err(TrainError::io(&path))?;
            serde_json::from_str(&line).map_err(|error| TrainError::Log {
                path: path.clone(),
                line: index + 1,
                reason: error.to_string(),
            })
        })
        .collect()
}
