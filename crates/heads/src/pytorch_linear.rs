//! Linear layers in the layout checkpoints use, and the initialisation
//! HuggingFace gives a fresh classifier.
//!
//! PyTorch's `nn.Linear` stores its weight as `[out_features, in_features]`
//! (one row per output label, which is what warm-starting copies); burn's
//! `Linear` stores `[d_input, d_output]`. Every crossing between the two
//! layouts goes through this file so that a transpose is never forgotten or
//! done twice.

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData};

use crate::error::{HeadError, Result};
use crate::rng::SeededRng;

/// `initializer_range` of BERT-family configs: new classifier weights are
/// drawn from `N(0, 0.02²)` and biases start at zero (`_init_weights` in
/// `transformers`). A fresh head here starts exactly as a fresh head there.
pub const HF_INIT_STD: f64 = 0.02;

/// A linear layer from PyTorch-layout weights, checking both shapes against
/// what the caller expects. `name` is the checkpoint's prefix
/// (`classifier`), so an error reads `tensor classifier.weight: expected ...`.
pub(crate) fn from_pytorch(
    name: &str,
    weight: Tensor<2>,
    bias: Tensor<1>,
    outputs: usize,
    inputs: usize,
) -> Result<Linear> {
    check_shape(&format!("{name}.weight"), &[outputs, inputs], &weight.dims())?;
    check_shape(&format!("{name}.bias"), &[outputs], &bias.dims())?;
    Ok(Linear { weight: Param::from_tensor(weight.transpose()), bias: Some(Param::from_tensor(bias)) })
}

/// The weight `[outputs, inputs]` and bias `[outputs]` of `linear`, as a
/// PyTorch checkpoint stores them.
pub(crate) fn to_pytorch(linear: &Linear) -> (Tensor<2>, Tensor<1>) {
    let weight = linear.weight.val();
    let [_, outputs] = weight.dims();
    let bias = match &linear.bias {
        Some(bias) => bias.val(),
        None => Tensor::zeros([outputs], &weight.device()),
    };
    (weight.transpose(), bias)
}

/// A linear layer initialised as HuggingFace initialises a new classifier.
pub(crate) fn hf_random(outputs: usize, inputs: usize, rng: &mut SeededRng, device: &Device) -> Linear {
    let weight = host_tensor_2d(rng.normals(outputs * inputs, HF_INIT_STD), [outputs, inputs], device);
    let bias = Tensor::zeros([outputs], device);
    Linear { weight: Param::from_tensor(weight.transpose()), bias: Some(Param::from_tensor(bias)) }
}

/// A `[rows, cols]` tensor from row-major host values.
pub(crate) fn host_tensor_2d(values: Vec<f32>, [rows, cols]: [usize; 2], device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values, [rows, cols]), device)
}

/// A PyTorch-layout weight `[outputs, inputs]` with `extra` zero columns
/// after its inputs, as a fresh host tensor (a leaf on any device): the
/// layer then reads `extra` more inputs and, until they train, ignores them.
pub(crate) fn widened_weight(name: &str, weight: &Tensor<2>, extra: usize) -> Result<Tensor<2>> {
    let [outputs, inputs] = weight.dims();
    let values = host_values(name, weight)?;
    let mut wide = Vec::with_capacity(outputs * (inputs + extra));
    for row in values.chunks(inputs.max(1)).take(outputs) {
        wide.extend_from_slice(row);
        wide.extend(std::iter::repeat_n(0.0, extra));
    }
    Ok(host_tensor_2d(wide, [outputs, inputs + extra], &weight.device()))
}

/// A `[len]` tensor from host values.
pub(crate) fn host_tensor_1d(values: Vec<f32>, device: &Device) -> Tensor<1> {
    let len = values.len();
    Tensor::from_data(TensorData::new(values, [len]), device)
}

/// The values of a float tensor, row-major, named in the error if the
/// device cannot give them back.
pub(crate) fn host_values<const D: usize>(name: &str, tensor: &Tensor<D>) -> Result<Vec<f32>> {
    tensor
        .try_to_vec_as::<f32>()
        .map_err(|error| HeadError::TensorRead { tensor: name.to_string(), reason: error.to_string() })
}

pub(crate) fn check_shape(tensor: &str, expected: &[usize], found: &[usize]) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(HeadError::Shape { tensor: tensor.to_string(), expected: expected.to_vec(), found: found.to_vec() })
    }
}

/// Dropout probabilities must be in `[0, 1)`; burn panics on anything else,
/// so heads check first and say which option was wrong.
pub(crate) fn check_dropout(prob: f64) -> Result<()> {
    if prob.is_finite() && (0.0..1.0).contains(&prob) {
        Ok(())
    } else {
        Err(HeadError::InvalidOption { option: "dropout".into(), reason: format!("{prob} is not in [0, 1)") })
    }
}

pub(crate) fn check_size(option: &str, size: usize) -> Result<()> {
    if size == 0 {
        Err(HeadError::InvalidOption { option: option.into(), reason: "must be at least 1".into() })
    } else {
        Ok(())
    }
}
