//! Distillation from an old model: the teacher's cache lines up with the
//! positions any batch scores, the term vanishes when the student is the
//! teacher and matches a hand computation through a fold, a distilled run
//! adds it to its loss and resumes bit for bit, and bad settings are named.

mod common;

use std::path::Path;

use burn::tensor::Device;
use retag_data::align::WindowId;
use retag_data::{Scheme, Tagset};
use retag_model::TaggerModel;
use retag_train::{
    Distillation, Distiller, FeatureCache, Inputs, TeacherCache, TrainConfig, TrainError, Trainer, read_eval_log,
};
use tempfile::TempDir;

use common::{
    assert_same_weights, device, serial, split, tiny_model, tiny_model_with, tokenizer, toy_config, toy_sentences,
    toy_trainer, windows,
};

/// The old tagset: persons only (O, B-PER, I-PER).
fn old_labels() -> Tagset {
    Tagset::from_types(&["PER"], Scheme::Iob2).unwrap()
}

/// The old model: another tagset, other weights than the student's.
fn old_model(seed: u64, device: &Device) -> TaggerModel {
    tiny_model_with(old_labels(), seed, device)
}

fn new_labels() -> Tagset {
    common::tiny_config().labels.unwrap()
}

/// Each new label folds into the old one of the same name; LOC, which the
/// old model did not know, into its O.
fn lineage_fold() -> Vec<usize> {
    let (new, old) = (new_labels(), old_labels());
    new.labels().iter().map(|label| old.id(label).unwrap_or_else(|_| old.id("O").unwrap())).collect()
}

fn settings(weight: f64) -> Distillation {
    Distillation { fold: lineage_fold(), weight, temperature: 2.0 }
}

/// The training inputs `toy_trainer` reads, aligned again.
fn train_inputs(config: &TrainConfig, count: usize) -> Inputs {
    let (_vocab, tokenizer) = tokenizer();
    windows(&split(toy_sentences(count, 1), "train.conll"), &tokenizer, config, "train").unwrap()
}

fn teacher_cache(config: &TrainConfig, count: usize, teacher_seed: u64) -> TeacherCache {
    let plain = device().inner();
    TeacherCache::compute(&old_model(teacher_seed, &plain), &train_inputs(config, count), 16, &plain).unwrap()
}

/// `toy_trainer`, distilling from the old model of seed 1.
fn distilled_trainer(config: TrainConfig, count: usize, run_dir: &Path, distillation: Distillation) -> Trainer {
    let cache = teacher_cache(&config, count, 1);
    toy_trainer(config, count, run_dir).with_distillation(cache, distillation).unwrap()
}

/// A run of `toy_trainer`'s data resumed from `run_dir`.
fn resumed_trainer(config: &TrainConfig, count: usize, run_dir: &Path) -> Trainer {
    let device = device();
    let (_vocab, tokenizer) = tokenizer();
    let train = train_inputs(config, count);
    let dev = windows(&split(toy_sentences(24, 2), "dev.conll"), &tokenizer, config, "dev").unwrap();
    Trainer::resume(tiny_model(&device), train, dev, config.clone(), run_dir, &device)
        .unwrap()
        .with_progress(retag_train::ProgressMode::Off)
}

/// The teacher's scores at the `Some` labels of a batch, computed directly.
fn direct_rows(teacher: &TaggerModel, inputs: &Inputs, ids: &[WindowId], device: &Device) -> (Vec<f32>, Vec<usize>) {
    let states = inputs.batch(ids, teacher, device).unwrap();
    let labels = teacher.tagset().len();
    let scores: Vec<f32> = teacher.emissions(states.hidden).unwrap().into_data().iter::<f32>().collect();
    let logits = states
        .labels
        .iter()
        .enumerate()
        .filter(|(_, label)| label.is_some())
        .flat_map(|(cell, _)| scores[cell * labels..(cell + 1) * labels].to_vec())
        .collect();
    (logits, states.labels.iter().flatten().copied().collect())
}

fn assert_close(actual: &[f32], expected: &[f32], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}");
    for (index, (a, b)) in actual.iter().zip(expected).enumerate() {
        assert!((a - b).abs() < 1e-5, "{what}, value {index}: {a} vs {b}");
    }
}

#[test]
fn the_teacher_cache_lines_up_with_the_positions_any_batch_scores() {
    let _serial = serial();
    let plain = device().inner();
    // Windows of 4 subwords advancing by 2: most toy sentences are cut into
    // several, which share words.
    let config = TrainConfig { max_len: Some(6), stride: Some(2), ..toy_config() };
    let inputs = train_inputs(&config, 12);
    let units = inputs.units();
    assert!(units.len() >= 20, "{} windows for 12 sentences", units.len());
    let teacher = old_model(1, &plain);
    let mut passes = Vec::new();
    let cache = TeacherCache::compute_with(&teacher, &inputs, 5, &plain, |done, all| passes.push((done, all))).unwrap();
    assert_eq!(passes.last(), Some(&(units.len(), units.len())));
    assert_eq!(cache.label_count(), 3);
    assert_eq!(cache.unit_count(), units.len());
    assert_eq!(cache.bytes(), cache.positions() * (3 * 4 + 4));
    let words: usize = toy_sentences(12, 1).iter().map(|s| s.tokens.len()).sum();
    assert!(cache.positions() > words, "a word in two windows is scored in both");

    // Batches grouped otherwise than the cache's passes, as training draws them.
    let ids: Vec<WindowId> = units.iter().rev().map(|(id, _)| *id).collect();
    let mut seen = 0;
    for batch in ids.chunks(7) {
        let (logits, gold) = direct_rows(&teacher, &inputs, batch, &plain);
        let rows = cache.rows(batch).unwrap();
        assert_eq!(rows.gold, gold);
        assert_close(&rows.logits, &logits, "teacher logits");
        seen += gold.len();
    }
    assert_eq!(seen, cache.positions());
    cache.fits(&inputs).unwrap();

    let error = cache.rows(&[WindowId { sentence: 40, window: 0 }]).unwrap_err();
    assert!(error.to_string().contains("sentence 41, window 1: not in the teacher cache"), "{error}");
    let other = train_inputs(&toy_config(), 12);
    let error = cache.fits(&other).unwrap_err();
    assert!(error.to_string().contains("the teacher cache covers"), "{error}");
}

/// The frozen strategy's inputs: the teacher's head reads the cached
/// outputs of its own encoder, and scores what it scores on the windows.
#[test]
fn a_head_only_teacher_reads_cached_encoder_outputs() {
    let _serial = serial();
    let plain = device().inner();
    let config = toy_config();
    let windows_in = train_inputs(&config, 12);
    let Inputs::Windows(aligned) = &windows_in else { unreachable!("train_inputs aligns") };
    let teacher = old_model(1, &plain);
    let features = FeatureCache::extract(teacher.encoder().unwrap(), aligned, &new_labels(), 4, &plain).unwrap();
    let cached_in = Inputs::Cached(features);
    let (_, head) = teacher.clone().split_encoder();

    let from_windows = TeacherCache::compute(&teacher, &windows_in, 5, &plain).unwrap();
    let from_cache = TeacherCache::compute(&head, &cached_in, 5, &plain).unwrap();
    assert_eq!(from_cache.positions(), from_windows.positions(), "one window a sentence: the same positions");
    let ids: Vec<WindowId> = cached_in.units().iter().map(|(id, _)| *id).collect();
    let (cached, direct) = (from_cache.rows(&ids).unwrap(), from_windows.rows(&ids).unwrap());
    assert_eq!(cached.gold, direct.gold);
    assert_close(&cached.logits, &direct.logits, "cached vs windows");
    let (logits, gold) = direct_rows(&head, &cached_in, &ids[3..9], &plain);
    let rows = from_cache.rows(&ids[3..9]).unwrap();
    assert_eq!(rows.gold, gold);
    assert_close(&rows.logits, &logits, "cached rows");
}

#[test]
fn the_term_vanishes_when_the_student_is_the_teacher_and_folds_by_hand_otherwise() {
    let _serial = serial();
    let plain = device().inner();
    let inputs = train_inputs(&toy_config(), 16);
    let ids: Vec<WindowId> = inputs.units().iter().map(|(id, _)| *id).take(6).collect();
    let student = tiny_model(&plain);
    let states = inputs.batch(&ids, &student, &plain).unwrap();
    let emissions = student.emissions(states.hidden).unwrap();

    let itself = TeacherCache::compute(&student, &inputs, 16, &plain).unwrap();
    let identity = Distillation { fold: (0..5).collect(), weight: 1.0, temperature: 2.0 };
    let distiller = Distiller::new(itself, identity, 5).unwrap();
    let same = distiller.loss(emissions.clone(), &states.labels, &ids).unwrap().into_scalar::<f32>();
    assert!(same.abs() < 1e-6, "{same}");

    let other = tiny_model_with(new_labels(), 5, &plain);
    let distiller = Distiller::new(
        TeacherCache::compute(&other, &inputs, 16, &plain).unwrap(),
        Distillation { fold: (0..5).collect(), weight: 1.0, temperature: 2.0 },
        5,
    )
    .unwrap();
    let differ = distiller.loss(emissions.clone(), &states.labels, &ids).unwrap().into_scalar::<f32>();
    assert!(differ > 1e-4, "{differ}");

    // Old O, B-PER, I-PER; new O, B-PER, I-PER, B-LOC, I-LOC. Both PER
    // labels fold into B-PER and LOC into O, so no new label carries I-PER:
    // the teacher's distribution is taken over O and B-PER. Weight 0.5, T 3.
    let teacher = old_model(1, &plain);
    let cache = TeacherCache::compute(&teacher, &inputs, 16, &plain).unwrap();
    let fold = vec![0, 1, 1, 0, 0];
    let (weight, temperature) = (0.5, 3.0);
    let settings = Distillation { fold: fold.clone(), weight, temperature };
    let value = Distiller::new(cache.clone(), settings, 5)
        .unwrap()
        .loss(emissions.clone(), &states.labels, &ids)
        .unwrap()
        .into_scalar::<f32>();

    let softmax = |row: &[f64]| -> Vec<f64> {
        let exp: Vec<f64> = row.iter().map(|v| (v / temperature).exp()).collect();
        let sum: f64 = exp.iter().sum();
        exp.iter().map(|e| e / sum).collect()
    };
    let scores: Vec<f64> = emissions.into_data().iter::<f32>().map(f64::from).collect();
    let rows = cache.rows(&ids).unwrap();
    let scored: Vec<usize> = (0..states.labels.len()).filter(|&cell| states.labels[cell].is_some()).collect();
    let mut total = 0.0;
    for (k, &cell) in scored.iter().enumerate() {
        let student = softmax(&scores[cell * 5..(cell + 1) * 5]);
        let mut folded = [0.0; 2];
        for (new, &old) in fold.iter().enumerate() {
            folded[old] += student[new];
        }
        let teacher: Vec<f64> = rows.logits[k * 3..k * 3 + 2].iter().map(|&v| f64::from(v)).collect();
        let teacher = softmax(&teacher);
        total += teacher.iter().zip(&folded).map(|(p, q)| p * (p / q).ln()).sum::<f64>();
    }
    let expected = weight * temperature * temperature * total / scored.len() as f64;
    assert!(expected > 1e-4, "a non-trivial case: {expected}");
    assert!((f64::from(value) - expected).abs() < 1e-5 * expected.max(1.0), "{value} vs {expected}");
}

#[test]
fn a_distilled_run_adds_the_term_to_its_loss() {
    let _serial = serial();
    // 16 sentences in batches of 8: 2 steps an epoch.
    let config = TrainConfig { epochs: 3, ..toy_config() };
    let (plain_dir, distilled_dir, zero_dir) =
        (TempDir::new().unwrap(), TempDir::new().unwrap(), TempDir::new().unwrap());
    let mut plain = toy_trainer(config.clone(), 16, plain_dir.path());
    plain.train_until_step(1).unwrap();
    let mut distilled = distilled_trainer(config.clone(), 16, distilled_dir.path(), settings(1.0));
    distilled.train_until_step(1).unwrap();
    // The same first step (weights, batch, dropout masks): the losses differ
    // by the term alone.
    let (cross_entropy, total) = (plain.state().loss_sum, distilled.state().loss_sum);
    let term = distilled.state().distill_loss_sum;
    assert!(term > 1e-4, "{term}");
    assert!((total - (cross_entropy + term)).abs() < 1e-5, "{total} vs {cross_entropy} + {term}");
    assert_eq!(plain.state().distill_loss_sum, 0.0);

    distilled.train().unwrap();
    let log = read_eval_log(distilled_dir.path()).unwrap();
    assert_eq!(log.len(), 3);
    for record in &log {
        let term = record.train_distill_loss.expect("a distilled run logs its term");
        assert!(term > 0.0 && term < record.train_loss, "{term} of {}", record.train_loss);
    }

    // A weight of 0 changes nothing, to the bit.
    plain.train().unwrap();
    let mut zero = distilled_trainer(config, 16, zero_dir.path(), settings(0.0));
    zero.train().unwrap();
    assert_same_weights(zero.model(), plain.model(), "weight 0");
    let (zero_log, plain_log) = (read_eval_log(zero_dir.path()).unwrap(), read_eval_log(plain_dir.path()).unwrap());
    assert!(plain_log.iter().all(|record| record.train_distill_loss.is_none()));
    assert!(zero_log.iter().all(|record| record.train_distill_loss == Some(0.0)));
    let losses = |log: &[retag_train::EvalRecord]| log.iter().map(|r| r.train_loss).collect::<Vec<_>>();
    assert_eq!(losses(&zero_log), losses(&plain_log));
}

#[test]
fn a_killed_distilled_run_resumes_to_the_same_weights() {
    let _serial = serial();
    // 20 sentences in batches of 8: 3 steps an epoch, 9 in all.
    let config = TrainConfig { epochs: 3, head_learning_rate: Some(1e-2), ..toy_config() };
    let whole = TempDir::new().unwrap();
    let mut uninterrupted = distilled_trainer(config.clone(), 20, whole.path(), settings(1.0));
    uninterrupted.train().unwrap();

    let config = TrainConfig { checkpoint_every_steps: Some(2), ..config };
    let broken = TempDir::new().unwrap();
    let mut killed = distilled_trainer(config.clone(), 20, broken.path(), settings(1.0));
    killed.train_until_step(5).unwrap();
    drop(killed);

    // The cache is computed again, as a new process would.
    let mut resumed = resumed_trainer(&config, 20, broken.path())
        .with_distillation(teacher_cache(&config, 20, 1), settings(1.0))
        .unwrap();
    assert_eq!(resumed.state().step, 4, "resumes from the last checkpoint");
    resumed.train().unwrap();
    assert_eq!(resumed.state().step, 9);
    assert_same_weights(resumed.model(), uninterrupted.model(), "final");
    assert_same_weights(&resumed.best_model().unwrap(), &uninterrupted.best_model().unwrap(), "best");
    let strip = |records: Vec<retag_train::EvalRecord>| -> Vec<(usize, f64, Option<f64>, f64)> {
        records.into_iter().map(|r| (r.step, r.train_loss, r.train_distill_loss, r.dev_f1)).collect()
    };
    assert_eq!(strip(read_eval_log(broken.path()).unwrap()), strip(read_eval_log(whole.path()).unwrap()));

    // A resume that would distil otherwise is refused, naming what differs.
    let error = resumed_trainer(&config, 20, broken.path()).train().unwrap_err();
    assert!(error.to_string().contains("resume it with the same distillation"), "{error}");
    let hotter = Distillation { temperature: 3.0, ..settings(1.0) };
    let error = resumed_trainer(&config, 20, broken.path())
        .with_distillation(teacher_cache(&config, 20, 1), hotter)
        .err()
        .unwrap();
    assert!(error.to_string().contains("another temperature"), "{error}");
    let error = resumed_trainer(&config, 20, broken.path())
        .with_distillation(teacher_cache(&config, 20, 2), settings(1.0))
        .err()
        .unwrap();
    assert!(error.to_string().contains("another teacher"), "{error}");

    // And a plain run does not become a distilled one.
    let plain = TempDir::new().unwrap();
    toy_trainer(TrainConfig { epochs: 1, ..config.clone() }, 20, plain.path()).train().unwrap();
    let error = resumed_trainer(&TrainConfig { epochs: 1, ..config.clone() }, 20, plain.path())
        .with_distillation(teacher_cache(&config, 20, 1), settings(1.0))
        .err()
        .unwrap();
    assert!(error.to_string().contains("the run did not distil"), "{error}");
}

#[test]
fn bad_distillation_is_refused_naming_the_field() {
    let _serial = serial();
    let config = toy_config();
    let cache = teacher_cache(&config, 16, 1);
    let refuse = |cache: TeacherCache, distillation: Distillation| {
        let run = TempDir::new().unwrap();
        toy_trainer(config.clone(), 16, run.path()).with_distillation(cache, distillation).err().unwrap()
    };
    let cases = [
        (Distillation { fold: vec![0, 1, 2, 0], ..settings(1.0) }, "fold = 4 entries: needs one entry per new label"),
        (Distillation { fold: vec![0, 1, 2, 3, 0], ..settings(1.0) }, "fold[3] = 3: the teacher has 3 labels"),
        (settings(-0.5), "weight = -0.5"),
        (Distillation { temperature: -1.0, ..settings(1.0) }, "temperature = -1"),
    ];
    for (distillation, expected) in cases {
        let error = refuse(cache.clone(), distillation);
        assert!(matches!(error, TrainError::Distillation { .. }), "{error}");
        assert!(error.to_string().contains(expected), "{error}");
    }
    let error = refuse(teacher_cache(&config, 12, 1), settings(1.0));
    assert!(error.to_string().contains("the teacher cache covers 12 units"), "{error}");
    // A teacher needs an encoder to read windows.
    let plain = device().inner();
    let (_, head) = old_model(1, &plain).split_encoder();
    let error = TeacherCache::compute(&head, &train_inputs(&config, 4), 4, &plain).unwrap_err();
    assert!(error.to_string().contains("need a model with an encoder"), "{error}");
}
