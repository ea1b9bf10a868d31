//! Windows of different lengths stacked into rectangular model inputs,
//! padded only to the longest window of the batch (dynamic padding) rather
//! than to `max_len`, which saves most of the compute on short sentences.

use crate::align::aligned::{AlignedSentence, Window};
use crate::error::DataError;

/// Where a batch row came from, to route its predictions back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WindowId {
    pub sentence: usize,
    pub window: usize,
}

/// `rows × seq_len` model inputs, row-major (the layout tensors are built from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub input_ids: Vec<u32>,
    /// 1 for real tokens, 0 for padding.
    pub attention_mask: Vec<u32>,
    /// `None` where the loss ignores the token, padding included.
    pub labels: Vec<Option<usize>>,
    /// Row `r` is window `origins[r]`.
    pub origins: Vec<WindowId>,
    pub seq_len: usize,
}

/// How far a batch's length is rounded up past its longest window. A
/// backend that compiles kernels for each new shape (a GPU) pays for every
/// distinct length; rounding to a multiple bounds them, at the cost of a few
/// padded positions a row. The CPU runs any length at once: no rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LengthRounding {
    /// Lengths are rounded up to a multiple of this (1: not rounded).
    pub multiple: usize,
    /// Never past this (the model's positions), and never below the longest window.
    pub at_most: usize,
}

impl LengthRounding {
    /// Pad to the longest window only.
    pub const NONE: Self = Self { multiple: 1, at_most: usize::MAX };

    /// The padded length of a batch whose longest window is `longest`.
    pub fn length(self, longest: usize) -> usize {
        let multiple = self.multiple.max(1);
        (longest.div_ceil(multiple) * multiple).min(self.at_most).max(longest)
    }
}

impl Batch {
    /// Stacks the windows, padding each with `pad_id` (mask 0, no label) to the longest.
    pub fn pad<'a>(windows: impl IntoIterator<Item = (WindowId, &'a Window)>, pad_id: u32) -> Self {
        Self::pad_rounded(windows, pad_id, LengthRounding::NONE)
    }

    /// Stacks the windows, padding each with `pad_id` (mask 0, no label) to
    /// the longest, rounded as `rounding` says.
    pub fn pad_rounded<'a>(
        windows: impl IntoIterator<Item = (WindowId, &'a Window)>,
        pad_id: u32,
        rounding: LengthRounding,
    ) -> Self {
        let windows: Vec<(WindowId, &Window)> = windows.into_iter().collect();
        let seq_len = rounding.length(windows.iter().map(|(_, w)| w.len()).max().unwrap_or(0));
        let cells = windows.len() * seq_len;
        let mut batch = Self {
            input_ids: Vec::with_capacity(cells),
            attention_mask: Vec::with_capacity(cells),
            labels: Vec::with_capacity(cells),
            origins: Vec::with_capacity(windows.len()),
            seq_len,
        };
        for (id, window) in windows {
            let padding = seq_len - window.len();
            batch.input_ids.extend(window.input_ids.iter().copied().chain(std::iter::repeat_n(pad_id, padding)));
            batch.attention_mask.extend(window.attention_mask.iter().copied().chain(std::iter::repeat_n(0, padding)));
            batch.labels.extend(window.labels.iter().copied().chain(std::iter::repeat_n(None, padding)));
            batch.origins.push(id);
        }
        batch
    }

    /// Number of rows (windows).
    pub fn len(&self) -> usize {
        self.origins.len()
    }

    pub fn is_empty(&self) -> bool {
        self.origins.is_empty()
    }

    /// Row `row` of a `rows × seq_len` row-major output of this batch
    /// (input ids, predicted label ids...). `None` past the last row or when
    /// `output` is too short.
    pub fn row<'a, T>(&self, output: &'a [T], row: usize) -> Option<&'a [T]> {
        let start = row.checked_mul(self.seq_len)?;
        (row < self.len()).then(|| output.get(start..start + self.seq_len)).flatten()
    }
}

/// All windows of `sentences`, in order, in batches of at most `batch_size` rows.
pub fn batches(sentences: &[AlignedSentence], batch_size: usize, pad_id: u32) -> Result<Vec<Batch>, DataError> {
    if batch_size == 0 {
        return Err(DataError::InvalidOption { option: "batch_size".into(), reason: "must be at least 1".into() });
    }
    let all: Vec<(WindowId, &Window)> = sentences
        .iter()
        .enumerate()
        .flat_map(|(sentence, aligned)| {
            aligned.windows.iter().enumerate().map(move |(window, w)| (WindowId { sentence, window }, w))
        })
        .collect();
    Ok(all.chunks(batch_size).map(|chunk| Batch::pad(chunk.iter().copied(), pad_id)).collect())
}

/// Word-level predictions for every sentence from the batches' outputs:
/// `outputs[b]` is batch `b`'s `rows × seq_len` row-major per-token output.
/// Routes each row to its window, then [`AlignedSentence::merge`]s.
pub fn merge_batches<T: Clone>(
    sentences: &[AlignedSentence],
    batches: &[Batch],
    outputs: &[Vec<T>],
) -> Result<Vec<Vec<T>>, DataError> {
    if batches.len() != outputs.len() {
        return Err(DataError::InvalidOption {
            option: "outputs".into(),
            reason: format!("{} outputs for {} batches", outputs.len(), batches.len()),
        });
    }
    let mut per_window: Vec<Vec<Option<&[T]>>> = sentences.iter().map(|s| vec![None; s.windows.len()]).collect();
    for (b, (batch, output)) in batches.iter().zip(outputs).enumerate() {
        for (r, origin) in batch.origins.iter().enumerate() {
            let row = batch.row(output, r).ok_or_else(|| DataError::InvalidOption {
                option: "outputs".into(),
                reason: format!(
                    "output of batch {} has {} values, expected {} rows of {}",
                    b + 1,
                    output.len(),
                    batch.len(),
                    batch.seq_len
                ),
            })?;
            let slot = per_window
                .get_mut(origin.sentence)
                .and_then(|windows| windows.get_mut(origin.window))
                .ok_or_else(|| DataError::InvalidOption {
                    option: "batches".into(),
                    reason: format!("batch {} row {} names window {origin:?}, which does not exist", b + 1, r + 1),
                })?;
            *slot = Some(row);
        }
    }
    sentences
        .iter()
        .zip(per_window)
        .map(|(sentence, windows)| {
            let windows = windows
                .into_iter()
                .enumerate()
                .map(|(k, row)| {
                    row.ok_or_else(|| DataError::Mismatch {
                        at: sentence.at.clone(),
                        reason: format!("window {} is in no batch", k + 1),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            sentence.merge(&windows)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(len: usize) -> Window {
        Window {
            input_ids: vec![7; len],
            attention_mask: vec![1; len],
            word_index: vec![None; len],
            labels: vec![Some(1); len],
            words: 0..0,
            owned: 0..0,
        }
    }

    #[test]
    fn lengths_round_up_to_the_multiple_but_not_past_the_cap_or_below_the_longest() {
        let rounding = LengthRounding { multiple: 32, at_most: 100 };
        assert_eq!(
            [0, 1, 31, 32, 33, 64, 70, 97, 100].map(|n| rounding.length(n)),
            [0, 32, 32, 32, 64, 64, 96, 100, 100]
        );
        // A cap below the longest window never cuts it.
        assert_eq!(LengthRounding { multiple: 32, at_most: 10 }.length(12), 12);
        assert_eq!(LengthRounding::NONE.length(37), 37);
    }

    #[test]
    fn a_rounded_batch_pads_every_row_with_masked_unlabelled_padding() {
        let (short, long) = (window(3), window(5));
        let id = |window| WindowId { sentence: 0, window };
        let rounding = LengthRounding { multiple: 4, at_most: 512 };
        let batch = Batch::pad_rounded([(id(0), &short), (id(1), &long)], 0, rounding);
        assert_eq!(batch.seq_len, 8);
        assert_eq!(batch.row(&batch.input_ids, 0), Some(&[7, 7, 7, 0, 0, 0, 0, 0][..]));
        assert_eq!(batch.row(&batch.attention_mask, 1), Some(&[1, 1, 1, 1, 1, 0, 0, 0][..]));
        assert_eq!(batch.row(&batch.labels, 1).unwrap()[4..], [Some(1), None, None, None]);
        assert_eq!(Batch::pad([(id(0), &short), (id(1), &long)], 0).seq_len, 5);
    }
}
