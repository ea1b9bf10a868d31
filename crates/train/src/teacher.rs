//! The old model's scores at every position training scores, computed once:
//! the teacher side of distillation (see [`crate::distill`]).
//!
//! The old model is frozen, so its opinion of a training position is the
//! same every epoch. Running it at every step, as a PyTorch loop with a
//! teacher under `no_grad` does, would add a second forward pass per batch
//! for numbers that never change. The cache runs it once, before training,
//! in batches sorted by length, on the plain device in validation mode: no
//! graph, no dropout.
//!
//! What is kept: the teacher's emissions, the per-position scores before any
//! CRF (logits), at exactly the positions the loss scores, those whose label
//! in [`BatchStates::labels`] is `Some` (a word's first subword in each
//! window that holds it). `[CLS]`, `[SEP]`, continuations and padding are
//! never stored. Logits rather than probabilities, so one cache serves any
//! temperature: the loss divides them by `T`. Memory: scored positions ×
//! old labels × 4 bytes (CoNLL-2003's train split, about 204k words, with 9
//! old labels: about 7 MB), plus 4 bytes a position for its gold label.
//!
//! Alignment: the rows are kept unit by unit (a window, or a cached
//! sentence), each unit's in position order. A batch of units `ids` gets,
//! unit after unit, the rows of their scored positions: the row-major order
//! of the `Some`s of [`BatchStates::labels`] for the same `ids`, whatever
//! padding the batch adds. Each row carries the gold label the inputs give
//! its position, so that a misaligned fetch is an error, not a silent shift.
//!
//! The teacher reads the units as the student does, through
//! [`Inputs::batch`]: windows go through the teacher's own encoder (the ids
//! must be those of the tokenizer it was trained with, as a retrain's are),
//! cached encoder outputs through its head alone. A cache must then hold the
//! outputs of the teacher's encoder, as the frozen strategy's does: the
//! encoder it freezes is the old model's.
//!
//! [`BatchStates::labels`]: crate::inputs::BatchStates::labels

use burn::module::Module;
use burn::tensor::Device;
use retag_data::align::WindowId;
use retag_model::TaggerModel;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::inputs::Inputs;

/// The teacher's logits at every scored position of a split's units.
#[derive(Debug, Clone)]
pub struct TeacherCache {
    /// The teacher's label count (the old tagset's size).
    labels: usize,
    /// Every unit of the inputs, sorted (for a binary search per fetch).
    units: Vec<WindowId>,
    /// Unit `u`'s rows are `offsets[u]..offsets[u + 1]`.
    offsets: Vec<usize>,
    /// `[rows, labels]`, row-major.
    logits: Vec<f32>,
    /// The gold label (new tagset) of each row's position, to check alignment.
    gold: Vec<u32>,
    fingerprint: TeacherFingerprint,
}

/// The teacher's rows for one batch, in the order of the batch's scored
/// positions.
#[derive(Debug, Clone, PartialEq)]
pub struct TeacherRows {
    /// `[positions, old labels]`, row-major.
    pub logits: Vec<f32>,
    /// The gold label (new tagset) of each position, as the inputs give it.
    pub gold: Vec<usize>,
}

/// What identifies a teacher cache across processes: a checkpoint records
/// it, and a resumed run must recompute the same cache (same teacher, same
/// data), or it would train on other targets than the run it continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeacherFingerprint {
    pub positions: usize,
    pub labels: usize,
    /// FNV-1a over the units, their gold labels and the logits' bits.
    pub checksum: u64,
}

impl TeacherCache {
    /// Runs `teacher` over every unit of `inputs` (the training inputs, read
    /// as the student reads them), `batch_size` units a pass, on `device`'s
    /// plain half. See the module doc for what is kept and why.
    pub fn compute(teacher: &TaggerModel, inputs: &Inputs, batch_size: usize, device: &Device) -> Result<Self> {
        Self::compute_with(teacher, inputs, batch_size, device, |_, _| {})
    }

    /// [`Self::compute`], calling `on_batch(units done, units in all)` after
    /// each pass, for a progress bar over a long split.
    pub fn compute_with(
        teacher: &TaggerModel,
        inputs: &Inputs,
        batch_size: usize,
        device: &Device,
        mut on_batch: impl FnMut(usize, usize),
    ) -> Result<Self> {
        if batch_size == 0 {
            return Err(TrainError::Mismatch { reason: "a teacher pass needs batches of at least one unit".into() });
        }
        let device = device.clone().inner();
        let teacher = teacher.valid();
        // A teacher with input features joins them to the cached outputs: its
        // head reads that much more than the encoder gives.
        let features = teacher.feature_embeddings().map_or(0, |features| features.width());
        if let Inputs::Cached(cache) = inputs
            && cache.hidden() + features != teacher.hidden_size()
        {
            return Err(TrainError::Mismatch {
                reason: format!(
                    "the teacher's head reads {}-wide states, the cached encoder outputs are {}-wide{}",
                    teacher.hidden_size(),
                    cache.hidden(),
                    if features > 0 { format!(" and its input features {features}") } else { String::new() }
                ),
            });
        }
        let labels = teacher.tagset().len();
        let mut units = inputs.units();
        units.sort_unstable_by_key(|(id, _)| *id);
        let mut offsets = Vec::with_capacity(units.len() + 1);
        offsets.push(0);
        let mut gold = Vec::new();
        for (id, _) in &units {
            gold.extend(inputs.scored_labels(*id).into_iter().map(|label| label as u32));
            offsets.push(gold.len());
        }
        let mut logits = vec![0.0f32; gold.len() * labels];

        // Batches of similar length pad little; the order of the passes does
        // not matter, each row is written to its unit's slot.
        let mut by_length: Vec<usize> = (0..units.len()).collect();
        by_length.sort_by_key(|&unit| units[unit].1);
        let mut done = 0;
        for chunk in by_length.chunks(batch_size) {
            let ids: Vec<WindowId> = chunk.iter().map(|&unit| units[unit].0).collect();
            let states = inputs.batch(&ids, &teacher, &device)?;
            let seq = states.labels.len() / ids.len();
            let scores = teacher.emissions(states.hidden)?.into_data();
            let scores = scores.as_slice::<f32>().map_err(|error| TrainError::Mismatch {
                reason: format!("the teacher's scores are not f32: {error:?}"),
            })?;
            for (row, &unit) in chunk.iter().enumerate() {
                let mut at = offsets[unit];
                for position in 0..seq {
                    let cell = row * seq + position;
                    let Some(label) = states.labels[cell] else { continue };
                    if at >= offsets[unit + 1] || gold[at] != label as u32 {
                        return Err(misaligned(units[unit].0));
                    }
                    let source = &scores[cell * labels..(cell + 1) * labels];
                    if source.iter().any(|score| !score.is_finite()) {
                        return Err(TrainError::Mismatch {
                            reason: format!("{}: the teacher's scores are not finite", describe(units[unit].0)),
                        });
                    }
                    logits[at * labels..(at + 1) * labels].copy_from_slice(source);
                    at += 1;
                }
                if at != offsets[unit + 1] {
                    return Err(misaligned(units[unit].0));
                }
            }
            done += ids.len();
            on_batch(done, units.len());
        }
        let units: Vec<WindowId> = units.into_iter().map(|(id, _)| id).collect();
        let fingerprint =
            TeacherFingerprint { positions: gold.len(), labels, checksum: checksum(&units, &offsets, &gold, &logits) };
        Ok(Self { labels, units, offsets, logits, gold, fingerprint })
    }

    /// The teacher's label count.
    pub fn label_count(&self) -> usize {
        self.labels
    }

    /// Scored positions held (rows).
    pub fn positions(&self) -> usize {
        self.gold.len()
    }

    /// Units (windows, or cached sentences) the cache covers.
    pub fn unit_count(&self) -> usize {
        self.units.len()
    }

    /// Bytes the logits and gold labels take.
    pub fn bytes(&self) -> usize {
        self.logits.len() * size_of::<f32>() + self.gold.len() * size_of::<u32>()
    }

    pub fn fingerprint(&self) -> TeacherFingerprint {
        self.fingerprint
    }

    /// The rows of the units `ids`, in the order the loss meets their scored
    /// positions (see the module doc). A unit the cache does not hold is an
    /// error: the cache was computed on other inputs.
    pub fn rows(&self, ids: &[WindowId]) -> Result<TeacherRows> {
        let mut rows = TeacherRows { logits: Vec::new(), gold: Vec::new() };
        for &id in ids {
            let unit = self.units.binary_search(&id).map_err(|_| TrainError::Mismatch {
                reason: format!("{}: not in the teacher cache, which was computed on other inputs", describe(id)),
            })?;
            let (start, end) = (self.offsets[unit], self.offsets[unit + 1]);
            rows.logits.extend_from_slice(&self.logits[start * self.labels..end * self.labels]);
            rows.gold.extend(self.gold[start..end].iter().map(|&label| label as usize));
        }
        Ok(rows)
    }

    /// Checks that the cache was computed on `inputs`: the same units, each
    /// scoring the same positions with the same gold labels. A cache of
    /// other data would feed the loss another sentence's targets.
    pub fn fits(&self, inputs: &Inputs) -> Result<()> {
        let mut units: Vec<WindowId> = inputs.units().into_iter().map(|(id, _)| id).collect();
        units.sort_unstable();
        if units.len() != self.units.len() {
            return Err(TrainError::Mismatch {
                reason: format!(
                    "the teacher cache covers {} units (windows or sentences), the training inputs have {}: \
                     it was computed on other data",
                    self.units.len(),
                    units.len()
                ),
            });
        }
        for (unit, &id) in units.iter().enumerate() {
            let cached = &self.gold[self.offsets[unit]..self.offsets[unit + 1]];
            let scored = inputs.scored_labels(id);
            let same = self.units[unit] == id
                && cached.len() == scored.len()
                && cached.iter().zip(&scored).all(|(&a, &b)| a as usize == b);
            if !same {
                return Err(TrainError::Mismatch {
                    reason: format!(
                        "{}: the teacher cache scores other positions or labels than the training inputs: \
                         it was computed on other data or windows",
                        describe(id)
                    ),
                });
            }
        }
        Ok(())
    }
}

fn misaligned(id: WindowId) -> TrainError {
    TrainError::Mismatch {
        reason: format!("{}: the teacher's batch scores other positions than the inputs list", describe(id)),
    }
}

/// A unit as a person counts it (1-based).
fn describe(id: WindowId) -> String {
    format!("sentence {}, window {}", id.sentence + 1, id.window + 1)
}

/// FNV-1a, 64 bits: not cryptographic, only a cheap witness that two
/// caches hold the same bits.
fn checksum(units: &[WindowId], offsets: &[usize], gold: &[u32], logits: &[f32]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &byte in bytes {
            hash = (hash ^ u64::from(byte)).wrapping_mul(PRIME);
        }
    };
    for id in units {
        eat(&(id.sentence as u64).to_le_bytes());
        eat(&(id.window as u64).to_le_bytes());
    }
    for offset in offsets {
        eat(&(*offset as u64).to_le_bytes());
    }
    for label in gold {
        eat(&label.to_le_bytes());
    }
    for value in logits {
        eat(&value.to_bits().to_le_bytes());
    }
    hash
}
