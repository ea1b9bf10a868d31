//! A padded [`Batch`] of windows as the encoder's input tensors.

use burn::tensor::Device;
use retag_bert::{BertConfig, BertInput};
use retag_data::align::Batch;

use crate::error::Result;

/// The batch's rows, all of token type 0 (one segment per window).
pub fn bert_input(batch: &Batch, config: &BertConfig, device: &Device) -> Result<BertInput> {
    let rows = |flat: &[u32]| -> Vec<Vec<u32>> { flat.chunks(batch.seq_len.max(1)).map(<[u32]>::to_vec).collect() };
    let input_ids = rows(&batch.input_ids);
    let attention_mask = rows(&batch.attention_mask);
    let token_type_ids = vec![vec![0; batch.seq_len]; batch.len()];
    Ok(BertInput::new(&input_ids, &token_type_ids, &attention_mask, config, device)?)
}
