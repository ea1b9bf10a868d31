//! The seeded generator of `retag-data`: the bootstrap's resampling and the
//! augmentation's draws come from it, so that a result is a function of its
//! seed alone, the same on every machine and in every Rust version (no
//! `rand` dependency in a crate that needs a few integers and coin flips).
//!
//! The generator is SplitMix64 (Steele, Lea and Flood, "Fast splittable
//! pseudorandom number generators", OOPSLA 2014): a counter pushed through a
//! strong 64-bit finaliser. It is also what [`SplitMix64::derived`] uses to
//! give each (seed, epoch, sentence) its own independent stream, which is
//! what lets a resumed run draw exactly what the interrupted one drew.

/// A deterministic stream of numbers from one seed.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A stream of its own for `parts` (a purpose, an epoch, an index...)
    /// under `seed`: each part is folded in through the finaliser, so that
    /// neighbouring epochs or indices give unrelated streams, and no stream
    /// has to be advanced past another's draws to reach it.
    pub fn derived(seed: u64, parts: &[u64]) -> Self {
        let state = parts.iter().fold(seed, |state, &part| Self(state ^ part).next_u64());
        Self(state)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`, `n > 0` (Lemire's multiply-shift; the bias is
    /// below 2^-32 for any `n` a corpus has).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `[0, 1)`, with the 53 bits an `f64` mantissa holds.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`: never for 0, always for 1.
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Fisher-Yates: every order of `items` equally likely.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for last in (1..items.len()).rev() {
            let pick = self.below(last + 1);
            items.swap(last, pick);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference outputs of SplitMix64 from seed 0 (Vigna's `splitmix64.c`).
    #[test]
    fn matches_the_reference_stream() {
        let mut rng = SplitMix64::new(0);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(first, [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F]);
    }

    #[test]
    fn derived_streams_are_reproducible_and_distinct() {
        let draw = |parts: &[u64]| -> Vec<u64> {
            let mut rng = SplitMix64::derived(42, parts);
            (0..4).map(|_| rng.next_u64()).collect()
        };
        assert_eq!(draw(&[1, 0, 7]), draw(&[1, 0, 7]));
        let neighbours = [draw(&[1, 0, 7]), draw(&[1, 0, 8]), draw(&[1, 1, 7]), draw(&[2, 0, 7]), draw(&[1, 7, 0])];
        for (i, a) in neighbours.iter().enumerate() {
            for b in &neighbours[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn chance_and_below_stay_in_range() {
        let mut rng = SplitMix64::new(3);
        assert!((0..1000).all(|_| !rng.chance(0.0)));
        assert!((0..1000).all(|_| rng.chance(1.0)));
        assert!((0..1000).all(|_| rng.below(7) < 7));
        let heads = (0..10_000).filter(|_| rng.chance(0.3)).count();
        assert!((2800..3200).contains(&heads), "{heads}");
        let mut items: Vec<usize> = (0..20).collect();
        rng.shuffle(&mut items);
        let mut sorted = items.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
        assert_ne!(items, sorted);
    }
}
