use burn::tensor::TensorData;
use retag_data::Scheme;

use super::*;
use crate::error::HeadError;
use crate::warm_start::RowOrigin;

fn iob2(types: &[&str]) -> Tagset {
    Tagset::from_types(types, Scheme::Iob2).unwrap()
}

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

fn linear(values: Vec<f32>, [rows, cols]: [usize; 2], bias: Vec<f32>, device: &Device) -> LinearWeights {
    LinearWeights {
        weight: Tensor::from_data(TensorData::new(values, [rows, cols]), device),
        bias: Tensor::from_data(TensorData::new(bias, [rows]), device),
    }
}

/// Abramowitz–Stegun 7.1.26, accurate to 1.5e-7: enough for a reference.
fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.3275911 * x.abs());
    let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    (1.0 - poly * (-x * x).exp()).copysign(x)
}

fn reference(activation: Activation, v: f64) -> f64 {
    match activation {
        Activation::Gelu => 0.5 * v * (1.0 + erf(v / std::f64::consts::SQRT_2)),
        Activation::Relu => v.max(0.0),
        Activation::Tanh => v.tanh(),
    }
}

/// `x W^T + b` on the host, row-major PyTorch layout.
fn affine(x: &[f64], weight: &[f32], bias: &[f32]) -> Vec<f64> {
    bias.iter()
        .enumerate()
        .map(|(row, b)| {
            let w = &weight[row * x.len()..(row + 1) * x.len()];
            x.iter().zip(w).map(|(x, w)| x * f64::from(*w)).sum::<f64>() + f64::from(*b)
        })
        .collect()
}

/// One and two hidden layers, each activation: the head computes what the
/// layers say, hand-computed on the host in `f64`.
#[test]
fn forward_matches_a_hand_computed_mlp() {
    let device = Device::flex();
    let (hidden, width) = (3, 2);
    let dense = (vec![1.0f32, 0.0, -1.0, 0.5, 0.5, 0.5], vec![0.0f32, -1.0]);
    let dense_1 = (vec![0.5f32, -1.0, 1.5, 0.25], vec![0.1f32, -0.2]);
    let out = (vec![1.0f32, 0.0, 0.0, 1.0, 1.0, -1.0], vec![0.0f32, 0.0, 0.5]);
    let x = [2.0f64, 1.0, 0.5];
    for activation in Activation::ALL {
        for layers in [1, 2] {
            let mut hidden_weights = vec![linear(dense.0.clone(), [width, hidden], dense.1.clone(), &device)];
            if layers == 2 {
                hidden_weights.push(linear(dense_1.0.clone(), [width, width], dense_1.1.clone(), &device));
            }
            let weights =
                MlpWeights { hidden: hidden_weights, out: linear(out.0.clone(), [3, width], out.1.clone(), &device) };
            let spec = MlpSpec { layers, width: Some(width), activation, dropout: None };
            let head = MlpHead::from_pytorch(iob2(&["X"]), hidden, weights, &spec, 0.1).unwrap();

            let mut h: Vec<f64> =
                affine(&x, &dense.0, &dense.1).into_iter().map(|v| reference(activation, v)).collect();
            if layers == 2 {
                h = affine(&h, &dense_1.0, &dense_1.1).into_iter().map(|v| reference(activation, v)).collect();
            }
            let expected = affine(&h, &out.0, &out.1);
            let input = Tensor::from_data(
                TensorData::new(x.iter().map(|&v| v as f32).collect::<Vec<_>>(), [1, 1, hidden]),
                &device,
            );
            let got = values(head.forward(input));
            for (g, e) in got.iter().zip(&expected) {
                assert!((f64::from(*g) - e).abs() < 1e-4, "{activation} x{layers}: {got:?} vs {expected:?}");
            }
        }
    }
}

#[test]
fn shapes_are_checked_by_tensor_name() {
    let device = Device::flex();
    let weights = |out_rows: usize, second_cols: usize| MlpWeights {
        hidden: vec![
            LinearWeights { weight: Tensor::zeros([4, 6], &device), bias: Tensor::zeros([4], &device) },
            LinearWeights { weight: Tensor::zeros([4, second_cols], &device), bias: Tensor::zeros([4], &device) },
        ],
        out: LinearWeights { weight: Tensor::zeros([out_rows, 4], &device), bias: Tensor::zeros([3], &device) },
    };
    let two = MlpSpec { layers: 2, width: Some(4), ..MlpSpec::default() };
    // (input width, spec, weights, expected message)
    let cases = [
        (6, two, weights(5, 4), "tensor classifier.out_proj.weight: expected shape [3, 4], found [5, 4]"),
        (8, two, weights(3, 4), "tensor classifier.dense.weight: expected shape [4, 8], found [4, 6]"),
        (6, two, weights(3, 6), "tensor classifier.dense_1.weight: expected shape [4, 4], found [4, 6]"),
        (
            6,
            MlpSpec { width: Some(4), ..MlpSpec::default() },
            weights(3, 4),
            "invalid option mlp.layers: the spec says 1 hidden layers, the weights have 2",
        ),
        (
            6,
            MlpSpec { layers: 2, ..MlpSpec::default() },
            weights(3, 4),
            "tensor classifier.dense.weight: expected shape [6, 6], found [4, 6]",
        ),
    ];
    for (hidden, spec, weights, expected) in cases {
        let error = MlpHead::from_pytorch(iob2(&["X"]), hidden, weights, &spec, 0.1).unwrap_err();
        assert_eq!(error.to_string(), expected);
    }
    let zero_width = MlpSpec { width: Some(0), ..MlpSpec::default() };
    assert!(matches!(
        MlpHead::random(iob2(&["X"]), 8, &zero_width, 0.1, 0, &device),
        Err(HeadError::InvalidOption { option, .. }) if option == "mlp.width"
    ));
}

/// The default spec is the head retag always built: one hidden layer as
/// wide as the input, drawn first from the seed, then the output layer.
#[test]
fn the_default_spec_is_the_old_one_layer_gelu_head() {
    let device = Device::flex();
    let head = MlpHead::random(iob2(&["X"]), 6, &MlpSpec::default(), 0.1, 5, &device).unwrap();
    assert_eq!(head.spec(), MlpSpec { layers: 1, width: Some(6), activation: Activation::Gelu, dropout: Some(0.1) });
    let mut rng = SeededRng::new(5);
    let dense = rng.normals(6 * 6, crate::HF_INIT_STD);
    let out = rng.normals(3 * 6, crate::HF_INIT_STD);
    let weights = head.weights_pytorch_layout();
    assert_eq!(weights.hidden.len(), 1);
    assert_eq!(values(weights.hidden[0].weight.clone()), dense);
    assert_eq!(values(weights.out.weight), out);
}

#[test]
fn a_deeper_head_is_as_the_spec_says() {
    let device = Device::flex();
    let spec = MlpSpec { layers: 3, width: Some(5), activation: Activation::Relu, dropout: Some(0.2) };
    let head = MlpHead::random(iob2(&["X", "Y"]), 8, &spec, 0.1, 1, &device).unwrap();
    assert_eq!(head.spec(), spec);
    assert_eq!((head.hidden_size(), head.inner_size(), head.dropout()), (8, 5, 0.1));
    let dims: Vec<[usize; 2]> = head.weights_pytorch_layout().hidden.iter().map(|layer| layer.weight.dims()).collect();
    assert_eq!(dims, [[5, 8], [5, 5], [5, 5]]);
    assert_eq!(head.forward(Tensor::zeros([2, 3, 8], &device)).dims(), [2, 3, 5]);
    assert_eq!(
        (0..3).map(hidden_layer_name).collect::<Vec<_>>(),
        ["classifier.dense", "classifier.dense_1", "classifier.dense_2"]
    );
}

#[test]
fn warm_start_keeps_every_hidden_layer_and_plans_the_output_rows() {
    let device = Device::flex();
    let parents = |t: &str| (t == "person").then(|| "PER".to_string());
    for spec in
        [MlpSpec::default(), MlpSpec { layers: 2, width: Some(4), activation: Activation::Tanh, dropout: Some(0.3) }]
    {
        let old = MlpHead::random(iob2(&["PER", "LOC"]), 6, &spec, 0.1, 1, &device).unwrap();
        let (new, report) = old.warm_start(iob2(&["person", "product"]), parents, 0.01, 2).unwrap();
        assert_eq!(new.num_labels(), 5);
        assert_eq!(new.spec(), old.spec());
        assert_eq!(new.dropout(), old.dropout());
        let (a, b) = (old.weights_pytorch_layout(), new.weights_pytorch_layout());
        for (old_layer, new_layer) in a.hidden.iter().zip(&b.hidden) {
            assert_eq!(values(old_layer.weight.clone()), values(new_layer.weight.clone()), "{spec:?}");
            assert_eq!(values(old_layer.bias.clone()), values(new_layer.bias.clone()), "{spec:?}");
        }
        let width = old.inner_size();
        let old_out = values(a.out.weight);
        let new_out = values(b.out.weight);
        // B-person (row 1) is B-PER (row 1) exactly.
        assert_eq!(&new_out[width..2 * width], &old_out[width..2 * width]);
        assert_eq!(report.origin_of("B-product"), Some(&RowOrigin::Random));
    }
}
