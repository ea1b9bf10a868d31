use std::path::Path;

use burn::tensor::Device;

use super::*;

fn config() -> BertConfig {
    let json = r#"{"model_type": "bert", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1,
        "num_attention_heads": 2, "intermediate_size": 5, "max_position_embeddings": 4, "type_vocab_size": 2}"#;
    BertConfig::from_json_str(json, Path::new("config.json")).unwrap()
}

fn ints(tensor: Tensor<2, Int>) -> Vec<i64> {
    tensor.into_data().try_into_vec_as::<i64>().unwrap()
}

#[test]
fn padding_fills_ids_and_mask_on_the_right() {
    let input = BertInput::padded(&[vec![3, 4, 5], vec![6]], 0, &config(), &Device::flex()).unwrap();
    assert_eq!(input.dims(), [2, 3]);
    assert_eq!(ints(input.input_ids.clone()), [3, 4, 5, 6, 0, 0]);
    assert_eq!(ints(input.attention_mask()), [1, 1, 1, 1, 0, 0]);
    assert_eq!(ints(input.token_type_ids.clone()), [0; 6]);
}

#[test]
fn bad_batches_are_refused_with_the_reason() {
    type Rows = Vec<Vec<u32>>;
    let ok: Rows = vec![vec![1, 2], vec![3, 4]];
    // Valid both as token types and as a mask.
    let bits: Rows = vec![vec![1, 1], vec![0, 1]];
    let cases: [(&str, Rows, Rows, Rows); 8] = [
        ("empty batch", vec![], vec![], vec![]),
        ("empty batch", vec![vec![]], vec![vec![]], vec![vec![]]),
        ("at most 4 (max_position_embeddings = 4)", vec![vec![1; 5]], vec![vec![0; 5]], vec![vec![1; 5]]),
        ("input_ids row 1 has 1 tokens", vec![vec![1, 2], vec![3]], bits.clone(), bits.clone()),
        ("input_ids[1][0] is 10, must be below 10", vec![vec![1, 2], vec![10, 4]], bits.clone(), bits.clone()),
        ("token_type_ids[0][1] is 2", ok.clone(), vec![vec![0, 2], vec![0, 0]], bits.clone()),
        ("attention_mask has 1 rows", ok.clone(), bits.clone(), vec![vec![1, 1]]),
        ("attention_mask[0][0] is 3", ok.clone(), bits.clone(), vec![vec![3, 1], vec![1, 1]]),
    ];
    for (reason, ids, types, mask) in cases {
        let error = BertInput::new(&ids, &types, &mask, &config(), &Device::flex()).unwrap_err();
        assert!(matches!(error, BertError::Input { .. }), "{error:?}");
        assert!(error.to_string().contains(reason), "{error} lacks {reason:?}");
    }
}

#[test]
fn roberta_inputs_are_as_long_as_the_rows_after_padding() {
    // pad_token_id 1: rows 0 and 1 are no real token's, so 6 rows hold 4 tokens.
    let json = r#"{"model_type": "roberta", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1,
        "num_attention_heads": 2, "intermediate_size": 5, "max_position_embeddings": 6, "type_vocab_size": 1}"#;
    let config = BertConfig::from_json_str(json, Path::new("config.json")).unwrap();
    assert_eq!(config.max_positions(), 4);
    assert!(BertInput::padded(&[vec![3; 4]], 1, &config, &Device::flex()).is_ok());
    let error = BertInput::padded(&[vec![3; 5]], 1, &config, &Device::flex()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("at most 4 (max_position_embeddings = 6, less the 2 rows before the first position)"),
        "{error}"
    );
    // One token type: only type 0.
    let error = BertInput::new(&[vec![3, 4]], &[vec![0, 1]], &[vec![1, 1]], &config, &Device::flex()).unwrap_err();
    assert!(error.to_string().contains("token_type_ids[0][1] is 1, must be below 1"), "{error}");
}
