//! Augmented training data through the loop's epoch-data hook: each epoch
//! trains on its own augmented sentences, a killed run resumes to the very
//! weights of an uninterrupted one, and augmentation is refused where it
//! cannot apply (cached encoder outputs, a config that does not record it,
//! a resume with other settings).

mod common;

use std::path::Path;

use retag_data::Scheme;
use retag_data::augment::{AugmentSpec, Augmenter};
use retag_train::dataset::{AlignedSplit, align_options};
use retag_train::{Augmentation, Inputs, ProgressMode, Split, TrainConfig, Trainer};
use tempfile::TempDir;

use burn::module::Module;
use common::{
    Weights, assert_same_weights, device, serial, split, tiny_config, tiny_model, tokenizer, toy_config, toy_sentences,
};

fn weights<M: Module>(model: &M) -> Vec<Vec<f32>> {
    let mut found = Weights(Vec::new());
    model.visit(&mut found);
    found.0
}

fn augment(spec: &str) -> Option<AugmentSpec> {
    Some(spec.parse().expect("a valid spec"))
}

/// 20 toy training sentences in batches of 8 (3 steps an epoch), augmented
/// by mention and label-wise token replacement and segment shuffles.
fn augmented_config() -> TrainConfig {
    TrainConfig {
        epochs: 3,
        head_learning_rate: Some(1e-2),
        augment: augment("mr=0.5,lwtr=0.3,sis=0.3"),
        ..toy_config()
    }
}

/// The toy run of `config` in `run_dir`, resumed when `resume`; its
/// training sentences augmented when the config says so.
fn trainer(config: TrainConfig, run_dir: &Path, resume: bool) -> retag_train::Result<Trainer> {
    let device = device();
    let (_vocab, tokenizer) = tokenizer();
    let bert = tiny_config();
    let labels = bert.labels.clone().expect("the tiny config names its labels");
    let options = align_options(&config, &bert, &tokenizer)?;
    let train_split: Split = split(toy_sentences(20, 1), "train.conll");
    let plain = AlignedSplit::align(&train_split, &tokenizer, &labels, &options, "train")?;
    let dev = AlignedSplit::align(&split(toy_sentences(24, 2), "dev.conll"), &tokenizer, &labels, &options, "dev")?;
    let augmentation = match &config.augment {
        Some(spec) => {
            let augmenter = Augmenter::new(spec.clone(), config.seed, Scheme::Iob2, &train_split.sentences);
            Some(Augmentation::new(augmenter, &train_split, &plain, &tokenizer, &labels, &options)?)
        }
        None => None,
    };
    let (train, dev) = (Inputs::Windows(plain), Inputs::Windows(dev));
    let model = tiny_model(&device);
    let trainer = if resume {
        Trainer::resume(model, train, dev, config, run_dir, &device)?
    } else {
        Trainer::new(model, train, dev, config, run_dir, &device)?
    };
    let trainer = match augmentation {
        Some(augmentation) => trainer.with_epoch_data(Box::new(augmentation))?,
        None => trainer,
    };
    Ok(trainer.with_progress(ProgressMode::Off))
}

#[test]
fn each_epoch_sees_its_own_augmented_sentences() {
    let (_vocab, tokenizer) = tokenizer();
    let config = augmented_config();
    let bert = tiny_config();
    let labels = bert.labels.clone().unwrap();
    let options = align_options(&config, &bert, &tokenizer).unwrap();
    let train = split(toy_sentences(20, 1), "train.conll");
    let plain = AlignedSplit::align(&train, &tokenizer, &labels, &options, "train").unwrap();
    let augmenter = Augmenter::new(config.augment.clone().unwrap(), 42, Scheme::Iob2, &train.sentences);
    let augmentation = Augmentation::new(augmenter, &train, &plain, &tokenizer, &labels, &options).unwrap();
    let (first, first_windows) = augmentation.epoch(0).unwrap();
    let (second, _) = augmentation.epoch(1).unwrap();
    assert_eq!(first.sentences.len(), train.sentences.len());
    assert_ne!(first.sentences, train.sentences, "rates of 0.3 to 0.5 change some of 20 sentences");
    assert_ne!(first.sentences, second.sentences, "each epoch draws anew");
    assert_eq!(augmentation.epoch(0).unwrap().0.sentences, first.sentences, "an epoch is a function of its number");
    let units = |windows: &AlignedSplit| -> Vec<_> { windows.windows().into_iter().map(|(id, _)| id).collect() };
    assert_eq!(units(&first_windows), units(&plain), "the same windows, one for one");
    assert_eq!(first_windows.gold, first.sentences.iter().map(|s| s.tags.clone()).collect::<Vec<_>>());
}

#[test]
fn a_killed_augmented_run_resumes_to_the_same_weights() {
    let _serial = serial();
    let config = augmented_config();
    let whole = TempDir::new().unwrap();
    let mut uninterrupted = trainer(config.clone(), whole.path(), false).unwrap();
    uninterrupted.train().unwrap();
    assert_eq!(uninterrupted.state().step, 9);

    let plain_dir = TempDir::new().unwrap();
    let mut plain = trainer(TrainConfig { augment: None, ..config.clone() }, plain_dir.path(), false).unwrap();
    plain.train().unwrap();
    assert_ne!(weights(plain.model()), weights(uninterrupted.model()), "augmented data trains other weights");

    // Killed mid-epoch 2, after a checkpoint at step 4.
    let config = TrainConfig { checkpoint_every_steps: Some(2), ..config };
    let broken = TempDir::new().unwrap();
    let mut killed = trainer(config.clone(), broken.path(), false).unwrap();
    killed.train_until_step(5).unwrap();
    drop(killed);
    let mut resumed = trainer(config, broken.path(), true).unwrap();
    assert_eq!(resumed.state().step, 4, "resumes from the last checkpoint, in the middle of epoch 2");
    resumed.train().unwrap();
    assert_eq!(resumed.state().step, 9);
    assert_same_weights(resumed.model(), uninterrupted.model(), "final");
    assert_same_weights(&resumed.best_model().unwrap(), &uninterrupted.best_model().unwrap(), "best");
}

#[test]
fn augmentation_is_refused_where_it_cannot_apply() {
    let _serial = serial();
    let run = TempDir::new().unwrap();
    let config = TrainConfig { epochs: 1, ..augmented_config() };
    trainer(config.clone(), run.path(), false).unwrap().train().unwrap();

    // A resume with other augmentation, or none, is another run.
    for other in [augment("mr=0.4,lwtr=0.3,sis=0.3"), augment("mr=0.5,lwtr=0.3,sis=0.3,case=0.1"), None] {
        let error = trainer(TrainConfig { augment: other.clone(), ..config.clone() }, run.path(), true).err();
        let message = error.map(|error| error.to_string()).unwrap_or_default();
        assert!(message.contains("augment"), "{other:?}: {message}");
    }

    // Without `augment` in the config, a checkpoint could not tell the data.
    let device = device();
    let (_vocab, tokenizer) = tokenizer();
    let plain_config = TrainConfig { augment: None, ..config.clone() };
    let inputs = |count, seed, name, what| {
        common::windows(&split(toy_sentences(count, seed), name), &tokenizer, &plain_config, what).unwrap()
    };
    let bert = tiny_config();
    let labels = bert.labels.clone().unwrap();
    let options = align_options(&config, &bert, &tokenizer).unwrap();
    let train = split(toy_sentences(20, 1), "train.conll");
    let Inputs::Windows(plain) = inputs(20, 1, "train.conll", "train") else { unreachable!("windows() aligns") };
    let augmentation = || {
        let augmenter = Augmenter::new(config.augment.clone().unwrap(), 42, Scheme::Iob2, &train.sentences);
        Box::new(Augmentation::new(augmenter, &train, &plain, &tokenizer, &labels, &options).unwrap())
    };
    let dir = TempDir::new().unwrap();
    let unrecorded = Trainer::new(
        tiny_model(&device),
        Inputs::Windows(plain.clone()),
        inputs(4, 2, "dev.conll", "dev"),
        plain_config.clone(),
        dir.path(),
        &device,
    )
    .unwrap();
    let message = unrecorded.with_epoch_data(augmentation()).err().unwrap().to_string();
    assert!(message.contains("`augment` in the config"), "{message}");

    // A config that augments, with no sentences to augment.
    let dir = TempDir::new().unwrap();
    let mut unfed = Trainer::new(
        tiny_model(&device),
        Inputs::Windows(plain.clone()),
        inputs(4, 2, "dev.conll", "dev"),
        config.clone(),
        dir.path(),
        &device,
    )
    .unwrap()
    .with_progress(ProgressMode::Off);
    let message = unfed.train().err().unwrap().to_string();
    assert!(message.contains("augment = mr=0.5,lwtr=0.3,sis=0.3"), "{message}");

    // Encoder outputs cached once cannot follow sentences that change.
    let model = tiny_model(&device);
    let encoder = model.encoder().unwrap().valid();
    let cache = retag_train::FeatureCache::extract(&encoder, &plain, &labels, 16, &device.clone().inner()).unwrap();
    let (_, head_only) = model.split_encoder();
    let dir = TempDir::new().unwrap();
    let cached = Inputs::Cached(cache);
    let frozen = Trainer::new(head_only, cached.clone(), cached, config.clone(), dir.path(), &device).unwrap();
    let message = frozen.with_epoch_data(augmentation()).err().unwrap().to_string();
    assert!(message.contains("frozen"), "{message}");
}
