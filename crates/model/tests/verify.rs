//! `verify_folder` on tiny random models (2 layers, hidden 32): a faithful
//! export verifies, in both folder shapes; a folder whose encoder, CRF or
//! labels were changed after export is refused, naming the folder and, for
//! weights, the largest score difference.

use std::path::Path;

use burn::tensor::Device;
use retag_bert::{BertConfig, BertModel};
use retag_data::{Scheme, Tagset};
use retag_heads::{Head, HeadKind, Tagger};
use retag_model::{SCORE_TOLERANCE, TaggerModel, folder, verify_folder};

fn tiny_config() -> BertConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bert/tests/fixtures/tiny-bert-ner/config.json");
    BertConfig::from_file(&path).expect("the committed tiny config loads")
}

fn labels(types: &[&str]) -> Tagset {
    Tagset::from_types(types, Scheme::Iob2).unwrap()
}

/// A random encoder from `seed` under a linear head, with a CRF when `crf`
/// (which makes export write a retag folder rather than a HuggingFace one).
fn model(seed: u64, tagset: Tagset, crf: bool, device: &Device) -> TaggerModel {
    let config = tiny_config();
    device.seed(seed);
    let encoder = BertModel::init(&config, device);
    let head = Head::random(HeadKind::Linear, tagset, config.hidden_size, 0.1, seed, device).unwrap();
    let tagger = if crf { Tagger::with_new_crf(head, Some(Scheme::Iob2), seed).unwrap() } else { Tagger::new(head) };
    TaggerModel::new(encoder, tagger).unwrap()
}

/// The message of the error verifying `model` against `dir` gives.
fn refusal(model: &TaggerModel, dir: &Path) -> String {
    let device = Device::flex();
    verify_folder(model, dir, &device).expect_err("an altered folder is refused").to_string()
}

/// The largest difference a refusal reports.
fn reported_difference(message: &str) -> f32 {
    let after = message.split("by up to ").nth(1).unwrap_or_else(|| panic!("no difference in {message:?}"));
    after.split_whitespace().next().unwrap().parse().unwrap_or_else(|_| panic!("no number in {message:?}"))
}

#[test]
fn a_faithful_export_verifies_in_both_folder_shapes() {
    let device = Device::flex();
    let scratch = tempfile::tempdir().unwrap();
    for crf in [false, true] {
        let model = model(1, labels(&["PER", "LOC"]), crf, &device);
        let dir = scratch.path().join(format!("crf-{crf}"));
        folder::export(&model, &dir, None).unwrap();
        assert_eq!(dir.join(folder::MODEL_FILE).is_file(), crf, "a CRF needs a retag folder");
        verify_folder(&model, &dir, &device).unwrap();
    }
}

#[test]
fn encoder_weights_replaced_after_export_are_refused_with_the_largest_difference() {
    let device = Device::flex();
    let scratch = tempfile::tempdir().unwrap();
    for crf in [false, true] {
        let tagset = labels(&["PER", "LOC"]);
        let (exported, other) = (scratch.path().join(format!("a-{crf}")), scratch.path().join(format!("b-{crf}")));
        let trained = model(1, tagset.clone(), crf, &device);
        folder::export(&trained, &exported, None).unwrap();
        folder::export(&model(2, tagset, crf, &device), &other, None).unwrap();
        std::fs::copy(other.join("model.safetensors"), exported.join("model.safetensors")).unwrap();

        let message = refusal(&trained, &exported);
        assert!(message.starts_with(&exported.display().to_string()), "{message}");
        assert!(message.contains("scores differ from the trained model's"), "{message}");
        assert!(reported_difference(&message) > SCORE_TOLERANCE, "{message}");
    }
}

#[test]
fn a_crf_replaced_after_export_is_refused() {
    // Same encoder and head, another CRF: only the CRF's scores differ.
    let device = Device::flex();
    let scratch = tempfile::tempdir().unwrap();
    let trained = model(1, labels(&["PER", "LOC"]), true, &device);
    let (encoder, rest) = trained.clone().split_encoder();
    let (head, _) = rest.tagger().clone().into_parts();
    let other_crf = Tagger::with_new_crf(head, Some(Scheme::Iob2), 99).unwrap();
    let other = TaggerModel::new(encoder.unwrap(), other_crf).unwrap();
    let (exported, elsewhere) = (scratch.path().join("a"), scratch.path().join("b"));
    folder::export(&trained, &exported, None).unwrap();
    folder::export(&other, &elsewhere, None).unwrap();
    let head_file = retag_heads::HEAD_FILE;
    std::fs::copy(elsewhere.join(head_file), exported.join(head_file)).unwrap();

    let message = refusal(&trained, &exported);
    assert!(reported_difference(&message) > SCORE_TOLERANCE, "{message}");
}

#[test]
fn a_folder_with_other_labels_is_refused_naming_both() {
    let device = Device::flex();
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("model");
    folder::export(&model(1, labels(&["PER", "LOC"]), false, &device), &dir, None).unwrap();
    let message = refusal(&model(1, labels(&["PER", "ORG"]), false, &device), &dir);
    assert!(message.starts_with(&dir.display().to_string()), "{message}");
    assert!(message.contains("B-LOC") && message.contains("B-ORG"), "{message}");
}
