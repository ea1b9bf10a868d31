//! From aligned windows to one label id per word: the one routine that
//! prediction, evaluation during training and lineage inference share, so
//! that they cannot disagree on batching, on the position a word is read at
//! or on how a CRF decodes.

use std::cmp::Reverse;

use burn::tensor::Device;
use burn::tensor::activation::softmax;
use retag_bert::{BertConfig, BertInput};
use retag_data::align::{AlignedSentence, Batch, LengthRounding, Window, WindowId, merge_batches};

use crate::error::Result;
use crate::tagger_model::TaggerModel;

/// Every window of `sentences`, longest first (so each batch pads little), in
/// batches of at most `batch_size` rows, each padded as `rounding` says; each
/// batch's origins say where its rows belong.
pub fn window_batches(
    sentences: &[AlignedSentence],
    batch_size: usize,
    pad_id: u32,
    rounding: LengthRounding,
) -> Vec<Batch> {
    let mut windows: Vec<(WindowId, &Window)> = sentences
        .iter()
        .enumerate()
        .flat_map(|(sentence, aligned)| {
            aligned.windows.iter().enumerate().map(move |(window, w)| (WindowId { sentence, window }, w))
        })
        .collect();
    windows.sort_by_key(|(_, window)| Reverse(window.len()));
    windows.chunks(batch_size.max(1)).map(|chunk| Batch::pad_rounded(chunk.iter().copied(), pad_id, rounding)).collect()
}

/// How batches for `config`'s encoder are padded on `device`: to a multiple
/// of [`retag_bert::sequence_length_multiple`] (1 on the CPU), never past the
/// model's positions.
pub fn length_rounding(config: &BertConfig, device: &Device) -> LengthRounding {
    LengthRounding { multiple: retag_bert::sequence_length_multiple(device), at_most: config.max_positions() }
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
    let tags = tag_each_window(model, sentences, batch_size, pad_id, device, false)?;
    Ok(tags.into_iter().map(|words| words.into_iter().map(|word| word.id).collect()).collect())
}

/// A word's label as [`tag_windows`] decodes it, and how sure the model was.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WordTag {
    pub id: usize,
    /// The softmax probability of `id` over the head's emissions at the
    /// word's first subword. Under a CRF this is still the emissions' softmax:
    /// the transitions say which sequences are legal, not how sure the model
    /// is of one position, and a per-word marginal would need a
    /// forward-backward pass for a number pseudo-labelling only thresholds.
    pub confidence: f32,
}

/// [`tag_windows`] with each word's confidence: what pseudo-labelling
/// (`retag extend`) thresholds, read at the same position as the label so
/// that the two always describe the same decision.
pub fn tag_windows_with_confidence(
    model: &TaggerModel,
    sentences: &[AlignedSentence],
    batch_size: usize,
    pad_id: u32,
    device: &Device,
) -> Result<Vec<Vec<WordTag>>> {
    tag_each_window(model, sentences, batch_size, pad_id, device, true)
}

/// The one loop behind [`tag_windows`] and [`tag_windows_with_confidence`];
/// the softmax is computed only when `confidence` asks for it.
fn tag_each_window(
    model: &TaggerModel,
    sentences: &[AlignedSentence],
    batch_size: usize,
    pad_id: u32,
    device: &Device,
    confidence: bool,
) -> Result<Vec<Vec<WordTag>>> {
    let rounding = model.encoder().map_or(LengthRounding::NONE, |encoder| length_rounding(&encoder.config, device));
    let batches = window_batches(sentences, batch_size, pad_id, rounding);
    let labels = model.tagset().len();
    let mut outputs = Vec::with_capacity(batches.len());
    for batch in &batches {
        let hidden = model.encode_batch(batch, sentences, device)?;
        let mask = first_subwords(batch, sentences);
        // The head runs a second time for the probabilities; next to the
        // encoder it costs nothing, and `decode` stays the one decoder.
        let probabilities = if confidence {
            let scores = softmax(model.emissions(hidden.clone())?, 2).into_data();
            scores.try_into_vec::<f32>().map_err(|error| {
                crate::ModelError::mismatch(format!("the model's probabilities are not f32: {error:?}"))
            })?
        } else {
            Vec::new()
        };
        let decoded = model.decode(hidden, &mask)?;
        // Back to a row-major per-token output, so that the merge reads each
        // word where it always reads it.
        let mut per_token = vec![WordTag::default(); batch.len() * batch.seq_len];
        let positions = mask.iter().enumerate().filter(|&(_, &on)| on).map(|(position, _)| position);
        for (position, id) in positions.zip(decoded.into_iter().flatten()) {
            let confidence = probabilities.get(position * labels + id).copied().unwrap_or(0.0);
            per_token[position] = WordTag { id, confidence };
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

#[cfg(test)]
mod tests {
    use burn::tensor::activation::softmax;
    use retag_bert::{BertConfig, BertModel};
    use retag_data::align::Window;
    use retag_data::{Location, Scheme, Tagset};
    use retag_heads::{Head, HeadKind, Tagger};

    use super::*;

    /// One window `[CLS] 5 6 7 8 [SEP]` of three words, the second cut into two subwords.
    fn sentence() -> AlignedSentence {
        let word_index = vec![None, Some(0), Some(1), Some(1), Some(2), None];
        AlignedSentence {
            at: Location::unnamed(None),
            word_count: 3,
            words: vec!["a".into(), "b".into(), "c".into()],
            windows: vec![Window {
                input_ids: vec![2, 5, 6, 7, 8, 3],
                attention_mask: vec![1; 6],
                labels: vec![None; 6],
                word_index,
                words: 0..3,
                owned: 0..3,
            }],
            warnings: Vec::new(),
        }
    }

    #[test]
    fn confidences_are_the_softmax_of_the_decoded_label_at_each_first_subword() {
        let device = Device::flex();
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bert/tests/fixtures/tiny-bert-ner/config.json");
        let config = BertConfig::from_file(&path).expect("the committed tiny config loads");
        let labels = Tagset::from_types(&["PER", "LOC"], Scheme::Iob2).unwrap();
        let head = Head::random(HeadKind::Linear, labels.clone(), config.hidden_size, 0.0, 3, &device).unwrap();
        let model = TaggerModel::new(BertModel::init(&config, &device), Tagger::new(head)).unwrap();
        let sentences = [sentence()];

        let ids = tag_windows(&model, &sentences, 4, 0, &device).unwrap();
        let tagged = tag_windows_with_confidence(&model, &sentences, 4, 0, &device).unwrap();
        assert_eq!(tagged[0].iter().map(|word| word.id).collect::<Vec<_>>(), ids[0], "the same decisions");

        let batch = Batch::pad([(retag_data::align::WindowId { sentence: 0, window: 0 }, &sentences[0].windows[0])], 0);
        let hidden = model.encode(&encoder_input(&batch, &config, &device).unwrap()).unwrap();
        let probabilities: Vec<f32> = softmax(model.emissions(hidden).unwrap(), 2).into_data().try_into_vec().unwrap();
        for (word, position) in [(0, 1), (1, 2), (2, 4)] {
            let WordTag { id, confidence } = tagged[0][word];
            let row = &probabilities[position * labels.len()..(position + 1) * labels.len()];
            assert_eq!(confidence, row[id], "word {word}");
            assert!(row.iter().all(|&p| p <= confidence), "a linear head decodes the most probable label");
        }
    }
}
