//! The tiny random checkpoint gives the same hidden states and logits as
//! transformers' `BertForTokenClassification` (outputs saved by
//! `scripts/make_encoder_fixture.py tiny`), for each supported activation.

mod common;

use retag_bert::{BertForTokenClassification, BertInput};

/// float32 round-off through two layers is ~1e-6; a wrong mask, activation
/// or transposition is off by 1e-2 or more.
const TOLERANCE: f32 = 1e-4;

#[test]
fn tiny_model_matches_transformers_for_each_activation() {
    let expected = common::tiny_expected();
    let device = common::device();
    for activation in ["gelu", "gelu_new", "relu"] {
        let dir = common::tiny_copy();
        let config_path = dir.path().join("config.json");
        let mut config: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&config_path).unwrap()).unwrap();
        config["hidden_act"] = activation.into();
        std::fs::write(&config_path, config.to_string()).unwrap();

        let model = BertForTokenClassification::from_pretrained(dir.path(), &device).unwrap();
        let input = BertInput::new(
            &common::rows(&expected["input_ids"]),
            &common::rows(&expected["token_type_ids"]),
            &common::rows(&expected["attention_mask"]),
            &model.bert.config,
            &device,
        )
        .unwrap();
        let (hidden, logits) = model.forward_with_hidden(&input);

        let outputs = &expected["outputs"][activation];
        let hidden_diff = common::max_abs_diff(hidden, &outputs["last_hidden_state"]);
        let logits_diff = common::max_abs_diff(logits, &outputs["logits"]);
        println!("{activation}: max abs diff hidden {hidden_diff:e}, logits {logits_diff:e}");
        assert!(hidden_diff < TOLERANCE, "{activation}: hidden states differ by {hidden_diff}");
        assert!(logits_diff < TOLERANCE, "{activation}: logits differ by {logits_diff}");
    }
}

#[test]
fn the_labels_come_from_id2label_in_order() {
    let model = BertForTokenClassification::from_pretrained(&common::tiny_dir(), &common::device()).unwrap();
    assert_eq!(model.labels.labels(), ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]);
}

#[test]
fn padding_does_not_change_the_real_tokens() {
    // The same sentence alone and padded next to a longer one: its real
    // positions must agree, which fails if padding keys are attended to.
    let device = common::device();
    let model = BertForTokenClassification::from_pretrained(&common::tiny_dir(), &device).unwrap();
    let short = vec![5, 17, 42];
    let long = vec![7, 8, 9, 10, 11, 12, 13];
    let alone = BertInput::padded(std::slice::from_ref(&short), 0, &model.bert.config, &device).unwrap();
    let padded = BertInput::padded(&[short, long], 0, &model.bert.config, &device).unwrap();

    let alone = model.bert.forward(&alone);
    let padded = model.bert.forward(&padded).slice([0..1, 0..3]);
    let diff = (alone - padded).abs().max().into_scalar::<f32>();
    assert!(diff < 1e-5, "padding changed the real tokens by {diff}");
}
