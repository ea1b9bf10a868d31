//! Input features on tiny random models (2 layers, hidden 32): what they add
//! to the encoder's output, that a model folder keeps them (files and
//! tables) so a reloaded model computes the same features and scores from
//! the same words, and that a folder whose description does not fit its
//! tables, or its head, is refused by name.

use std::path::Path;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use retag_bert::{BertConfig, BertModel};
use retag_data::align::{AlignedSentence, LengthRounding, Window};
use retag_data::features::{FeatureSpec, InputFeatures};
use retag_data::{Location, Scheme, Tagset};
use retag_heads::{Head, HeadKind, Tagger};
use retag_model::{FeatureEmbeddings, TaggerModel, folder, verify_folder, window_batches};

fn tiny_config() -> BertConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bert/tests/fixtures/tiny-bert-ner/config.json");
    BertConfig::from_file(&path).expect("the committed tiny config loads")
}

/// Shape, a two-type gazetteer and one pattern: four channels. The files
/// are written into `dir`.
fn features(dir: &Path) -> InputFeatures {
    std::fs::write(dir.join("names.txt"), "Paris\tLOC\nParis Hilton\tPER\nNew York\tLOC\n").unwrap();
    std::fs::write(dir.join("patterns.tsv"), "year\t\\d{4}\n").unwrap();
    let spec: FeatureSpec =
        format!("shape,gazetteer:{},regex:{}", dir.join("names.txt").display(), dir.join("patterns.tsv").display())
            .parse()
            .unwrap();
    InputFeatures::read(&spec).unwrap()
}

/// A model with `features` as `dim`-wide embeddings and a head of `kind`
/// (with a CRF if asked) that reads them.
fn model(features: InputFeatures, dim: usize, kind: HeadKind, crf: bool, device: &Device) -> TaggerModel {
    let config = tiny_config();
    let embeddings = FeatureEmbeddings::new(features, dim, 5, device).unwrap();
    let labels = Tagset::from_types(&["LOC", "PER"], Scheme::Iob2).unwrap();
    let head = Head::random(kind, labels, config.hidden_size + embeddings.width(), 0.1, 3, device).unwrap();
    let tagger = if crf { Tagger::with_new_crf(head, Some(Scheme::Iob2), 4).unwrap() } else { Tagger::new(head) };
    device.seed(11);
    TaggerModel::from_parts(BertModel::init(&config, device), None, Some(embeddings), tagger).unwrap()
}

/// `words` as one window `[CLS] w1 .. wn [SEP]`, each word one token.
fn aligned(words: &[&str]) -> AlignedSentence {
    let n = words.len();
    let word_index = std::iter::once(None).chain((0..n).map(Some)).chain(std::iter::once(None)).collect();
    AlignedSentence {
        at: Location::unnamed(Some(1)),
        word_count: n,
        words: words.iter().map(|word| word.to_string()).collect(),
        windows: vec![Window {
            input_ids: std::iter::once(2).chain((0..n as u32).map(|i| 5 + i)).chain(std::iter::once(3)).collect(),
            attention_mask: vec![1; n + 2],
            labels: vec![None; n + 2],
            word_index,
            words: 0..n,
            owned: 0..n,
        }],
        warnings: Vec::new(),
    }
}

fn sentences() -> Vec<AlignedSentence> {
    vec![aligned(&["Paris", "Hilton", "was", "born", "in", "1981"]), aligned(&["New", "York", "!"])]
}

/// The head's scores over every window of `sentences`, batch by batch.
fn scores(model: &TaggerModel, sentences: &[AlignedSentence], device: &Device) -> Vec<f32> {
    let mut values = Vec::new();
    for batch in window_batches(sentences, 8, 0, LengthRounding::NONE) {
        let hidden = model.encode_batch(&batch, sentences, device).unwrap();
        values.extend(model.emissions(hidden).unwrap().into_data().try_to_vec::<f32>().unwrap());
    }
    values
}

#[test]
fn the_head_reads_the_encoder_output_followed_by_the_features_embeddings() {
    let device = Device::flex();
    let dir = tempfile::TempDir::new().unwrap();
    let model = model(features(dir.path()), 6, HeadKind::Linear, false, &device).valid();
    let channels = model.input_features().unwrap().channels().len();
    assert_eq!(channels, 4);
    let sentences = sentences();
    let batch = &window_batches(&sentences, 8, 0, LengthRounding::NONE)[0];
    let hidden = model.encode_batch(batch, &sentences, &device).unwrap();
    let width = tiny_config().hidden_size;
    assert_eq!(hidden.dims(), [2, 8, width + channels * 6]);
    // Row 0 is the longer sentence; its "Paris" (position 1) carries the
    // shape table's "capitalised" row in the first 6 feature columns.
    let embeddings = model.feature_embeddings().unwrap();
    let shape_table = embeddings.tables()[0].weight.val().into_data().try_to_vec::<f32>().unwrap();
    let capitalised = retag_data::features::Shape::Capitalised.id() as usize;
    let read: Vec<f32> = hidden.clone().slice([0..1, 1..2, width..width + 6]).into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(read, shape_table[capitalised * 6..(capitalised + 1) * 6]);
    // [CLS] reads row 0 of every table ("no word").
    let cls: Vec<f32> = hidden.slice([0..1, 0..1, width..width + 6]).into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(cls, shape_table[..6]);

    assert!(!model.is_token_classification());
    let error = model.encode(&retag_bert::BertInput::padded(&[vec![2, 5, 3]], 0, &tiny_config(), &device).unwrap());
    assert!(error.unwrap_err().to_string().contains("reads input features"), "encode without words");
    let error = model.clone().into_token_classification().unwrap_err().to_string();
    assert!(error.contains("input features"), "{error}");
}

/// A GPU pads batches to a multiple of 32 (`length_rounding`); the padding
/// is masked, so every real position scores as in a batch padded only to
/// its longest window, features and CRF-free head alike.
#[test]
fn batches_rounded_up_score_their_real_positions_alike() {
    let device = Device::flex();
    let dir = tempfile::TempDir::new().unwrap();
    let model = model(features(dir.path()), 6, HeadKind::Linear, false, &device).valid();
    let sentences = sentences();
    let plain = &window_batches(&sentences, 8, 0, LengthRounding::NONE)[0];
    let rounded = &window_batches(&sentences, 8, 0, LengthRounding { multiple: 32, at_most: 512 })[0];
    assert_eq!((plain.seq_len, rounded.seq_len), (8, 32));
    let emissions = |batch| {
        let hidden = model.encode_batch(batch, &sentences, &device).unwrap();
        model.emissions(hidden).unwrap()
    };
    let (plain_scores, rounded_scores) = (emissions(plain), emissions(rounded));
    let labels = plain_scores.dims()[2];
    for (row, sentence) in sentences.iter().enumerate() {
        let real = sentence.windows[0].len();
        let read = |scores: &Tensor<3>| {
            scores.clone().slice([row..row + 1, 0..real, 0..labels]).into_data().try_to_vec::<f32>().unwrap()
        };
        let (a, b) = (read(&plain_scores), read(&rounded_scores));
        let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-5, "row {row}: scores differ by {worst}");
    }
}

#[test]
fn a_head_must_read_the_encoder_and_the_features_together() {
    let device = Device::flex();
    let dir = tempfile::TempDir::new().unwrap();
    let config = tiny_config();
    let embeddings = FeatureEmbeddings::new(features(dir.path()), 6, 5, &device).unwrap();
    let labels = Tagset::from_types(&["LOC"], Scheme::Iob2).unwrap();
    let head = Head::random(HeadKind::Linear, labels, config.hidden_size, 0.1, 3, &device).unwrap();
    let error = TaggerModel::from_parts(BertModel::init(&config, &device), None, Some(embeddings), Tagger::new(head));
    assert_eq!(
        error.unwrap_err().to_string(),
        format!("the head reads {0}-wide states, the encoder and the input features give {0} + 24", config.hidden_size)
    );
    let zero = FeatureEmbeddings::new(features(dir.path()), 0, 5, &device).unwrap_err().to_string();
    assert!(zero.contains("at least 1 wide"), "{zero}");
}

/// Every head with and without a CRF: exported, the originals deleted,
/// reloaded as `predict` loads it, the model computes the same features and
/// the same scores from the same words, and the folder verifies.
#[test]
fn a_model_folder_keeps_the_features_and_scores_the_same_words_alike() {
    let device = Device::flex();
    for kind in HeadKind::ALL {
        for crf in [false, true] {
            let dir = tempfile::TempDir::new().unwrap();
            let model = model(features(dir.path()), 4, kind, crf, &device).valid();
            let out = dir.path().join("model");
            folder::export(&model, &out, None).unwrap();
            std::fs::remove_file(dir.path().join("names.txt")).unwrap();
            std::fs::remove_file(dir.path().join("patterns.tsv")).unwrap();
            let loaded = folder::load(&out, &device).unwrap();
            let label = format!("{kind} crf={crf}");
            let words = ["Paris", "Hilton", "visited", "new", "york", "in", "2019", "😀"];
            let (kept, found) = (model.input_features().unwrap(), loaded.input_features().unwrap());
            assert_eq!(found.word_ids(&words), kept.word_ids(&words), "{label}");
            assert_eq!(found.channels(), kept.channels(), "{label}");
            assert_eq!(scores(&loaded, &sentences(), &device), scores(&model, &sentences(), &device), "{label}");
            verify_folder(&model, &out, &device).unwrap();
            let description: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(out.join("retag-model.json")).unwrap()).unwrap();
            assert_eq!(description["feature_tables"]["dim"], 4, "{label}");
            assert_eq!(description["input_features"][1]["channels"], serde_json::json!(["LOC", "PER"]));
        }
    }
}

/// Rewrites the JSON file at `path` with `edit`.
fn edit_json(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut value);
    std::fs::write(path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
}

/// (how the folder is damaged, words the load error must hold)
#[test]
fn a_folder_whose_features_do_not_fit_its_tables_is_refused_by_name() {
    let device = Device::flex();
    type Damage = fn(&Path);
    let cases: &[(Damage, &[&str])] = &[
        // The description says 8-wide tables; the file holds 4-wide ones.
        (
            |out| edit_json(&out.join("retag-model.json"), |json| json["feature_tables"]["dim"] = 8.into()),
            &[
                "input-features.safetensors",
                "tables.0.weight has shape [12, 4], expected [12, 8]",
                "4 input-feature channels, 8 wide",
            ],
        ),
        // A gazetteer copy with a third type, described as such: the tables
        // after it are read for other channels (the first misfit is named).
        (
            |out| {
                std::fs::write(out.join("input-features/2-gazetteer.txt"), "Paris\tLOC\nParis Hilton\tPER\nIBM\tORG\n")
                    .unwrap();
                edit_json(&out.join("retag-model.json"), |json| {
                    json["input_features"][1]["channels"] = serde_json::json!(["LOC", "ORG", "PER"])
                });
            },
            &[
                "input-features.safetensors",
                "tables.3.weight has shape [3, 4], expected [4, 4]",
                "5 input-feature channels",
            ],
        ),
        // A copy edited into other types than described.
        (
            |out| std::fs::write(out.join("input-features/2-gazetteer.txt"), "Paris\tGPE\n").unwrap(),
            &["retag-model.json: input feature 2", "[\"GPE\"]"],
        ),
        // Tables without features, features without tables.
        (
            |out| edit_json(&out.join("retag-model.json"), |json| json["input_features"] = serde_json::json!([])),
            &["retag-model.json", "feature_tables without input_features"],
        ),
        (
            |out| edit_json(&out.join("retag-model.json"), |json| json["feature_tables"] = serde_json::Value::Null),
            &["retag-model.json", "input_features without feature_tables"],
        ),
        // A table file gone.
        (|out| std::fs::remove_file(out.join("input-features.safetensors")).unwrap(), &["input-features.safetensors"]),
    ];
    for (index, (damage, words)) in cases.iter().enumerate() {
        let dir = tempfile::TempDir::new().unwrap();
        let model = model(features(dir.path()), 4, HeadKind::Linear, false, &device).valid();
        let out = dir.path().join("model");
        folder::export(&model, &out, None).unwrap();
        damage(&out);
        let error = folder::load(&out, &device).unwrap_err().to_string();
        for word in *words {
            assert!(error.contains(word), "case {index}: {error}");
        }
    }
}

/// A gazetteer copy edited with the same types loads (its channels fit the
/// tables), but computes other features than training did: verification
/// catches it before a command reports success.
#[test]
fn verification_catches_a_copy_that_computes_other_features() {
    let device = Device::flex();
    let dir = tempfile::TempDir::new().unwrap();
    let model = model(features(dir.path()), 4, HeadKind::Linear, false, &device).valid();
    let out = dir.path().join("model");
    folder::export(&model, &out, None).unwrap();
    std::fs::write(out.join("input-features/2-gazetteer.txt"), "London\tLOC\nAnn Lee\tPER\n").unwrap();
    folder::load(&out, &device).expect("the same channels load");
    let error = verify_folder(&model, &out, &device).unwrap_err().to_string();
    assert!(error.contains("reloads with the input features"), "{error}");
}

#[test]
fn the_frozen_path_joins_features_to_states_computed_elsewhere() {
    let device = Device::flex();
    let dir = tempfile::TempDir::new().unwrap();
    let full = model(features(dir.path()), 4, HeadKind::Linear, false, &device).valid();
    let sentences = sentences();
    let batch = &window_batches(&sentences, 8, 0, LengthRounding::NONE)[0];
    let expected = full.encode_batch(batch, &sentences, &device).unwrap();
    // The encoder's states alone, then the head-only model joins the features.
    let (encoder, head_only) = full.split_encoder();
    let encoder = encoder.unwrap();
    let states = encoder.forward(&retag_model::encoder_input(batch, &encoder.config, &device).unwrap());
    let ids = head_only.input_features().unwrap().batch_ids(batch, &sentences).unwrap();
    let joined: Tensor<3> = head_only.join_features(states.clone(), Some(&ids)).unwrap();
    assert_eq!(joined.into_data().try_to_vec::<f32>().unwrap(), expected.into_data().try_to_vec::<f32>().unwrap());
    let error = head_only.join_features(states, None).unwrap_err().to_string();
    assert!(error.contains("came without them"), "{error}");
}
