//! The training sentences augmented anew each epoch ([`retag_data::augment`])
//! and aligned to windows as the plain ones were: what `--augment` feeds the
//! loop through its [`EpochData`] hook.
//!
//! Aligning again each epoch is the price of augmentation: replaced tokens
//! split into other subwords, and a replaced mention has another length.
//! It is the same work as aligning the split once before training, a small
//! share of an epoch on any encoder. A sentence whose augmented copy would
//! need another number of windows than the plain sentence (a long sentence
//! near the window limit) is kept as written for that epoch, so that the
//! loop's batches, which are made of the plain inputs' windows, stay valid.

use retag_data::align::{AlignOptions, WordTokenizer};
use retag_data::augment::{AugmentSpec, Augmenter};
use retag_data::{Sentence, Tagset};

use crate::dataset::{AlignedSplit, Split};
use crate::epoch_data::{EpochData, EpochDataError, EpochInputs};
use crate::error::{Result, TrainError};
use crate::inputs::Inputs;

/// The plain training split, and what augmenting and aligning it takes.
pub struct Augmentation {
    augmenter: Augmenter,
    split: Split,
    /// The plain alignment's number of windows, sentence by sentence.
    windows: Vec<usize>,
    tokenizer: WordTokenizer,
    tagset: Tagset,
    options: AlignOptions,
    pad_id: u32,
}

impl Augmentation {
    /// Augments `split` (the plain training sentences) with `augmenter`,
    /// which should draw from the run's seed and from `split` itself (see
    /// `docs/strategies.md`); `plain` is the split aligned with `tokenizer`,
    /// `tagset` and `options`, as the run's inputs hold it (labels rewritten
    /// since, as by extend's rehearsal, do not matter).
    pub fn new(
        augmenter: Augmenter,
        split: &Split,
        plain: &AlignedSplit,
        tokenizer: &WordTokenizer,
        tagset: &Tagset,
        options: &AlignOptions,
    ) -> Result<Self> {
        if plain.aligned.len() != split.sentences.len() {
            return Err(TrainError::Mismatch {
                reason: format!(
                    "augmentation: {} training sentences but {} aligned ones; pass the split the inputs were aligned from",
                    split.sentences.len(),
                    plain.aligned.len()
                ),
            });
        }
        Ok(Self {
            augmenter,
            split: split.clone(),
            windows: plain.aligned.iter().map(|sentence| sentence.windows.len()).collect(),
            tokenizer: tokenizer.clone(),
            tagset: tagset.clone(),
            options: *options,
            pad_id: plain.pad_id(),
        })
    }

    pub fn spec(&self) -> &AugmentSpec {
        self.augmenter.spec()
    }

    /// The sentences `epoch` trains on and their alignment: each sentence's
    /// augmented copy, or the sentence as written where the copy would need
    /// another number of windows.
    pub fn epoch(&self, epoch: usize) -> Result<(Split, AlignedSplit)> {
        let file = &self.split.file;
        let mut sentences: Vec<Sentence> = Vec::with_capacity(self.split.sentences.len());
        let mut aligned = Vec::with_capacity(self.split.sentences.len());
        for (index, (plain, &windows)) in self.split.sentences.iter().zip(&self.windows).enumerate() {
            let copy = self.augmenter.sentence(plain, epoch, index);
            let mut alignment = self.tokenizer.align_sentence(&copy, Some(&self.tagset), &self.options, file)?;
            let sentence = if alignment.windows.len() == windows {
                copy
            } else {
                alignment = self.tokenizer.align_sentence(plain, Some(&self.tagset), &self.options, file)?;
                plain.clone()
            };
            sentences.push(sentence);
            aligned.push(alignment);
        }
        let gold = sentences.iter().map(|sentence| sentence.tags.clone()).collect();
        let split = Split::new(sentences, file.clone());
        Ok((split, AlignedSplit::from_parts(aligned, gold, self.pad_id)))
    }
}

/// The augmented windows alone: the hook of a run that neither relabels
/// its training data nor distils.
impl EpochData for Augmentation {
    fn epoch(&mut self, epoch: usize) -> std::result::Result<EpochInputs, EpochDataError> {
        let (_, train) = Augmentation::epoch(self, epoch)?;
        Ok(EpochInputs { train: Inputs::Windows(train), teacher: None })
    }
}
