//! What the training loop reads: windows of subwords, which the model's
//! encoder turns into hidden states at every step, or hidden states cached
//! once per word (the frozen strategy, see [`crate::features`]). Either way a
//! batch comes out as hidden states and one optional label per position, so
//! the loop, the loss and the evaluation are the same code.

use burn::tensor::{Device, Tensor};
use retag_data::align::WindowId;
use retag_model::{TaggerModel, length_rounding, tag_windows};

use crate::dataset::AlignedSplit;
use crate::error::{Result, TrainError};
use crate::features::FeatureCache;

/// Sentences per forward pass when tagging a cache (no graph is kept, so
/// this only bounds memory).
const CACHED_SENTENCES_PER_PASS: usize = 256;

/// A split as the model reads it.
#[derive(Debug, Clone)]
pub enum Inputs {
    /// Subword windows, through the encoder.
    Windows(AlignedSplit),
    /// Encoder outputs at each word, computed once.
    Cached(FeatureCache),
}

/// One batch, ready for the head.
pub struct BatchStates {
    /// `[rows, positions, hidden]`.
    pub hidden: Tensor<3>,
    /// Row-major: the gold label of each position, `None` where none is scored.
    pub labels: Vec<Option<usize>>,
    /// Real (non-padding) tokens or words, for throughput figures.
    pub tokens: usize,
}

impl Inputs {
    /// The units that batches are made of (windows, or the cache's
    /// sentences) with their lengths, for length bucketing.
    pub fn units(&self) -> Vec<(WindowId, usize)> {
        match self {
            Inputs::Windows(split) => split.windows(),
            Inputs::Cached(cache) => cache.units(),
        }
    }

    /// The gold label of each position of unit `id` that a batch scores, in
    /// order: the `Some` labels its row of [`BatchStates::labels`] holds,
    /// wherever the batch pads it. What a per-position cache (the teacher's,
    /// see [`crate::teacher`]) is keyed by. Empty for a unit that does not exist.
    pub fn scored_labels(&self, id: WindowId) -> Vec<usize> {
        match self {
            Inputs::Windows(split) => split
                .aligned
                .get(id.sentence)
                .and_then(|sentence| sentence.windows.get(id.window))
                .map(|window| window.labels.iter().flatten().copied().collect())
                .unwrap_or_default(),
            Inputs::Cached(cache) if id.window == 0 && id.sentence < cache.sentence_count() => {
                cache.words_of(id.sentence).map(|word| cache.label(word)).collect()
            }
            Inputs::Cached(_) => Vec::new(),
        }
    }

    /// The hidden states and labels of the units `ids`, on `model`'s path:
    /// through its encoder for windows (which must then have one), straight
    /// from the cache otherwise.
    pub fn batch(&self, ids: &[WindowId], model: &TaggerModel, device: &Device) -> Result<BatchStates> {
        match self {
            Inputs::Windows(split) => {
                let Some(encoder) = model.encoder() else {
                    return Err(TrainError::Mismatch {
                        reason: "windows of subwords need a model with an encoder".into(),
                    });
                };
                let batch = split.batch(ids, length_rounding(&encoder.config, device));
                Ok(BatchStates {
                    hidden: model.encode_batch(&batch, &split.aligned, device)?,
                    tokens: batch.attention_mask.iter().filter(|&&m| m == 1).count(),
                    labels: batch.labels,
                })
            }
            Inputs::Cached(cache) => {
                let (hidden, labels, mask) = cache.batch(ids, device);
                let hidden = model.join_features(hidden, cache.feature_ids(ids, model.input_features())?.as_ref())?;
                Ok(BatchStates { hidden, labels, tokens: mask.iter().filter(|&&word| word).count() })
            }
        }
    }

    /// One predicted label id per word of every sentence.
    pub fn tag(&self, model: &TaggerModel, batch_size: usize, device: &Device) -> Result<Vec<Vec<usize>>> {
        match self {
            Inputs::Windows(split) => Ok(tag_windows(model, &split.aligned, batch_size, split.pad_id(), device)?),
            Inputs::Cached(cache) => {
                let mut tags = vec![Vec::new(); cache.sentence_count()];
                let units = cache.units();
                for chunk in units.chunks(CACHED_SENTENCES_PER_PASS) {
                    let ids: Vec<WindowId> = chunk.iter().map(|(id, _)| *id).collect();
                    let (hidden, _, mask) = cache.batch(&ids, device);
                    let hidden =
                        model.join_features(hidden, cache.feature_ids(&ids, model.input_features())?.as_ref())?;
                    for (id, row) in ids.iter().zip(model.decode(hidden, &mask)?) {
                        tags[id.sentence] = row;
                    }
                }
                Ok(tags)
            }
        }
    }

    /// The gold tags, sentence by sentence.
    pub fn gold(&self) -> &[Vec<String>] {
        match self {
            Inputs::Windows(split) => &split.gold,
            Inputs::Cached(cache) => cache.gold(),
        }
    }
}
