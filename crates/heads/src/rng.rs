//! A small seeded random-number generator for initial weights.
//!
//! Why not burn's `Tensor::random`: its stream depends on the backend and on
//! a device-wide seed that other code also draws from, so "the same seed"
//! would not give the same head on the CPU and on a GPU, nor the same head
//! twice in one process. Heads are small (`labels × hidden`), so drawing
//! their numbers on the host and uploading them costs nothing and makes every
//! initialisation reproducible from its seed alone.
//!
//! The generator is SplitMix64 (Steele, Lea and Flood, "Fast splittable
//! pseudorandom number generators", OOPSLA 2014); normal draws use the
//! Box–Muller transform. Both are textbook; statistical quality far beyond
//! what weight initialisation needs.

/// A deterministic stream of numbers from one seed.
#[derive(Debug, Clone)]
pub(crate) struct SeededRng {
    state: u64,
}

impl SeededRng {
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`, with the 53 bits an `f64` mantissa holds.
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// One draw from the standard normal distribution.
    pub(crate) fn standard_normal(&mut self) -> f64 {
        // 1 - u is in (0, 1], so the logarithm is finite.
        let radius = (-2.0 * (1.0 - self.uniform()).ln()).sqrt();
        let angle = 2.0 * std::f64::consts::PI * self.uniform();
        radius * angle.cos()
    }

    /// `count` draws from a normal distribution with mean 0 and `std`.
    pub(crate) fn normals(&mut self, count: usize, std: f64) -> Vec<f32> {
        (0..count).map(|_| (self.standard_normal() * std) as f32).collect()
    }

    /// `count` draws, uniform in `[low, high)`.
    pub(crate) fn uniforms(&mut self, count: usize, low: f64, high: f64) -> Vec<f32> {
        (0..count).map(|_| (low + (high - low) * self.uniform()) as f32).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_other_seed_other_stream() {
        let a = SeededRng::new(7).normals(16, 1.0);
        assert_eq!(a, SeededRng::new(7).normals(16, 1.0));
        assert_ne!(a, SeededRng::new(8).normals(16, 1.0));
    }

    #[test]
    fn normals_have_the_asked_mean_and_std() {
        let draws = SeededRng::new(1).normals(20_000, 0.02);
        let mean = draws.iter().map(|&x| f64::from(x)).sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|&x| (f64::from(x) - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!(mean.abs() < 0.001, "mean {mean}");
        assert!((var.sqrt() - 0.02).abs() < 0.001, "std {}", var.sqrt());
    }

    #[test]
    fn uniforms_stay_in_range() {
        let draws = SeededRng::new(3).uniforms(1000, -0.1, 0.1);
        assert!(draws.iter().all(|&x| (-0.1..0.1).contains(&x)));
        assert!(draws.iter().any(|&x| x < -0.05) && draws.iter().any(|&x| x > 0.05));
    }
}
