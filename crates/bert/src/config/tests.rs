use std::path::Path;

use serde_json::{Value, json};

use super::*;
use crate::family::{Family, Positions};
use crate::remap::Head;

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
        (
            json!({"model_type": "gpt2"}),
            "model_type",
            r#""gpt2" is not supported; retag reads "bert", "roberta", "xlm-roberta", "distilbert""#,
        ),
        (json!({"model_type": "roberta", "pad_token_id": 100}), "pad_token_id", "vocab_size 100"),
        (
            json!({"model_type": "roberta", "max_position_embeddings": 2}),
            "max_position_embeddings",
            "pad_token_id + 1 = 2",
        ),
        (json!({"pad_token_id": -1}), "pad_token_id", "token id"),
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
    let text = config.to_hf_json(&labels, Head::TokenClassification { num_labels: 3 }).to_string();
    let again = BertConfig::from_json_str(&text, Path::new("exported/config.json")).unwrap();
    assert_eq!(again, config);
}

/// A DistilBERT `config.json` as transformers writes it, plus `extra` fields.
fn parse_distilbert(extra: Value) -> Result<BertConfig> {
    let mut config = json!({
        "model_type": "distilbert", "vocab_size": 300, "dim": 32, "n_layers": 2, "n_heads": 4,
        "hidden_dim": 37, "max_position_embeddings": 64, "activation": "gelu", "dropout": 0.1,
        "attention_dropout": 0.2, "sinusoidal_pos_embds": false, "seq_classif_dropout": 0.2, "qa_dropout": 0.1
    });
    for (key, value) in extra.as_object().expect("an object of extra fields") {
        config[key] = value.clone();
    }
    BertConfig::from_json_str(&config.to_string(), Path::new("dir/config.json"))
}

#[test]
fn distilbert_fields_are_read_under_their_own_names() {
    let config = parse_distilbert(json!({})).unwrap();
    assert_eq!(config.family, Family::DistilBert);
    assert_eq!(
        (config.hidden_size, config.num_hidden_layers, config.num_attention_heads, config.intermediate_size),
        (32, 2, 4, 37)
    );
    assert_eq!((config.hidden_dropout_prob, config.attention_probs_dropout_prob), (0.1, 0.2));
    // No token types, LayerNorm fixed at 1e-12, no dropout after attention's output projection.
    assert_eq!(config.type_vocab_size, 1);
    assert_eq!(config.layer_norm_eps, 1e-12);
    assert_eq!(config.attention_output_dropout_prob(), 0.0);
    assert_eq!(config.classifier_dropout_prob(), 0.1);
    assert_eq!((config.pad_token_id, config.max_positions()), (0, 64));
}

#[test]
fn bad_distilbert_configs_name_distilberts_fields() {
    let cases = [
        (json!({"dim": null}), "dim", "missing"),
        (json!({"n_heads": 5}), "n_heads", "do not divide dim 32"),
        (json!({"activation": "swish"}), "activation", "\"swish\""),
        (json!({"dropout": 1.0}), "dropout", "[0, 1)"),
        (json!({"sinusoidal_pos_embds": true}), "sinusoidal_pos_embds", "fixed"),
    ];
    for (extra, field, reason_part) in cases {
        let error = parse_distilbert(extra.clone()).unwrap_err();
        assert!(matches!(&error, BertError::ConfigField { field: f, .. } if f == field), "{extra}: {error:?}");
        assert!(error.to_string().contains(reason_part), "{extra}: {error} lacks {reason_part:?}");
    }
}

#[test]
fn roberta_family_pads_with_id_1_and_counts_positions_after_it() {
    for model_type in ["roberta", "xlm-roberta"] {
        let config =
            parse(json!({"model_type": model_type, "max_position_embeddings": 66, "type_vocab_size": 1})).unwrap();
        assert_eq!(config.family.model_type(), model_type);
        assert_eq!(config.pad_token_id, 1, "transformers' default for {model_type}");
        assert_eq!(config.positions(), Positions::AfterPadding { padding_idx: 1 });
        assert_eq!(config.max_positions(), 64);
        assert_eq!(config.attention_output_dropout_prob(), 0.1);
    }
    let bert = parse(json!({})).unwrap();
    assert_eq!((bert.family, bert.pad_token_id, bert.max_positions()), (Family::Bert, 0, 64));
}

#[test]
fn every_family_reads_back_its_exported_config() {
    let labels = json!({"0": "O", "1": "B-X", "2": "I-X"});
    let configs = [
        parse(json!({"model_type": "roberta", "type_vocab_size": 1, "pad_token_id": 1, "id2label": labels.clone()})),
        parse(
            json!({"model_type": "xlm-roberta", "type_vocab_size": 1, "layer_norm_eps": 1e-5, "id2label": labels.clone()}),
        ),
        parse_distilbert(json!({"activation": "relu", "pad_token_id": 3, "id2label": labels})),
    ];
    for config in configs {
        let config = config.unwrap();
        let tagset = config.labels.clone().unwrap();
        for head in [Head::None, Head::TokenClassification { num_labels: 3 }] {
            let json = config.to_hf_json(&tagset, head);
            assert_eq!(json["model_type"], config.family.model_type());
            assert_eq!(json["architectures"], json!([config.family.architecture(head)]));
            let again = BertConfig::from_json_str(&json.to_string(), Path::new("exported/config.json")).unwrap();
            assert_eq!(again, config, "{}", config.family);
        }
    }
}
