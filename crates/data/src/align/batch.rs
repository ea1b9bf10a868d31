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

impl Batch {
    /// Stacks the windows, padding each with `pad_id` (mask 0, no label) to the longest.
    pub fn pad<'a>(windows: impl IntoIterator<Item = (WindowId, &'a Window)>, pad_id: u32) -> Self {
        let windows: Vec<(WindowId, &Window)> = windows.into_iter().collect();
        let seq_len = windows.iter().map(|(_, w)| w.len()).max().unwrap_or(0);
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
