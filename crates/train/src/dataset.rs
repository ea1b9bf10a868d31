//! A split (train or dev) aligned once to subword windows, with the gold
//! tags kept for scoring. Aligning is the slow part of data handling, so it
//! happens before the first step, never per epoch.

use retag_bert::BertConfig;
use retag_data::align::{
    AlignOptions, AlignedSentence, Batch, LabelPolicy, LengthRounding, Window, WindowId, WindowOptions, WordTokenizer,
};
use retag_data::{Location, Sentence, Tagset};

use crate::config::TrainConfig;
use crate::error::{Result, TrainError};

/// Sentences and the file they were read from (named in errors).
#[derive(Debug, Clone)]
pub struct Split {
    pub sentences: Vec<Sentence>,
    pub file: Location,
}

impl Split {
    pub fn new(sentences: Vec<Sentence>, file: Location) -> Self {
        Self { sentences, file }
    }
}

/// A split as the model sees it.
#[derive(Debug, Clone)]
pub struct AlignedSplit {
    pub aligned: Vec<AlignedSentence>,
    /// The gold tags, sentence by sentence, for scoring predictions.
    pub gold: Vec<Vec<String>>,
    pad_id: u32,
}

impl AlignedSplit {
    /// Aligns every sentence; each must be tagged, with labels of `tagset`
    /// (an unknown tag is an error naming its line). `what` ("train", "dev")
    /// names the split in errors.
    pub fn align(
        split: &Split,
        tokenizer: &WordTokenizer,
        tagset: &Tagset,
        options: &AlignOptions,
        what: &'static str,
    ) -> Result<Self> {
        let mut aligned = Vec::with_capacity(split.sentences.len());
        for sentence in &split.sentences {
            if !sentence.is_empty() && sentence.tags.is_empty() {
                let at = if sentence.line > 0 { split.file.at_line(sentence.line) } else { split.file.clone() };
                return Err(TrainError::Untagged { at, what });
            }
            aligned.push(tokenizer.align_sentence(sentence, Some(tagset), options, &split.file)?);
        }
        if aligned.iter().all(|sentence| sentence.windows.is_empty()) {
            return Err(TrainError::NoData { what });
        }
        Ok(Self {
            aligned,
            gold: split.sentences.iter().map(|s| s.tags.clone()).collect(),
            pad_id: tokenizer.special_tokens().pad,
        })
    }

    /// A split aligned elsewhere (sentence by sentence, as augmentation
    /// does each epoch): `gold` holds each sentence's tags, `pad_id` the
    /// padding id of the tokenizer that aligned it.
    pub(crate) fn from_parts(aligned: Vec<AlignedSentence>, gold: Vec<Vec<String>>, pad_id: u32) -> Self {
        Self { aligned, gold, pad_id }
    }

    /// Every window with its length, in corpus order.
    pub fn windows(&self) -> Vec<(WindowId, usize)> {
        self.aligned
            .iter()
            .enumerate()
            .flat_map(|(sentence, aligned)| {
                aligned.windows.iter().enumerate().map(move |(window, w)| (WindowId { sentence, window }, w.len()))
            })
            .collect()
    }

    /// The windows `ids` padded into one batch, its length rounded as `rounding` says.
    pub fn batch(&self, ids: &[WindowId], rounding: LengthRounding) -> Batch {
        Batch::pad_rounded(ids.iter().map(|&id| (id, self.window(id))), self.pad_id, rounding)
    }

    /// The padding token id of the tokenizer the split was aligned with.
    pub fn pad_id(&self) -> u32 {
        self.pad_id
    }

    fn window(&self, id: WindowId) -> &Window {
        &self.aligned[id.sentence].windows[id.window]
    }
}

/// The windows of the config, filled in from the tokenizer and the model:
/// `max_len` defaults to what both allow and may not exceed the model's
/// position table; labels go on first subwords, where predictions are read.
pub fn align_options(config: &TrainConfig, model: &BertConfig, tokenizer: &WordTokenizer) -> Result<AlignOptions> {
    // Where a model's tokenizer and its encoder first meet: an id past the
    // embedding table would index out of it at the first batch.
    retag_bert::check_tokenizer(tokenizer, model)?;
    let positions = model.max_positions();
    let max_len = match config.max_len {
        Some(max_len) if max_len > positions => {
            return Err(TrainError::config(
                "max_len",
                max_len,
                format!("the model has {positions} positions ({})", model.max_positions_reason()),
            ));
        }
        Some(max_len) => max_len,
        None => tokenizer.max_length().min(positions),
    };
    let window = match config.stride {
        Some(stride) => WindowOptions::new(max_len, stride)?,
        None => WindowOptions::with_default_stride(max_len)?,
    };
    Ok(AlignOptions::new(window, LabelPolicy::FirstSubword))
}
