//! Writing `evaluations.jsonl` in the run directory as training goes on;
//! its record and reader are retag-data's ([`EvalRecord`]), so that tools
//! that compare runs read it without building burn.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

pub use retag_data::eval_record::{EVAL_LOG, EvalRecord, read_eval_log};

use crate::error::{Result, TrainError};

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
        let line = serde_json::to_string(record)
            .expect("an EvalRecord is numbers and string-keyed maps, which always serialize");
        writeln!(self.file, "{line}").and_then(|()| self.file.flush()).map_err(TrainError::io(&self.path))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}
