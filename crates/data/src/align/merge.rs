//! Predictions back from tokens to words: exactly one per word of the
//! original sentence, however many windows it was cut into.

use crate::align::aligned::{AlignedSentence, Window};
use crate::error::DataError;

impl Window {
    /// `(position, word)` for each word this window owns: the token position
    /// its prediction is read at (the word's first subword), in word order.
    /// Merging predictions and caching encoder features both read words here,
    /// so that they agree on which vector stands for a word.
    pub fn readouts(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let mut previous = None;
        self.word_index.iter().enumerate().filter_map(move |(position, &word)| {
            let first_subword = word.is_some() && word != previous;
            previous = word;
            word.filter(|w| first_subword && self.owned.contains(w)).map(|word| (position, word))
        })
    }
}

impl AlignedSentence {
    /// One prediction per word, read at the word's first subword in the
    /// window that owns it (the one where it has the most context).
    ///
    /// `per_window[k]` holds the predictions for the tokens of window `k`
    /// (a label id, a score vector, anything cloneable); it may be longer
    /// than the window (batch padding), never shorter.
    pub fn merge<T: Clone, P: AsRef<[T]>>(&self, per_window: &[P]) -> Result<Vec<T>, DataError> {
        if per_window.len() != self.windows.len() {
            return Err(DataError::Mismatch {
                at: self.at.clone(),
                reason: format!(
                    "predictions for {} windows, the sentence has {}",
                    per_window.len(),
                    self.windows.len()
                ),
            });
        }
        let mut words = Vec::with_capacity(self.word_count);
        for (k, (window, predictions)) in self.windows.iter().zip(per_window).enumerate() {
            let predictions = predictions.as_ref();
            if predictions.len() < window.len() {
                return Err(DataError::Mismatch {
                    at: self.at.clone(),
                    reason: format!(
                        "window {} has {} tokens but only {} predictions",
                        k + 1,
                        window.len(),
                        predictions.len()
                    ),
                });
            }
            for (position, word) in window.readouts() {
                debug_assert_eq!(word, words.len(), "owned words come in order");
                words.push(predictions[position].clone());
            }
        }
        if words.len() != self.word_count {
            return Err(DataError::Mismatch {
                at: self.at.clone(),
                reason: format!("windows own {} words, the sentence has {}", words.len(), self.word_count),
            });
        }
        Ok(words)
    }
}
