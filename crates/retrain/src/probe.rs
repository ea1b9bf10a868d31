//! Training a head alone over cached encoder outputs: the frozen strategy's
//! loop.
//!
//! It is the training loop of `retag-train` with the encoder taken out: the
//! same AdamW groups, warm-up and decay, global-norm clipping, seeded
//! shuffled batches of sentences, a dev evaluation per epoch with seqeval's
//! entity F1, early stopping that keeps the best head, and the same
//! `evaluations.jsonl` log. A step multiplies a few thousand cached vectors
//! by one matrix, so an epoch takes milliseconds to seconds; the run is too
//! short to need checkpoints (rerunning it costs less than resuming would).

use std::path::Path;
use std::time::Instant;

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use retag_data::align::WindowId;
use retag_data::metrics::{self, Mode, Report};
use retag_heads::LinearHead;
use retag_train::buckets::Buckets;
use retag_train::checkpoint::TrainState;
use retag_train::clip::clip_global_norm;
use retag_train::early_stopping::{Verdict, observe};
use retag_train::eval_log::{EvalLog, EvalRecord};
use retag_train::loss::{Targets, cross_entropy};
use retag_train::optimizer::{ParamPaths, adamw, learning_rates};
use retag_train::schedule::LinearSchedule;
use retag_train::{Progress, ProgressMode, StepFigures, TrainConfig};

use crate::error::{Result, RetrainError};
use crate::features::FeatureCache;

/// The head's peak learning rate when the config sets no
/// `head_learning_rate`. A head alone on fixed features is a linear model:
/// it wants rates near Adam's usual 1e-3, not the 5e-5 that keeps a
/// pretrained encoder from forgetting.
pub const DEFAULT_PROBE_LEARNING_RATE: f64 = 1e-3;

/// Words per forward pass when scoring (no graph is kept, so this only bounds memory).
const EVAL_CHUNK_WORDS: usize = 16_384;

/// What a probe run did.
#[derive(Debug, Clone)]
pub struct ProbeRun {
    /// The best head, validation mode, on the plain device.
    pub head: LinearHead,
    /// Its dev scores, from the evaluation that chose it.
    pub dev: Report,
    pub state: TrainState,
    /// Seconds of each epoch's training steps (evaluation not included).
    pub epoch_secs: Vec<f64>,
}

/// Trains `head` (on the autodiff `device`) over `train`, scoring on `dev`
/// (with `dev_gold`, its tags) after every epoch; logs into `run_dir`.
#[allow(clippy::too_many_arguments)] // the strategy's inputs, each different
pub fn train_probe(
    mut head: LinearHead,
    train: &FeatureCache,
    dev: &FeatureCache,
    dev_gold: &[Vec<String>],
    config: &TrainConfig,
    run_dir: &Path,
    progress_mode: ProgressMode,
    device: &Device,
) -> Result<ProbeRun> {
    config.validate()?;
    if !device.is_autodiff() {
        return Err(RetrainError::Mismatch { reason: "training a head needs an autodiff device".into() });
    }
    if train.hidden() != head.hidden_size() || dev.hidden() != head.hidden_size() {
        return Err(RetrainError::Mismatch {
            reason: format!("cached vectors are {} wide, the head reads {}", train.hidden(), head.hidden_size()),
        });
    }
    std::fs::create_dir_all(run_dir).map_err(RetrainError::io(run_dir))?;
    let rate = config.head_learning_rate.unwrap_or(DEFAULT_PROBE_LEARNING_RATE);
    let config = TrainConfig { learning_rate: rate, head_learning_rate: None, ..config.clone() };
    let paths = ParamPaths::of(&head);
    let mut optimizer = adamw(&config, &paths);
    // Sentences play the part of windows: each "window" is one sentence,
    // its length the word count, so batches group sentences of similar length.
    let sentences: Vec<(WindowId, usize)> = (0..train.sentence_count())
        .map(|sentence| (WindowId { sentence, window: 0 }, train.words_of(sentence).len()))
        .filter(|(_, words)| *words > 0)
        .collect();
    let buckets = Buckets::new(sentences, config.batch_size, config.bucket_batches, config.seed);
    let schedule = LinearSchedule::new(config.epochs * buckets.batches_per_epoch(), config.warmup_ratio);
    let mut log = EvalLog::open(run_dir, 0)?;
    let mut progress = Progress::new(progress_mode, schedule.total_steps(), 0, config.log_every_steps);
    let mut state = TrainState::start();
    let mut best: Option<(LinearHead, Report)> = None;
    let mut epoch_secs = Vec::new();
    let started = Instant::now();

    while state.epoch < config.epochs && state.stopped.is_none() {
        let epoch_started = Instant::now();
        for batch in buckets.epoch(state.epoch) {
            let (features, labels) = gather(train, &batch);
            let words = labels.len();
            let input = Tensor::<3>::from_data(TensorData::new(features, [1, words, train.hidden()]), device);
            let targets = Targets::new(&labels.iter().map(|&id| Some(id)).collect::<Vec<_>>(), device);
            device.seed(config.seed.wrapping_add(state.step as u64));
            let loss = cross_entropy(head.forward(input), &targets);
            let loss_value = loss.clone().into_scalar::<f32>();
            if !loss_value.is_finite() {
                return Err(retag_train::TrainError::Diverged { step: state.step + 1, loss: loss_value }.into());
            }
            let mut grads = GradientsParams::from_grads(loss.backward(), &head);
            clip_global_norm(&head, &mut grads, config.max_grad_norm);
            let factor = schedule.factor(state.step);
            head = optimizer.step(learning_rates(&config, &paths, factor), head, grads);
            state.step += 1;
            state.loss_sum += f64::from(loss_value);
            state.loss_count += 1;
            progress.step(StepFigures {
                step: state.step,
                epoch: state.epoch + 1,
                loss: f64::from(loss_value),
                learning_rate: rate * factor,
                tokens: words,
            });
        }
        epoch_secs.push(epoch_started.elapsed().as_secs_f64());
        state.epoch += 1;
        let finished = state.epoch;
        if finished.is_multiple_of(config.eval_every_epochs) || finished == config.epochs {
            let snapshot = head.valid();
            let report = score(&snapshot, dev, dev_gold)?;
            let Verdict { improved, stop } = observe(&mut state, &config, finished, report.micro.f1);
            if stop {
                state.stopped = Some(retag_train::StopReason::EarlyStopped);
            }
            let train_loss = state.loss_sum / state.loss_count.max(1) as f64;
            state.loss_sum = 0.0;
            state.loss_count = 0;
            state.elapsed_secs = started.elapsed().as_secs_f64();
            log.append(&EvalRecord::new(finished, state.step, train_loss, &report, improved, state.elapsed_secs))?;
            state.evaluations_logged += 1;
            progress.note(&format!(
                "epoch {finished} step {}: train loss {train_loss:.4}, dev P {:.4} R {:.4} F1 {:.4}{}",
                state.step,
                report.micro.precision,
                report.micro.recall,
                report.micro.f1,
                if improved { " (best)" } else { "" }
            ));
            if improved {
                best = Some((snapshot, report));
            }
        }
    }
    if state.stopped.is_none() {
        state.stopped = Some(retag_train::StopReason::Completed);
    }
    progress.finish();
    state.elapsed_secs = started.elapsed().as_secs_f64();
    // `validate` asks for at least one epoch, and the last one is always evaluated.
    let (head, dev) = best.expect("the last epoch is evaluated, and the first evaluation is the best so far");
    Ok(ProbeRun { head, dev, state, epoch_secs })
}

/// The cached vectors and labels of the sentences `batch`, stacked.
fn gather(cache: &FeatureCache, batch: &[WindowId]) -> (Vec<f32>, Vec<usize>) {
    let words: usize = batch.iter().map(|id| cache.words_of(id.sentence).len()).sum();
    let mut features = Vec::with_capacity(words * cache.hidden());
    let mut labels = Vec::with_capacity(words);
    for id in batch {
        for word in cache.words_of(id.sentence) {
            features.extend_from_slice(cache.feature(word));
            labels.push(cache.label(word));
        }
    }
    (features, labels)
}

/// Tags every cached word with `head` (validation mode) and scores by entity.
pub fn score(head: &LinearHead, cache: &FeatureCache, gold: &[Vec<String>]) -> Result<Report> {
    let predicted = predict(head, cache)?;
    Ok(metrics::evaluate(gold, &predicted, Mode::Default)?)
}

/// One tag per cached word, sentence by sentence.
pub fn predict(head: &LinearHead, cache: &FeatureCache) -> Result<Vec<Vec<String>>> {
    let device = head.device();
    let mut ids = Vec::with_capacity(cache.word_count());
    let mut start = 0;
    while start < cache.word_count() {
        let end = (start + EVAL_CHUNK_WORDS).min(cache.word_count());
        let mut features = Vec::with_capacity((end - start) * cache.hidden());
        for word in start..end {
            features.extend_from_slice(cache.feature(word));
        }
        let input = Tensor::<3>::from_data(TensorData::new(features, [1, end - start, cache.hidden()]), &device);
        ids.extend(head.forward(input).argmax(2).into_data().iter::<i64>().map(|id| id as usize));
        start = end;
    }
    let tagset = head.tagset();
    (0..cache.sentence_count())
        .map(|sentence| {
            cache
                .words_of(sentence)
                .map(|word| {
                    tagset.label(ids[word]).map(str::to_string).ok_or_else(|| RetrainError::Mismatch {
                        reason: format!("the head predicted label id {}, its tagset has {}", ids[word], tagset.len()),
                    })
                })
                .collect()
        })
        .collect()
}
