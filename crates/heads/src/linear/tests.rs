use burn::tensor::{Device, Tensor, TensorData};
use retag_data::{Scheme, Tagset};

use super::*;
use crate::error::HeadError;
use crate::rng::SeededRng;

fn device() -> Device {
    Device::flex()
}

fn tagset(types: &[&str]) -> Tagset {
    Tagset::from_types(types, Scheme::Iob2).expect("valid test tagset")
}

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().expect("f32 tensor")
}

#[test]
fn pytorch_weights_round_trip_and_compute_x_w_transposed_plus_b() {
    let device = device();
    let (labels, hidden) = (3, 4);
    let weight: Vec<f32> = SeededRng::new(1).normals(labels * hidden, 1.0);
    let bias = vec![0.5, -1.0, 2.0];
    let head = LinearHead::from_pytorch(
        tagset(&["X"]),
        hidden,
        Tensor::from_data(TensorData::new(weight.clone(), [labels, hidden]), &device),
        Tensor::from_data(TensorData::new(bias.clone(), [labels]), &device),
        0.1,
    )
    .unwrap();
    let (w, b) = head.weights_pytorch_layout();
    assert_eq!(w.dims(), [labels, hidden]);
    assert_eq!(values(w), weight);
    assert_eq!(values(b), bias);

    let x: Vec<f32> = SeededRng::new(2).normals(2 * hidden, 1.0);
    let logits = values(head.forward(Tensor::from_data(TensorData::new(x.clone(), [1, 2, hidden]), &device)));
    for token in 0..2 {
        for label in 0..labels {
            let expected: f32 =
                (0..hidden).map(|k| x[token * hidden + k] * weight[label * hidden + k]).sum::<f32>() + bias[label];
            let got = logits[token * labels + label];
            assert!((got - expected).abs() < 1e-5, "token {token} label {label}: {got} vs {expected}");
        }
    }
}

#[test]
fn mis_shaped_checkpoint_tensors_are_named_with_both_shapes() {
    let device = device();
    // Table: (weight shape, bias len, expected message).
    let cases = [
        ([5, 8], 3, "tensor classifier.weight: expected shape [3, 8], found [5, 8]"),
        ([3, 6], 3, "tensor classifier.weight: expected shape [3, 8], found [3, 6]"),
        ([3, 8], 4, "tensor classifier.bias: expected shape [3], found [4]"),
    ];
    for (shape, bias_len, expected) in cases {
        let error = LinearHead::from_pytorch(
            tagset(&["X"]),
            8,
            Tensor::zeros(shape, &device),
            Tensor::zeros([bias_len], &device),
            0.1,
        )
        .unwrap_err();
        assert!(matches!(error, HeadError::Shape { .. }));
        assert_eq!(error.to_string(), expected);
    }
}

#[test]
fn random_heads_follow_hf_init_and_their_seed() {
    let device = device();
    let head = LinearHead::random(tagset(&["A", "B", "C", "D"]), 64, 0.1, 9, &device).unwrap();
    assert_eq!((head.num_labels(), head.hidden_size()), (9, 64));
    let (w, b) = head.weights_pytorch_layout();
    let w = values(w);
    assert!(values(b).iter().all(|&x| x == 0.0));
    let std = (w.iter().map(|&x| x * x).sum::<f32>() / w.len() as f32).sqrt();
    assert!((std - 0.02).abs() < 0.003, "std {std}");

    let again = LinearHead::random(tagset(&["A", "B", "C", "D"]), 64, 0.1, 9, &device).unwrap();
    assert_eq!(values(again.weights_pytorch_layout().0), w);
    let other = LinearHead::random(tagset(&["A", "B", "C", "D"]), 64, 0.1, 10, &device).unwrap();
    assert_ne!(values(other.weights_pytorch_layout().0), w);
}

#[test]
fn bad_options_are_refused_by_name() {
    let device = device();
    let cases = [
        (0, 0.1, "invalid option hidden: must be at least 1"),
        (8, 1.0, "invalid option dropout: 1 is not in [0, 1)"),
        (8, -0.5, "invalid option dropout: -0.5 is not in [0, 1)"),
    ];
    for (hidden, dropout, expected) in cases {
        let error = LinearHead::random(tagset(&["X"]), hidden, dropout, 0, &device).unwrap_err();
        assert_eq!(error.to_string(), expected);
    }
}

#[test]
fn forward_keeps_batch_and_sequence_and_ends_in_labels() {
    let device = device();
    let head = LinearHead::random(tagset(&["A", "B"]), 16, 0.0, 0, &device).unwrap();
    assert_eq!(head.forward(Tensor::zeros([3, 7, 16], &device)).dims(), [3, 7, 5]);
    assert_eq!(head.tagset().labels()[0], "O");
}

#[test]
fn dropout_acts_only_when_training_on_an_autodiff_device() {
    use burn::module::Module;
    let hidden = |device: &Device| Tensor::<3>::ones([2, 4, 16], device);
    let plain = LinearHead::random(tagset(&["A"]), 16, 0.5, 0, &device()).unwrap();
    assert_eq!(values(plain.forward(hidden(&device()))), values(plain.forward(hidden(&device()))));

    let autodiff = device().autodiff();
    let training = LinearHead::random(tagset(&["A"]), 16, 0.5, 0, &autodiff).unwrap();
    assert_ne!(values(training.forward(hidden(&autodiff))), values(training.forward(hidden(&autodiff))));
    let evaluating = training.valid();
    let eval_device = autodiff.clone().inner();
    assert_eq!(values(evaluating.forward(hidden(&eval_device))), values(plain.forward(hidden(&device()))));
}
