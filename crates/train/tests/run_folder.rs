//! What guards a run folder: one trainer at a time (its lock), and a resume
//! only on the data the run trained on (its fingerprint), with checkpoints
//! from before the fingerprint still resuming, with a note.

mod common;

use common::*;
use retag_train::checkpoint::{CHECKPOINT, Checkpoint};
use retag_train::fingerprint::fingerprint;
use retag_train::{Inputs, ProgressMode, TrainConfig, TrainError, Trainer};
use tempfile::TempDir;

fn inputs(config: &TrainConfig, train: Vec<retag_data::Sentence>, name: &str) -> (Inputs, Inputs) {
    let (_vocab, tokenizer) = tokenizer();
    let train = windows(&split(train, name), &tokenizer, config, "train").unwrap();
    let dev = windows(&split(toy_sentences(4, 2), "dev.conll"), &tokenizer, config, "dev").unwrap();
    (train, dev)
}

fn one_epoch() -> TrainConfig {
    TrainConfig { epochs: 1, ..toy_config() }
}

#[test]
fn the_fingerprint_sees_tokens_labels_and_window_bounds() {
    let config = one_epoch();
    let sentences = toy_sentences(12, 1);
    let print =
        |config: &TrainConfig, sentences: Vec<retag_data::Sentence>| fingerprint(&inputs(config, sentences, "a").0);
    let original = print(&config, sentences.clone());
    assert_eq!(original, print(&config, sentences.clone()), "the same data, the same fingerprint");

    let mut retagged = sentences.clone();
    let word = retagged[0].tags.iter().position(|tag| tag == "O").expect("a sentence has an O word");
    retagged[0].tags[word] = "B-LOC".into();
    let mut reworded = sentences.clone();
    reworded[5].tokens[0] = if reworded[5].tokens[0] == "the" { "a".into() } else { "the".into() };
    let narrow = TrainConfig { max_len: Some(6), stride: Some(2), ..config.clone() };
    for (what, config, data) in
        [("a tag", &config, retagged), ("a word", &config, reworded), ("the windows", &narrow, sentences)]
    {
        assert_ne!(print(config, data), original, "changing {what} changes the fingerprint");
    }
}

#[test]
fn a_resume_on_other_data_is_refused_naming_it() {
    let _serial = serial();
    let device = device();
    let run = TempDir::new().unwrap();
    let config = one_epoch();
    let sentences = toy_sentences(16, 1);
    let (train, dev) = inputs(&config, sentences.clone(), "train.conll");
    let mut trainer = Trainer::new(tiny_model(&device), train, dev, config.clone(), run.path(), &device)
        .unwrap()
        .with_progress(ProgressMode::Off);
    trainer.train_until_step(1).unwrap();
    trainer.checkpoint().unwrap();
    drop(trainer);

    // As many windows as before, one tag fixed: the window count cannot tell.
    let mut edited = sentences.clone();
    let word = edited[3].tags.iter().position(|tag| tag == "O").expect("a sentence has an O word");
    edited[3].tags[word] = "B-LOC".into();
    let (train, dev) = inputs(&config, edited, "edited.conll");
    let error = Trainer::resume(tiny_model(&device), train, dev, config.clone(), run.path(), &device).err().unwrap();
    let message = error.to_string();
    assert!(matches!(error, TrainError::Checkpoint { .. }), "{message}");
    for expected in [CHECKPOINT, "other data", "edited.conll", "the same 16 windows"] {
        assert!(message.contains(expected), "{expected:?} missing from: {message}");
    }

    let (train, dev) = inputs(&config, sentences, "train.conll");
    let resumed = Trainer::resume(tiny_model(&device), train, dev, config, run.path(), &device).unwrap();
    assert_eq!(resumed.state().step, 1);
    assert!(resumed.notes().is_empty(), "{:?}", resumed.notes());
}

#[test]
fn a_checkpoint_without_a_fingerprint_resumes_with_a_note() {
    let _serial = serial();
    let device = device();
    let run = TempDir::new().unwrap();
    let config = one_epoch();
    let (train, dev) = inputs(&config, toy_sentences(16, 1), "train.conll");
    let mut trainer =
        Trainer::new(tiny_model(&device), train.clone(), dev.clone(), config.clone(), run.path(), &device)
            .unwrap()
            .with_progress(ProgressMode::Off);
    trainer.train_until_step(1).unwrap();
    trainer.checkpoint().unwrap();
    drop(trainer);

    // What an older retag wrote: the same header without the field.
    let path = run.path().join(CHECKPOINT);
    let mut old = Checkpoint::read(&path).unwrap();
    assert!(old.header.train_fingerprint.is_some(), "this retag writes the fingerprint");
    old.header.train_fingerprint = None;
    old.write(run.path()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("train_fingerprint"), "the old header has no such field");

    let mut resumed = Trainer::resume(tiny_model(&device), train, dev, config, run.path(), &device)
        .unwrap()
        .with_progress(ProgressMode::Off);
    let notes = resumed.notes().join("\n");
    assert!(notes.contains("without a fingerprint") && notes.contains("number of windows (16)"), "{notes}");
    resumed.train().unwrap();
    let rewritten = Checkpoint::read(&path).unwrap();
    assert!(rewritten.header.train_fingerprint.is_some(), "the next checkpoint has it");
}

#[test]
fn one_trainer_per_run_folder() {
    let _serial = serial();
    let device = device();
    let run = TempDir::new().unwrap();
    let config = one_epoch();
    let (train, dev) = inputs(&config, toy_sentences(16, 1), "train.conll");
    let start = || Trainer::new(tiny_model(&device), train.clone(), dev.clone(), config.clone(), run.path(), &device);
    let resume =
        || Trainer::resume(tiny_model(&device), train.clone(), dev.clone(), config.clone(), run.path(), &device);

    let mut first = start().unwrap().with_progress(ProgressMode::Off);
    first.train_until_step(1).unwrap();
    first.checkpoint().unwrap();
    for (what, second) in [("new", start().err()), ("resume", resume().err())] {
        let error = second.unwrap_or_else(|| panic!("{what}: a second trainer in a live run's folder is refused"));
        let message = error.to_string();
        assert!(
            matches!(error, TrainError::Locked { pid: Some(pid), .. } if pid == std::process::id()),
            "{what}: {message}"
        );
        assert!(message.contains(&run.path().display().to_string()), "{what}: {message}");
        assert!(message.contains(&format!("process {}", std::process::id())), "{what}: {message}");
    }

    // Once the run is over its folder is free, even while the trainer lives.
    first.train().unwrap();
    let finished = resume().expect("a finished run's folder is free");
    assert!(finished.notes().is_empty(), "released, not killed: {:?}", finished.notes());
    drop(finished);
    drop(first);
    let error = start().err().expect("a folder with a run is refused to a new run");
    assert!(error.to_string().contains("already holds a run"), "{error}");
}
