//! Gold labels as tensors, and the token-level cross-entropy loss.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};

use crate::error::{HeadError, Result};
use crate::pytorch_linear::check_shape;

/// The label id and mask tensors `[rows, seq_len]` of a batch whose labels
/// are `None` where the loss ignores a token (as `retag_data::align::Batch`
/// holds them): ids are 0 and the mask false there.
pub fn label_tensors(
    labels: &[Option<usize>],
    rows: usize,
    seq_len: usize,
    device: &Device,
) -> Result<(Tensor<2, Int>, Tensor<2, Bool>)> {
    check_shape("labels", &[rows * seq_len], &[labels.len()])?;
    let ids: Vec<i64> = labels.iter().map(|label| label.map_or(0, |id| id as i64)).collect();
    let mask: Vec<bool> = labels.iter().map(Option::is_some).collect();
    Ok((
        Tensor::from_data(TensorData::new(ids, [rows, seq_len]), device),
        Tensor::from_data(TensorData::new(mask, [rows, seq_len]), device),
    ))
}

/// Mean cross-entropy over the tokens where `mask` is true, as
/// `BertForTokenClassification` computes it with `-100` labels: logits
/// `[batch, seq, labels]`, label ids `[batch, seq]` (any value where masked).
/// No scored token at all gives 0.
pub fn token_cross_entropy(logits: Tensor<3>, labels: Tensor<2, Int>, mask: Tensor<2, Bool>) -> Result<Tensor<1>> {
    let [batch, seq, num_labels] = logits.dims();
    check_shape("labels", &[batch, seq], &labels.dims())?;
    check_shape("mask", &[batch, seq], &mask.dims())?;
    let device = logits.device();
    let ids = labels
        .try_to_vec_as::<i64>()
        .map_err(|error| HeadError::TensorRead { tensor: "labels".into(), reason: error.to_string() })?;
    let kept = mask
        .clone()
        .int()
        .try_into_vec_as::<i64>()
        .map_err(|error| HeadError::TensorRead { tensor: "mask".into(), reason: error.to_string() })?;
    let mut clean = Vec::with_capacity(ids.len());
    let mut scored = 0usize;
    for (index, (&id, &keep)) in ids.iter().zip(&kept).enumerate() {
        if keep == 0 {
            clean.push(0);
            continue;
        }
        if usize::try_from(id).map_or(true, |label| label >= num_labels) {
            return Err(HeadError::LabelOutOfRange {
                tensor: "labels".into(),
                row: index / seq,
                position: index % seq,
                id,
                num_labels,
            });
        }
        clean.push(id);
        scored += 1;
    }
    if scored == 0 {
        return Ok(Tensor::zeros([1], &device));
    }
    let index = Tensor::<3, Int>::from_data(TensorData::new(clean, [batch, seq, 1]), &device);
    let picked = log_softmax(logits, 2).gather(2, index).reshape([batch, seq]);
    let total = picked.mask_fill(mask.bool_not(), 0.0).sum();
    Ok(total.neg().div_scalar(scored as f32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_entropy_matches_a_hand_computation_and_ignores_masked_tokens() {
        let device = Device::flex();
        // Two tokens scored, one ignored (its label would be out of range).
        let logits = Tensor::<3>::from_data(
            TensorData::new(vec![1.0f32, 2.0, 0.0, 0.0, 3.0, 1.0, 5.0, 5.0, 5.0], [1, 3, 3]),
            &device,
        );
        let (labels, mask) = label_tensors(&[Some(1), None, Some(2)], 1, 3, &device).unwrap();
        let loss = token_cross_entropy(logits, labels, mask).unwrap().into_scalar::<f32>();
        let nll = |row: [f64; 3], gold: usize| {
            let z = row.iter().map(|v| v.exp()).sum::<f64>().ln();
            z - row[gold]
        };
        let expected = (nll([1.0, 2.0, 0.0], 1) + nll([5.0, 5.0, 5.0], 2)) / 2.0;
        assert!((f64::from(loss) - expected).abs() < 1e-5, "{loss} vs {expected}");
    }

    #[test]
    fn bad_labels_and_shapes_are_named() {
        let device = Device::flex();
        let logits = Tensor::<3>::zeros([1, 2, 3], &device);
        let (labels, mask) = label_tensors(&[Some(0), Some(7)], 1, 2, &device).unwrap();
        let error = token_cross_entropy(logits.clone(), labels, mask).unwrap_err();
        assert_eq!(error.to_string(), "tensor labels: label id 7 at row 0, position 1 is not below the 3 labels");
        let error = label_tensors(&[Some(0)], 1, 2, &device).unwrap_err();
        assert_eq!(error.to_string(), "tensor labels: expected shape [2], found [1]");
        let (labels, mask) = label_tensors(&[None, None], 1, 2, &device).unwrap();
        assert_eq!(token_cross_entropy(logits, labels, mask).unwrap().into_scalar::<f32>(), 0.0);
    }
}
