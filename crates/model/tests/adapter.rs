//! The adapter on tiny random models: what it adds to the encoder's output,
//! that only its layer learns, that a sentence's features do not depend on
//! the batch it is padded in, and that a model folder keeps it exactly.

use std::path::Path;

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Gradients, Tensor};
use retag_bert::{BertConfig, BertInput, BertModel};
use retag_data::{Scheme, Tagset};
use retag_heads::{Head, HeadKind, Tagger};
use retag_model::{Adapter, AdapterKind, AdapterSpec, OldModel, TaggerModel, folder};

fn tiny_config() -> BertConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bert/tests/fixtures/tiny-bert-ner/config.json");
    BertConfig::from_file(&path).expect("the committed tiny config loads")
}

fn old_model(device: &Device) -> OldModel {
    let config = tiny_config();
    let labels = Tagset::from_types(&["PER", "LOC", "ORG"], Scheme::Iob2).unwrap();
    let head = Head::random(HeadKind::Linear, labels, config.hidden_size, 0.1, 7, device).unwrap();
    device.seed(11);
    OldModel { encoder: BertModel::init(&config, device), tagger: Tagger::new(head) }
}

/// A new model over a copy of the old encoder, with an adapter of `spec`
/// and a fresh head for a new tagset.
fn new_model(spec: AdapterSpec, device: &Device) -> TaggerModel {
    let old = old_model(device);
    let config = tiny_config();
    let labels = Tagset::from_types(&["person", "group", "product"], Scheme::Iob2).unwrap();
    let head = Head::random(HeadKind::Linear, labels, config.hidden_size + spec.width, 0.1, 3, device).unwrap();
    let adapter = Adapter::new(old.clone(), spec, 5, device).unwrap();
    TaggerModel::with_parts(old.encoder, adapter, Tagger::new(head)).unwrap()
}

fn input(rows: &[Vec<u32>], device: &Device) -> BertInput {
    BertInput::padded(rows, 0, &tiny_config(), device).unwrap()
}

fn values(tensor: Tensor<3>) -> Vec<f32> {
    tensor.into_data().convert::<f32>().try_into_vec::<f32>().unwrap()
}

const SPECS: [AdapterSpec; 2] =
    [AdapterSpec { kind: AdapterKind::BiLstm, width: 8 }, AdapterSpec { kind: AdapterKind::Linear, width: 6 }];

#[test]
fn the_head_reads_the_encoder_output_followed_by_the_adapter_features() {
    let device = Device::flex();
    for spec in SPECS {
        let model = new_model(spec, &device).valid();
        assert_eq!(model.adapter().unwrap().spec(), spec);
        let hidden = model.encode(&input(&[vec![2, 5, 6, 3], vec![2, 7, 3]], &device)).unwrap();
        assert_eq!(hidden.dims(), [2, 4, tiny_config().hidden_size + spec.width], "{spec:?}");
        assert_eq!(model.emissions(hidden).unwrap().dims(), [2, 4, 7]);
        assert!(!model.is_token_classification());
    }
}

#[test]
fn a_head_of_the_wrong_width_or_an_odd_bilstm_is_refused() {
    let device = Device::flex();
    let old = old_model(&device);
    let config = tiny_config();
    let labels = Tagset::from_types(&["X"], Scheme::Iob2).unwrap();
    let narrow = Head::random(HeadKind::Linear, labels, config.hidden_size, 0.0, 1, &device).unwrap();
    let adapter = Adapter::new(old.clone(), AdapterSpec { kind: AdapterKind::Linear, width: 4 }, 1, &device).unwrap();
    let error = TaggerModel::with_parts(old.encoder.clone(), adapter, Tagger::new(narrow)).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("the head reads {0}-wide states, the encoder and the adapter give {0} + 4", config.hidden_size)
    );
    let odd = Adapter::new(old, AdapterSpec { kind: AdapterKind::BiLstm, width: 5 }, 1, &device).unwrap_err();
    assert!(odd.to_string().contains("must be even, not 5"), "{odd}");
    assert!("gru".parse::<AdapterKind>().unwrap_err().contains("bilstm, linear"));
}

#[test]
fn a_sentence_gets_the_same_features_however_it_is_padded() {
    let device = Device::flex();
    for spec in SPECS {
        let model = new_model(spec, &device).valid();
        let alone = values(model.encode(&input(&[vec![2, 5, 6, 3]], &device)).unwrap());
        let padded = values(model.encode(&input(&[vec![2, 5, 6, 3], vec![2, 8, 9, 10, 11, 12, 3]], &device)).unwrap());
        let width = tiny_config().hidden_size + spec.width;
        for (at, (a, b)) in alone.iter().zip(&padded[..4 * width]).enumerate() {
            assert!((a - b).abs() < 1e-5, "{spec:?} position {} value {}: {a} vs {b}", at / width, at % width);
        }
    }
}

/// Which parameters a backward pass reaches.
struct WithGradient<'a>(&'a Gradients, Vec<String>, Vec<(String, bool)>);

impl ModuleVisitor for WithGradient<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.1.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.1.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let has = param.val().grad(self.0).is_some();
        self.2.push((self.1.join("."), has));
    }
}

#[test]
fn the_adapter_layer_learns_and_the_old_model_stays_out_of_training() {
    let device = Device::flex().autodiff();
    for spec in SPECS {
        let model = new_model(spec, &device);
        let old_before = values(model.adapter().unwrap().old_distribution(&input(&[vec![2, 5, 3]], &device)).unwrap());
        let hidden = model.encode(&input(&[vec![2, 5, 6, 3]], &device)).unwrap();
        let labels = [None, Some(1), Some(2), None];
        let loss = model.loss(hidden, &labels).unwrap();
        let grads = loss.backward();
        let mut visitor = WithGradient(&grads, Vec::new(), Vec::new());
        model.visit(&mut visitor);
        let reached: Vec<&str> = visitor.2.iter().filter(|(_, has)| *has).map(|(path, _)| path.as_str()).collect();
        assert!(reached.iter().any(|path| path.starts_with("adapter.layer.")), "{reached:?}");
        assert!(reached.iter().any(|path| path.starts_with("encoder.")), "{reached:?}");
        assert!(reached.iter().any(|path| path.starts_with("tagger.")), "{reached:?}");
        assert!(
            visitor.2.iter().all(|(path, _)| !path.contains("old")),
            "the old model is no parameter: {:?}",
            visitor.2
        );
        let old = model.adapter().unwrap().old();
        assert!(!old.encoder.embeddings.word_embeddings.weight.val().is_autodiff(), "the old model builds no graph");
        let old_after = values(model.adapter().unwrap().old_distribution(&input(&[vec![2, 5, 3]], &device)).unwrap());
        assert_eq!(old_before, old_after, "no dropout in the old model");
    }
}

#[test]
fn a_model_folder_keeps_the_adapter_and_its_old_model() {
    let device = Device::flex();
    let dir = tempfile::tempdir().unwrap();
    for spec in SPECS {
        let model = new_model(spec, &device);
        let out = dir.path().join(spec.kind.name());
        folder::export(&model, &out, None).unwrap();
        assert!(out.join(folder::OLD_MODEL_DIR).join("config.json").is_file());
        let loaded = folder::load(&out, &device).unwrap();
        let batch = input(&[vec![2, 5, 6, 3], vec![2, 7, 3]], &device);
        let expected = values(model.valid().emissions(model.valid().encode(&batch).unwrap()).unwrap());
        let found = values(loaded.valid().emissions(loaded.valid().encode(&batch).unwrap()).unwrap());
        assert_eq!(expected, found, "{spec:?}: the reloaded model scores as the saved one");
        assert_eq!(loaded.adapter().unwrap().old_tagset().labels().len(), 7);
    }
}

#[test]
fn a_damaged_adapter_file_is_named() {
    let device = Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let model = new_model(SPECS[1], &device);
    let out = dir.path().join("model");
    folder::export(&model, &out, None).unwrap();
    let file = out.join(retag_model::adapter_file::ADAPTER_FILE);
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let error = folder::load(&out, &device).unwrap_err().to_string();
    assert!(error.contains("adapter.safetensors") && error.contains("not a safetensors file"), "{error}");

    // The linear file loaded as a BiLSTM: every BiLSTM tensor is missing.
    let text = std::fs::read_to_string(out.join(folder::MODEL_FILE)).unwrap();
    std::fs::write(&file, &bytes).unwrap();
    let with_adapter = |kind: &str, width: usize| {
        let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
        json["adapter"]["kind"] = kind.into();
        json["adapter"]["width"] = width.into();
        std::fs::write(out.join(folder::MODEL_FILE), json.to_string()).unwrap();
    };
    with_adapter("bilstm", 8);
    let error = folder::load(&out, &device).unwrap_err().to_string();
    assert!(error.contains("missing tensor BiLstm."), "{error}");

    // A width that disagrees with the file: the shape is named.
    with_adapter("linear", 7);
    let error = folder::load(&out, &device).unwrap_err().to_string();
    assert!(error.contains("Linear.weight has shape [7, 6], expected [7, 7]"), "{error}");
}
