//! Every strategy end to end on a toy retagging task with a tiny model:
//! an "old" model learns PER/LOC, then is retrained for `person`/`place`
//! (a rename, so the old head knows the new types) plus `greeting`, a new
//! type with no parent.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor};
use retag_bert::{BertConfig, BertForTokenClassification, BertModel};
use retag_data::mapping::TagsetMapping;
use retag_data::{Location, Scheme, Sentence};
use retag_heads::{HeadKind, MlpSpec};
use retag_model::TaggerModel;
use retag_model::folder;
use retag_retrain::lineage::{Lineage, LineageSource};
use retag_retrain::output::{METRICS_FILE, RUN_CONFIG_FILE, run_config_json, write_outcome};
use retag_retrain::{HeadChoice, RetrainData, RetrainError, RetrainSpec, Strategy, retrain};
use retag_train::dataset::{AlignedSplit, align_options};
use retag_train::evaluate::predict;
use retag_train::{FeatureCache, Inputs, ProgressMode, Split, TrainConfig, Trainer};
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

/// (type of a first name, of a city, of a greeting) in one tagset.
struct Names {
    person: &'static str,
    place: &'static str,
    greeting: Option<&'static str>,
}

const OLD: Names = Names { person: "PER", place: "LOC", greeting: None };
const NEW: Names = Names { person: "person", place: "place", greeting: Some("greeting") };

/// Toy sentences where a word's identity decides its tag.
fn sentences(count: usize, seed: u64, names: &Names) -> Vec<Sentence> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let mut below = |bound: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) % bound as u64) as usize
    };
    (0..count)
        .map(|_| {
            let (mut tokens, mut tags) = (Vec::<String>::new(), Vec::<String>::new());
            let len = 3 + below(6);
            while tokens.len() < len {
                match below(6) {
                    0 => {
                        tokens.push(FIRST[below(FIRST.len())].into());
                        tags.push(format!("B-{}", names.person));
                    }
                    1 => {
                        tokens.extend([FIRST[below(FIRST.len())].to_string(), LAST[below(LAST.len())].to_string()]);
                        tags.extend([format!("B-{}", names.person), format!("I-{}", names.person)]);
                    }
                    2 => {
                        tokens.push(CITIES[below(CITIES.len())].into());
                        tags.push(format!("B-{}", names.place));
                    }
                    3 => {
                        tokens.push(GREETINGS[below(GREETINGS.len())].into());
                        tags.push(names.greeting.map_or("O".to_string(), |kind| format!("B-{kind}")));
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

fn tiny_config() -> BertConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bert/tests/fixtures/tiny-bert-ner/config.json");
    BertConfig::from_file(&path).expect("the committed tiny config loads")
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

/// The models every test starts from, made once per test: an old model
/// fine-tuned on PER/LOC, and a base encoder (random, small weights).
struct Fixture {
    _dir: TempDir,
    old: PathBuf,
    base: PathBuf,
    data: RetrainData,
}

fn fixture() -> Fixture {
    let dir = TempDir::new().expect("a temporary directory");
    let vocab = dir.path().join("vocab");
    std::fs::create_dir(&vocab).expect("a vocab folder");
    write_vocab(&vocab);
    let tokenizer = retag_data::align::load_tokenizer(&vocab).expect("the toy vocabulary loads");
    let device = device();
    let config = tiny_config();
    let labels = retag_data::Tagset::from_types(&[OLD.person, OLD.place], Scheme::Iob2).expect("old labels");
    device.seed(0);
    let start = BertForTokenClassification::init(&config, labels, &device);
    start.visit(&mut Materialize);

    let base = dir.path().join("base");
    export_encoder(&start, &base, &vocab);

    let old_labels = start.labels.clone();
    let options = align_options(&config_for_old(), &config, &tokenizer).expect("options");
    let align = |sentences, name: &str, what| {
        Inputs::Windows(AlignedSplit::align(&split(sentences, name), &tokenizer, &old_labels, &options, what).unwrap())
    };
    let train = align(sentences(160, 1, &OLD), "old-train.conll", "train");
    let dev = align(sentences(24, 2, &OLD), "old-dev.conll", "dev");
    let start = TaggerModel::from_token_classification(start).expect("a linear head");
    let mut trainer = Trainer::new(start, train, dev, config_for_old(), &dir.path().join("old-run"), &device)
        .expect("a valid old run")
        .with_progress(ProgressMode::Off);
    trainer.train().expect("the old model trains");
    let old_f1 = trainer.evaluate().expect("scoring").micro.f1;
    assert!(old_f1 > 0.9, "the old model should learn the toy task, dev F1 {old_f1}");
    let old = dir.path().join("old");
    folder::export(&trainer.best_model().expect("best"), &old, Some(&vocab)).expect("exporting the old model");

    let data = RetrainData {
        train: split(sentences(96, 3, &NEW), "new-train.conll"),
        dev: split(sentences(32, 4, &NEW), "new-dev.conll"),
        test: Some(split(sentences(32, 5, &NEW), "new-test.conll")),
        retain: None,
    };
    Fixture { _dir: dir, old, base, data }
}

fn config_for_old() -> TrainConfig {
    config(10)
}

/// A plain encoder checkpoint: the token-classification export without the classifier.
fn export_encoder(model: &BertForTokenClassification, out: &Path, vocab: &Path) {
    let full = out.with_extension("with-head");
    retag_bert::export_token_classification(model, &full, Some(vocab)).expect("export");
    std::fs::create_dir(out).expect("base folder");
    for file in ["config.json", "vocab.txt"] {
        std::fs::copy(full.join(file), out.join(file)).expect("copying");
    }
    let bytes = std::fs::read(full.join("model.safetensors")).expect("reading weights");
    let tensors = safetensors::SafeTensors::deserialize(&bytes).expect("valid safetensors");
    let kept: Vec<(String, safetensors::tensor::TensorView)> =
        tensors.tensors().into_iter().filter(|(name, _)| !name.starts_with("classifier.")).collect();
    let encoder = safetensors::serialize(kept, None).expect("serializing");
    std::fs::write(out.join("model.safetensors"), encoder).expect("writing weights");
}

fn spec(strategy: Strategy, fixture: &Fixture, lineage: LineageSource, epochs: usize) -> RetrainSpec {
    RetrainSpec {
        lineage,
        config: config(epochs),
        ..spec_from(strategy, Some(fixture.old.clone()), Some(fixture.base.clone()))
    }
}

/// A one-epoch spec with the given starting models and every other choice at its plain default.
fn spec_from(strategy: Strategy, old_model: Option<PathBuf>, base_model: Option<PathBuf>) -> RetrainSpec {
    RetrainSpec {
        strategy,
        old_model,
        base_model,
        lineage: LineageSource::Infer { min_share: 0.5 },
        head: HeadChoice::LINEAR,
        mlp: MlpSpec::default(),
        schedule: Default::default(),
        distill: None,
        adapter: None,
        config: config(1),
        scheme: Scheme::Iob2,
        progress: ProgressMode::Off,
    }
}

fn mapping() -> TagsetMapping {
    TagsetMapping::from_rules([(OLD.person, vec![NEW.person]), (OLD.place, vec![NEW.place])], ["greeting"])
        .expect("a valid mapping")
}

#[test]
fn every_strategy_learns_the_new_tagset_and_writes_a_loadable_model() {
    let _turn = serial();
    let fixture = fixture();
    let out = TempDir::new().expect("a temporary directory");
    for strategy in Strategy::ALL {
        // The frozen head trains on fixed features: give it the epochs a probe needs.
        let epochs = if strategy == Strategy::Frozen { 30 } else { 5 };
        let mut spec = spec(strategy, &fixture, LineageSource::Mapping(mapping()), epochs);
        if strategy == Strategy::Frozen {
            spec.config.head_learning_rate = Some(2e-2);
        }
        if strategy == Strategy::Progressive {
            // The stages decide the length: 1 + 2 + 2 = the others' 5 epochs.
            spec.schedule.stages = Some("head:1,top1:2,all:2".parse().expect("valid stages"));
        }
        let run_dir = out.path().join(format!("{strategy}-run"));
        let outcome = retrain(&spec, &fixture.data, &run_dir, false, &device()).expect("the run succeeds");
        let test = outcome.test.as_ref().expect("a test split was given");
        assert!(test.micro.f1 > 0.8, "{strategy}: test F1 {}", test.micro.f1);
        for kind in ["person", "place", "greeting"] {
            assert!(test.per_type.contains_key(kind), "{strategy}: no score for {kind}");
        }
        assert_eq!(outcome.timing.epochs, epochs, "{strategy}: patience is off, every epoch runs");
        assert!(run_dir.join("evaluations.jsonl").is_file(), "{strategy}: no evaluation log");

        let model_dir = out.path().join(strategy.name());
        write_outcome(&outcome, &spec, &model_dir).expect("writing the outcome");
        if strategy == Strategy::Adapter {
            // Not a HuggingFace folder: the adapter and the old model it reads travel beside the encoder.
            let reloaded = folder::load(&model_dir, &Device::flex()).expect("reloads");
            assert_eq!(reloaded.tagset(), outcome.model.tagset(), "{strategy}");
            let adapter = reloaded.adapter().expect("the adapter is reloaded");
            assert_eq!(adapter.old_tagset().labels().len(), 5, "the old model's O, person and place");
            assert!(model_dir.join(folder::OLD_MODEL_DIR).join("config.json").is_file());

            // Retraining from it would drop the adapter: refused, naming the model.
            let mut from_adapter = self::spec(Strategy::Naive, &fixture, LineageSource::Mapping(mapping()), 1);
            from_adapter.old_model = Some(model_dir.clone());
            let error = retrain(&from_adapter, &fixture.data, &out.path().join("again"), false, &device()).err();
            let error = error.expect("a model with an adapter is refused as a starting point");
            assert!(error.to_string().contains("has an adapter"), "{error}");
            // Adapter settings on another strategy are refused, not ignored.
            let mut naive = self::spec(Strategy::Naive, &fixture, LineageSource::Mapping(mapping()), 1);
            naive.adapter = Some(retag_retrain::AdapterSpec::default());
            let error = retrain(&naive, &fixture.data, &out.path().join("naive-adapter"), false, &device()).err();
            let error = error.expect("an adapter on naive is refused");
            assert!(matches!(&error, RetrainError::Option { option, .. } if *option == "adapter"), "{error}");
        } else {
            let reloaded = BertForTokenClassification::from_pretrained(&model_dir, &Device::flex()).expect("reloads");
            assert_eq!(&reloaded.labels, outcome.model.tagset(), "{strategy}");
        }
        let metrics: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(model_dir.join(METRICS_FILE)).expect("metrics.json"))
                .expect("valid JSON");
        assert_eq!(metrics["strategy"], strategy.name());
        let written = metrics["test"]["micro"]["f1"].as_f64().expect("a test F1");
        assert!((written - test.micro.f1).abs() < 1e-12, "{strategy}: {written} vs {}", test.micro.f1);
        assert!(model_dir.join(RUN_CONFIG_FILE).is_file());
        assert!(model_dir.join("vocab.txt").is_file(), "{strategy}: the tokenizer travels with the model");
        // The test split's tags are kept, and score as the report says.
        let tagged = retag_data::conll::read_conll_file(
            model_dir.join(retag_retrain::output::TEST_PREDICTIONS_FILE),
            &retag_data::conll::ConllOptions::default(),
        )
        .expect("test-predictions.txt reads as CoNLL (its last column the prediction)");
        let gold = fixture.data.test.as_ref().expect("a test split");
        assert_eq!(tagged.len(), gold.sentences.len(), "{strategy}");
        let gold_tags: Vec<&Vec<String>> = gold.sentences.iter().map(|s| &s.tags).collect();
        let predicted: Vec<&Vec<String>> = tagged.iter().map(|s| &s.tags).collect();
        let report =
            retag_data::metrics::evaluate(&gold_tags, &predicted, retag_data::metrics::Mode::Default).expect("scored");
        assert!((report.micro.f1 - test.micro.f1).abs() < 1e-12, "{strategy}");
    }
}

#[test]
fn a_warm_start_by_mapping_predicts_like_the_old_model_before_any_step() {
    let _turn = serial();
    let fixture = fixture();
    let plain = Device::flex();
    let old = folder::load(&fixture.old, &plain).expect("old model");
    let labels = fixture.data.tagset(Scheme::Iob2).expect("new tagset");
    let lineage = Lineage::from_mapping(&mapping(), &labels);
    let (encoder, old_tagger) = old.clone().split_encoder();
    let encoder = encoder.expect("the old model has its encoder");
    let (tagger, report) = retag_retrain::start::warm_started_tagger(
        old_tagger.tagger().clone(),
        HeadChoice::LINEAR,
        labels.clone(),
        &lineage,
        Scheme::Iob2,
        7,
    )
    .expect("a warm start");
    assert_eq!(report.counts(), (5, 0, 2), "{report}");
    let warm = TaggerModel::new(encoder.clone(), tagger).expect("the head fits");

    let tokenizer = retag_data::align::load_tokenizer(&fixture.old).expect("tokenizer");
    let options = align_options(&config(1), &encoder.config, &tokenizer).expect("options");
    let dev = AlignedSplit::align(&fixture.data.dev, &tokenizer, &labels, &options, "dev").expect("aligned");
    let dev = Inputs::Windows(dev);
    let before = predict(&old, &dev, 16, &plain).expect("old predictions");
    let after = predict(&warm, &dev, 16, &plain).expect("warm predictions");
    let renamed: Vec<Vec<String>> = before
        .iter()
        .map(|tags| tags.iter().map(|tag| tag.replace("PER", "person").replace("LOC", "place")).collect())
        .collect();
    // The new greeting rows are random and may win a token here and there; every
    // other word must be tagged as the old model tagged it.
    let (mut same, mut total) = (0, 0);
    for (renamed, after) in renamed.iter().flatten().zip(after.iter().flatten()) {
        total += 1;
        same += usize::from(renamed == after || after.ends_with("greeting"));
    }
    assert_eq!(same, total, "a warm start must keep the old model's decisions");
}

#[test]
fn the_lineage_is_inferred_from_the_old_models_predictions() {
    let _turn = serial();
    let fixture = fixture();
    let mut spec = spec(Strategy::WarmStart, &fixture, LineageSource::Infer { min_share: 0.5 }, 1);
    spec.config.learning_rate = 1e-5;
    let run = TempDir::new().expect("a temporary directory");
    let outcome = retrain(&spec, &fixture.data, run.path(), false, &device()).expect("the run succeeds");
    let lineage = outcome.lineage.expect("warm-start reports its lineage");
    assert_eq!(lineage.parent("person").as_deref(), Some("PER"), "{}", lineage.to_text());
    assert_eq!(lineage.parent("place").as_deref(), Some("LOC"), "{}", lineage.to_text());
    assert_eq!(lineage.parent("greeting"), None, "{}", lineage.to_text());
}

#[test]
fn the_frozen_cache_holds_what_the_full_model_reads_and_the_encoder_does_not_move() {
    let _turn = serial();
    let fixture = fixture();
    let plain = Device::flex();
    let old = folder::load(&fixture.old, &plain).expect("old model");
    let old_encoder = old.encoder().expect("the old model has its encoder").clone();
    let labels = fixture.data.tagset(Scheme::Iob2).expect("new tagset");
    let tokenizer = retag_data::align::load_tokenizer(&fixture.old).expect("tokenizer");
    // Windows of 6 subwords with a stride of 2: most sentences span several windows.
    let options =
        align_options(&TrainConfig { max_len: Some(6), stride: Some(2), ..config(1) }, &old_encoder.config, &tokenizer)
            .expect("options");
    let dev = AlignedSplit::align(&fixture.data.dev, &tokenizer, &labels, &options, "dev").expect("aligned");
    assert!(dev.aligned.iter().any(|sentence| sentence.windows.len() > 1), "the test needs cut sentences");

    let cache = FeatureCache::extract(&old_encoder, &dev, &labels, 5, &plain).expect("features");
    assert_eq!(cache.word_count(), dev.gold.iter().map(Vec::len).sum::<usize>());
    // The head over the cache and the full model over the windows must agree word for word.
    let (_, head_only) = old.clone().split_encoder();
    let from_cache = predict(&head_only, &Inputs::Cached(cache), 32, &plain).expect("cache predictions");
    let from_model = predict(&old, &Inputs::Windows(dev), 3, &plain).expect("model predictions");
    assert_eq!(from_cache, from_model, "labels {:?}", old.tagset());

    let spec = {
        let mut spec = spec(Strategy::Frozen, &fixture, LineageSource::Infer { min_share: 0.5 }, 3);
        spec.config.head_learning_rate = Some(2e-2);
        spec
    };
    let run = TempDir::new().expect("a temporary directory");
    let outcome = retrain(&spec, &fixture.data, run.path(), false, &device()).expect("the run succeeds");
    assert!(outcome.timing.cache_secs.is_some());
    let before = encoder_values(&old_encoder);
    let after = encoder_values(outcome.model.encoder().expect("the encoder is back"));
    assert_eq!(before, after, "the frozen strategy changed the encoder");

    // The frozen run scores dev from its cache; the exported model must score the same.
    let options = align_options(&spec.config, &old_encoder.config, &tokenizer).expect("options");
    let dev = AlignedSplit::align(&fixture.data.dev, &tokenizer, &labels, &options, "dev").expect("aligned");
    let by_model = retag_train::evaluate::evaluate(&outcome.model, &Inputs::Windows(dev), 16, &plain).expect("scored");
    assert_eq!(outcome.dev.micro, by_model.micro, "dev from the cache differs from dev by the model");
    assert_eq!(outcome.dev.per_type, by_model.per_type);
}

fn encoder_values(encoder: &BertModel) -> Vec<f32> {
    struct Values(Vec<f32>);
    impl ModuleVisitor for Values {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.extend(param.val().into_data().iter::<f32>());
        }
    }
    let mut values = Values(Vec::new());
    encoder.visit(&mut values);
    values.0
}

#[test]
fn a_strategy_without_its_starting_model_is_refused_by_name() {
    let _turn = serial();
    let data = RetrainData {
        train: split(sentences(4, 1, &NEW), "train.conll"),
        dev: split(sentences(4, 2, &NEW), "dev.conll"),
        test: None,
        retain: None,
    };
    let run = TempDir::new().expect("a temporary directory");
    for (strategy, field) in [(Strategy::Naive, "old_model"), (Strategy::Full, "base_model")] {
        let spec = spec_from(strategy, None, None);
        let error = retrain(&spec, &data, run.path(), false, &device()).err().expect("refused");
        assert!(matches!(error, RetrainError::Option { option, .. } if option == field), "{strategy}: {error}");
    }
}

/// metrics.json and run-config.json keep paths as JSON text, and serde
/// cannot write one that is not UTF-8: such a path is refused by field
/// before anything is read or trained (no run folder is made), and
/// run-config.json's writer refuses it too rather than panicking.
#[cfg(unix)]
#[test]
fn a_path_json_cannot_hold_is_refused_by_field_before_training() {
    use std::os::unix::ffi::OsStrExt;
    let _turn = serial();
    let run = TempDir::new().expect("a temporary directory");
    let latin1 = run.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    let data = |retain: Option<Split>| RetrainData {
        train: split(sentences(4, 1, &NEW), "train.conll"),
        dev: split(sentences(4, 2, &NEW), "dev.conll"),
        test: None,
        retain,
    };
    let spec = |old_model, base_model| spec_from(Strategy::Naive, old_model, base_model);
    let run_dir = run.path().join("run");
    let retained = Split::new(sentences(4, 3, &OLD), Location::file(&latin1));
    let cases = [
        (spec(Some(latin1.clone()), None), data(None), &run_dir, "old_model", RUN_CONFIG_FILE),
        (spec(None, Some(latin1.clone())), data(None), &run_dir, "base_model", RUN_CONFIG_FILE),
        (spec(None, None), data(None), &latin1, "run_dir", METRICS_FILE),
        (spec(None, None), data(Some(retained)), &run_dir, "retain_data", METRICS_FILE),
    ];
    for (spec, data, run_dir, field, record) in cases {
        let error = retrain(&spec, &data, run_dir, false, &device()).err().expect("refused");
        assert!(matches!(error, RetrainError::Data(retag_data::DataError::PathNotUtf8 { .. })), "{field}: {error:?}");
        let message = error.to_string();
        assert!(message.starts_with(&format!("{field} {}", run.path().display())), "{message}");
        assert!(
            message.contains(&format!("caf\u{fffd}: not valid UTF-8, but {record} keeps it as JSON text")),
            "{message}"
        );
        assert!(!run_dir.exists(), "{field}: nothing is made before the refusal");
    }

    let error = run_config_json(&spec(Some(PathBuf::from("/models/old")), Some(latin1))).unwrap_err().to_string();
    assert!(error.starts_with(&format!("base_model {}", run.path().display())), "{error}");
    let written = run_config_json(&spec(Some(PathBuf::from("/models/old")), None)).expect("UTF-8 paths are written");
    assert_eq!(written["old_model"], "/models/old");
    assert!(written["base_model"].is_null());
}

/// Every head, trained by the one loop over windows (`naive`) and over the
/// cache (`frozen`), is written to a folder, read back, and tags dev exactly
/// as the model in memory did; a CRF's tags never break the scheme.
#[test]
fn every_head_trains_exports_and_reloads_to_the_same_tags() {
    let _turn = serial();
    let fixture = fixture();
    let out = TempDir::new().expect("a temporary directory");
    let plain = Device::flex();
    let labels = fixture.data.tagset(Scheme::Iob2).expect("new tagset");
    let tokenizer = retag_data::align::load_tokenizer(&fixture.old).expect("tokenizer");
    for strategy in [Strategy::Naive, Strategy::Frozen] {
        for choice in [
            HeadChoice { kind: HeadKind::Mlp, crf: false },
            HeadChoice { kind: HeadKind::Linear, crf: true },
            HeadChoice { kind: HeadKind::Mlp, crf: true },
        ] {
            let epochs = if strategy == Strategy::Frozen { 20 } else { 4 };
            let mut spec = spec(strategy, &fixture, LineageSource::Infer { min_share: 0.5 }, epochs);
            spec.head = choice;
            spec.mlp = MlpSpec { layers: 2, width: Some(24), ..MlpSpec::default() };
            if strategy == Strategy::Frozen {
                spec.config.head_learning_rate = Some(2e-2);
            }
            let what = format!("{strategy} {choice}");
            let run_dir = out.path().join(format!("{strategy}-{choice}-run"));
            let outcome = retrain(&spec, &fixture.data, &run_dir, false, &device()).expect("the run succeeds");
            let test = outcome.test.as_ref().expect("a test split was given");
            // Learning is checked on the linear head above; here only that each head learns at all.
            assert!(test.micro.f1 > 0.5, "{what}: test F1 {}", test.micro.f1);

            let model_dir = out.path().join(format!("{strategy}-{choice}"));
            write_outcome(&outcome, &spec, &model_dir).expect("writing the outcome");
            assert!(model_dir.join(folder::MODEL_FILE).is_file(), "{what}: not a plain HF model");
            let reloaded = folder::load(&model_dir, &plain).expect("reloads");
            assert_eq!(reloaded.tagger().spec(), outcome.model.tagger().spec(), "{what}");
            let config = &reloaded.encoder().expect("an encoder").config;
            let options = align_options(&spec.config, config, &tokenizer).expect("options");
            let dev = AlignedSplit::align(&fixture.data.dev, &tokenizer, &labels, &options, "dev").expect("aligned");
            let dev = Inputs::Windows(dev);
            let before = predict(&outcome.model, &dev, 16, &plain).expect("tags in memory");
            let after = predict(&reloaded, &dev, 16, &plain).expect("tags after reloading");
            assert_eq!(before, after, "{what}: the reloaded model tags differently");
            if choice.crf {
                for tags in &after {
                    assert!(retag_data::scheme::violations(tags, Scheme::Iob2).is_empty(), "{what}: {tags:?}");
                }
            }
            // An exported model with another head is an old model like any other:
            // warm-start reads it back and copies its MLP's output rows.
            if strategy == Strategy::Naive && choice.kind == HeadKind::Mlp {
                let mut again = spec.clone();
                again.strategy = Strategy::WarmStart;
                again.old_model = Some(model_dir.clone());
                again.lineage = LineageSource::Infer { min_share: 0.5 };
                again.config.epochs = 1;
                let run_dir = out.path().join(format!("again-{choice}-run"));
                let outcome = retrain(&again, &fixture.data, &run_dir, false, &device()).expect("warm-start from it");
                let (copied, perturbed, random) = outcome.warm_start.expect("a warm-start report").counts();
                assert_eq!(copied + perturbed + random, labels.len(), "{what}");
                assert!(copied >= 3, "{what}: O and the person and place rows come from the MLP's own rows");
            }
        }
    }
}

#[test]
fn warm_start_needs_the_old_heads_kind() {
    let _turn = serial();
    let fixture = fixture();
    let mut spec = spec(Strategy::WarmStart, &fixture, LineageSource::Mapping(mapping()), 1);
    spec.head = HeadChoice { kind: HeadKind::Mlp, crf: false };
    let run = TempDir::new().expect("a temporary directory");
    let error = retrain(&spec, &fixture.data, run.path(), false, &device()).err().expect("refused");
    assert!(error.to_string().contains("the old model has a linear head"), "{error}");
}

/// The values of the model's parameters whose path starts with `prefix`
/// (`encoder.embeddings.`, `encoder.layers.1.`, `tagger.`).
fn group_values(model: &TaggerModel, prefix: &str) -> Vec<f32> {
    struct Values(Vec<Vec<f32>>);
    impl ModuleVisitor for Values {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(param.val().into_data().iter::<f32>().collect());
        }
    }
    let mut values = Values(Vec::new());
    model.visit(&mut values);
    let paths = retag_train::optimizer::ParamPaths::of(model);
    paths.all.iter().zip(values.0).filter(|(path, _)| path.starts_with(prefix)).flat_map(|(_, v)| v).collect()
}

/// Gradual unfreezing checked where it acts: in each stage of
/// `head:1,top1:1,all:1`, one backward pass gives a gradient to exactly the
/// parameters of the groups the stage trains, and to nothing else.
#[test]
fn each_progressive_stage_gives_gradients_to_exactly_the_groups_it_trains() {
    use retag_model::GroupName;
    let _turn = serial();
    let fixture = fixture();
    let device = device();
    let model = folder::load(&fixture.old, &device).expect("the old model");
    let layers = model.encoder().expect("an encoder").config.num_hidden_layers;
    assert_eq!(layers, 2, "the tiny model's depth");
    let plan: retag_retrain::StagePlan = "head:1,top1:1,all:1".parse().expect("valid stages");
    let config = TrainConfig { stages: plan.group_stages(layers, None).expect("fits"), ..config(3) };
    let tokenizer = retag_data::align::load_tokenizer(&fixture.old).expect("tokenizer");
    let options = align_options(&config, &model.encoder().unwrap().config, &tokenizer).expect("options");
    let aligned =
        AlignedSplit::align(&split(sentences(8, 9, &OLD), "g.conll"), &tokenizer, model.tagset(), &options, "train")
            .expect("aligned");
    let inputs = Inputs::Windows(aligned);
    let ids: Vec<_> = inputs.units().into_iter().map(|(id, _)| id).collect();
    let paths = retag_train::optimizer::ParamPaths::of(&model);
    let trains: [&dyn Fn(&GroupName) -> bool; 3] =
        [&|group| *group == GroupName::Head, &|group| matches!(group, GroupName::Head | GroupName::Layer(1)), &|_| {
            true
        }];
    for (epoch, trains) in trains.into_iter().enumerate() {
        let staged = retag_train::stages::enter(model.clone(), &paths, &config, epoch);
        let batch = inputs.batch(&ids, &staged, &device).expect("a batch");
        let gradients = staged.loss(batch.hidden, &batch.labels).expect("a loss").backward();
        struct HasGradient<'a>(&'a burn::tensor::Gradients, Vec<bool>);
        impl ModuleVisitor for HasGradient<'_> {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                self.1.push(param.val().grad(self.0).is_some());
            }
        }
        let mut seen = HasGradient(&gradients, Vec::new());
        staged.visit(&mut seen);
        assert_eq!(seen.1.len(), paths.all.len());
        for (path, has_gradient) in paths.all.iter().zip(seen.1) {
            let group = retag_model::groups::group_of(path);
            assert_eq!(has_gradient, trains(&group), "epoch {epoch}: {path} ({group})");
        }
    }
}

/// A progressive run end to end: with `head:1,top1:1` the embeddings and the
/// bottom layer never move (the kept weights may be either epoch's, so that
/// the top layer trains in the second is checked on the gradients above),
/// and the run lasts the stages' two epochs. Stages on another strategy, and a layer decay on
/// a strategy that trains no encoder, are refused by name.
#[test]
fn progressive_opens_the_encoder_from_the_top_and_its_flags_are_refused_elsewhere() {
    let _turn = serial();
    let fixture = fixture();
    let old = folder::load(&fixture.old, &Device::flex()).expect("the old model");
    let mut progressive = spec(Strategy::Progressive, &fixture, LineageSource::Mapping(mapping()), 7);
    progressive.schedule.stages = Some("head:1,top1:1".parse().expect("valid stages"));
    progressive.schedule.layer_decay = Some(0.5);
    let run = TempDir::new().expect("a temporary directory");
    let outcome = retrain(&progressive, &fixture.data, run.path(), false, &device()).expect("the run succeeds");
    assert_eq!(outcome.timing.epochs, 2, "the stages decide the length, not config.epochs");
    for kept in ["encoder.embeddings.", "encoder.layers.0."] {
        assert_eq!(group_values(&old, kept), group_values(&outcome.model, kept), "{kept} moved while frozen");
    }
    assert!(outcome.warm_start.is_some(), "progressive starts from warm-start's head");

    let refused = |strategy, stages: Option<&str>, decay: Option<f64>, expected: &str| {
        let mut spec = spec(strategy, &fixture, LineageSource::Mapping(mapping()), 1);
        spec.schedule.stages = stages.map(|text| text.parse().expect("valid stages"));
        spec.schedule.layer_decay = decay;
        let run = TempDir::new().expect("a temporary directory");
        let error = retrain(&spec, &fixture.data, run.path(), false, &device()).err().expect("refused").to_string();
        assert!(error.contains(expected), "{strategy}: {error}");
    };
    refused(Strategy::Naive, Some("head:1,all:1"), None, "stages are for progressive, not naive");
    refused(Strategy::Frozen, None, Some(0.8), "strategy frozen trains no encoder layer");
    refused(Strategy::Progressive, Some("top3:1"), None, "opens 3 layers but the encoder has 2");
    refused(Strategy::WarmStart, None, Some(1.5), "it must be in (0, 1]");
}

/// The retention score: both models tag data annotated with the OLD tagset;
/// the retrained model's person/place fold back into PER/LOC through the
/// mapping (greeting, with no parent, folds into O), and both are scored
/// against the old gold. A strategy that computes no lineage for itself
/// (naive) gets one for the fold, and metrics.json keeps both scores.
#[test]
fn the_retention_score_folds_the_new_tags_back_and_scores_both_models() {
    let _turn = serial();
    let mut fixture = fixture();
    fixture.data.retain = Some(split(sentences(24, 6, &OLD), "old-test.conll"));
    let spec = spec(Strategy::Naive, &fixture, LineageSource::Mapping(mapping()), 5);
    let out = TempDir::new().expect("a temporary directory");
    let outcome = retrain(&spec, &fixture.data, &out.path().join("run"), false, &device()).expect("the run succeeds");
    let retention = outcome.retention.as_ref().expect("retention data was given");
    assert!(retention.old_model.micro.f1 > 0.9, "the old model knows its own tagset: {}", retention.old_model.micro.f1);
    assert!(retention.retrained.micro.f1 > 0.7, "person/place fold into PER/LOC: {}", retention.retrained.micro.f1);
    let scored: Vec<&String> = retention.retrained.per_type.keys().collect();
    assert_eq!(scored, [OLD.place, OLD.person], "scored in the old types only");
    assert!(retention.merged_types.is_empty());
    assert!(outcome.lineage.is_some(), "naive computed a lineage for the fold");
    assert!(retention.summary().contains("old-test.conll"), "{}", retention.summary());

    let model_dir = out.path().join("model");
    write_outcome(&outcome, &spec, &model_dir).expect("writing the outcome");
    let metrics = retag_data::run_metrics::RunMetrics::read(&model_dir).expect("metrics.json reads back");
    let kept = metrics.retention.expect("retention in metrics.json");
    assert_eq!(kept.retrained.micro.f1, retention.retrained.micro.f1);
    assert_eq!(kept.old_model.micro.f1, retention.old_model.micro.f1);

    // Old-tagset data with a tag the old model does not know is refused by name.
    fixture.data.retain = Some(split(sentences(4, 7, &NEW), "wrong-tagset.conll"));
    let error = retrain(&spec, &fixture.data, &out.path().join("run2"), false, &device()).err().expect("refused");
    assert!(error.to_string().contains("wrong-tagset.conll"), "{error}");
}

/// Distillation as a recipe: the lineage gives the fold, the old model is
/// the teacher (the whole model over windows; the old head alone over the
/// frozen strategy's cache), and every epoch's log carries the KL term. A
/// frozen run with retention data reads the old model on the plain device.
#[test]
fn distillation_from_the_old_model_runs_for_windows_and_for_the_frozen_cache() {
    let _turn = serial();
    let mut fixture = fixture();
    fixture.data.retain = Some(split(sentences(8, 8, &OLD), "old-test.conll"));
    for strategy in [Strategy::Naive, Strategy::Frozen] {
        let mut spec = spec(strategy, &fixture, LineageSource::Mapping(mapping()), 2);
        spec.distill = Some(retag_retrain::DistillSpec { weight: 1.0, temperature: 2.0 });
        let run = TempDir::new().expect("a temporary directory");
        let outcome = retrain(&spec, &fixture.data, run.path(), false, &device()).expect("the run succeeds");
        let log = retag_train::read_eval_log(run.path()).expect("the evaluation log");
        assert_eq!(log.len(), 2, "{strategy}");
        for record in &log {
            let term = record.train_distill_loss.expect("the KL term is logged");
            assert!(term > 0.0 && term.is_finite(), "{strategy}: {term}");
        }
        assert!(outcome.retention.is_some(), "{strategy}");
    }
    let mut full = spec(Strategy::Full, &fixture, LineageSource::Mapping(mapping()), 1);
    full.distill = Some(retag_retrain::DistillSpec { weight: 1.0, temperature: 2.0 });
    let run = TempDir::new().expect("a temporary directory");
    let error = retrain(&full, &fixture.data, run.path(), false, &device()).err().expect("refused").to_string();
    assert!(error.contains("full does not start from the old model"), "{error}");
}
