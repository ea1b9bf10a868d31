//! One retraining run, whatever the strategy: build the starting model,
//! align the data once, train it with the one loop (over windows through the
//! encoder, or over the frozen encoder's cached outputs), score the best
//! weights on dev and test.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;
use retag_bert::BertModel;
use retag_data::metrics::Report;
use retag_data::{Location, Scheme, Tagset};
use retag_heads::WarmStartReport;
use retag_model::{Adapter, AdapterSpec, OldModel, TaggerModel};
use retag_train::dataset::{AlignedSplit, align_options};
use retag_train::{Distillation, FeatureCache, Inputs, ProgressMode, Split, TeacherCache, TrainConfig, Trainer};

use crate::augmented::AugmentedEpochs;
use crate::distill::{DistillSpec, fold_labels};
use crate::error::{Result, RetrainError};
use crate::head_choice::HeadChoice;
use crate::infer::infer_lineage;
use crate::input_features::RunFeatures;
use crate::lineage::{Lineage, LineageSource};
use crate::output::{METRICS_FILE, RUN_CONFIG_FILE, check_recorded_paths};
use crate::progressive::StagePlan;
use crate::retention::{Retention, RetentionBaseline};
use crate::start::{fresh_tagger, warm_started_tagger};
use crate::strategy::Strategy;

/// The head's peak learning rate in the frozen strategy when the config
/// sets no `head_learning_rate`. A head alone on fixed features is a
/// linear model (or a small MLP): it wants rates near Adam's usual 1e-3,
/// not the 5e-5 that keeps a pretrained encoder from forgetting.
pub const DEFAULT_FROZEN_HEAD_LEARNING_RATE: f64 = 1e-3;

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
    /// The head put on the encoder (linear, MLP, with or without a CRF).
    pub head: HeadChoice,
    /// The shape of an MLP head (ignored by the others; the CLI refuses
    /// MLP flags without an MLP head).
    pub mlp: retag_heads::MlpSpec,
    pub config: TrainConfig,
    /// Stages and layer-wise rates (`progressive`; a layer decay also for
    /// the other strategies that train the encoder).
    pub schedule: Schedule,
    /// Distillation from the old model (any strategy that starts from it).
    pub distill: Option<DistillSpec>,
    /// The adapter's layer and width (`adapter` only; `None` is the default
    /// [`AdapterSpec`] there, and refused by the other strategies).
    pub adapter: Option<AdapterSpec>,
    /// The scheme of the data's tags (the new tagset is written in it).
    pub scheme: Scheme,
    pub progress: ProgressMode,
}

/// How the encoder opens up during a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schedule {
    /// The stages of `progressive` (default [`crate::progressive::DEFAULT_STAGES`]);
    /// refused by the other strategies.
    pub stages: Option<StagePlan>,
    /// The learning rate's multiplier per layer going down from the head.
    pub layer_decay: Option<f64>,
}

/// The new tagset's data. `test` is optional.
#[derive(Debug, Clone)]
pub struct RetrainData {
    pub train: Split,
    pub dev: Split,
    pub test: Option<Split>,
    /// Data annotated with the OLD tagset, for the retention score
    /// (`--retain-data`): never trained on, read for its words and old tags.
    pub retain: Option<Split>,
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

/// Wall-clock seconds of a run's parts: the record `metrics.json` keeps.
pub use retag_data::run_metrics::RunTiming as Timing;

/// A finished run.
pub struct Outcome {
    pub strategy: Strategy,
    pub head: HeadChoice,
    /// The best weights, validation mode, on the plain device.
    pub model: TaggerModel,
    /// Where the tokenizer files were read (export copies them).
    pub tokenizer_dir: PathBuf,
    pub dev: Report,
    pub test: Option<Report>,
    /// The test split's tags as the model predicts them (with a test split):
    /// written beside the model, so that runs can be compared sentence by
    /// sentence (`retag compare`'s paired bootstrap).
    pub test_predictions: Option<TestPredictions>,
    pub best_epoch: Option<usize>,
    pub warm_start: Option<WarmStartReport>,
    pub lineage: Option<Lineage>,
    /// What the run cost the old tagset (with retention data).
    pub retention: Option<Retention>,
    pub timing: Timing,
    pub run_dir: PathBuf,
}

/// A test split and the tags a model predicted for it, word by word.
#[derive(Debug, Clone)]
pub struct TestPredictions {
    pub sentences: Vec<retag_data::Sentence>,
    pub tags: Vec<Vec<String>>,
}

/// Tags `test` (aligned as `options` say) with `model` and scores it, as
/// `retrain` and `extend` report their test split.
pub(crate) fn score_test(
    model: &TaggerModel,
    test: &Split,
    tokenizer: &retag_data::align::WordTokenizer,
    labels: &Tagset,
    options: &retag_data::align::AlignOptions,
    batch: usize,
    device: &Device,
) -> Result<(Report, TestPredictions)> {
    let aligned = Inputs::Windows(AlignedSplit::align(test, tokenizer, labels, options, "test")?);
    let tags = retag_train::evaluate::predict(model, &aligned, batch, device)?;
    let report = retag_data::metrics::evaluate(aligned.gold(), &tags, retag_data::metrics::Mode::Default)?;
    Ok((report, TestPredictions { sentences: test.sentences.clone(), tags }))
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
    // metrics.json and run-config.json record these paths as text: one that
    // is not UTF-8 is refused now, not once training is done.
    check_recorded_paths([
        ("old_model", RUN_CONFIG_FILE, spec.old_model.as_deref()),
        ("base_model", RUN_CONFIG_FILE, spec.base_model.as_deref()),
        ("run_dir", METRICS_FILE, Some(run_dir)),
        ("retain_data", METRICS_FILE, data.retain.as_ref().and_then(|retain| retain.file.path.as_deref())),
    ])?;
    if spec.strategy == Strategy::Frozen && spec.config.augment.is_some() {
        return Err(RetrainError::option(
            "augment",
            "strategy frozen computes the encoder's outputs once, before training, and augmented sentences change \
             every epoch; the strategies that read windows (all but frozen) can augment",
        ));
    }
    let plain = device.clone().inner();
    let labels = data.tagset(spec.scheme)?;
    let source = start_dir(spec)?;
    let tokenizer = retag_data::align::load_tokenizer(source)?;
    let frozen = spec.strategy == Strategy::Frozen;
    // A frozen encoder never trains: it lives on the plain device, where no
    // graph is built when it computes the cache.
    let encoder_device = if frozen { &plain } else { device };
    let (encoder, old_tagger) = match spec.strategy {
        Strategy::Full => (BertModel::from_pretrained(source, encoder_device)?, None),
        _ => {
            // Any retag model folder: a HuggingFace one, or one with an MLP or CRF head.
            let loaded = retag_model::folder::load(source, encoder_device)?;
            if loaded.adapter().is_some() {
                return Err(RetrainError::option(
                    "old_model",
                    format!(
                        "{} has an adapter; retag retrains from models without one (the model the adapter \
                         reads is in its {} folder)",
                        source.display(),
                        retag_model::folder::OLD_MODEL_DIR
                    ),
                ));
            }
            let (encoder, old_tagger) = loaded.split_encoder();
            (
                encoder.expect("folder::load builds every model with its encoder (TaggerModel::from_parts)"),
                Some(old_tagger),
            )
        }
    };

    // Each split is aligned once, here, and handed on.
    let options = align_options(&spec.config, &encoder.config, &tokenizer)?;
    let train = AlignedSplit::align(&data.train, &tokenizer, &labels, &options, "train")?;
    let dev = AlignedSplit::align(&data.dev, &tokenizer, &labels, &options, "dev")?;

    let hidden = encoder.config.hidden_size;
    let dropout = encoder.config.classifier_dropout_prob();
    let seed = spec.config.seed;
    let batch = spec.config.eval_batch_size;

    // The old model as it is, for what reads it before training changes it:
    // lineage inference and the retention baseline.
    if let Some(distill) = &spec.distill {
        distill.check()?;
        if spec.strategy == Strategy::Full {
            return Err(RetrainError::option(
                "distill_weight",
                "full does not start from the old model it would distil",
            ));
        }
    }
    let infers = matches!(spec.lineage, LineageSource::Infer { .. });
    let needs_lineage = spec.strategy.warm_starts() || data.retain.is_some() || spec.distill.is_some();
    let needs_old = data.retain.is_some() || spec.distill.is_some() || (needs_lineage && infers);
    let old_valid = match (&old_tagger, needs_old) {
        (_, false) => None,
        // Its input features, if it reads any, stay with its tagger.
        (Some(old_tagger), true) => Some(old_tagger.clone().with_encoder(encoder.clone())?.valid()),
        (None, true) => {
            let path = spec.old_model.as_deref().ok_or_else(|| {
                RetrainError::option("retain_data", "the retention score needs the old model (--model)")
            })?;
            Some(retag_model::folder::load(path, &plain)?)
        }
    };
    let retention_baseline = match (&data.retain, &old_valid) {
        (Some(retain), Some(old)) => {
            Some(RetentionBaseline::measure(old, retain, &tokenizer, &options, batch, &plain)?)
        }
        _ => None,
    };
    let lineage = if needs_lineage {
        Some(match &spec.lineage {
            LineageSource::Mapping(mapping) => Lineage::from_mapping(mapping, &labels),
            LineageSource::Infer { min_share } => {
                let old = old_valid
                    .as_ref()
                    .expect("an inferred lineage sets needs_old, so old_valid is Some or returned an error");
                infer_lineage(old, &train, spec.scheme, *min_share, batch, &plain)?
            }
        })
    } else {
        None
    };
    // The frozen strategy's teacher reads the cached encoder outputs with the
    // old head alone (and the old input features, computed from the words).
    let old_head = old_tagger.clone();

    let adapter = adapter_of(spec, old_tagger.as_ref(), &encoder, seed, device)?;
    let features = RunFeatures::choose(&spec.config, old_tagger.as_ref(), source, device)?;
    let reads = hidden + adapter.as_ref().map_or(0, Adapter::width) + RunFeatures::width(features.as_ref());
    let mut warm_start = None;
    let tagger = match (spec.strategy, old_tagger, &lineage) {
        (strategy, Some(old_tagger), Some(found)) if strategy.warm_starts() => {
            let old = old_tagger.tagger().clone();
            let (tagger, report) = warm_started_tagger(old, spec.head, labels.clone(), found, spec.scheme, seed)?;
            warm_start = Some(report);
            RunFeatures::widen(features.as_ref(), tagger)?
        }
        _ => fresh_tagger(spec.head, spec.mlp, labels.clone(), reads, dropout, spec.scheme, seed, device)?,
    };

    let mut cache_secs = None;
    let mut config = spec.config.clone();
    schedule_stages(spec, encoder.config.num_hidden_layers, &mut config)?;
    let (model, train, dev, frozen_encoder) = if frozen {
        let caching = Instant::now();
        let train = FeatureCache::extract(&encoder, &train, &labels, batch, &plain)?;
        let dev = FeatureCache::extract(&encoder, &dev, &labels, batch, &plain)?;
        cache_secs = Some(caching.elapsed().as_secs_f64());
        config.head_learning_rate = Some(config.head_learning_rate.unwrap_or(DEFAULT_FROZEN_HEAD_LEARNING_RATE));
        let head = match features {
            Some(features) => TaggerModel::head_only(tagger).with_features(features.embeddings)?,
            None => TaggerModel::head_only(tagger),
        };
        (head, Inputs::Cached(train), Inputs::Cached(dev), Some(encoder))
    } else {
        let features = features.map(|features| features.embeddings);
        let model = TaggerModel::from_parts(encoder, adapter, features, tagger)?;
        (model, Inputs::Windows(train), Inputs::Windows(dev), None)
    };

    // Augmentation (not frozen: refused above) re-aligns the plain training
    // split every epoch; its windows are the inputs' until then.
    let plain_train = match &train {
        Inputs::Windows(windows) => Some(windows),
        Inputs::Cached(_) => None,
    };
    let augmented = match plain_train {
        Some(windows) => {
            AugmentedEpochs::new(&config, spec.scheme, &data.train, windows, (&tokenizer, &options), &labels, &plain)?
        }
        None => None,
    };
    let distillation = match &spec.distill {
        Some(settings) => {
            let teacher = if frozen { old_head } else { old_valid };
            let teacher = teacher.expect("distill sets needs_old (old_valid) and refuses full (frozen has old_head)");
            let cache = TeacherCache::compute(&teacher, &train, batch, &plain)?;
            let lineage = lineage.as_ref().expect("distill sets needs_lineage, so the lineage was built above");
            let fold = fold_labels(&labels, teacher.tagset(), lineage)?;
            Some((cache, Distillation { fold, weight: settings.weight, temperature: settings.temperature }, teacher))
        }
        None => None,
    };
    let trainer = if resume && run_dir.join(retag_train::checkpoint::CHECKPOINT).exists() {
        Trainer::resume(model, train, dev, config, run_dir, device)?
    } else {
        Trainer::new(model, train, dev, config, run_dir, device)?
    };
    let (trainer, teacher) = match distillation {
        Some((cache, settings, teacher)) => (trainer.with_distillation(cache, settings)?, Some(teacher)),
        None => (trainer, None),
    };
    let trainer = match (augmented, teacher) {
        (Some(epochs), Some(teacher)) => trainer.with_epoch_data(Box::new(epochs.distilled(&teacher)))?,
        (Some(epochs), None) => trainer.with_epoch_data(Box::new(epochs))?,
        (None, _) => trainer,
    };
    let mut trainer = trainer.with_progress(spec.progress);
    let setup_secs = started.elapsed().as_secs_f64() - cache_secs.unwrap_or(0.0);
    let training = Instant::now();
    let state = trainer.train()?.clone();
    let train_secs = training.elapsed().as_secs_f64();
    let best = trainer.best_model()?;

    let scoring = Instant::now();
    // Dev is scored the way training read it (from the cache, for frozen).
    let dev_report = trainer.score(&best)?;
    let model = match frozen_encoder {
        Some(encoder) => best.with_encoder(encoder)?,
        None => best,
    };
    let (test, test_predictions) = match &data.test {
        Some(test) => {
            let encoder_config = &model
                .encoder()
                .expect("frozen put its encoder back with with_encoder; the others trained with one")
                .config;
            let options = align_options(&spec.config, encoder_config, &tokenizer)?;
            let (report, tagged) =
                score_test(&model, test, &tokenizer, &labels, &options, spec.config.eval_batch_size, &plain)?;
            (Some(report), Some(tagged))
        }
        None => (None, None),
    };
    let retention = match (&retention_baseline, &lineage) {
        (Some(baseline), Some(lineage)) => Some(baseline.score(&model, lineage, &tokenizer, &options, batch, &plain)?),
        _ => None,
    };
    let eval_secs = scoring.elapsed().as_secs_f64();
    let epochs = state.epoch;
    let timing = Timing {
        setup_secs,
        cache_secs,
        train_secs,
        epochs,
        secs_per_epoch: train_secs / epochs.max(1) as f64,
        eval_secs,
        total_secs: started.elapsed().as_secs_f64(),
    };
    Ok(Outcome {
        strategy: spec.strategy,
        head: spec.head,
        model,
        tokenizer_dir: source.to_path_buf(),
        dev: dev_report,
        test,
        test_predictions,
        best_epoch: state.best.map(|best| best.epoch),
        warm_start,
        lineage,
        retention,
        timing,
        run_dir: run_dir.to_path_buf(),
    })
}

/// The adapter of the `adapter` strategy: a fresh layer over the old model
/// (`encoder` as loaded, with `old`'s tagger), drawn from `seed`. `None` for
/// the other strategies, which refuse adapter settings.
fn adapter_of(
    spec: &RetrainSpec,
    old: Option<&TaggerModel>,
    encoder: &BertModel,
    seed: u64,
    device: &Device,
) -> Result<Option<Adapter>> {
    if spec.strategy != Strategy::Adapter {
        if spec.adapter.is_some() {
            return Err(RetrainError::option(
                "adapter",
                format!("an adapter is for strategy adapter, not {}", spec.strategy),
            ));
        }
        return Ok(None);
    }
    let old = old.expect("every strategy but full, adapter included, loads the old tagger");
    if old.input_features().is_some() {
        return Err(RetrainError::option(
            "strategy",
            "the old model reads input features, and an adapter reads the old model from token ids alone; use \
             another strategy (they keep the old model's features)",
        ));
    }
    let old = OldModel { encoder: encoder.clone(), tagger: old.tagger().clone() };
    Ok(Some(Adapter::new(old, spec.adapter.unwrap_or_default(), seed, device)?))
}

/// Writes the spec's schedule into the loop's config: `progressive`'s
/// stages (which also decide the number of epochs) and the layer decay.
fn schedule_stages(spec: &RetrainSpec, layers: usize, config: &mut TrainConfig) -> Result<()> {
    let Schedule { stages, layer_decay } = &spec.schedule;
    if let Some(decay) = layer_decay {
        crate::progressive::check_layer_decay(*decay).map_err(|reason| RetrainError::option("layer_decay", reason))?;
        if !spec.strategy.trains_encoder() {
            return Err(RetrainError::option(
                "layer_decay",
                format!("strategy {} trains no encoder layer", spec.strategy),
            ));
        }
    }
    if !config.stages.is_empty() && (stages.is_some() || layer_decay.is_some()) {
        return Err(RetrainError::option(
            "stages",
            "the config file already sets stages; give them there or with --stages/--layer-decay, not both",
        ));
    }
    let plan = match (spec.strategy, stages) {
        (Strategy::Progressive, Some(plan)) => Some(plan.clone()),
        (Strategy::Progressive, None) => Some(
            crate::progressive::DEFAULT_STAGES
                .parse::<StagePlan>()
                .expect("DEFAULT_STAGES is a constant; progressive's stages_parse_and_print_back parses it"),
        ),
        (_, Some(_)) => {
            return Err(RetrainError::option("stages", format!("stages are for progressive, not {}", spec.strategy)));
        }
        (_, None) => None,
    };
    match plan {
        Some(plan) => {
            config.stages =
                plan.group_stages(layers, *layer_decay).map_err(|reason| RetrainError::option("stages", reason))?;
            config.epochs = plan.epochs();
        }
        None if layer_decay.is_some() => {
            let rate_scale = crate::progressive::decayed_rates(layers, *layer_decay);
            config.stages = vec![retag_train::stages::GroupStage { from_epoch: 1, frozen: Vec::new(), rate_scale }];
        }
        None => {}
    }
    Ok(())
}

/// The directory a strategy's weights start from.
fn start_dir(spec: &RetrainSpec) -> Result<&Path> {
    let (path, flag, what) = match spec.strategy {
        Strategy::Full => (&spec.base_model, "base_model", "the base encoder it fine-tunes from scratch"),
        _ => (&spec.old_model, "old_model", "the fine-tuned model it starts from"),
    };
    path.as_deref().ok_or_else(|| RetrainError::option(flag, format!("strategy {} needs {what}", spec.strategy)))
}

/// Where a split was read, for errors (a convenience for callers that read files).
pub fn split_from(sentences: Vec<retag_data::Sentence>, file: &Path) -> Split {
    Split::new(sentences, Location::file(file))
}
