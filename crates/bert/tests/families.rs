//! RoBERTa, XLM-RoBERTa and DistilBERT checkpoints read as transformers reads
//! them: the tiny random models of `scripts/make_family_fixtures.py`, their
//! tokenizers (byte-level BPE, SentencePiece Unigram, WordPiece) and the
//! outputs transformers computed on a padded batch of pre-split sentences.
//!
//! For each family: the tokenizer splits every word into the tokens
//! transformers' `is_split_into_words` gives it (the leading-space marker
//! `Ġ`/`▁` included) and frames a window as transformers frames the
//! sentence; the model's hidden states and logits agree within 1e-4; and an
//! export has exactly the checkpoint's tensor names and reloads to the same outputs.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use retag_bert::remap::Head;
use retag_bert::{
    BertForTokenClassification, BertInput, BertModel, Family, export_token_classification, write_encoder_files,
};
use retag_data::Location;
use retag_data::align::{AlignOptions, LabelPolicy, WindowOptions, load_tokenizer};
use serde_json::Value;

/// float32 round-off through two layers is ~1e-6; a wrong position, mask or
/// layer name is off by 1e-2 or more.
const TOLERANCE: f32 = 1e-4;

const FAMILIES: [(&str, Family); 3] =
    [("roberta", Family::Roberta), ("xlm-roberta", Family::XlmRoberta), ("distilbert", Family::DistilBert)];

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/tiny-{name}-ner"))
}

fn expected(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/tiny-{name}-ner.expected.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("the committed fixture is readable"))
        .expect("the committed fixture is JSON")
}

fn sentences(expected: &Value) -> Vec<Vec<String>> {
    let rows = expected["sentences"].as_array().expect("sentences");
    rows.iter()
        .map(|row| row.as_array().expect("words").iter().map(|w| w.as_str().expect("a word").to_owned()).collect())
        .collect()
}

/// transformers' batch row `row` without its padding.
fn unpadded(expected: &Value, row: usize) -> Vec<u32> {
    let ids = &common::rows(&expected["input_ids"])[row];
    let mask = &common::rows(&expected["attention_mask"])[row];
    ids.iter().zip(mask).filter(|(_, m)| **m == 1).map(|(id, _)| *id).collect()
}

/// The ids of each word of row `row`, grouped by transformers' `word_ids()`.
fn pieces_by_word(expected: &Value, row: usize, words: usize) -> Vec<Vec<u32>> {
    let ids = &common::rows(&expected["input_ids"])[row];
    let word_ids = expected["word_ids"][row].as_array().expect("word ids");
    let mut pieces = vec![Vec::new(); words];
    for (id, word) in ids.iter().zip(word_ids) {
        if let Some(word) = word.as_u64() {
            pieces[word as usize].push(*id);
        }
    }
    pieces
}

#[test]
fn each_family_reads_its_config_and_the_rest_are_refused_naming_them() {
    for (name, family) in FAMILIES {
        let model = BertForTokenClassification::from_pretrained(&fixture_dir(name), &common::device()).unwrap();
        assert_eq!(model.bert.config.family, family);
        assert_eq!(model.labels.labels(), ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"], "{name}");
        assert_eq!(model.bert.embeddings.token_type_embeddings.is_some(), family != Family::DistilBert, "{name}");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture_dir("roberta").join("model.safetensors"), dir.path().join("model.safetensors")).unwrap();
    let config = std::fs::read_to_string(fixture_dir("roberta").join("config.json")).unwrap();
    std::fs::write(dir.path().join("config.json"), config.replace("\"roberta\"", "\"deberta-v2\"")).unwrap();
    let error = BertForTokenClassification::from_pretrained(dir.path(), &common::device()).unwrap_err().to_string();
    assert!(
        error.contains(r#"field "model_type": "deberta-v2" is not supported; retag reads "bert", "roberta", "xlm-roberta", "distilbert""#),
        "{error}"
    );
}

#[test]
fn a_checkpoint_of_another_family_than_its_config_says_is_refused_naming_the_tensor() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture_dir("roberta").join("model.safetensors"), dir.path().join("model.safetensors")).unwrap();
    let config = std::fs::read_to_string(fixture_dir("roberta").join("config.json")).unwrap();
    std::fs::write(dir.path().join("config.json"), config.replace("\"roberta\"", "\"bert\"")).unwrap();
    let error = BertForTokenClassification::from_pretrained(dir.path(), &common::device()).unwrap_err().to_string();
    assert!(error.contains("unexpected tensor \"roberta.embeddings.LayerNorm.bias\""), "{error}");
    assert!(error.contains("named as in a roberta checkpoint, but config.json says model_type \"bert\""), "{error}");
}

#[test]
fn words_split_and_frame_as_transformers_splits_them() {
    for (name, _) in FAMILIES {
        let expected = expected(name);
        let tokenizer = load_tokenizer(&fixture_dir(name)).unwrap();
        let options = AlignOptions::new(WindowOptions::with_default_stride(64).unwrap(), LabelPolicy::FirstSubword);
        for (row, words) in sentences(&expected).iter().enumerate() {
            let at = Location::unnamed(Some(row + 1));
            let pieces = tokenizer.word_pieces(words, &at).unwrap();
            let transformers = pieces_by_word(&expected, row, words.len());
            for (index, word) in words.iter().enumerate() {
                assert_eq!(pieces.word(index), transformers[index], "{name}: word {word:?} of sentence {row}");
            }
            // One window, framed as transformers frames the sentence (`<s> ... </s>`, `[CLS] ... [SEP]`).
            let aligned = tokenizer.align_words(words, None, &options, &at).unwrap();
            assert_eq!(aligned.windows.len(), 1);
            assert_eq!(aligned.windows[0].input_ids, unpadded(&expected, row), "{name}: sentence {row}");
        }
    }
}

#[test]
fn the_leading_space_marker_starts_every_word_and_a_bare_one_is_the_first_subword() {
    for (name, marker) in [("roberta", "Ġ"), ("xlm-roberta", "▁")] {
        let expected = expected(name);
        let tokenizer = load_tokenizer(&fixture_dir(name)).unwrap();
        let mut bare = 0;
        for (row, words) in sentences(&expected).iter().enumerate() {
            let pieces = tokenizer.word_pieces(words, &Location::unnamed(None)).unwrap();
            for (index, word) in words.iter().enumerate() {
                let first = tokenizer.inner().id_to_token(pieces.word(index)[0]).unwrap();
                assert!(first.starts_with(marker), "{name}: {word:?} of sentence {row} starts with {first:?}");
                bare += usize::from(first == marker);
            }
        }
        // The case the fixture was made to hold: a marker that is a token of its own.
        assert!(bare > 0, "{name}: no word whose first subword is a bare {marker}");
    }
}

#[test]
fn tiny_models_match_transformers() {
    let device = common::device();
    for (name, _) in FAMILIES {
        let expected = expected(name);
        let model = BertForTokenClassification::from_pretrained(&fixture_dir(name), &device).unwrap();
        let input_ids = common::rows(&expected["input_ids"]);
        let token_types: Vec<Vec<u32>> = input_ids.iter().map(|row| vec![0; row.len()]).collect();
        let input = BertInput::new(
            &input_ids,
            &token_types,
            &common::rows(&expected["attention_mask"]),
            &model.bert.config,
            &device,
        )
        .unwrap();
        let (hidden, logits) = model.forward_with_hidden(&input);
        let hidden_diff = common::max_abs_diff(hidden, &expected["last_hidden_state"]);
        let logits_diff = common::max_abs_diff(logits, &expected["logits"]);
        println!("{name}: max abs diff hidden {hidden_diff:e}, logits {logits_diff:e}");
        assert!(hidden_diff < TOLERANCE, "{name}: hidden states differ by {hidden_diff}");
        assert!(logits_diff < TOLERANCE, "{name}: logits differ by {logits_diff}");
    }
}

#[test]
fn padding_does_not_change_the_real_tokens() {
    // RoBERTa's positions are counted over the tokens that are not padding:
    // a sentence alone and padded beside a longer one must agree.
    let device = common::device();
    for (name, _) in FAMILIES {
        let model = BertForTokenClassification::from_pretrained(&fixture_dir(name), &device).unwrap();
        let pad = model.bert.config.pad_token_id;
        let (short, long) = (vec![5, 17, 42], vec![7, 8, 9, 10, 11, 12, 13]);
        let alone = BertInput::padded(std::slice::from_ref(&short), pad, &model.bert.config, &device).unwrap();
        let padded = BertInput::padded(&[short, long], pad, &model.bert.config, &device).unwrap();
        let alone = model.bert.forward(&alone);
        let padded = model.bert.forward(&padded).slice([0..1, 0..3]);
        let diff = (alone - padded).abs().max().into_scalar::<f32>();
        assert!(diff < 1e-5, "{name}: padding changed the real tokens by {diff}");
    }
}

/// The tensor names of a `model.safetensors`.
fn tensor_names(path: &Path) -> BTreeSet<String> {
    let bytes = std::fs::read(path).unwrap();
    safetensors::SafeTensors::deserialize(&bytes).unwrap().names().into_iter().map(str::to_owned).collect()
}

#[test]
fn an_export_is_the_familys_own_checkpoint_and_reloads_the_same() {
    let device = common::device();
    for (name, family) in FAMILIES {
        let model = BertForTokenClassification::from_pretrained(&fixture_dir(name), &device).unwrap();
        let out = tempfile::tempdir().unwrap();
        let exported = out.path().join("export");
        export_token_classification(&model, &exported, Some(&fixture_dir(name))).unwrap();

        // The names transformers saved, no more and no fewer.
        let written = tensor_names(&exported.join("model.safetensors"));
        assert_eq!(written, tensor_names(&fixture_dir(name).join("model.safetensors")), "{name}");
        let config: Value =
            serde_json::from_str(&std::fs::read_to_string(exported.join("config.json")).unwrap()).unwrap();
        assert_eq!(config["model_type"], family.model_type());
        assert_eq!(config["architectures"][0], family.architecture(Head::TokenClassification { num_labels: 5 }));
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            assert!(exported.join(file).is_file(), "{name}: {file} is copied");
        }

        let again = BertForTokenClassification::from_pretrained(&exported, &device).unwrap();
        assert_eq!(again.bert.config, model.bert.config, "{name}");
        let input = BertInput::padded(
            &[vec![5, 6, 7, 8], vec![9, 10]],
            model.bert.config.pad_token_id,
            &model.bert.config,
            &device,
        )
        .unwrap();
        let diff = (again.forward(&input) - model.forward(&input)).abs().max().into_scalar::<f32>();
        assert_eq!(diff, 0.0, "{name}: the tensors are copied bit for bit");
    }
}

#[test]
fn a_bare_encoder_is_written_and_read_at_the_top_level() {
    // What a model folder with another head keeps: the encoder alone, as
    // transformers saves a `RobertaModel` or `DistilBertModel`.
    let device = common::device();
    for (name, family) in FAMILIES {
        let model = BertForTokenClassification::from_pretrained(&fixture_dir(name), &device).unwrap();
        let dir = tempfile::tempdir().unwrap();
        write_encoder_files(&model.bert, &model.labels, dir.path(), Some(&fixture_dir(name))).unwrap();

        let names = tensor_names(&dir.path().join("model.safetensors"));
        let expected: BTreeSet<String> = tensor_names(&fixture_dir(name).join("model.safetensors"))
            .into_iter()
            .filter_map(|n| n.strip_prefix(family.checkpoint_prefix()).map(str::to_owned))
            .collect();
        assert_eq!(names, expected, "{name}: the encoder's names without {:?}", family.checkpoint_prefix());
        let config: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("config.json")).unwrap()).unwrap();
        assert_eq!(config["architectures"][0], family.architecture(Head::None));

        let encoder = BertModel::from_pretrained(dir.path(), &device).unwrap();
        let input =
            BertInput::padded(&[vec![5, 6, 7]], model.bert.config.pad_token_id, &encoder.config, &device).unwrap();
        let diff = (encoder.forward(&input) - model.bert.forward(&input)).abs().max().into_scalar::<f32>();
        assert_eq!(diff, 0.0, "{name}");
    }
}
