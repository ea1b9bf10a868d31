//! What `retag extend` leaves: the model folder as every run leaves it
//! (weights, tokenizer, `run-config.json`, the learning curve in the run
//! folder), and `metrics.json` holding the usual [`RunMetrics`] with
//! strategy `extend`, plus an `extension` record: which types are old and
//! which new, their group scores, and what pseudo-rehearsal changed.
//!
//! The record sits beside `RunMetrics`' fields rather than inside the type,
//! so tools that read `metrics.json` as `RunMetrics` read an extension's
//! file unchanged (serde skips the extra key).

use std::path::Path;

use retag_data::run_metrics::RunMetrics;
use retag_train::curves::{Curve, learning_curves_svg};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{Result, RetrainError};
use crate::extend::{EXTEND, ExtendOutcome, ExtendSpec};
use crate::output::{
    CURVE_FILE, METRICS_FILE, METRICS_SERIALIZE, RUN_CONFIG_FILE, recorded_path, run_metrics, write_json_atomically,
    write_test_predictions,
};
use crate::rehearsal::RehearsalCounts;
use crate::type_split::GroupScores;

/// `metrics.json` of an extension.
#[derive(Debug, Clone, Serialize)]
pub struct ExtendMetrics {
    #[serde(flatten)]
    pub run: RunMetrics,
    pub extension: ExtensionRecord,
}

/// What only an extension measures.
#[derive(Debug, Clone, Serialize)]
pub struct ExtensionRecord {
    pub old_types: Vec<String>,
    pub new_types: Vec<String>,
    /// Old types the data does not annotate, restored by pseudo-rehearsal.
    pub rehearsed_types: Vec<String>,
    pub rehearsal: RehearsalCounts,
    /// Dev pseudo-labelled the same way, its unsure words kept as `O`.
    pub dev_rehearsal: RehearsalCounts,
    /// Dev's old types are scored against the old model's pseudo-labels.
    pub dev: GroupScores,
    pub test: Option<GroupScores>,
}

/// The record of `outcome`, as `metrics.json` holds it.
pub fn extend_metrics(outcome: &ExtendOutcome) -> ExtendMetrics {
    let mut run = run_metrics(&outcome.run);
    run.strategy = EXTEND.to_string();
    ExtendMetrics {
        run,
        extension: ExtensionRecord {
            old_types: outcome.types.old.clone(),
            new_types: outcome.types.new.clone(),
            rehearsed_types: outcome.types.rehearsed.clone(),
            rehearsal: outcome.rehearsal.clone(),
            dev_rehearsal: outcome.dev_rehearsal.clone(),
            dev: outcome.dev_groups,
            test: outcome.test_groups,
        },
    }
}

/// The settings an extension resolved to. An old model path that is not
/// UTF-8 is refused by field: JSON keeps paths as text.
pub fn extend_config_json(spec: &ExtendSpec, outcome: &ExtendOutcome) -> Result<Value> {
    let old_model = recorded_path("old_model", Some(&spec.old_model))?;
    Ok(json!({
        "strategy": EXTEND,
        "old_model": old_model,
        "head": outcome.run.head.name(),
        "scheme": spec.scheme.to_string(),
        "rehearsal": spec.rehearsal,
        "distill": spec.distill,
        "train": spec.config,
    }))
}

/// Exports the extended model to `out_dir` (which must not exist; the
/// export is atomic), checks that it reloads as the same model
/// ([`retag_model::verify_folder`]), writes `metrics.json`, `run-config.json` and `test-predictions.txt` into it,
/// and draws the learning curve into the run folder.
pub fn write_extension(outcome: &ExtendOutcome, spec: &ExtendSpec, out_dir: &Path) -> Result<()> {
    let run = &outcome.run;
    retag_model::folder::export(&run.model, out_dir, Some(&run.tokenizer_dir))?;
    // As `retrain` does: the folder must reload as the model and compute its scores.
    retag_model::verify_folder(&run.model, out_dir, &run.model.device())?;
    // Both records are made before either is written, as `retrain`'s are.
    let metrics = extend_metrics(outcome);
    metrics.run.check_paths()?;
    let metrics = serde_json::to_value(metrics).expect(METRICS_SERIALIZE);
    let config = extend_config_json(spec, outcome)?;
    write_json_atomically(&out_dir.join(METRICS_FILE), &metrics)?;
    write_json_atomically(&out_dir.join(RUN_CONFIG_FILE), &config)?;
    write_test_predictions(run, out_dir)?;
    let records = retag_train::read_eval_log(&run.run_dir)?;
    let picture = learning_curves_svg(&[Curve { name: EXTEND, records: &records }]);
    let curve = run.run_dir.join(CURVE_FILE);
    std::fs::write(&curve, picture).map_err(RetrainError::io(&curve))?;
    Ok(())
}
