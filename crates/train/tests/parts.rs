//! The pieces of the loop on the tiny model: which parameters escape weight
//! decay, global-norm clipping, and checkpoint files that are not ones.

mod common;

use std::collections::BTreeMap;

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use retag_bert::BertInput;
use retag_train::TrainConfig;
use retag_train::checkpoint::Checkpoint;
use retag_train::clip::clip_global_norm;
use retag_train::optimizer::{ParamPaths, adamw, learning_rates};
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
        "encoder.embeddings.layer_norm.gamma",
        "encoder.embeddings.layer_norm.beta",
        "encoder.layers.1.attention.query.bias",
        "encoder.layers.0.layer_norm.gamma",
        HEAD_BIAS,
    ] {
        assert!(paths.no_decay.iter().any(|p| p == path), "{path} is decayed");
    }
    for path in ["encoder.layers.0.attention.query.weight", "encoder.embeddings.word_embeddings.weight"] {
        assert!(paths.all.iter().any(|p| p == path), "{path} is not a parameter");
        assert!(!paths.no_decay.iter().any(|p| p == path), "{path} escapes decay");
    }
    assert_eq!(paths.head(), [HEAD_WEIGHT, HEAD_BIAS]);
    let groups: Vec<String> = paths.groups.keys().map(ToString::to_string).collect();
    assert_eq!(groups, ["embeddings", "layer.0", "layer.1", "head"]);
    assert_eq!(paths.groups.values().map(Vec::len).sum::<usize>(), paths.all.len());
}

/// The linear head's parameters, as the model tree names them (burn names
/// an enum's variant in the path).
const HEAD_WEIGHT: &str = "tagger.head.Linear.classifier.weight";
const HEAD_BIAS: &str = "tagger.head.Linear.classifier.bias";

#[test]
fn clipping_scales_all_gradients_to_the_limit() {
    let _serial = serial();
    let device = device();
    let model = tiny_model(&device);
    let config = model.encoder().unwrap().config.clone();
    let input = BertInput::padded(&[vec![2, 5, 17, 42, 3]], 0, &config, &device).unwrap();
    let gradients = || {
        // The same dropout masks for both passes.
        device.seed(3);
        let scores = model.emissions(model.encode(&input).unwrap()).unwrap();
        let loss = scores.powf_scalar(2.0).sum().mul_scalar(100.0);
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

/// Every float parameter's values by path, and a gradient of ones for each.
#[derive(Default)]
struct Snapshot {
    path: Vec<String>,
    values: BTreeMap<String, Vec<f32>>,
    ones: GradientsParams,
}

impl ModuleVisitor for Snapshot {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val();
        self.values.insert(self.path.join("."), value.clone().into_data().iter::<f32>().collect());
        self.ones.register(param.id, value.inner().ones_like());
    }
}

fn snapshot<M: Module>(model: &M) -> Snapshot {
    let mut snapshot = Snapshot::default();
    model.visit(&mut snapshot);
    snapshot
}

/// One AdamW step with a gradient of ones moves every value by exactly the
/// learning rate (Adam's first step is `lr * g / |g|`), after decaying it
/// by `lr * weight_decay` unless it is a bias or a LayerNorm parameter; the
/// head moves at its own rate.
#[test]
fn adamw_decays_weights_only_and_moves_the_head_at_its_rate() {
    let _serial = serial();
    let model = tiny_model(&device());
    let config = TrainConfig {
        learning_rate: 1e-3,
        head_learning_rate: Some(1e-1),
        weight_decay: 0.5,
        ..TrainConfig::default()
    };
    let paths = ParamPaths::of(&model);
    let before = snapshot(&model);
    let mut optimizer = adamw(&config, &paths);
    let stepped = optimizer.step(learning_rates(&config, &paths, 1.0, 0), model, before.ones);
    let after = snapshot(&stepped);

    for (path, old) in &before.values {
        let lr = if paths.head().contains(path) { 1e-1 } else { 1e-3 };
        let decay = if paths.no_decay.contains(path) { 0.0 } else { lr * 0.5 };
        for (index, (&old, &new)) in old.iter().zip(&after.values[path]).enumerate() {
            let expected = old * (1.0 - decay) - lr;
            assert!((new - expected).abs() < 1e-5, "{path}[{index}]: {old} -> {new}, expected {expected}");
        }
    }
}
