//! A damaged checkpoint is refused with an error that names the file and the
//! tensor or config field to fix; it never panics and never loads partly.
//! Each case copies the tiny fixture to a temporary directory and damages it.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use retag_bert::{BertError, BertForTokenClassification, BertInput, BertModel};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

/// name -> (dtype, shape, little-endian bytes)
type Tensors = BTreeMap<String, (Dtype, Vec<usize>, Vec<u8>)>;

fn edit_tensors(dir: &Path, edit: impl FnOnce(&mut Tensors)) {
    let path = dir.join("model.safetensors");
    let bytes = std::fs::read(&path).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let mut tensors: Tensors = file
        .tensors()
        .into_iter()
        .map(|(name, view)| (name, (view.dtype(), view.shape().to_vec(), view.data().to_vec())))
        .collect();
    edit(&mut tensors);
    let views: Vec<(String, TensorView)> = tensors
        .iter()
        .map(|(name, (dtype, shape, data))| (name.clone(), TensorView::new(*dtype, shape.clone(), data).unwrap()))
        .collect();
    std::fs::write(&path, safetensors::serialize(views, None).unwrap()).unwrap();
}

fn edit_config(dir: &Path, edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) {
    let path = dir.join("config.json");
    let mut config: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(config.as_object_mut().unwrap());
    std::fs::write(&path, config.to_string()).unwrap();
}

fn f32_tensor(shape: &[usize]) -> (Dtype, Vec<usize>, Vec<u8>) {
    let count: usize = shape.iter().product();
    (Dtype::F32, shape.to_vec(), vec![0; count * 4])
}

fn load_error(dir: &Path) -> BertError {
    BertForTokenClassification::from_pretrained(dir, &common::device()).unwrap_err()
}

/// The error's message names `file` (a file of the damaged checkpoint) and every one of `names`.
fn assert_names(error: &BertError, dir: &Path, file: &str, names: &[&str]) {
    let message = error.to_string();
    let path = dir.join(file).display().to_string();
    assert!(message.contains(&path), "{message:?} does not name {path}");
    for name in names {
        assert!(message.contains(name), "{message:?} does not name {name:?}");
    }
}

#[test]
fn a_misshaped_tensor_is_named_with_both_shapes() {
    let dir = common::tiny_copy();
    let name = "bert.encoder.layer.1.intermediate.dense.weight";
    edit_tensors(dir.path(), |tensors| {
        tensors.insert(name.into(), f32_tensor(&[36, 32]));
    });
    let error = load_error(dir.path());
    assert!(
        matches!(&error, BertError::TensorShape { tensor, expected, found, .. }
        if tensor == name && expected == &[37, 32] && found == &[36, 32]),
        "{error:?}"
    );
    assert_names(&error, dir.path(), "model.safetensors", &[name, "[37, 32]", "[36, 32]"]);
}

#[test]
fn a_missing_tensor_is_named() {
    let dir = common::tiny_copy();
    let name = "bert.encoder.layer.0.attention.self.key.bias";
    edit_tensors(dir.path(), |tensors| {
        tensors.remove(name);
    });
    let error = load_error(dir.path());
    assert!(matches!(&error, BertError::MissingTensor { tensor, .. } if tensor == name), "{error:?}");
    assert_names(&error, dir.path(), "model.safetensors", &[name]);
}

#[test]
fn a_missing_classifier_is_named() {
    let dir = common::tiny_copy();
    edit_tensors(dir.path(), |tensors| {
        tensors.remove("classifier.weight");
    });
    let error = load_error(dir.path());
    assert!(matches!(&error, BertError::MissingTensor { tensor, .. } if tensor == "classifier.weight"), "{error:?}");
}

#[test]
fn unexpected_tensors_are_named() {
    let cases = [
        // A third layer in a 2-layer config.
        ("bert.encoder.layer.2.output.dense.bias", "not a parameter"),
        // An encoder tensor outside the `bert.` prefix the others use.
        ("encoder.layer.0.output.dense.bias", "under \"bert.\""),
        // A masked-LM head.
        ("cls.predictions.bias", "not a parameter"),
        // Both the old and the new name of one LayerNorm parameter.
        ("bert.embeddings.LayerNorm.gamma", "second tensor for the parameter of"),
    ];
    for (name, reason_part) in cases {
        let dir = common::tiny_copy();
        edit_tensors(dir.path(), |tensors| {
            tensors.insert(name.into(), f32_tensor(&[32]));
        });
        let error = load_error(dir.path());
        // The duplicate is reported on whichever of the two names comes second.
        assert!(matches!(&error, BertError::UnexpectedTensor { .. }), "{error:?}");
        assert_names(&error, dir.path(), "model.safetensors", &[name, reason_part]);
    }
}

#[test]
fn a_classifier_is_unexpected_in_a_bare_encoder() {
    let dir = common::tiny_copy();
    let error = BertModel::from_pretrained(dir.path(), &common::device()).unwrap_err();
    assert!(matches!(&error, BertError::UnexpectedTensor { tensor, .. } if tensor == "classifier.bias"), "{error:?}");
    assert_names(&error, dir.path(), "model.safetensors", &["BertForTokenClassification"]);
}

#[test]
fn a_tensor_in_another_dtype_is_named() {
    let dir = common::tiny_copy();
    let name = "bert.embeddings.LayerNorm.bias";
    edit_tensors(dir.path(), |tensors| {
        tensors.insert(name.into(), (Dtype::I64, vec![32], vec![0; 256]));
    });
    let error = load_error(dir.path());
    assert!(matches!(&error, BertError::TensorDtype { tensor, .. } if tensor == name), "{error:?}");
    assert_names(&error, dir.path(), "model.safetensors", &[name, "I64"]);
}

#[test]
fn a_truncated_safetensors_file_names_the_file() {
    for keep in [0, 7, 100, 40_000] {
        let dir = common::tiny_copy();
        let path = dir.path().join("model.safetensors");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..keep]).unwrap();
        let error = load_error(dir.path());
        assert!(matches!(&error, BertError::Safetensors { .. }), "keeping {keep} bytes: {error:?}");
        assert_names(&error, dir.path(), "model.safetensors", &[]);
    }
}

#[test]
fn missing_files_are_named() {
    for file in ["config.json", "model.safetensors"] {
        let dir = common::tiny_copy();
        std::fs::remove_file(dir.path().join(file)).unwrap();
        let error = load_error(dir.path());
        assert!(matches!(&error, BertError::Io { .. }), "{error:?}");
        assert_names(&error, dir.path(), file, &[]);
    }
}

#[test]
fn config_errors_name_the_field() {
    use serde_json::json;
    type Edit = fn(&mut serde_json::Map<String, serde_json::Value>);
    let cases: [(&str, Edit); 10] = [
        ("hidden_size", |c| {
            c.remove("hidden_size");
        }),
        ("num_hidden_layers", |c| {
            c.insert("num_hidden_layers".into(), json!("two"));
        }),
        ("vocab_size", |c| {
            c.insert("vocab_size".into(), json!(0));
        }),
        ("num_labels", |c| {
            c.insert("num_labels".into(), json!(4));
        }),
        ("label2id", |c| {
            c.insert("label2id".into(), json!({"O": 1, "B-PER": 0, "I-PER": 2, "B-LOC": 3, "I-LOC": 4}));
        }),
        ("id2label", |c| {
            c.insert("id2label".into(), json!({"0": "O", "2": "B-PER"}));
        }),
        ("hidden_act", |c| {
            c.insert("hidden_act".into(), json!("swish"));
        }),
        ("model_type", |c| {
            c.insert("model_type".into(), json!("gpt2"));
        }),
        ("num_attention_heads", |c| {
            c.insert("num_attention_heads".into(), json!(5));
        }),
        ("hidden_dropout_prob", |c| {
            c.insert("hidden_dropout_prob".into(), json!(1.5));
        }),
    ];
    for (field, edit) in cases {
        let dir = common::tiny_copy();
        edit_config(dir.path(), edit);
        let error = load_error(dir.path());
        assert!(matches!(&error, BertError::ConfigField { field: f, .. } if f == field), "{field}: {error:?}");
        assert_names(&error, dir.path(), "config.json", &[field]);
    }
}

#[test]
fn a_token_classifier_needs_labels() {
    let dir = common::tiny_copy();
    edit_config(dir.path(), |c| {
        c.remove("id2label");
        c.remove("label2id");
    });
    let error = load_error(dir.path());
    assert!(matches!(&error, BertError::ConfigField { field, .. } if field == "id2label"), "{error:?}");
}

#[test]
fn old_layer_norm_names_pooler_and_position_ids_load() {
    // Legacy gamma/beta names load into the same parameters; the pooler and
    // the position_ids buffer are skipped on purpose.
    let device = common::device();
    let dir = common::tiny_copy();
    edit_tensors(dir.path(), |tensors| {
        for name in tensors.keys().filter(|n| n.contains("LayerNorm")).cloned().collect::<Vec<_>>() {
            let old = name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta");
            let tensor = tensors.remove(&name).unwrap();
            tensors.insert(old, tensor);
        }
        tensors.insert("bert.pooler.dense.weight".into(), f32_tensor(&[32, 32]));
        tensors.insert("bert.pooler.dense.bias".into(), f32_tensor(&[32]));
        tensors.insert("bert.embeddings.position_ids".into(), (Dtype::I64, vec![1, 64], vec![0; 512]));
    });
    let renamed = BertForTokenClassification::from_pretrained(dir.path(), &device).unwrap();
    let original = BertForTokenClassification::from_pretrained(&common::tiny_dir(), &device).unwrap();
    let input = BertInput::padded(&[vec![3, 4, 5]], 0, &original.bert.config, &device).unwrap();
    let diff = (renamed.forward(&input) - original.forward(&input)).abs().max().into_scalar::<f32>();
    assert_eq!(diff, 0.0);
}

#[test]
fn weights_in_another_format_are_named() {
    for other in ["pytorch_model.bin", "model.safetensors.index.json"] {
        let dir = common::tiny_copy();
        std::fs::rename(dir.path().join("model.safetensors"), dir.path().join(other)).unwrap();
        let error = load_error(dir.path());
        assert!(matches!(&error, BertError::WeightFormat { found, .. } if found == other), "{error:?}");
        assert_names(&error, dir.path(), "model.safetensors", &[other, "save_pretrained"]);
    }
}

#[test]
fn bf16_checkpoints_are_widened_exactly() {
    // bf16 is the upper half of an f32: a bf16 copy of the checkpoint and an
    // f32 copy with the lower halves zeroed hold the same numbers.
    let device = common::device();
    let (bf16, truncated) = (common::tiny_copy(), common::tiny_copy());
    edit_tensors(bf16.path(), |tensors| {
        for (dtype, _, bytes) in tensors.values_mut() {
            *dtype = Dtype::BF16;
            *bytes = bytes.chunks_exact(4).flat_map(|b| [b[2], b[3]]).collect();
        }
    });
    edit_tensors(truncated.path(), |tensors| {
        for (_, _, bytes) in tensors.values_mut() {
            *bytes = bytes.chunks_exact(4).flat_map(|b| [0, 0, b[2], b[3]]).collect();
        }
    });
    let bf16 = BertForTokenClassification::from_pretrained(bf16.path(), &device).unwrap();
    let truncated = BertForTokenClassification::from_pretrained(truncated.path(), &device).unwrap();
    let input = BertInput::padded(&[vec![3, 4, 5], vec![9]], 0, &bf16.bert.config, &device).unwrap();
    let diff = (bf16.forward(&input) - truncated.forward(&input)).abs().max().into_scalar::<f32>();
    assert_eq!(diff, 0.0);
    let original = BertForTokenClassification::from_pretrained(&common::tiny_dir(), &device).unwrap();
    let rounding = (bf16.forward(&input) - original.forward(&input)).abs().max().into_scalar::<f32>();
    assert!(rounding > 0.0, "the bf16 copy was not rounded: the test compares nothing");
}

#[test]
fn a_pickle_is_refused_with_the_reason_and_the_line_that_converts_it() {
    type Load = fn(&Path) -> BertError;
    let cases: [(&str, Load); 2] = [
        ("AutoModelForTokenClassification", load_error),
        ("AutoModel", |dir| BertModel::from_pretrained(dir, &common::device()).unwrap_err()),
    ];
    for (class, load) in cases {
        let dir = common::tiny_copy();
        std::fs::rename(dir.path().join("model.safetensors"), dir.path().join("pytorch_model.bin")).unwrap();
        let error = load(dir.path());
        assert!(
            matches!(&error, BertError::WeightFormat { found, .. } if found == "pytorch_model.bin"),
            "{class}: {error:?}"
        );
        let folder = dir.path().display().to_string();
        let line = format!(
            "python -c \"from transformers import {class}; \
             {class}.from_pretrained('{folder}').save_pretrained('{folder}')\""
        );
        assert_names(
            &error,
            dir.path(),
            "model.safetensors",
            &["pytorch_model.bin", "pickle", "arbitrary code", "no pure-Rust unpickler is trusted", &line],
        );
    }
}
