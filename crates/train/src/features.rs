//! Encoder outputs computed once: the frozen strategy's cache.
//!
//! A frozen encoder gives the same hidden states every epoch, so recomputing
//! them (what a PyTorch loop with `requires_grad=False` does) wastes almost
//! all of an epoch. The cache keeps one vector per word — the hidden state
//! at the word's first subword in the window that owns it, exactly where
//! the full model reads its prediction — so a head trained on the cache
//! is the head the exported model runs. Subword continuations, `[CLS]`,
//! `[SEP]` and padding are never stored: on English NER data that is a
//! third to a half less memory than keeping every token.
//!
//! The training loop reads the cache as it reads windows (see
//! [`crate::inputs`]): a "window" is a sentence, its positions are its words.
//! The cache keeps each sentence's words too, so that a head with input
//! features (word shape, gazetteers...) gets their values beside the cached
//! states: they are computed from words, not by the encoder.

use burn::tensor::{Device, Tensor, TensorData};
use retag_bert::BertModel;
use retag_data::Tagset;
use retag_data::align::WindowId;
use retag_data::features::{FeatureIds, InputFeatures};
use retag_model::{encoder_input, length_rounding, window_batches};

use crate::dataset::AlignedSplit;
use crate::error::{Result, TrainError};

/// One hidden vector and one gold label per word of a split.
#[derive(Debug, Clone)]
pub struct FeatureCache {
    hidden: usize,
    /// `[words, hidden]`, row-major, sentences one after the other.
    features: Vec<f32>,
    /// The gold label id of each word, in the head's tagset.
    labels: Vec<usize>,
    /// Sentence `s` is words `offsets[s]..offsets[s + 1]`.
    offsets: Vec<usize>,
    /// The gold tags, sentence by sentence, for scoring.
    gold: Vec<Vec<String>>,
    /// The words, sentence by sentence, for input features.
    words: Vec<Vec<String>>,
}

impl FeatureCache {
    /// Runs `encoder` (validation mode, plain device: no graph, no dropout)
    /// over every window of `split` in batches of `batch_size` sorted by
    /// length, and keeps each word's vector. Gold tags are read as ids of `labels`.
    pub fn extract(
        encoder: &BertModel,
        split: &AlignedSplit,
        labels: &Tagset,
        batch_size: usize,
        device: &Device,
    ) -> Result<Self> {
        let hidden = encoder.config.hidden_size;
        let mut offsets = Vec::with_capacity(split.aligned.len() + 1);
        offsets.push(0);
        for sentence in &split.aligned {
            offsets.push(offsets.last().copied().unwrap_or(0) + sentence.word_count);
        }
        let words = offsets.last().copied().unwrap_or(0);
        let mut word_labels = Vec::with_capacity(words);
        for (sentence, gold) in split.aligned.iter().zip(&split.gold) {
            for (index, tag) in gold.iter().enumerate() {
                let at = sentence.at.clone();
                word_labels.push(labels.id_at(tag, &at).map_err(|error| TrainError::Mismatch {
                    reason: format!("word {} of the sentence at {at}: {error}", index + 1),
                })?);
            }
        }

        let mut features = vec![0.0f32; words * hidden];
        let mut filled = vec![false; words];
        let rounding = length_rounding(&encoder.config, device);
        for batch in window_batches(&split.aligned, batch_size, split.pad_id(), rounding) {
            let input = encoder_input(&batch, &encoder.config, device)?;
            let states = encoder.forward(&input).into_data();
            let states = states.as_slice::<f32>().map_err(|error| TrainError::Mismatch {
                reason: format!("the encoder's output is not f32: {error:?}"),
            })?;
            for (row, origin) in batch.origins.iter().enumerate() {
                let window = &split.aligned[origin.sentence].windows[origin.window];
                for (position, word) in window.readouts() {
                    let source = (row * batch.seq_len + position) * hidden;
                    let target = offsets[origin.sentence] + word;
                    features[target * hidden..(target + 1) * hidden].copy_from_slice(&states[source..source + hidden]);
                    filled[target] = true;
                }
            }
        }
        if let Some(missing) = filled.iter().position(|done| !done) {
            let sentence = offsets.partition_point(|&start| start <= missing) - 1;
            return Err(TrainError::Mismatch {
                reason: format!(
                    "{}: word {} was in no window's output",
                    split.aligned[sentence].at,
                    missing - offsets[sentence] + 1
                ),
            });
        }
        let words = split.aligned.iter().map(|sentence| sentence.words.clone()).collect();
        Ok(Self { hidden, features, labels: word_labels, offsets, gold: split.gold.clone(), words })
    }

    pub fn hidden(&self) -> usize {
        self.hidden
    }

    pub fn sentence_count(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn word_count(&self) -> usize {
        self.labels.len()
    }

    /// The words of sentence `s`.
    pub fn words_of(&self, sentence: usize) -> std::ops::Range<usize> {
        self.offsets[sentence]..self.offsets[sentence + 1]
    }

    /// The vector of word `word` (a corpus-wide index).
    pub fn feature(&self, word: usize) -> &[f32] {
        &self.features[word * self.hidden..(word + 1) * self.hidden]
    }

    pub fn label(&self, word: usize) -> usize {
        self.labels[word]
    }

    /// The gold tags, sentence by sentence.
    pub fn gold(&self) -> &[Vec<String>] {
        &self.gold
    }

    /// Bytes the vectors take.
    pub fn bytes(&self) -> usize {
        self.features.len() * std::mem::size_of::<f32>()
    }

    /// Every sentence with a word, as a bucketing unit with its length in words.
    pub fn units(&self) -> Vec<(WindowId, usize)> {
        (0..self.sentence_count())
            .map(|sentence| (WindowId { sentence, window: 0 }, self.words_of(sentence).len()))
            .filter(|(_, words)| *words > 0)
            .collect()
    }

    /// The sentences `ids` as one padded batch: their vectors `[rows,
    /// longest, hidden]` (zeros past a sentence's end) and, row-major, each
    /// position's gold label (`None` for padding) and whether it is a word.
    pub fn batch(&self, ids: &[WindowId], device: &Device) -> (Tensor<3>, Vec<Option<usize>>, Vec<bool>) {
        let longest = ids.iter().map(|id| self.words_of(id.sentence).len()).max().unwrap_or(0);
        let mut features = vec![0.0f32; ids.len() * longest * self.hidden];
        let mut labels = vec![None; ids.len() * longest];
        let mut mask = vec![false; ids.len() * longest];
        for (row, id) in ids.iter().enumerate() {
            for (position, word) in self.words_of(id.sentence).enumerate() {
                let cell = row * longest + position;
                features[cell * self.hidden..(cell + 1) * self.hidden].copy_from_slice(self.feature(word));
                labels[cell] = Some(self.label(word));
                mask[cell] = true;
            }
        }
        let tensor = Tensor::from_data(TensorData::new(features, [ids.len(), longest, self.hidden]), device);
        (tensor, labels, mask)
    }

    /// The values of `features` for the sentences `ids`, laid out as
    /// [`Self::batch`] lays out their words (0 on padding); `None` without features.
    pub fn feature_ids(&self, ids: &[WindowId], features: Option<&InputFeatures>) -> Result<Option<FeatureIds>> {
        let Some(features) = features else {
            return Ok(None);
        };
        let longest = ids.iter().map(|id| self.words_of(id.sentence).len()).max().unwrap_or(0);
        let mut channels = vec![vec![0u32; ids.len() * longest]; features.channels().len()];
        for (row, id) in ids.iter().enumerate() {
            let words = &self.words[id.sentence];
            if words.len() != self.words_of(id.sentence).len() {
                return Err(TrainError::Mismatch {
                    reason: format!(
                        "cached sentence {} was aligned without its words; input features are computed from them",
                        id.sentence + 1
                    ),
                });
            }
            for (channel, values) in features.word_ids(words).into_iter().enumerate() {
                channels[channel][row * longest..row * longest + values.len()].copy_from_slice(&values);
            }
        }
        Ok(Some(FeatureIds { rows: ids.len(), seq_len: longest, channels }))
    }
}
