//! What a run leaves for the user: a HuggingFace model directory that
//! transformers loads, with `metrics.json` (scores, per-type F1, timings,
//! where each head row came from) and `run-config.json` (the resolved
//! settings, so the run can be repeated) beside the weights.

use std::path::Path;

use retag_data::conll::Separator;
use retag_data::run_metrics::{RowSource, RowStart, RunMetrics, RunScores, path_as_text};
use retag_train::curves::{Curve, learning_curves_svg};
use serde_json::{Value, json};

use crate::error::{Result, RetrainError};
use crate::retrain::{Outcome, RetrainSpec};

pub use retag_data::run_metrics::METRICS_FILE;
pub const RUN_CONFIG_FILE: &str = "run-config.json";
/// The picture of the run's learning curve, in the run folder beside its log.
pub const CURVE_FILE: &str = "learning-curve.svg";
/// Why serializing a run's metrics cannot fail once
/// [`RunMetrics::check_paths`] has passed.
pub(crate) const METRICS_SERIALIZE: &str =
    "check_paths found every path UTF-8; the rest is numbers, strings and string-keyed maps";
/// The test split with the model's tags (`token gold predicted` per line),
/// when the run had a test split.
pub const TEST_PREDICTIONS_FILE: &str = "test-predictions.txt";

/// Exports the outcome's model to `out_dir` (which must not exist; the
/// export is atomic), checks that it reloads as the same model
/// ([`retag_model::verify_folder`]), writes the two JSON files into it, and draws the
/// learning curve from the run's evaluation log into the run folder.
pub fn write_outcome(outcome: &Outcome, spec: &RetrainSpec, out_dir: &Path) -> Result<()> {
    retag_model::folder::export(&outcome.model, out_dir, Some(&outcome.tokenizer_dir))?;
    // Reloaded, as `predict` will, and run once beside the model before
    // success is reported: a folder that loads with other labels or another
    // head, or computes other scores, is an error now rather than a
    // surprise later. On the model's own device, so the scores agree exactly.
    retag_model::verify_folder(&outcome.model, out_dir, &outcome.model.device())?;
    // Both records are made before either is written: a path one cannot hold
    // leaves neither behind.
    let metrics = run_metrics(outcome);
    metrics.check_paths()?;
    let metrics = serde_json::to_value(metrics).expect(METRICS_SERIALIZE);
    let config = run_config_json(spec)?;
    write_json_atomically(&out_dir.join(METRICS_FILE), &metrics)?;
    write_json_atomically(&out_dir.join(RUN_CONFIG_FILE), &config)?;
    write_test_predictions(outcome, out_dir)?;
    let records = retag_train::read_eval_log(&outcome.run_dir)?;
    let picture = learning_curves_svg(&[Curve { name: spec.strategy.name(), records: &records }]);
    let curve = outcome.run_dir.join(CURVE_FILE);
    std::fs::write(&curve, picture).map_err(RetrainError::io(&curve))?;
    Ok(())
}

/// Scores, timings and provenance of a run, as `metrics.json` holds them.
pub fn run_metrics(outcome: &Outcome) -> RunMetrics {
    RunMetrics {
        strategy: outcome.strategy.name().to_string(),
        head: outcome.head.name().to_string(),
        labels: outcome.model.tagset().labels().to_vec(),
        best_epoch: outcome.best_epoch,
        dev: RunScores::from_report(&outcome.dev),
        test: outcome.test.as_ref().map(RunScores::from_report),
        timing: outcome.timing,
        warm_start: outcome.warm_start.as_ref().map(|report| {
            report
                .labels
                .iter()
                .map(|start| RowStart {
                    label: start.label.clone(),
                    origin: match &start.origin {
                        retag_heads::RowOrigin::Copied { from } => RowSource::Copied(from.clone()),
                        retag_heads::RowOrigin::Perturbed { from } => RowSource::Perturbed(from.clone()),
                        retag_heads::RowOrigin::Random => RowSource::Random,
                    },
                    note: start.note.clone(),
                })
                .collect()
        }),
        lineage: outcome.lineage.clone(),
        run_dir: outcome.run_dir.clone(),
        retention: outcome.retention.as_ref().map(crate::retention::Retention::to_scores),
    }
}

/// The settings a run resolved to. A model path that is not UTF-8 is
/// refused by field: JSON keeps paths as text.
pub fn run_config_json(spec: &RetrainSpec) -> Result<Value> {
    let old_model = recorded_path("old_model", spec.old_model.as_deref())?;
    let base_model = recorded_path("base_model", spec.base_model.as_deref())?;
    Ok(json!({
        "strategy": spec.strategy.name(),
        "old_model": old_model,
        "base_model": base_model,
        "lineage": match &spec.lineage {
            crate::lineage::LineageSource::Mapping(mapping) => json!({"mapping": mapping.origin().to_string()}),
            crate::lineage::LineageSource::Infer { min_share } => json!({"infer": {"min_share": min_share}}),
        },
        "head": spec.head.name(),
        "mlp": (spec.head.kind == retag_heads::HeadKind::Mlp).then_some(spec.mlp),
        "scheme": spec.scheme.to_string(),
        "stages": spec.schedule.stages.as_ref().map(ToString::to_string),
        "layer_decay": spec.schedule.layer_decay,
        "distill": spec.distill,
        "adapter": (spec.strategy == crate::Strategy::Adapter).then(|| spec.adapter.unwrap_or_default()),
        "train": spec.config,
    }))
}

/// `path` as `run-config.json` records it (`None` stays `None`).
pub(crate) fn recorded_path<'a>(what: &str, path: Option<&'a Path>) -> Result<Option<&'a str>> {
    Ok(path.map(|path| path_as_text(what, RUN_CONFIG_FILE, path)).transpose()?)
}

/// Refuses, before a run starts, a path that `metrics.json` or
/// `run-config.json` would record but cannot (see [`path_as_text`]), rather
/// than after hours of training: each `(field, record, path)`.
pub(crate) fn check_recorded_paths<'a>(
    paths: impl IntoIterator<Item = (&'static str, &'static str, Option<&'a Path>)>,
) -> Result<()> {
    for (what, record, path) in paths {
        if let Some(path) = path {
            path_as_text(what, record, path)?;
        }
    }
    Ok(())
}

/// Writes `value` to `path` through a temporary file and a rename, so a
/// reader never sees half a file.
pub fn write_json_atomically(path: &Path, value: &Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .expect("a serde_json Value has string keys and only finite numbers, which always serialize");
    Ok(retag_data::atomic::write_atomically(path, format!("{text}\n").as_bytes())?)
}

/// `test-predictions.txt`: the test split as the run tagged it, `token gold
/// predicted` a line, so a user can read the errors without a second pass
/// (and `predict` on the folder can be checked against it). Nothing without
/// a test split.
pub(crate) fn write_test_predictions(outcome: &Outcome, out_dir: &Path) -> Result<()> {
    let Some(tagged) = &outcome.test_predictions else {
        return Ok(());
    };
    // Tabs only where a token holds a space, as the data it came from must have had them.
    let spaced = tagged.sentences.iter().flat_map(|s| &s.tokens).any(|token| token.contains(' '));
    let separator = if spaced { Separator::Tab } else { Separator::Space };
    let mut text = Vec::new();
    retag_data::conll::write_conll_predictions(&mut text, &tagged.sentences, &tagged.tags, separator)?;
    retag_data::atomic::write_atomically(&out_dir.join(TEST_PREDICTIONS_FILE), &text)?;
    Ok(())
}
