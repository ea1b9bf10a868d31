//! Helpers shared by the integration tests: the tiny random checkpoint of
//! retag-bert (2 layers, hidden 32, labels O B-PER I-PER B-LOC I-LOC), a
//! WordPiece vocabulary of its 100 ids written to a temporary folder, and a
//! toy NER task where a word's identity decides its tag.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor};
use retag_bert::{BertConfig, BertForTokenClassification};
use retag_data::align::{WordTokenizer, load_tokenizer};
use retag_data::{Location, Sentence, Tagset};
use retag_model::TaggerModel;
use retag_train::dataset::{AlignedSplit, align_options};
use retag_train::{Inputs, ProgressMode, Split, TrainConfig, Trainer};
use tempfile::TempDir;

pub const FIRST_NAMES: &[&str] = &["ann", "bob", "cid", "dee", "eve", "fay"];
pub const SURNAMES: &[&str] = &["smith", "jones", "brown", "white"];
pub const CITIES: &[&str] = &["paris", "rome", "oslo", "lima", "kyiv"];
pub const OTHERS: &[&str] =
    &["the", "a", "went", "to", "saw", "met", "in", "and", "with", "from", "today", "was", "is", "big", "old"];

pub fn tiny_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bert/tests/fixtures/tiny-bert-ner")
}

/// burn seeds a backend's random generator process-wide, and a run's
/// dropout masks come from it: tests that train hold this lock so that
/// another test's draws cannot slip between a step's seeding and its masks.
pub fn serial() -> MutexGuard<'static, ()> {
    static TRAINING: Mutex<()> = Mutex::new(());
    TRAINING.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The training device of the tests: burn's pure-Rust CPU backend with autodiff.
pub fn device() -> Device {
    Device::flex().autodiff()
}

/// A tiny model with burn's default initialisation, the same every call.
///
/// Built from the fixture's config rather than loaded from its weights: the
/// fixture is re-initialised with std 0.5 (so that parity tests see peaked
/// attention), and with such weights 10% dropout drowns the signal of a toy
/// task. A fine-tuning starting point has small weights, as this one does.
pub fn tiny_model(device: &Device) -> TaggerModel {
    let labels = tiny_config().labels.expect("the tiny config names its labels");
    tiny_model_with(labels, 0, device)
}

/// A tiny model over `labels` with weights drawn from `seed`: with other
/// labels and another seed, the old model a distillation test learns from.
pub fn tiny_model_with(labels: Tagset, seed: u64, device: &Device) -> TaggerModel {
    let config = BertConfig { labels: Some(labels.clone()), ..tiny_config() };
    device.seed(seed);
    let model = BertForTokenClassification::init(&config, labels, device);
    // burn initialises parameters on first use: draw them now, from `seed`,
    // not later from whatever the generator holds by then.
    model.visit(&mut Materialize);
    TaggerModel::from_token_classification(model).expect("a linear head fits its encoder")
}

pub fn tiny_config() -> BertConfig {
    BertConfig::from_file(&tiny_dir().join("config.json")).expect("the committed tiny config loads")
}

/// `split` aligned to the tiny model's windows and labels, as the loop reads it.
pub fn windows(
    split: &Split,
    tokenizer: &WordTokenizer,
    config: &TrainConfig,
    what: &'static str,
) -> retag_train::Result<Inputs> {
    let bert = tiny_config();
    let labels = bert.labels.clone().expect("the tiny config names its labels");
    let options = align_options(config, &bert, tokenizer)?;
    Ok(Inputs::Windows(AlignedSplit::align(split, tokenizer, &labels, &options, what)?))
}

struct Materialize;

/// Every float parameter's values, in visiting order.
pub struct Weights(pub Vec<Vec<f32>>);

impl ModuleVisitor for Weights {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.push(param.val().into_data().iter::<f32>().collect());
    }
}

/// Asserts that two models hold bit-identical parameters.
pub fn assert_same_weights<M: Module>(a: &M, b: &M, what: &str) {
    let (mut left, mut right) = (Weights(Vec::new()), Weights(Vec::new()));
    a.visit(&mut left);
    b.visit(&mut right);
    assert_eq!(left.0.len(), right.0.len());
    for (index, (a, b)) in left.0.iter().zip(&right.0).enumerate() {
        let differ = a.iter().zip(b).filter(|(x, y)| x.to_bits() != y.to_bits()).count();
        assert_eq!(differ, 0, "{what} weights, parameter {index}: {differ} of {} values differ", a.len());
    }
}

impl ModuleVisitor for Materialize {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}

/// An uncased BERT vocabulary of exactly the tiny model's 100 ids: the
/// special tokens first, as in BERT's, then the toy words, then fillers.
pub fn tokenizer() -> (TempDir, WordTokenizer) {
    let dir = TempDir::new().expect("a temporary directory");
    let mut vocab: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        .iter()
        .chain(FIRST_NAMES)
        .chain(SURNAMES)
        .chain(CITIES)
        .chain(OTHERS)
        .map(|token| token.to_string())
        .collect();
    let mut filler = 0;
    while vocab.len() < 100 {
        vocab.push(format!("filler{filler}"));
        filler += 1;
    }
    std::fs::write(dir.path().join("vocab.txt"), vocab.join("\n") + "\n").expect("writing vocab.txt");
    let tokenizer = load_tokenizer(dir.path()).expect("the test vocabulary loads");
    (dir, tokenizer)
}

/// A small deterministic generator (an LCG), so the toy data needs no crate.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(6364136223846793005).wrapping_add(1))
    }

    pub fn below(&mut self, bound: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % bound as u64) as usize
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len())]
    }
}

/// `count` sentences of 3 to 8 words where the word decides the tag: a
/// first name is B-PER, a surname (always right after a first name) I-PER,
/// a city B-LOC, anything else O.
pub fn toy_sentences(count: usize, seed: u64) -> Vec<Sentence> {
    let mut rng = Lcg::new(seed);
    (0..count)
        .map(|_| {
            let (mut tokens, mut tags) = (Vec::new(), Vec::new());
            let len = 3 + rng.below(6);
            while tokens.len() < len {
                let (words, tag): (Vec<&str>, Vec<&str>) = match rng.below(5) {
                    0 => (vec![rng.pick(FIRST_NAMES)], vec!["B-PER"]),
                    1 => (vec![rng.pick(FIRST_NAMES), rng.pick(SURNAMES)], vec!["B-PER", "I-PER"]),
                    2 => (vec![rng.pick(CITIES)], vec!["B-LOC"]),
                    _ => (vec![rng.pick(OTHERS)], vec!["O"]),
                };
                tokens.extend(words.iter().map(|w| w.to_string()));
                tags.extend(tag.iter().map(|t| t.to_string()));
            }
            Sentence::new(tokens, tags)
        })
        .collect()
}

pub fn split(sentences: Vec<Sentence>, name: &str) -> Split {
    Split::new(sentences, Location::file(name))
}

/// Settings for a toy run: small batches, a learning rate a tiny random
/// model learns with in a few dozen steps, no progress output.
pub fn toy_config() -> TrainConfig {
    TrainConfig {
        learning_rate: 5e-3,
        batch_size: 8,
        eval_batch_size: 16,
        epochs: 4,
        warmup_ratio: 0.1,
        patience: None,
        checkpoint_every_steps: None,
        bucket_batches: 2,
        ..TrainConfig::default()
    }
}

/// A trainer on `train_count` toy sentences and 24 dev ones.
pub fn toy_trainer(config: TrainConfig, train_count: usize, run_dir: &Path) -> Trainer {
    let device = device();
    let (_vocab, tokenizer) = tokenizer();
    let train = windows(&split(toy_sentences(train_count, 1), "train.conll"), &tokenizer, &config, "train").unwrap();
    let dev = windows(&split(toy_sentences(24, 2), "dev.conll"), &tokenizer, &config, "dev").unwrap();
    Trainer::new(tiny_model(&device), train, dev, config, run_dir, &device)
        .expect("a valid toy run")
        .with_progress(ProgressMode::Off)
}
