//! From aligned windows to one label id per word: the one routine that
//! prediction, evaluation during training and lineage inference share, so
//! that they cannot disagree on batching, on the position a word is read at
//! or on how a CRF decodes.

use std::cmp::Reverse;

use burn::tensor::Device;
use retag_bert::{BertConfig, BertInput};
use retag_data::align::{AlignedSentence, Batch, Window, WindowId, merge_batches};

use crate::error::Result;
use crate::tagger_model::TaggerModel;

/// Every window of `sentences`, longest first (so each batch pads little), in
/// batches of at most `batch_size` rows; each batch's origins say where its
/// rows belong.
pub fn window_batches(sentences: &[AlignedSentence], batch_size: usize, pad_id: u32) -> Vec<Batch> {
    let mut windows: Vec<(WindowId, &Window)> = sentences
        .iter()
        .enumerate()
        .flat_map(|(sentence, aligned)| {
            aligned.windows.iter().enumerate().map(move |(window, w)| (WindowId { sentence, window }, w))
        })
        .collect();
    windows.sort_by_key(|(_, window)| Reverse(window.len()));
    windows.chunks(batch_size.max(1)).map(|chunk| Batch::pad(chunk.iter().copied(), pad_id)).collect()
}

/// A padded batch of windows as the encoder's input tensors, all of token
/// type 0 (one segment per window).
pub fn encoder_input(batch: &Batch, config: &BertConfig, device: &Device) -> Result<BertInput> {
    let rows = |flat: &[u32]| -> Vec<Vec<u32>> { flat.chunks(batch.seq_len.max(1)).map(<[u32]>::to_vec).collect() };
    let token_type_ids = vec![vec![0; batch.seq_len]; batch.len()];
    Ok(BertInput::new(&rows(&batch.input_ids), &token_type_ids, &rows(&batch.attention_mask), config, device)?)
}

/// One label id per word of every sentence, tagged by `model` (validation
/// mode, on the plain `device`: no graph, no dropout), `batch_size` windows
/// per forward pass. A word is read at its first subword in the window that
/// owns it; a CRF decodes each window over the first subwords of all the
/// words the window holds, so the scheme's constraints hold between them.
pub fn tag_windows(
    model: &TaggerModel,
    sentences: &[AlignedSentence],
    batch_size: usize,
    pad_id: u32,
    device: &Device,
) -> Result<Vec<Vec<usize>>> {
    let encoder = model.encoder().map(|encoder| &encoder.config);
    let batches = window_batches(sentences, batch_size, pad_id);
    let mut outputs = Vec::with_capacity(batches.len());
    for batch in &batches {
        let config = encoder.ok_or_else(|| {
            crate::ModelError::mismatch("the model has no encoder: it cannot tag windows of subwords")
        })?;
        let hidden = model.encode(&encoder_input(batch, config, device)?)?;
        let mask = first_subwords(batch, sentences);
        let decoded = model.decode(hidden, &mask)?;
        // Back to a row-major per-token output, so that the merge reads each
        // word where it always reads it.
        let mut per_token = vec![0usize; batch.len() * batch.seq_len];
        let positions = mask.iter().enumerate().filter(|&(_, &on)| on).map(|(position, _)| position);
        for (position, id) in positions.zip(decoded.into_iter().flatten()) {
            per_token[position] = id;
        }
        outputs.push(per_token);
    }
    Ok(merge_batches(sentences, &batches, &outputs)?)
}

/// Row-major `[rows * seq_len]`: true at the first subword of every word a
/// window holds (where training puts the labels).
fn first_subwords(batch: &Batch, sentences: &[AlignedSentence]) -> Vec<bool> {
    let mut mask = vec![false; batch.len() * batch.seq_len];
    for (row, origin) in batch.origins.iter().enumerate() {
        let window = &sentences[origin.sentence].windows[origin.window];
        let mut previous = None;
        for (position, &word) in window.word_index.iter().enumerate() {
            if word.is_some() && word != previous {
                mask[row * batch.seq_len + position] = true;
            }
            previous = word;
        }
    }
    mask
}
