//! `extend` end to end on a toy task with a tiny model: an "old" model
//! learns PER/LOC, then new data annotates only `greeting` (its people and
//! cities say O, as data annotated for a new type does). The extended model
//! must tag all three, keeping the old types through pseudo-rehearsal and
//! distillation.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor};
use retag_bert::{BertConfig, BertForTokenClassification};
use retag_data::{Location, Scheme, Sentence, Tagset};
use retag_heads::RowOrigin;
use retag_model::{TaggerModel, folder};
use retag_retrain::extend::{ExtendSpec, extend};
use retag_retrain::extend_output::write_extension;
use retag_retrain::rehearsal::{PseudoLabeler, RehearsalRule, rehearse};
use retag_retrain::type_split::TypeSplit;
use retag_retrain::{DistillSpec, RetrainData, RetrainError};
use retag_train::dataset::{AlignedSplit, align_options};
use retag_train::{Inputs, ProgressMode, Split, TrainConfig, Trainer};
use tempfile::TempDir;

const FIRST: &[&str] = &["ann", "bob", "cid", "dee", "eve", "fay"];
const LAST: &[&str] = &["smith", "jones", "brown", "white"];
const CITIES: &[&str] = &["paris", "rome", "oslo", "lima", "kyiv"];
const GREETINGS: &[&str] = &["hello", "hi", "hey"];
const OTHER: &[&str] = &["the", "a", "went", "to", "saw", "met", "in", "and", "with", "from", "today", "was"];

/// burn's generator is per process; runs that train take turns.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn device() -> Device {
    Device::flex().autodiff()
}

/// Which types a dataset annotates; an unannotated type's words say O.
struct Annotates {
    person: bool,
    place: bool,
    greeting: bool,
}

const OLD: Annotates = Annotates { person: true, place: true, greeting: false };
const NEW_ONLY: Annotates = Annotates { person: false, place: false, greeting: true };
const ALL: Annotates = Annotates { person: true, place: true, greeting: true };

/// Toy sentences where a word's identity decides its tag.
fn sentences(count: usize, seed: u64, annotates: &Annotates) -> Vec<Sentence> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let mut below = |bound: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) % bound as u64) as usize
    };
    let tag = |on: bool, tag: &str| if on { tag.to_string() } else { "O".to_string() };
    (0..count)
        .map(|_| {
            let (mut tokens, mut tags) = (Vec::<String>::new(), Vec::<String>::new());
            let len = 3 + below(6);
            while tokens.len() < len {
                match below(6) {
                    0 => {
                        tokens.push(FIRST[below(FIRST.len())].into());
                        tags.push(tag(annotates.person, "B-PER"));
                    }
                    1 => {
                        tokens.extend([FIRST[below(FIRST.len())].to_string(), LAST[below(LAST.len())].to_string()]);
                        tags.extend([tag(annotates.person, "B-PER"), tag(annotates.person, "I-PER")]);
                    }
                    2 => {
                        tokens.push(CITIES[below(CITIES.len())].into());
                        tags.push(tag(annotates.place, "B-LOC"));
                    }
                    3 => {
                        tokens.push(GREETINGS[below(GREETINGS.len())].into());
                        tags.push(tag(annotates.greeting, "B-greeting"));
                    }
                    _ => {
                        tokens.push(OTHER[below(OTHER.len())].into());
                        tags.push("O".into());
                    }
                }
            }
            Sentence::new(tokens, tags)
        })
        .collect()
}

fn split(sentences: Vec<Sentence>, name: &str) -> Split {
    Split::new(sentences, Location::file(name))
}

fn config(epochs: usize) -> TrainConfig {
    TrainConfig {
        learning_rate: 5e-3,
        batch_size: 8,
        eval_batch_size: 16,
        epochs,
        patience: None,
        checkpoint_every_steps: None,
        bucket_batches: 2,
        ..TrainConfig::default()
    }
}

struct Materialize;

impl ModuleVisitor for Materialize {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}

/// A WordPiece vocabulary of the tiny model's 100 ids, holding the toy words.
fn write_vocab(dir: &Path) {
    let mut vocab: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        .iter()
        .chain(FIRST)
        .chain(LAST)
        .chain(CITIES)
        .chain(GREETINGS)
        .chain(OTHER)
        .map(|word| word.to_string())
        .collect();
    let mut filler = 0;
    while vocab.len() < 100 {
        vocab.push(format!("filler{filler}"));
        filler += 1;
    }
    std::fs::write(dir.join("vocab.txt"), vocab.join("\n") + "\n").expect("writing vocab.txt");
}

/// An old model fine-tuned on PER/LOC (made once per test) and data
/// annotated with `greeting` only, tested on data annotated with all three.
struct Fixture {
    _dir: TempDir,
    old: PathBuf,
    data: RetrainData,
}

fn fixture() -> Fixture {
    let dir = TempDir::new().expect("a temporary directory");
    let vocab = dir.path().join("vocab");
    std::fs::create_dir(&vocab).expect("a vocab folder");
    write_vocab(&vocab);
    let tokenizer = retag_data::align::load_tokenizer(&vocab).expect("the toy vocabulary loads");
    let device = device();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bert/tests/fixtures/tiny-bert-ner/config.json");
    let bert = BertConfig::from_file(&path).expect("the committed tiny config loads");
    let labels = Tagset::from_types(&["PER", "LOC"], Scheme::Iob2).expect("old labels");
    device.seed(0);
    let start = BertForTokenClassification::init(&bert, labels.clone(), &device);
    start.visit(&mut Materialize);
    let options = align_options(&config(10), &bert, &tokenizer).expect("options");
    let align = |sentences, name: &str, what| {
        Inputs::Windows(AlignedSplit::align(&split(sentences, name), &tokenizer, &labels, &options, what).unwrap())
    };
    let train = align(sentences(160, 1, &OLD), "old-train.conll", "train");
    let dev = align(sentences(24, 2, &OLD), "old-dev.conll", "dev");
    let start = TaggerModel::from_token_classification(start).expect("a linear head");
    let mut trainer = Trainer::new(start, train, dev, config(10), &dir.path().join("old-run"), &device)
        .expect("a valid old run")
        .with_progress(ProgressMode::Off);
    trainer.train().expect("the old model trains");
    let old_f1 = trainer.evaluate().expect("scoring").micro.f1;
    assert!(old_f1 > 0.9, "the old model should learn the toy task, dev F1 {old_f1}");
    let old = dir.path().join("old");
    folder::export(&trainer.best_model().expect("best"), &old, Some(&vocab)).expect("exporting the old model");

    let data = RetrainData {
        train: split(sentences(96, 3, &NEW_ONLY), "new-train.conll"),
        dev: split(sentences(32, 4, &NEW_ONLY), "new-dev.conll"),
        test: Some(split(sentences(48, 5, &ALL), "test.conll")),
        retain: None,
    };
    Fixture { _dir: dir, old, data }
}

fn spec(fixture: &Fixture, epochs: usize) -> ExtendSpec {
    ExtendSpec {
        old_model: fixture.old.clone(),
        head: None,
        config: config(epochs),
        rehearsal: RehearsalRule::default(),
        distill: Some(DistillSpec { weight: 1.0, temperature: 2.0 }),
        scheme: Scheme::Iob2,
        progress: ProgressMode::Off,
    }
}

/// Before any training: the union tagset, each old label's row copied as
/// it is, and the training split rewritten by pseudo-rehearsal (every
/// relabelled word scored with its old type, every left-out word scored
/// nowhere).
/// run-config.json records the old model's path and metrics.json the run
/// folder's, as JSON text: a path that is not UTF-8 is refused by field
/// before the old model is read.
#[cfg(unix)]
#[test]
fn a_path_json_cannot_hold_is_refused_by_field_before_extending() {
    use std::os::unix::ffi::OsStrExt;
    let _turn = serial();
    let dir = TempDir::new().expect("a temporary directory");
    let latin1 = dir.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    let data = RetrainData {
        train: split(Vec::new(), "train.conll"),
        dev: split(Vec::new(), "dev.conll"),
        test: None,
        retain: None,
    };
    let spec = |old_model: PathBuf| ExtendSpec {
        old_model,
        head: None,
        config: config(1),
        rehearsal: RehearsalRule::default(),
        distill: None,
        scheme: Scheme::Iob2,
        progress: ProgressMode::Off,
    };
    let run_dir = dir.path().join("run");
    for (spec, run_dir, field, record) in [
        (spec(latin1.clone()), &run_dir, "old_model", "run-config.json"),
        (spec(dir.path().join("old")), &latin1, "run_dir", "metrics.json"),
    ] {
        let error = extend(&spec, &data, run_dir, false, &device()).err().expect("refused");
        assert!(matches!(error, RetrainError::Data(retag_data::DataError::PathNotUtf8 { .. })), "{field}: {error:?}");
        let message = error.to_string();
        assert!(message.starts_with(&format!("{field} {}", dir.path().display())), "{message}");
        assert!(message.contains(&format!("caf\u{fffd}: not valid UTF-8, but {record} keeps it")), "{message}");
    }
}

#[test]
fn rehearsal_rewrites_the_training_split_and_the_warm_start_keeps_every_old_row() {
    let _turn = serial();
    let fixture = fixture();
    let plain = Device::flex();
    let old = folder::load(&fixture.old, &plain).expect("the old model");
    let types = TypeSplit::new(old.tagset(), &fixture.data, Scheme::Iob2).expect("types");
    assert_eq!(types.old, ["LOC", "PER"]);
    assert_eq!(types.new, ["greeting"]);
    assert_eq!(types.tagset.labels(), ["O", "B-LOC", "I-LOC", "B-PER", "I-PER", "B-greeting", "I-greeting"]);

    let (_, old_tagger) = old.clone().split_encoder();
    let (_, report) = retag_retrain::start::warm_started_tagger(
        old_tagger.tagger().clone(),
        retag_retrain::HeadChoice::LINEAR,
        types.tagset.clone(),
        &types.lineage(),
        Scheme::Iob2,
        7,
    )
    .expect("a warm start");
    for label in old.tagset().labels() {
        assert_eq!(report.origin_of(label), Some(&RowOrigin::Copied { from: label.clone() }), "{report}");
    }
    assert_eq!(report.origin_of("B-greeting"), Some(&RowOrigin::Random));

    let tokenizer = retag_data::align::load_tokenizer(&fixture.old).expect("tokenizer");
    let options = align_options(&config(1), &old.encoder().unwrap().config, &tokenizer).expect("options");
    let mut train =
        AlignedSplit::align(&fixture.data.train, &tokenizer, &types.tagset, &options, "train").expect("aligned");
    // A threshold that the toy model's confidences straddle, so both fates occur.
    let rule = RehearsalRule { threshold: 0.995, leave_out_unsure: true };
    let labeler = PseudoLabeler::new(rule, Scheme::Iob2, Scheme::Iob2, &types.rehearsed);
    let counts =
        rehearse(&old, &mut train, &fixture.data.train, &types.tagset, &labeler, 16, &plain).expect("rehearsal");
    assert!(counts.relabelled.get("PER").is_some_and(|&n| n > 20), "{counts}");
    assert!(counts.left_out.get("LOC").is_some_and(|&n| n > 10), "{counts}");

    let old_typed = train.gold.iter().flatten().filter(|tag| tag.ends_with("PER") || tag.ends_with("LOC")).count();
    assert_eq!(old_typed, counts.total_relabelled(), "the gold tags are the pseudo-labels");
    let unscored: usize = train
        .aligned
        .iter()
        .map(|sentence| {
            let scored = |word: usize| {
                sentence.windows.iter().any(|window| {
                    window.word_index.iter().zip(&window.labels).any(|(&at, label)| at == Some(word) && label.is_some())
                })
            };
            (0..sentence.word_count).filter(|&word| !scored(word)).count()
        })
        .sum();
    assert_eq!(unscored, counts.total_left_out(), "{counts}");
    assert!(counts.total_left_out() > 0, "{counts}");
}

/// The whole recipe: the extended model tags the old types and the new one
/// on data annotated with all three; without rehearsal and distillation the
/// same training forgets the old types, which is what the recipe is for.
#[test]
fn extend_learns_the_new_type_and_keeps_the_old_ones() {
    let _turn = serial();
    let fixture = fixture();
    let out = TempDir::new().expect("a temporary directory");
    let spec = spec(&fixture, 10);
    let run_dir = out.path().join("extend-run");
    let outcome = extend(&spec, &fixture.data, &run_dir, false, &device()).expect("the run succeeds");
    let test = outcome.run.test.as_ref().expect("a test split was given");
    let groups = outcome.test_groups.expect("test groups");
    assert!(groups.old.f1 > 0.85, "old types kept: {:?}\n{}", groups.old, test.to_text());
    assert!(groups.new.f1 > 0.85, "new type learnt: {:?}\n{}", groups.new, test.to_text());
    for kind in ["PER", "LOC", "greeting"] {
        assert!(test.per_type.contains_key(kind), "no score for {kind}");
    }
    assert!(outcome.rehearsal.total_relabelled() > 50, "{}", outcome.rehearsal);
    let log = retag_train::read_eval_log(&run_dir).expect("the evaluation log");
    assert!(log.iter().all(|record| record.train_distill_loss.is_some()), "the KL term is in every epoch");

    let model_dir = out.path().join("extended");
    write_extension(&outcome, &spec, &model_dir).expect("writing the model");
    let reloaded = BertForTokenClassification::from_pretrained(&model_dir, &Device::flex()).expect("reloads");
    assert_eq!(&reloaded.labels, outcome.run.model.tagset());
    let metrics = retag_data::run_metrics::RunMetrics::read(&model_dir).expect("metrics.json reads as RunMetrics");
    assert_eq!(metrics.strategy, "extend");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model_dir.join("metrics.json")).expect("metrics")).expect("JSON");
    assert_eq!(json["extension"]["new_types"], serde_json::json!(["greeting"]));
    let written = json["extension"]["test"]["old"]["f1"].as_f64().expect("the old types' test F1");
    assert!((written - groups.old.f1).abs() < 1e-12, "{written} vs {}", groups.old.f1);
    assert!(json["extension"]["rehearsal"]["relabelled"]["PER"].as_u64().is_some_and(|n| n > 0), "{json}");
    let run_config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model_dir.join("run-config.json")).expect("config")).unwrap();
    assert_eq!(run_config["strategy"], "extend");
    assert_eq!(run_config["rehearsal"]["threshold"], 0.9);

    // The control: the same run trained on the new gold as it is (nothing
    // adopted, nothing left out, no teacher) unlearns PER and LOC.
    let mut naive = spec.clone();
    naive.rehearsal = RehearsalRule { threshold: 1.0, leave_out_unsure: false };
    naive.distill = None;
    let control = extend(&naive, &fixture.data, &out.path().join("control-run"), false, &device()).expect("runs");
    let forgot = control.test_groups.expect("test groups").old.f1;
    assert!(forgot < groups.old.f1 - 0.3, "without rehearsal the old types fade: {forgot} vs {}", groups.old.f1);
}

#[test]
fn extend_refuses_what_it_cannot_use() {
    let _turn = serial();
    let fixture = fixture();
    let run = TempDir::new().expect("a temporary directory");
    let refused = |spec: &ExtendSpec, data: &RetrainData| {
        extend(spec, data, run.path(), false, &device()).err().expect("refused").to_string()
    };
    let mut with_retain = fixture.data.clone();
    with_retain.retain = Some(split(sentences(4, 9, &OLD), "old.conll"));
    assert!(refused(&spec(&fixture, 1), &with_retain).starts_with("retain_data: "));

    let mut bad_threshold = spec(&fixture, 1);
    bad_threshold.rehearsal.threshold = 2.0;
    assert!(refused(&bad_threshold, &fixture.data).starts_with("rehearsal_threshold: "));

    let mut old_types_only = fixture.data.clone();
    old_types_only.train = split(sentences(8, 10, &OLD), "old-only.conll");
    old_types_only.dev = old_types_only.train.clone();
    old_types_only.test = None;
    let error = refused(&spec(&fixture, 1), &old_types_only);
    assert!(error.contains("old-only.conll annotates no type the old model lacks"), "{error}");

    let error = extend(&spec(&fixture, 1), &fixture.data, run.path(), false, &Device::flex()).err().expect("refused");
    assert!(matches!(error, RetrainError::Mismatch { .. }), "{error}");
}
