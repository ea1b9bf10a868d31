//! The order in which training windows are seen: shuffled every epoch, yet
//! batched with windows of similar length so that dynamic padding adds
//! little (transformers' `group_by_length`).
//!
//! The order of epoch `e` is a pure function of `(seed, e)`: a ChaCha8
//! stream seeded with `seed` on stream `e`. The generator's whole state is
//! therefore the seed (in the config) and the epoch plus the batches
//! already taken (in the checkpoint), and a resumed run replays the
//! interrupted epoch's order exactly and skips what it had done.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use retag_data::align::WindowId;

/// Every training window by its id and length, in corpus order.
#[derive(Debug, Clone)]
pub struct Buckets {
    windows: Vec<(WindowId, usize)>,
    batch_size: usize,
    bucket_batches: usize,
    seed: u64,
}

impl Buckets {
    /// `batch_size` and `bucket_batches` are at least 1 (the config checks).
    pub fn new(windows: Vec<(WindowId, usize)>, batch_size: usize, bucket_batches: usize, seed: u64) -> Self {
        Self { windows, batch_size, bucket_batches, seed }
    }

    /// Batches per epoch: every window once, the last batch maybe smaller.
    pub fn batches_per_epoch(&self) -> usize {
        self.windows.len().div_ceil(self.batch_size)
    }

    pub fn window_count(&self) -> usize {
        self.windows.len()
    }

    /// The batches of `epoch` (0-based), in the order training takes them.
    ///
    /// 1. shuffle all windows;
    /// 2. cut them into buckets of `bucket_batches * batch_size`, sort each
    ///    bucket by length (longest first, stable) and cut it into batches;
    /// 3. shuffle the batches, so that one epoch does not go from long to short.
    pub fn epoch(&self, epoch: usize) -> Vec<Vec<WindowId>> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(epoch as u64);
        let mut windows = self.windows.clone();
        shuffle(&mut windows, &mut rng);
        let mut batches: Vec<Vec<WindowId>> = Vec::with_capacity(self.batches_per_epoch());
        for bucket in windows.chunks_mut(self.batch_size * self.bucket_batches) {
            bucket.sort_by_key(|&(_, len)| std::cmp::Reverse(len));
            batches.extend(bucket.chunks(self.batch_size).map(|batch| batch.iter().map(|&(id, _)| id).collect()));
        }
        shuffle(&mut batches, &mut rng);
        batches
    }
}

/// Fisher-Yates with a bounded draw by rejection, so that the order depends
/// only on the ChaCha8 output (not on a `rand` version's sampling code).
fn shuffle<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    for last in (1..items.len()).rev() {
        let pick = below(rng, last as u64 + 1) as usize;
        items.swap(last, pick);
    }
}

/// A uniform draw from `0..bound` (`bound` >= 1).
fn below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    // Reject the top partial range of u64 so every residue is equally likely.
    let zone = u64::MAX - u64::MAX % bound;
    loop {
        let draw = rng.next_u64();
        if draw < zone {
            return draw % bound;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows(lengths: &[usize]) -> Vec<(WindowId, usize)> {
        lengths.iter().enumerate().map(|(sentence, &len)| (WindowId { sentence, window: 0 }, len)).collect()
    }

    fn sorted(batches: &[Vec<WindowId>]) -> Vec<usize> {
        let mut all: Vec<usize> = batches.iter().flatten().map(|id| id.sentence).collect();
        all.sort_unstable();
        all
    }

    #[test]
    fn every_window_once_in_a_seeded_order() {
        let lengths: Vec<usize> = (0..37).map(|i| 3 + (i * 7) % 20).collect();
        let buckets = Buckets::new(windows(&lengths), 4, 3, 11);
        assert_eq!(buckets.batches_per_epoch(), 10);
        let first = buckets.epoch(0);
        assert_eq!(first.len(), 10);
        assert_eq!(sorted(&first), (0..37).collect::<Vec<_>>());
        assert_eq!(first, buckets.epoch(0), "same seed and epoch, same order");
        assert_ne!(first, buckets.epoch(1), "each epoch is shuffled anew");
        assert_ne!(first, Buckets::new(windows(&lengths), 4, 3, 12).epoch(0), "the seed matters");
    }

    #[test]
    fn buckets_keep_padding_small() {
        let lengths: Vec<usize> = (0..64).map(|i| 3 + (i * 13) % 60).collect();
        let padding = |batches: &[Vec<WindowId>]| -> usize {
            batches
                .iter()
                .map(|batch| {
                    let lens: Vec<usize> = batch.iter().map(|id| lengths[id.sentence]).collect();
                    let longest = lens.iter().max().copied().unwrap_or(0);
                    lens.iter().map(|len| longest - len).sum::<usize>()
                })
                .sum()
        };
        let bucketed = Buckets::new(windows(&lengths), 8, 8, 5).epoch(0);
        let unbucketed = Buckets::new(windows(&lengths), 8, 1, 5).epoch(0);
        assert!(
            padding(&bucketed) * 4 < padding(&unbucketed),
            "bucketed {} vs shuffled {}",
            padding(&bucketed),
            padding(&unbucketed)
        );
    }
}
