//! `metrics.json`, the record a training or retraining run leaves beside its
//! model: scores on dev and test, per-type figures, timings, where each head
//! row started and the lineage behind it.
//!
//! One serde type is written by `retag-retrain` and read back by every tool
//! that compares runs (`cargo xtask heads`, `cargo xtask retrain`, later
//! `retag compare`), so a renamed field is a compile error and not a table
//! of dashes. It lives here, below the neural-network crates, so that those
//! tools can read it without building burn.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{DataError, Result};
use crate::location::Location;
use crate::mapping::Lineage;
use crate::metrics::{Report, Scores};

/// The name of the file inside a model folder.
pub const METRICS_FILE: &str = "metrics.json";

/// Everything a run measured about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMetrics {
    /// `naive`, `frozen`, `full`, `warm-start`, `train`...
    pub strategy: String,
    /// `linear`, `mlp`, `crf` or `mlp-crf` (files older than heads say nothing: linear).
    #[serde(default = "linear")]
    pub head: String,
    /// The model's labels, in output order.
    pub labels: Vec<String>,
    /// The epoch whose weights were kept, as the evaluation log numbers it;
    /// `None` when no epoch ran.
    pub best_epoch: Option<usize>,
    pub dev: RunScores,
    pub test: Option<RunScores>,
    pub timing: RunTiming,
    /// Where each head row started, for strategies that warm-start.
    #[serde(default)]
    pub warm_start: Option<Vec<RowStart>>,
    /// Which old type each new type descends from, for strategies that use it.
    #[serde(default)]
    pub lineage: Option<Lineage>,
    /// The run folder: checkpoints, evaluation log, learning curve.
    pub run_dir: PathBuf,
    /// What retraining cost the old tagset, when data annotated with it was given.
    #[serde(default)]
    pub retention: Option<RetentionScores>,
}

/// The retrained model's predictions folded back into the old tagset through
/// the lineage ([`crate::mapping::RetentionFold`]) and scored against data
/// annotated with the old tagset, next to the old model's own score on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionScores {
    /// The old-tagset data both models were scored on.
    pub data: PathBuf,
    pub old_model: RunScores,
    pub retrained: RunScores,
    /// New types merged from several old types: their rows (named after the
    /// new type, the old parents renamed to it in the gold) are scored apart.
    pub merged_types: Vec<String>,
}

fn linear() -> String {
    "linear".into()
}

/// seqeval's entity scores of one split, with token accuracy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunScores {
    pub micro: Prf,
    pub per_type: BTreeMap<String, TypeScores>,
    /// Share of tokens tagged exactly as in the gold data.
    #[serde(default = "nan", deserialize_with = "nan_for_null")]
    pub accuracy: f64,
}

/// Precision, recall and F1 (each in 0..=1; NaN is written as `null`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Prf {
    #[serde(deserialize_with = "nan_for_null")]
    pub precision: f64,
    #[serde(deserialize_with = "nan_for_null")]
    pub recall: f64,
    #[serde(deserialize_with = "nan_for_null")]
    pub f1: f64,
}

/// One entity type's scores and its number of gold entities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TypeScores {
    #[serde(flatten)]
    pub scores: Prf,
    pub support: usize,
}

/// Where the seconds of a run went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RunTiming {
    /// Loading models, aligning data, inferring a lineage, building the head.
    pub setup_secs: f64,
    /// Computing the frozen encoder's outputs (frozen only).
    pub cache_secs: Option<f64>,
    /// Training, dev evaluations included.
    pub train_secs: f64,
    pub epochs: usize,
    /// `train_secs / epochs`, dev evaluation included (for `frozen`, over
    /// the cache: the encoder's one pass is `cache_secs`).
    pub secs_per_epoch: f64,
    /// Scoring the best weights on dev and test.
    pub eval_secs: f64,
    pub total_secs: f64,
}

/// Where one new label's head row started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowStart {
    pub label: String,
    pub origin: RowSource,
    /// Why the source is not the obvious one, when it is not.
    pub note: Option<String>,
}

/// `{"copied": "B-LOC"}`, `{"perturbed": "B-ORG"}` or `"random"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RowSource {
    /// An exact copy of this old label's row.
    Copied(String),
    /// A copy of this old label's row plus noise (other labels share it).
    Perturbed(String),
    /// A fresh row.
    Random,
}

impl RunScores {
    /// The figures of a seqeval [`Report`] that a run keeps.
    pub fn from_report(report: &Report) -> Self {
        let prf = |scores: &Scores| Prf { precision: scores.precision, recall: scores.recall, f1: scores.f1 };
        Self {
            micro: prf(&report.micro),
            per_type: report
                .per_type
                .iter()
                .map(|(kind, scores)| (kind.clone(), TypeScores { scores: prf(scores), support: scores.support }))
                .collect(),
            accuracy: report.accuracy,
        }
    }
}

impl RunMetrics {
    /// Reads `metrics.json` from a model folder (or the file itself).
    pub fn read(path: &Path) -> Result<Self> {
        let file = if path.is_file() { path.to_path_buf() } else { path.join(METRICS_FILE) };
        let text = std::fs::read_to_string(&file).map_err(|source| DataError::Io { path: file.clone(), source })?;
        serde_json::from_str(&text).map_err(|error| DataError::Malformed {
            at: Location::line(&file, error.line()),
            reason: format!("not a retag metrics.json: {error}"),
        })
    }

    /// The pretty JSON written to disk. A path that is not UTF-8 (the run
    /// folder, the retention data) is [`DataError::PathNotUtf8`]: JSON
    /// cannot hold it, and a lossy copy would name another folder.
    pub fn to_json_text(&self) -> Result<String> {
        self.check_paths()?;
        Ok(serde_json::to_string_pretty(self)
            .expect("check_paths found every path UTF-8; the rest is numbers, strings and string-keyed maps"))
    }

    /// Checks that every path these metrics hold can be written as JSON
    /// text (see [`path_as_text`]); serializing them cannot fail after it.
    pub fn check_paths(&self) -> Result<()> {
        path_as_text("run_dir", METRICS_FILE, &self.run_dir)?;
        if let Some(retention) = &self.retention {
            path_as_text("retention.data", METRICS_FILE, &retention.data)?;
        }
        Ok(())
    }
}

/// `path` as a JSON file a run leaves (`record`: `metrics.json`,
/// `run-config.json`) writes it: as text. serde refuses a path that is not
/// valid UTF-8 (possible on Unix); this names the field `what` and the path
/// instead, so that callers can refuse it before a run rather than fail
/// after one.
pub fn path_as_text<'a>(what: &str, record: &str, path: &'a Path) -> Result<&'a str> {
    path.to_str().ok_or_else(|| DataError::PathNotUtf8 {
        what: what.to_string(),
        record: record.to_string(),
        path: path.to_path_buf(),
    })
}

fn nan() -> f64 {
    f64::NAN
}

/// serde_json writes a NaN score (no entity to score) as `null`; read it back as NaN.
fn nan_for_null<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A metrics.json as retag 0.x wrote it before this type existed (by
    /// string keys), trimmed: the type must read what is already on disk.
    const WRITTEN_BEFORE: &str = r#"{
      "strategy": "frozen",
      "head": "crf",
      "labels": ["O", "B-person", "I-person"],
      "best_epoch": 3,
      "dev": {"micro": {"precision": 0.6, "recall": 0.5, "f1": 0.5454}, "accuracy": 0.93,
              "per_type": {"person": {"precision": 0.6, "recall": 0.5, "f1": 0.5454, "support": 10}}},
      "test": null,
      "timing": {"setup_secs": 1.5, "cache_secs": 36.0, "train_secs": 3.6, "epochs": 3,
                 "secs_per_epoch": 1.2, "eval_secs": 2.0, "total_secs": 43.1},
      "warm_start": [{"label": "O", "origin": {"copied": "O"}, "note": null},
                     {"label": "B-person", "origin": "random", "note": null}],
      "lineage": {"source": "inferred", "min_share": 0.5, "inferred": [
          {"new_type": "person", "parents": ["PER"], "tokens": 20, "share": 0.9, "counts": [["PER", 18], ["O", 2]]}]},
      "run_dir": "/tmp/run"
    }"#;

    #[test]
    fn reads_a_file_written_by_string_keys() {
        let metrics: RunMetrics = serde_json::from_str(WRITTEN_BEFORE).unwrap();
        assert_eq!(metrics.head, "crf");
        assert_eq!(metrics.best_epoch, Some(3));
        assert_eq!(metrics.dev.per_type["person"].support, 10);
        assert_eq!(metrics.timing.cache_secs, Some(36.0));
        let starts = metrics.warm_start.as_ref().unwrap();
        assert_eq!(starts[0].origin, RowSource::Copied("O".into()));
        assert_eq!(starts[1].origin, RowSource::Random);
        assert_eq!(metrics.lineage.as_ref().unwrap().parent("person").as_deref(), Some("PER"));
    }

    #[test]
    fn round_trips_and_keeps_nan_as_null() {
        let mut metrics: RunMetrics = serde_json::from_str(WRITTEN_BEFORE).unwrap();
        metrics.dev.micro.precision = f64::NAN;
        let text = metrics.to_json_text().unwrap();
        assert!(text.contains(r#""precision": null"#), "{text}");
        let back: RunMetrics = serde_json::from_str(&text).unwrap();
        assert!(back.dev.micro.precision.is_nan());
        metrics.dev.micro.precision = 0.25;
        let text = metrics.to_json_text().unwrap();
        assert_eq!(serde_json::from_str::<RunMetrics>(&text).unwrap(), metrics);
    }

    /// serde cannot write a path that is not UTF-8: each field that holds
    /// one is refused by name, with the path, instead of panicking.
    #[cfg(unix)]
    #[test]
    fn a_path_that_is_not_utf8_is_refused_by_field() {
        use std::os::unix::ffi::OsStrExt;
        let latin1 = PathBuf::from(std::ffi::OsStr::from_bytes(b"/tmp/caf\xe9"));
        let mut metrics: RunMetrics = serde_json::from_str(WRITTEN_BEFORE).unwrap();
        metrics.run_dir = latin1.clone();
        assert!(serde_json::to_string(&metrics).is_err(), "serde refuses it: what the check stands in front of");
        let error = metrics.to_json_text().unwrap_err().to_string();
        assert!(error.starts_with("run_dir /tmp/caf\u{fffd}: not valid UTF-8"), "{error}");
        assert!(error.contains("metrics.json keeps it as JSON text"), "{error}");

        metrics.run_dir = PathBuf::from("/tmp/run");
        let scores = metrics.dev.clone();
        metrics.retention = Some(RetentionScores {
            data: latin1,
            old_model: scores.clone(),
            retrained: scores,
            merged_types: Vec::new(),
        });
        let error = metrics.to_json_text().unwrap_err().to_string();
        assert!(error.starts_with("retention.data /tmp/caf\u{fffd}: not valid UTF-8"), "{error}");
        metrics.retention.as_mut().unwrap().data = PathBuf::from("/data/old-test.conll");
        assert!(metrics.to_json_text().is_ok());
    }

    #[test]
    fn head_defaults_to_linear_for_files_older_than_heads() {
        let old = WRITTEN_BEFORE.replace(r#""head": "crf","#, "");
        assert_eq!(serde_json::from_str::<RunMetrics>(&old).unwrap().head, "linear");
    }

    #[test]
    fn a_damaged_file_is_named_with_its_line() {
        let dir = std::env::temp_dir().join(format!("retag-run-metrics-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(METRICS_FILE), "{\n  \"strategy\": 3\n}").unwrap();
        let error = RunMetrics::read(&dir).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(error.contains("metrics.json:2"), "{error}");
        assert!(error.contains("not a retag metrics.json"), "{error}");
        let missing = RunMetrics::read(Path::new("/nonexistent/run")).unwrap_err().to_string();
        assert!(missing.contains("/nonexistent/run/metrics.json"), "{missing}");
    }
}
