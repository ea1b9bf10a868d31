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

use burn::tensor::Device;
use retag_bert::BertModel;
use retag_data::Tagset;
use retag_train::dataset::AlignedSplit;
use retag_train::model_input::bert_input;

use crate::error::{Result, RetrainError};

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
                word_labels.push(labels.id_at(tag, &at).map_err(|error| RetrainError::Mismatch {
                    reason: format!("word {} of the sentence at {at}: {error}", index + 1),
                })?);
            }
        }

        let mut features = vec![0.0f32; words * hidden];
        let mut filled = vec![false; words];
        for batch in split.sorted_batches(batch_size) {
            let input = bert_input(&batch, &encoder.config, device)?;
            let states = encoder.forward(&input).into_data();
            let states = states.as_slice::<f32>().map_err(|error| RetrainError::Mismatch {
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
            return Err(RetrainError::Mismatch {
                reason: format!(
                    "{}: word {} was in no window's output",
                    split.aligned[sentence].at,
                    missing - offsets[sentence] + 1
                ),
            });
        }
        Ok(Self { hidden, features, labels: word_labels, offsets })
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

    /// Bytes the vectors take.
    pub fn bytes(&self) -> usize {
        self.features.len() * std::mem::size_of::<f32>()
    }
}
