//! `retag extend`: teach a fine-tuned model new entity types from data that
//! annotates only the new types, keeping the types it knew.
//!
//! A recipe over the one training loop, as every strategy is:
//!
//! 1. the tagset is the union of the old model's types and the data's
//!    ([`TypeSplit`]), in the data's scheme;
//! 2. the weights start from the old model: its encoder, and its head
//!    warm-started through a lineage where each old type is its own parent
//!    and new types have none, so every old label keeps its row exactly and
//!    new labels start fresh ([`crate::start::warm_started_tagger`]);
//! 3. the training split is aligned once and pseudo-rehearsed
//!    ([`crate::rehearsal`]): the old model's sure entities replace the gold
//!    `O`s that hide them, its unsure ones are left out of the loss; dev is
//!    pseudo-labelled the same way (unsure words kept `O`), so that the
//!    epoch kept is not the one that forgot the most; with `--augment`,
//!    each epoch's augmented training sentences are aligned and
//!    pseudo-labelled anew ([`crate::augmented`]);
//! 4. the old model is distilled into the new one ([`crate::distill`]), old
//!    labels folded onto themselves and new labels onto `O`;
//! 5. test, which should annotate old and new types alike, is scored per
//!    type and per group, old types apart from new ones.
//!
//! This is `retrain()`'s warm-start path with two things `retrain()` cannot
//! yet be told: a tagset wider than the data's (the old types the data
//! never tags) and training words left out of the loss.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;
use retag_data::Scheme;
use retag_data::metrics::Report;
use retag_model::TaggerModel;
use retag_train::dataset::{AlignedSplit, align_options};
use retag_train::{Distillation, Inputs, ProgressMode, TeacherCache, TrainConfig, Trainer};

use crate::augmented::AugmentedEpochs;
use crate::distill::{DistillSpec, fold_labels};
use crate::error::{Result, RetrainError};
use crate::head_choice::HeadChoice;
use crate::input_features::RunFeatures;
use crate::output::{METRICS_FILE, RUN_CONFIG_FILE, check_recorded_paths};
use crate::rehearsal::{PseudoLabeler, RehearsalCounts, RehearsalRule, rehearse};
use crate::retrain::{Outcome, RetrainData, Timing};
use crate::start::warm_started_tagger;
use crate::strategy::Strategy;
use crate::type_split::{GroupScores, TypeSplit};

/// The name `metrics.json` and `run-config.json` give the recipe.
pub const EXTEND: &str = "extend";

/// What to extend, and how.
#[derive(Debug, Clone)]
pub struct ExtendSpec {
    /// The fine-tuned model whose types are kept (any retag model folder).
    pub old_model: PathBuf,
    /// The head; `None`: the old model's own (its kind, with its CRF if it
    /// has one), the only head whose rows can all be kept.
    pub head: Option<HeadChoice>,
    pub config: TrainConfig,
    pub rehearsal: RehearsalRule,
    /// Distillation from the old model; `None` trains on the pseudo-labels alone.
    pub distill: Option<DistillSpec>,
    /// The scheme of the data's tags (the union tagset is written in it).
    pub scheme: Scheme,
    pub progress: ProgressMode,
}

impl ExtendSpec {
    /// Checks the settings that need no file, so that a caller can refuse
    /// them before reading data; [`extend`] checks them again.
    pub fn check(&self) -> Result<()> {
        self.rehearsal.check()?;
        if let Some(distill) = &self.distill {
            distill.check()?;
        }
        Ok(())
    }
}

/// A finished extension.
pub struct ExtendOutcome {
    /// The run as `retrain()` reports one (its strategy says warm-start,
    /// which is how the weights started; `metrics.json` says extend).
    pub run: Outcome,
    pub types: TypeSplit,
    pub rehearsal: RehearsalCounts,
    /// What pseudo-labelling changed in dev (unsure words kept as O).
    pub dev_rehearsal: RehearsalCounts,
    /// Dev's micro scores over the old types (against the old model's sure
    /// pseudo-labels) and over the new ones.
    pub dev_groups: GroupScores,
    pub test_groups: Option<GroupScores>,
}

/// Extends the old model of `spec` with the types of `data` (new types
/// only; `data.retain` is refused: the old types are scored on `data.test`),
/// with training state in `run_dir`. `device` must be an autodiff device.
/// With `resume`, a run interrupted in `run_dir` continues from its
/// checkpoint (the pseudo-labels and the teacher are recomputed, and come
/// out the same).
pub fn extend(
    spec: &ExtendSpec,
    data: &RetrainData,
    run_dir: &Path,
    resume: bool,
    device: &Device,
) -> Result<ExtendOutcome> {
    let started = Instant::now();
    if !device.is_autodiff() {
        return Err(RetrainError::Mismatch { reason: "extending needs an autodiff device (Device::autodiff)".into() });
    }
    if data.retain.is_some() {
        return Err(RetrainError::option(
            "retain_data",
            "extend keeps the old types in the model itself: score them on a test split that annotates both",
        ));
    }
    spec.check()?;
    // metrics.json and run-config.json record these paths as text: one that
    // is not UTF-8 is refused now, not once training is done.
    check_recorded_paths([
        ("old_model", RUN_CONFIG_FILE, Some(spec.old_model.as_path())),
        ("run_dir", METRICS_FILE, Some(run_dir)),
    ])?;
    let plain = device.clone().inner();
    let source = spec.old_model.as_path();
    let tokenizer = retag_data::align::load_tokenizer(source)?;
    let (encoder, old_head) = retag_model::folder::load(source, device)?.split_encoder();
    let encoder = encoder.expect("folder::load builds every model with its encoder (TaggerModel::from_parts)");
    let old_tagger = old_head.tagger().clone();
    // The old model as it is, before training changes anything: it
    // pseudo-labels the training data and is the distillation's teacher
    // (with its input features, if it reads any).
    let old = old_head.clone().with_encoder(encoder.clone())?.valid();
    let features = RunFeatures::choose(&spec.config, Some(&old_head), source, device)?;
    let types = TypeSplit::new(old.tagset(), data, spec.scheme)?;
    let labels = &types.tagset;

    // Each split is aligned once; the training split is then rewritten in place.
    let options = align_options(&spec.config, &encoder.config, &tokenizer)?;
    let mut train = AlignedSplit::align(&data.train, &tokenizer, labels, &options, "train")?;
    let mut dev = AlignedSplit::align(&data.dev, &tokenizer, labels, &options, "dev")?;
    let batch = spec.config.eval_batch_size;
    let old_scheme = Scheme::from_labels(old.tagset().labels());
    let labeler = PseudoLabeler::new(spec.rehearsal, spec.scheme, old_scheme, &types.rehearsed);
    let rehearsal = rehearse(&old, &mut train, &data.train, labels, &labeler, batch, &plain)?;
    // With --augment, each epoch's sentences are pseudo-labelled the same way.
    let augmented =
        AugmentedEpochs::new(&spec.config, spec.scheme, &data.train, &train, (&tokenizer, &options), labels, &plain)?
            .map(|epochs| epochs.rehearsed(&old, &labeler));
    // Dev is pseudo-labelled too, else every old entity the model keeps
    // would be a false positive on it and early stopping would reward
    // forgetting. Its unsure words stay O: a scored split cannot leave a
    // word out.
    let dev_rule = RehearsalRule { leave_out_unsure: false, ..spec.rehearsal };
    let dev_labeler =
        PseudoLabeler::new(dev_rule, spec.scheme, old_scheme, &types.unannotated_in(&data.dev, spec.scheme)?);
    let dev_rehearsal = rehearse(&old, &mut dev, &data.dev, labels, &dev_labeler, batch, &plain)?;

    let lineage = types.lineage();
    let head = spec.head.unwrap_or(HeadChoice { kind: old_tagger.head().kind(), crf: old_tagger.crf().is_some() });
    let seed = spec.config.seed;
    let (tagger, warm_start) = warm_started_tagger(old_tagger, head, labels.clone(), &lineage, spec.scheme, seed)?;
    let tagger = RunFeatures::widen(features.as_ref(), tagger)?;
    let model = TaggerModel::from_parts(encoder, None, features.map(|features| features.embeddings), tagger)?;
    let train = Inputs::Windows(train);
    let dev = Inputs::Windows(dev);

    let distillation = match &spec.distill {
        Some(settings) => {
            let cache = TeacherCache::compute(&old, &train, batch, &plain)?;
            let fold = fold_labels(labels, old.tagset(), &lineage)?;
            Some((cache, Distillation { fold, weight: settings.weight, temperature: settings.temperature }))
        }
        None => None,
    };
    let trainer = if resume && run_dir.join(retag_train::checkpoint::CHECKPOINT).exists() {
        Trainer::resume(model, train, dev, spec.config.clone(), run_dir, device)?
    } else {
        Trainer::new(model, train, dev, spec.config.clone(), run_dir, device)?
    };
    let trainer = match distillation {
        Some((cache, settings)) => trainer.with_distillation(cache, settings)?,
        None => trainer,
    };
    let trainer = match augmented {
        Some(epochs) if spec.distill.is_some() => trainer.with_epoch_data(Box::new(epochs.distilled(&old)))?,
        Some(epochs) => trainer.with_epoch_data(Box::new(epochs))?,
        None => trainer,
    };
    let mut trainer = trainer.with_progress(spec.progress);
    let setup_secs = started.elapsed().as_secs_f64();
    let training = Instant::now();
    let state = trainer.train()?.clone();
    let train_secs = training.elapsed().as_secs_f64();
    let model = trainer.best_model()?;

    let scoring = Instant::now();
    let dev_report = trainer.score(&model)?;
    let (test, test_predictions) = match &data.test {
        Some(test) => {
            let (report, tagged) =
                crate::retrain::score_test(&model, test, &tokenizer, labels, &options, batch, &plain)?;
            (Some(report), Some(tagged))
        }
        None => (None, None),
    };
    let eval_secs = scoring.elapsed().as_secs_f64();
    let epochs = state.epoch;
    let timing = Timing {
        setup_secs,
        cache_secs: None,
        train_secs,
        epochs,
        secs_per_epoch: train_secs / epochs.max(1) as f64,
        eval_secs,
        total_secs: started.elapsed().as_secs_f64(),
    };
    let dev_groups = types.group_scores(&dev_report);
    let test_groups = test.as_ref().map(|report: &Report| types.group_scores(report));
    let run = Outcome {
        strategy: Strategy::WarmStart,
        head,
        model,
        tokenizer_dir: source.to_path_buf(),
        dev: dev_report,
        test,
        test_predictions,
        best_epoch: state.best.map(|best| best.epoch),
        warm_start: Some(warm_start),
        lineage: Some(lineage),
        retention: None,
        timing,
        run_dir: run_dir.to_path_buf(),
    };
    Ok(ExtendOutcome { run, types, rehearsal, dev_rehearsal, dev_groups, test_groups })
}
