//! load -> export -> load gives identical tensors, config and labels; the
//! exported safetensors holds exactly the original checkpoint's tensors.

mod common;

use std::collections::BTreeMap;

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Tensor;
use retag_bert::{BertError, BertForTokenClassification, export_token_classification};
use safetensors::SafeTensors;

/// Every float parameter of a module, by path, as f32 values.
#[derive(Default)]
struct Values {
    path: Vec<String>,
    values: BTreeMap<String, Vec<f32>>,
}

impl ModuleVisitor for Values {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let values = param.val().into_data().try_into_vec_as::<f32>().unwrap();
        self.values.insert(self.path.join("."), values);
    }
}

fn values(model: &BertForTokenClassification) -> BTreeMap<String, Vec<f32>> {
    let mut visitor = Values::default();
    model.visit(&mut visitor);
    visitor.values
}

/// name -> (dtype, shape, bytes) of a safetensors file.
fn tensors(path: &std::path::Path) -> BTreeMap<String, (String, Vec<usize>, Vec<u8>)> {
    let bytes = std::fs::read(path).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    file.tensors()
        .into_iter()
        .map(|(name, view)| (name, (format!("{:?}", view.dtype()), view.shape().to_vec(), view.data().to_vec())))
        .collect()
}

#[test]
fn load_export_load_is_the_identity() {
    let device = common::device();
    let original = BertForTokenClassification::from_pretrained(&common::tiny_dir(), &device).unwrap();
    let out = tempfile::tempdir().unwrap();
    let exported_dir = out.path().join("exported");
    export_token_classification(&original, &exported_dir, Some(&common::tiny_dir())).unwrap();

    let reloaded = BertForTokenClassification::from_pretrained(&exported_dir, &device).unwrap();
    assert_eq!(reloaded.bert.config, original.bert.config);
    assert_eq!(reloaded.labels, original.labels);
    let (before, after) = (values(&original), values(&reloaded));
    assert_eq!(before.len(), 2 * 16 + 5 + 2);
    assert_eq!(before, after);

    // Same names, dtypes, shapes and bytes as the checkpoint transformers wrote.
    assert_eq!(
        tensors(&exported_dir.join("model.safetensors")),
        tensors(&common::tiny_dir().join("model.safetensors"))
    );
    // Nothing is left beside the destination.
    let entries: Vec<_> = std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, ["exported"]);
}

#[test]
fn the_exported_config_names_the_architecture_and_labels() {
    let device = common::device();
    let model = BertForTokenClassification::from_pretrained(&common::tiny_dir(), &device).unwrap();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("model");
    export_token_classification(&model, &dir, None).unwrap();
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["architectures"], serde_json::json!(["BertForTokenClassification"]));
    assert_eq!(config["num_labels"], 5);
    assert_eq!(config["id2label"]["3"], "B-LOC");
    assert_eq!(config["label2id"]["I-PER"], 2);
    assert_eq!(config["hidden_act"], "gelu");
}

#[test]
fn an_existing_destination_is_not_overwritten() {
    let device = common::device();
    let model = BertForTokenClassification::from_pretrained(&common::tiny_dir(), &device).unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("keep.txt"), "user data").unwrap();
    let error = export_token_classification(&model, out.path(), None).unwrap_err();
    assert!(matches!(&error, BertError::Export { .. }), "{error:?}");
    assert!(error.to_string().contains("already exists"), "{error}");
    assert_eq!(std::fs::read_to_string(out.path().join("keep.txt")).unwrap(), "user data");
}

#[test]
fn the_tokenizer_files_present_are_copied() {
    let device = common::device();
    let model = BertForTokenClassification::from_pretrained(&common::tiny_dir(), &device).unwrap();
    let tokenizer = tempfile::tempdir().unwrap();
    std::fs::write(tokenizer.path().join("vocab.txt"), "[PAD]\n[UNK]\n").unwrap();
    std::fs::write(tokenizer.path().join("tokenizer.json"), "{}").unwrap();
    std::fs::write(tokenizer.path().join("README.md"), "not a tokenizer file").unwrap();

    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("model");
    export_token_classification(&model, &dir, Some(tokenizer.path())).unwrap();
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    assert_eq!(files, ["config.json", "model.safetensors", "tokenizer.json", "vocab.txt"]);
    assert_eq!(std::fs::read_to_string(dir.join("vocab.txt")).unwrap(), "[PAD]\n[UNK]\n");
}

#[test]
fn a_new_head_exports_its_own_labels() {
    // A model built for a new tagset from an old config: the export must
    // describe the new head, not the labels of the config it started from.
    let device = common::device();
    let old = BertForTokenClassification::from_pretrained(&common::tiny_dir(), &device).unwrap();
    let labels = retag_data::Tagset::new(vec!["O".into(), "B-ORG".into(), "I-ORG".into()]).unwrap();
    let model = BertForTokenClassification::init(&old.bert.config, labels.clone(), &device);

    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("model");
    export_token_classification(&model, &dir, None).unwrap();
    let reloaded = BertForTokenClassification::from_pretrained(&dir, &device).unwrap();
    assert_eq!(reloaded.labels, labels);
    assert_eq!(reloaded.bert.config.num_labels(), Some(3));
    assert_eq!(values(&reloaded), values(&model));
}
