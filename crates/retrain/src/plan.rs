//! `retag plan`: the old model tags the new training data once, and the
//! report ([`retag_data::plan::PlanReport`]) says how the tagsets relate and
//! which strategy to try first. No weight changes; it costs one pass of the
//! old model over the training set.

use std::path::PathBuf;

use burn::module::Module;
use burn::tensor::Device;
use retag_data::mapping::{MappingEvidence, TagsetMapping};
use retag_data::plan::{PlanInputs, PlanReport};
use retag_data::stats::StatsCollector;
use retag_data::{Scheme, Tagset};
use retag_train::dataset::{AlignedSplit, align_options};
use retag_train::{Split, TrainConfig};

use crate::error::{Result, RetrainError};
use crate::infer::gather_evidence;

/// What to plan for.
#[derive(Debug, Clone)]
pub struct PlanSpec {
    /// The fine-tuned model (any retag model folder).
    pub old_model: PathBuf,
    /// The user's mapping, which then decides the parents (the old model's
    /// predictions are still shown).
    pub mapping: Option<TagsetMapping>,
    /// The inference's minimum share among tagged tokens.
    pub min_share: f64,
    /// New types with fewer training entities than this are rare.
    pub rare_below: usize,
    /// The scheme of the new data's tags.
    pub scheme: Scheme,
    /// Window length and batch size of the old model's pass (`max_len`, `eval_batch_size`).
    pub config: TrainConfig,
}

/// The plan for retraining `spec.old_model` on `train`; the old model runs
/// on `device` (a plain device is enough: nothing trains).
pub fn plan(spec: &PlanSpec, train: &Split, device: &Device) -> Result<PlanReport> {
    if !(0.0..=1.0).contains(&spec.min_share) {
        return Err(RetrainError::option("min_share", format!("{} is not a share between 0 and 1", spec.min_share)));
    }
    let device = device.clone().inner();
    let old = retag_model::folder::load(&spec.old_model, &device)?.valid();
    let encoder =
        old.encoder().ok_or_else(|| RetrainError::Mismatch { reason: "the old model has no encoder".into() })?;
    let tokenizer = retag_data::align::load_tokenizer(&spec.old_model)?;
    let labels = Tagset::from_sentences(&train.sentences, spec.scheme, &train.file)?;
    let options = align_options(&spec.config, &encoder.config, &tokenizer)?;
    let aligned = AlignedSplit::align(train, &tokenizer, &labels, &options, "train")?;
    let evidence: MappingEvidence = gather_evidence(&old, &aligned, spec.scheme, spec.config.eval_batch_size, &device)?;
    let mut stats = StatsCollector::new(spec.scheme, train.file.clone());
    for sentence in &train.sentences {
        stats.add(sentence)?;
    }
    Ok(PlanReport::new(PlanInputs {
        old_model: spec.old_model.display().to_string(),
        train: train.file.to_string(),
        old_types: old.tagset().entity_types(),
        evidence: &evidence,
        mapping: spec.mapping.as_ref(),
        min_share: spec.min_share,
        max_outside: MappingEvidence::DEFAULT_MAX_OUTSIDE,
        stats: &stats.finish(),
        rare_below: spec.rare_below,
    }))
}
