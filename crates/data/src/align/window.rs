//! Cutting a sentence too long for the model into overlapping windows, at
//! word boundaries only, and deciding which window speaks for each word.
//!
//! This is pure arithmetic on per-word subword counts, so that it can be
//! property-tested on thousands of random sentences without a tokenizer.

use std::ops::Range;

use crate::error::DataError;

/// How long windows are and how much consecutive windows share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowOptions {
    max_len: usize,
    stride: usize,
}

impl WindowOptions {
    /// `max_len`: the model's input length, `[CLS]` and `[SEP]` included
    /// (at least 3). `stride`: how many subwords consecutive windows share at
    /// most, as context for the words near a cut (HuggingFace's `stride`);
    /// it must leave room for new words, so it is below `max_len - 2`.
    pub fn new(max_len: usize, stride: usize) -> Result<Self, DataError> {
        if max_len < 3 {
            return Err(DataError::InvalidOption {
                option: "max_len".into(),
                reason: format!("{max_len} leaves no room for a subword between [CLS] and [SEP]; use at least 3"),
            });
        }
        if stride >= max_len - 2 {
            return Err(DataError::InvalidOption {
                option: "stride".into(),
                reason: format!(
                    "{stride} must be below the {} subwords a window of {max_len} holds, or windows would not advance",
                    max_len - 2
                ),
            });
        }
        Ok(Self { max_len, stride })
    }

    /// `max_len` with a stride of a quarter of it (128 for 512), a common
    /// choice: enough context near cuts, few extra windows.
    pub fn with_default_stride(max_len: usize) -> Result<Self, DataError> {
        Self::new(max_len, max_len / 4)
    }

    pub fn max_len(&self) -> usize {
        self.max_len
    }

    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Subwords per window, leaving room for `[CLS]` and `[SEP]`.
    pub fn capacity(&self) -> usize {
        self.max_len - 2
    }
}

/// One window of a sentence, in word indices: the words it covers (its
/// input) and the words it owns (whose prediction is read from it). Owned
/// ranges of a sentence's windows are disjoint, in order, and cover every word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowSpan {
    pub words: Range<usize>,
    pub owned: Range<usize>,
}

/// Plans the windows of a sentence whose word `i` has `word_lengths[i]`
/// subwords (each in `1..=options.capacity()`; [`crate::align::WordPieces::truncate_words`]
/// ensures that). No words, no windows.
///
/// Each window takes as many whole words as fit. The next one starts as far
/// back as sharing at most `stride` subwords allows, while still fitting the
/// first word the previous window left out, so every window brings at least
/// one new word. A word in the overlap is owned by the window where it sits
/// farther from the edge: the earlier window for the first half of the
/// overlap, the later one for the rest.
pub fn plan_windows(word_lengths: &[usize], options: &WindowOptions) -> Result<Vec<WindowSpan>, DataError> {
    let capacity = options.capacity();
    if let Some((index, len)) = word_lengths.iter().enumerate().find(|(_, len)| **len == 0 || **len > capacity) {
        return Err(DataError::InvalidOption {
            option: "max_len".into(),
            reason: format!("word {} has {len} subwords; a window holds 1 to {capacity}", index + 1),
        });
    }
    let covered = cover(word_lengths, options);
    let mut spans = Vec::with_capacity(covered.len());
    let mut owned_from = 0;
    for (k, words) in covered.iter().enumerate() {
        let owned_to = match covered.get(k + 1) {
            Some(next) => cut(word_lengths, next.start, words.end).max(owned_from),
            None => word_lengths.len(),
        };
        spans.push(WindowSpan { words: words.clone(), owned: owned_from..owned_to });
        owned_from = owned_to;
    }
    Ok(spans)
}

/// The word ranges of the windows, greedily, as described on [`plan_windows`].
fn cover(lengths: &[usize], options: &WindowOptions) -> Vec<Range<usize>> {
    let capacity = options.capacity();
    let mut windows = Vec::new();
    let mut start = 0;
    while start < lengths.len() {
        let mut end = start;
        let mut used = 0;
        while end < lengths.len() && used + lengths[end] <= capacity {
            used += lengths[end];
            end += 1;
        }
        windows.push(start..end);
        if end == lengths.len() {
            break;
        }
        // The overlap must leave room for word `end`, or the next window adds nothing.
        let budget = options.stride().min(capacity - lengths[end]);
        let mut next = end;
        let mut overlap = 0;
        while next > start + 1 && overlap + lengths[next - 1] <= budget {
            overlap += lengths[next - 1];
            next -= 1;
        }
        start = next;
    }
    windows
}

/// The first word of the overlap `[from, to)` that the later window owns:
/// the first whose subwords before it (in the overlap) are at least those
/// after it, i.e. the middle of the overlap.
fn cut(lengths: &[usize], from: usize, to: usize) -> usize {
    let total: usize = lengths[from..to].iter().sum();
    let mut before = 0;
    for (word, &len) in lengths.iter().enumerate().take(to).skip(from) {
        let after = total - before - len;
        if before >= after {
            return word;
        }
        before += len;
    }
    to
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(lengths: &[usize], max_len: usize, stride: usize) -> Vec<(Range<usize>, Range<usize>)> {
        let options = WindowOptions::new(max_len, stride).unwrap();
        plan_windows(lengths, &options).unwrap().into_iter().map(|s| (s.words, s.owned)).collect()
    }

    #[test]
    fn small_cases() {
        #[allow(clippy::type_complexity)]
        let cases: &[(&[usize], usize, usize, &[(Range<usize>, Range<usize>)])] = &[
            // Fits: one window owning everything.
            (&[1, 2, 1], 6, 1, &[(0..3, 0..3)]),
            // Capacity 4, stride 2: [0,1,2,3] then back 2 subwords: [2,3,4,5].
            (&[1, 1, 1, 1, 1, 1], 6, 2, &[(0..4, 0..3), (2..6, 3..6)]),
            // No stride: back-to-back windows.
            (&[1, 1, 1, 1, 1], 4, 0, &[(0..2, 0..2), (2..4, 2..4), (4..5, 4..5)]),
            // A 3-subword word cannot be shared under stride 2; the cut stays between words.
            (&[1, 3, 1, 1], 6, 2, &[(0..2, 0..2), (2..4, 2..4)]),
            // The overlap leaves room for the long word that did not fit.
            (&[1, 1, 1, 4], 6, 3, &[(0..3, 0..3), (3..4, 3..4)]),
            (&[], 8, 2, &[]),
        ];
        for (lengths, max_len, stride, expected) in cases {
            assert_eq!(spans(lengths, *max_len, *stride), expected.to_vec(), "{lengths:?} {max_len} {stride}");
        }
    }

    #[test]
    fn bad_options_and_words_are_refused() {
        assert!(WindowOptions::new(2, 0).unwrap_err().to_string().contains("max_len"));
        assert!(WindowOptions::new(10, 8).unwrap_err().to_string().contains("stride"));
        let options = WindowOptions::new(5, 1).unwrap();
        let error = plan_windows(&[1, 4, 1], &options).unwrap_err().to_string();
        assert!(error.contains("word 2 has 4 subwords"), "{error}");
        assert!(plan_windows(&[1, 0], &options).is_err());
        assert_eq!(WindowOptions::with_default_stride(512).unwrap().stride(), 128);
    }
}
