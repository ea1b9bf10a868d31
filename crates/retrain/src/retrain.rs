//! One retraining run, whatever the strategy: build the starting model,
//! train it (the full loop, or a head over cached features), score the best
//! weights on dev and test.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;
use retag_bert::{BertForTokenClassification, BertModel};
use retag_data::align::WordTokenizer;
use retag_data::metrics::Report;
use retag_data::{Location, Scheme, Tagset};
use retag_heads::{LinearHead, WarmStartReport};
use retag_train::dataset::{AlignedSplit, align_options};
use retag_train::{ProgressMode, Split, TrainConfig, Trainer};
use serde::Serialize;

use crate::error::{Result, RetrainError};
use crate::features::FeatureCache;
use crate::infer::infer_lineage;
use crate::lineage::{Lineage, LineageSource};
use crate::probe::train_probe;
use crate::start::{fresh_head, warm_started};
use crate::strategy::Strategy;

/// What to retrain, from what, and how.
#[derive(Debug, Clone)]
pub struct RetrainSpec {
    pub strategy: Strategy,
    /// The fine-tuned model (a HF token-classification directory): its
    /// encoder for `naive`, `frozen` and `warm-start`, its head for `warm-start`.
    pub old_model: Option<PathBuf>,
    /// The base encoder that `full` starts from (a plain encoder directory).
    pub base_model: Option<PathBuf>,
    /// Where `warm-start` finds each new type's parent.
    pub lineage: LineageSource,
    pub config: TrainConfig,
    /// The scheme of the data's tags (the new tagset is written in it).
    pub scheme: Scheme,
    pub progress: ProgressMode,
}

/// The new tagset's data. `test` is optional.
#[derive(Debug, Clone)]
pub struct RetrainData {
    pub train: Split,
    pub dev: Split,
    pub test: Option<Split>,
}

impl RetrainData {
    /// The labels of every split, entity types sorted by name: the head's
    /// rows. A type seen only in dev or test still gets rows, so that
    /// scoring names it instead of failing.
    pub fn tagset(&self, scheme: Scheme) -> Result<Tagset> {
        let mut sentences: Vec<&retag_data::Sentence> = self.train.sentences.iter().collect();
        sentences.extend(&self.dev.sentences);
        if let Some(test) = &self.test {
            sentences.extend(&test.sentences);
        }
        // An error names the train file; the sentence's own line points at the tag.
        Ok(Tagset::from_sentences(sentences, scheme, &self.train.file)?)
    }
}

/// Wall-clock seconds of a run's parts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timing {
    /// Loading models, aligning data, inferring a lineage, building the head.
    pub setup_secs: f64,
    /// Computing the frozen encoder's outputs (frozen only).
    pub cache_secs: Option<f64>,
    /// Training, dev evaluations included.
    pub train_secs: f64,
    pub epochs: usize,
    /// Training per epoch: for `frozen`, the head's steps only; for the
    /// others, `train_secs / epochs` (their dev evaluation included).
    pub secs_per_epoch: f64,
    /// Scoring the best weights on dev and test.
    pub eval_secs: f64,
    pub total_secs: f64,
}

/// A finished run.
pub struct Outcome {
    pub strategy: Strategy,
    /// The best weights, validation mode, on the plain device.
    pub model: BertForTokenClassification,
    /// Where the tokenizer files were read (export copies them).
    pub tokenizer_dir: PathBuf,
    pub dev: Report,
    pub test: Option<Report>,
    pub best_epoch: Option<usize>,
    pub warm_start: Option<WarmStartReport>,
    pub lineage: Option<Lineage>,
    pub timing: Timing,
    pub run_dir: PathBuf,
}

/// Runs `spec` on `data`, with training state (checkpoints, the evaluation
/// log) in `run_dir`. `device` must be an autodiff device. With `resume`,
/// a run interrupted in `run_dir` continues from its checkpoint.
pub fn retrain(
    spec: &RetrainSpec,
    data: &RetrainData,
    run_dir: &Path,
    resume: bool,
    device: &Device,
) -> Result<Outcome> {
    let started = Instant::now();
    if !device.is_autodiff() {
        return Err(RetrainError::Mismatch { reason: "retraining needs an autodiff device (Device::autodiff)".into() });
    }
    let plain = device.clone().inner();
    let labels = data.tagset(spec.scheme)?;
    let source = start_dir(spec)?;
    let tokenizer = retag_data::align::load_tokenizer(source)?;

    let mut warm_start = None;
    let mut lineage = None;
    let mut cache_secs = None;
    let mut epoch_secs = None;
    // The frozen strategy's dev scores come from its cache: the same vectors
    // the model reads (see `features`), so the same report without a second pass.
    let mut dev_report = None;
    let (model, best_epoch, setup_secs, train_secs, epochs) = match spec.strategy {
        Strategy::Frozen => {
            let old = BertForTokenClassification::from_pretrained(source, &plain)?;
            let options = align_options(&spec.config, &old.bert.config, &tokenizer)?;
            let train = AlignedSplit::align(&data.train, &tokenizer, &labels, &options, "train")?;
            let dev = AlignedSplit::align(&data.dev, &tokenizer, &labels, &options, "dev")?;
            let setup_secs = started.elapsed().as_secs_f64();
            let caching = Instant::now();
            let batch = spec.config.eval_batch_size;
            let train_cache = FeatureCache::extract(&old.bert, &train, &labels, batch, &plain)?;
            let dev_cache = FeatureCache::extract(&old.bert, &dev, &labels, batch, &plain)?;
            cache_secs = Some(caching.elapsed().as_secs_f64());
            let training = Instant::now();
            let dropout = old.bert.config.classifier_dropout_prob();
            let head =
                LinearHead::random(labels.clone(), old.bert.config.hidden_size, dropout, spec.config.seed, device)?;
            let run =
                train_probe(head, &train_cache, &dev_cache, &dev.gold, &spec.config, run_dir, spec.progress, device)?;
            let epochs = run.epoch_secs.len();
            epoch_secs = Some(run.epoch_secs.iter().sum::<f64>() / epochs.max(1) as f64);
            dev_report = Some(run.dev);
            let model = crate::start::with_head(old.bert, &run.head)?;
            (model, run.state.best.map(|best| best.epoch), setup_secs, training.elapsed().as_secs_f64(), epochs)
        }
        Strategy::Naive | Strategy::Full | Strategy::WarmStart => {
            let model = match spec.strategy {
                Strategy::Full => {
                    fresh_head(BertModel::from_pretrained(source, device)?, labels.clone(), spec.config.seed)?
                }
                Strategy::Naive => {
                    let old = BertForTokenClassification::from_pretrained(source, device)?;
                    fresh_head(old.bert, labels.clone(), spec.config.seed)?
                }
                _ => {
                    let old = BertForTokenClassification::from_pretrained(source, device)?;
                    let found = match &spec.lineage {
                        LineageSource::Mapping(mapping) => Lineage::from_mapping(mapping, &labels),
                        LineageSource::Infer { min_share } => {
                            let options = align_options(&spec.config, &old.bert.config, &tokenizer)?;
                            let train = AlignedSplit::align(&data.train, &tokenizer, &labels, &options, "train")?;
                            let snapshot = old.valid();
                            infer_lineage(
                                &snapshot,
                                &train,
                                spec.scheme,
                                *min_share,
                                spec.config.eval_batch_size,
                                &plain,
                            )?
                        }
                    };
                    let (model, report) = warm_started(old, labels.clone(), &found, spec.config.seed)?;
                    warm_start = Some(report);
                    lineage = Some(found);
                    model
                }
            };
            let trainer = if resume && run_dir.join(retag_train::checkpoint::CHECKPOINT).exists() {
                Trainer::resume(model, &tokenizer, &data.train, &data.dev, spec.config.clone(), run_dir, device)?
            } else {
                Trainer::new(model, &tokenizer, &data.train, &data.dev, spec.config.clone(), run_dir, device)?
            };
            let mut trainer = trainer.with_progress(spec.progress);
            let setup_secs = started.elapsed().as_secs_f64();
            let training = Instant::now();
            let state = trainer.train()?.clone();
            let model = trainer.best_model()?;
            (model, state.best.map(|best| best.epoch), setup_secs, training.elapsed().as_secs_f64(), state.epoch)
        }
    };

    let scoring = Instant::now();
    let (dev, test) = score_splits(&model, &tokenizer, &labels, data, dev_report, &spec.config, &plain)?;
    let eval_secs = scoring.elapsed().as_secs_f64();
    let timing = Timing {
        setup_secs,
        cache_secs,
        train_secs,
        epochs,
        secs_per_epoch: epoch_secs.unwrap_or(train_secs / epochs.max(1) as f64),
        eval_secs,
        total_secs: started.elapsed().as_secs_f64(),
    };
    Ok(Outcome {
        strategy: spec.strategy,
        model,
        tokenizer_dir: source.to_path_buf(),
        dev,
        test,
        best_epoch,
        warm_start,
        lineage,
        timing,
        run_dir: run_dir.to_path_buf(),
    })
}

/// The directory a strategy's weights start from.
fn start_dir(spec: &RetrainSpec) -> Result<&Path> {
    let (path, flag, what) = match spec.strategy {
        Strategy::Full => (&spec.base_model, "base_model", "the base encoder it fine-tunes from scratch"),
        _ => (&spec.old_model, "old_model", "the fine-tuned model it starts from"),
    };
    path.as_deref().ok_or_else(|| RetrainError::option(flag, format!("strategy {} needs {what}", spec.strategy)))
}

/// Dev and test scores of `model` (validation mode on `device`); dev only
/// when `dev_report` is not already known.
#[allow(clippy::too_many_arguments)] // the private tail of `retrain`
fn score_splits(
    model: &BertForTokenClassification,
    tokenizer: &WordTokenizer,
    labels: &Tagset,
    data: &RetrainData,
    dev_report: Option<Report>,
    config: &TrainConfig,
    device: &Device,
) -> Result<(Report, Option<Report>)> {
    let options = align_options(config, &model.bert.config, tokenizer)?;
    let score = |split: &Split, what: &'static str| -> Result<Report> {
        let aligned = AlignedSplit::align(split, tokenizer, labels, &options, what)?;
        Ok(retag_train::evaluate::evaluate(model, &aligned, config.eval_batch_size, device)?)
    };
    let dev = match dev_report {
        Some(report) => report,
        None => score(&data.dev, "dev")?,
    };
    let test = data.test.as_ref().map(|test| score(test, "test")).transpose()?;
    Ok((dev, test))
}

/// Where a split was read, for errors (a convenience for callers that read files).
pub fn split_from(sentences: Vec<retag_data::Sentence>, file: &Path) -> Split {
    Split::new(sentences, Location::file(file))
}
