//! The pieces of the loop on the tiny model: which parameters escape weight
//! decay, global-norm clipping, and checkpoint files that are not ones.

mod common;

use burn::optim::GradientsParams;
use retag_bert::BertInput;
use retag_train::checkpoint::Checkpoint;
use retag_train::clip::clip_global_norm;
use retag_train::optimizer::ParamPaths;
use tempfile::TempDir;

use common::{device, serial, tiny_model};

#[test]
fn biases_and_layer_norms_escape_weight_decay() {
    let _serial = serial();
    let paths = ParamPaths::of(&tiny_model(&device()));
    // 16 tensors a layer, 5 in the embeddings, 2 in the classifier.
    assert_eq!(paths.all.len(), 2 * 16 + 5 + 2);
    // A layer: 6 biases and 2 LayerNorms; the embeddings' LayerNorm; the classifier's bias.
    assert_eq!(paths.no_decay.len(), 2 * (6 + 2 * 2) + 2 + 1, "{:#?}", paths.no_decay);
    for path in [
        "bert.embeddings.layer_norm.gamma",
        "bert.embeddings.layer_norm.beta",
        "bert.layers.1.attention.query.bias",
        "bert.layers.0.layer_norm.gamma",
        "classifier.bias",
    ] {
        assert!(paths.no_decay.iter().any(|p| p == path), "{path} is decayed");
    }
    for path in ["bert.layers.0.attention.query.weight", "bert.embeddings.word_embeddings.weight"] {
        assert!(paths.all.iter().any(|p| p == path), "{path} is not a parameter");
        assert!(!paths.no_decay.iter().any(|p| p == path), "{path} escapes decay");
    }
    assert_eq!(paths.head, ["classifier.weight", "classifier.bias"]);
}

#[test]
fn clipping_scales_all_gradients_to_the_limit() {
    let _serial = serial();
    let device = device();
    let model = tiny_model(&device);
    let input = BertInput::padded(&[vec![2, 5, 17, 42, 3]], 0, &model.bert.config, &device).unwrap();
    let gradients = || {
        // The same dropout masks for both passes.
        device.seed(3);
        let loss = model.forward(&input).powf_scalar(2.0).sum().mul_scalar(100.0);
        GradientsParams::from_grads(loss.backward(), &model)
    };

    let mut grads = gradients();
    let norm = clip_global_norm(&model, &mut grads, None);
    assert!(norm > 1.0, "the test needs a large gradient, got {norm}");
    assert!((clip_global_norm(&model, &mut grads, None) - norm).abs() < 1e-9, "unclipped");

    let mut clipped = gradients();
    let before = clip_global_norm(&model, &mut clipped, Some(0.5));
    assert!((before - norm).abs() / norm < 1e-4, "{before} vs {norm}");
    let after = clip_global_norm(&model, &mut clipped, None);
    assert!((after - 0.5).abs() < 1e-4, "norm after clipping {after}");
}

#[test]
fn damaged_checkpoints_are_refused_by_name() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("checkpoint.bin");
    let cases: &[(&[u8], &str)] = &[
        (b"", "too short"),
        (b"something-else-entirely\n", "does not start with"),
        (b"retag-checkpoint\n", "truncated before the header"),
        (b"retag-checkpoint\n\x05\x00\x00\x00\x00\x00\x00\x00{}", "truncated inside the header"),
        (b"retag-checkpoint\n\xff\xff\xff\xff\x00\x00\x00\x00", "claims"),
    ];
    for (bytes, expected) in cases {
        std::fs::write(&path, bytes).unwrap();
        let message = Checkpoint::read(&path).err().expect("a damaged checkpoint").to_string();
        assert!(message.contains("checkpoint.bin") && message.contains(expected), "{message}");
    }
}
