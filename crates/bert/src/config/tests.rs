use std::path::Path;

use serde_json::{Value, json};

use super::*;

/// The smallest config this crate accepts, plus `extra` fields.
fn parse(extra: Value) -> Result<BertConfig> {
    let mut config = json!({
        "model_type": "bert", "vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "intermediate_size": 37, "max_position_embeddings": 64,
        "type_vocab_size": 2
    });
    for (key, value) in extra.as_object().expect("an object of extra fields") {
        config[key] = value.clone();
    }
    BertConfig::from_json_str(&config.to_string(), Path::new("dir/config.json"))
}

#[test]
fn unset_fields_take_transformers_defaults() {
    let config = parse(json!({})).unwrap();
    assert_eq!(config.layer_norm_eps, 1e-12);
    assert_eq!(config.hidden_act, Activation::Gelu);
    assert_eq!(config.hidden_dropout_prob, 0.1);
    assert_eq!(config.attention_probs_dropout_prob, 0.1);
    assert_eq!(config.classifier_dropout, None);
    assert_eq!(config.classifier_dropout_prob(), 0.1);
    assert_eq!(config.labels, None);
    assert_eq!(config.head_size(), 8);
}

#[test]
fn null_means_unset_as_in_transformers() {
    let config = parse(json!({"classifier_dropout": null, "hidden_act": null})).unwrap();
    assert_eq!(config.classifier_dropout, None);
    assert_eq!(config.hidden_act, Activation::Gelu);
}

#[test]
fn supported_values_are_read() {
    let config = parse(json!({
        "hidden_act": "gelu_new", "layer_norm_eps": 1e-5, "hidden_dropout_prob": 0.0,
        "classifier_dropout": 0.3, "position_embedding_type": "absolute", "is_decoder": false,
        "id2label": {"0": "O", "1": "B-X"}, "label2id": {"O": 0, "B-X": 1}, "num_labels": 2,
        "architectures": ["BertForTokenClassification"], "transformers_version": "5.24.0"
    }))
    .unwrap();
    assert_eq!(config.hidden_act, Activation::GeluNew);
    assert_eq!(config.layer_norm_eps, 1e-5);
    assert_eq!(config.classifier_dropout_prob(), 0.3);
    assert_eq!(config.num_labels(), Some(2));
    assert_eq!(config.labels.unwrap().labels(), ["O", "B-X"]);
}

#[test]
fn bad_configs_name_the_field() {
    let cases = [
        (json!({"hidden_size": null}), "hidden_size", "missing"),
        (json!({"hidden_size": -3}), "hidden_size", "positive integer"),
        (json!({"hidden_size": 32.5}), "hidden_size", "positive integer"),
        (json!({"model_type": "distilbert"}), "model_type", "\"distilbert\""),
        (json!({"position_embedding_type": "relative_key"}), "position_embedding_type", "relative_key"),
        (json!({"is_decoder": true}), "is_decoder", "encoder"),
        (json!({"add_cross_attention": true}), "add_cross_attention", "encoder"),
        (json!({"hidden_act": "silu"}), "hidden_act", "\"silu\""),
        (json!({"hidden_act": 3}), "hidden_act", "string"),
        (json!({"layer_norm_eps": 0.0}), "layer_norm_eps", "positive"),
        (json!({"layer_norm_eps": "small"}), "layer_norm_eps", "number"),
        (json!({"attention_probs_dropout_prob": 1.0}), "attention_probs_dropout_prob", "[0, 1)"),
        (json!({"classifier_dropout": -0.1}), "classifier_dropout", "[0, 1)"),
        (json!({"num_attention_heads": 3}), "num_attention_heads", "divide"),
        (json!({"num_labels": 2}), "id2label", "missing"),
        (json!({"id2label": ["O"]}), "id2label", "object"),
        (json!({"id2label": {"0": "O", "1": 7}}), "id2label", "not a string"),
        (json!({"id2label": {"0": "O", "1": "O"}}), "id2label", "twice"),
        (json!({"id2label": {"1": "O"}}), "id2label", "no id 0"),
        (json!({"id2label": {"0": "O"}, "num_labels": 3}), "num_labels", "3"),
        (json!({"id2label": {"0": "O"}, "label2id": {"O": 0, "B-X": 1}}), "label2id", "2 labels"),
        (json!({"id2label": {"0": "O", "1": "B"}, "label2id": {"O": 0, "X": 1}}), "label2id", "\"X\""),
    ];
    for (extra, field, reason_part) in cases {
        let error = parse(extra.clone()).unwrap_err();
        let message = error.to_string();
        assert!(matches!(&error, BertError::ConfigField { field: f, .. } if f == field), "{extra}: {error:?}");
        assert!(message.starts_with("dir/config.json: "), "{message}");
        assert!(message.contains(reason_part), "{extra}: {message:?} lacks {reason_part:?}");
    }
}

#[test]
fn not_an_object_is_a_syntax_error_naming_the_file() {
    for text in ["", "[1, 2]", "{\"hidden_size\": 32,}"] {
        let error = BertConfig::from_json_str(text, Path::new("dir/config.json")).unwrap_err();
        assert!(matches!(&error, BertError::ConfigSyntax { .. }), "{text:?}: {error:?}");
        assert!(error.to_string().starts_with("dir/config.json: "), "{error}");
    }
}

#[test]
fn the_exported_config_reads_back_the_same() {
    let config = parse(json!({
        "hidden_act": "relu", "classifier_dropout": 0.2,
        "id2label": {"0": "O", "1": "B-X", "2": "I-X"}
    }))
    .unwrap();
    let labels = config.labels.clone().unwrap();
    let text = config.to_hf_json(&labels).to_string();
    let again = BertConfig::from_json_str(&text, Path::new("exported/config.json")).unwrap();
    assert_eq!(again, config);
}
