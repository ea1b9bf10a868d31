//! A batch of token ids ready for [`crate::BertModel::forward`], checked once
//! against the model's config so that the forward pass cannot index out of
//! an embedding table.

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::config::BertConfig;
use crate::error::{BertError, Result};

/// The multiple a batch's sequence length is rounded up to on `device`.
///
/// On the CPU (burn-flex) any length runs at once: 1, batches pad only to
/// their longest window. A GPU backend (cubecl, under wgpu or CUDA)
/// compiles its kernels and autotunes its matmuls for each new shape; a
/// predict whose batches had about a hundred distinct lengths spent most of
/// its time doing that (docs/performance.md, "Second GPU call"). Rounding to
/// [`GPU_LENGTH_MULTIPLE`] leaves at most `max_len / 32` lengths, at the cost
/// of at most 31 padded positions a row.
pub fn sequence_length_multiple(device: &Device) -> usize {
    #[cfg(feature = "flex")]
    if crate::cpu::is_flex(device) {
        return 1;
    }
    let _ = device;
    GPU_LENGTH_MULTIPLE
}

/// See [`sequence_length_multiple`].
pub const GPU_LENGTH_MULTIPLE: usize = 32;

/// `[batch, seq]` token ids, token type ids and attention mask (1 for a real
/// token, 0 for padding), as transformers' `BertModel` takes them.
#[derive(Debug, Clone)]
pub struct BertInput {
    pub(crate) input_ids: Tensor<2, Int>,
    pub(crate) token_type_ids: Tensor<2, Int>,
    pub(crate) attention_mask: Tensor<2, Int>,
}

impl BertInput {
    /// Pads `sequences` on the right with `pad_id` to the longest one; token
    /// types are all 0, the mask is 1 on the real tokens.
    pub fn padded(sequences: &[Vec<u32>], pad_id: u32, config: &BertConfig, device: &Device) -> Result<Self> {
        let seq = sequences.iter().map(Vec::len).max().unwrap_or(0);
        let mut input_ids = Vec::with_capacity(sequences.len());
        let mut attention_mask = Vec::with_capacity(sequences.len());
        for tokens in sequences {
            let mut ids = tokens.clone();
            ids.resize(seq, pad_id);
            input_ids.push(ids);
            let mut mask = vec![1; tokens.len()];
            mask.resize(seq, 0);
            attention_mask.push(mask);
        }
        let token_type_ids = vec![vec![0; seq]; sequences.len()];
        Self::new(&input_ids, &token_type_ids, &attention_mask, config, device)
    }

    /// A batch from rows that are already padded. Checks that the three are
    /// rectangular and of one shape, that ids fit the vocabulary and token
    /// types the type vocabulary, that the mask is 0/1, and that no row is
    /// longer than the position table holds ([`BertConfig::max_positions`]).
    pub fn new(
        input_ids: &[Vec<u32>],
        token_type_ids: &[Vec<u32>],
        attention_mask: &[Vec<u32>],
        config: &BertConfig,
        device: &Device,
    ) -> Result<Self> {
        let batch = input_ids.len();
        let seq = input_ids.first().map_or(0, Vec::len);
        if batch == 0 || seq == 0 {
            return Err(invalid(format!("empty batch ({batch} rows of {seq} tokens)")));
        }
        if seq > config.max_positions() {
            return Err(invalid(format!(
                "{seq} tokens, the model takes at most {} ({})",
                config.max_positions(),
                config.max_positions_reason()
            )));
        }
        let input_ids = rectangular("input_ids", input_ids, batch, seq, config.vocab_size as u32)?;
        let token_type_ids = rectangular("token_type_ids", token_type_ids, batch, seq, config.type_vocab_size as u32)?;
        let attention_mask = rectangular("attention_mask", attention_mask, batch, seq, 2)?;
        Ok(Self {
            input_ids: Tensor::from_data(TensorData::new(input_ids, [batch, seq]), device),
            token_type_ids: Tensor::from_data(TensorData::new(token_type_ids, [batch, seq]), device),
            attention_mask: Tensor::from_data(TensorData::new(attention_mask, [batch, seq]), device),
        })
    }

    /// `[batch, seq]`.
    pub fn dims(&self) -> [usize; 2] {
        self.input_ids.dims()
    }

    /// The attention mask, 1 on real tokens and 0 on padding.
    pub fn attention_mask(&self) -> Tensor<2, Int> {
        self.attention_mask.clone()
    }

    /// The same batch on the plain (non-autodiff) side of its device, for a
    /// frozen model that runs beside a training one (an adapter's old model):
    /// its forward pass then builds no graph at all.
    pub fn without_autodiff(&self) -> Self {
        Self {
            input_ids: self.input_ids.clone().without_autodiff(),
            token_type_ids: self.token_type_ids.clone().without_autodiff(),
            attention_mask: self.attention_mask.clone().without_autodiff(),
        }
    }
}

fn invalid(reason: String) -> BertError {
    BertError::Input { reason }
}

/// Flattens `rows` after checking they are `batch` x `seq` with values below `limit`.
fn rectangular(name: &str, rows: &[Vec<u32>], batch: usize, seq: usize, limit: u32) -> Result<Vec<i64>> {
    if rows.len() != batch {
        return Err(invalid(format!("{name} has {} rows, input_ids has {batch}", rows.len())));
    }
    let mut flat = Vec::with_capacity(batch * seq);
    for (row, values) in rows.iter().enumerate() {
        if values.len() != seq {
            return Err(invalid(format!("{name} row {row} has {} tokens, expected {seq}", values.len())));
        }
        for (column, &value) in values.iter().enumerate() {
            if value >= limit {
                return Err(invalid(format!("{name}[{row}][{column}] is {value}, must be below {limit}")));
            }
            flat.push(i64::from(value));
        }
    }
    Ok(flat)
}

#[cfg(test)]
mod tests;
