//! Dropout masks drawn on every thread of rayon's pool, for tensors on the
//! Flex (CPU) backend.
//!
//! burn's `Dropout` draws one `f32` per element from a ChaCha generator on
//! one thread (`random_like` with a Bernoulli), then multiplies twice; on
//! the attention probabilities of a BERT layer (batch × heads × seq², 6.3 M
//! elements at 32 × 128) that was about a sixth of a training step. Here a
//! counter-based hash decides each element: chunks are independent, so they
//! run in parallel and vectorise, and the mask is a function of the seed
//! alone. The seed is drawn from the device's generator, so `Device::seed`
//! still makes the masks reproducible (a resumed run replays them).

use burn::tensor::{Distribution, Tensor, TensorData};
use rayon::prelude::*;

/// Elements per rayon task.
const CHUNK: usize = 32 * 1024;

/// `x` with each element zeroed with probability `prob` and the rest scaled
/// by `1 / (1 - prob)`. The mask is a constant: gradients flow through the
/// kept elements, scaled the same way.
pub fn dropout<const D: usize>(x: Tensor<D>, prob: f64) -> Tensor<D> {
    let device = x.device();
    let seed = draw_seed(&device);
    let mask = mask(x.shape().num_elements(), prob, seed);
    let mask = Tensor::<D>::from_data(TensorData::new(mask, x.shape()), &device.without_autodiff());
    x * mask
}

/// 64 bits from the device's generator (two uniform draws' mantissas).
fn draw_seed(device: &burn::tensor::Device) -> u64 {
    let draws = Tensor::<1>::random([2], Distribution::Default, &device.clone().without_autodiff());
    let draws = draws
        .into_data()
        .try_to_vec::<f32>()
        .expect("random floats come in flex's default float dtype, f32, which retag never changes");
    (u64::from(draws[0].to_bits()) << 32) | u64::from(draws[1].to_bits())
}

/// `len` values: 0 with probability `prob`, else `1 / (1 - prob)`.
fn mask(len: usize, prob: f64, seed: u64) -> Vec<f32> {
    // Element i is dropped when its 32-bit hash falls below prob · 2³².
    let threshold = (prob * 4_294_967_296.0).round().min(u32::MAX as f64) as u32;
    let scale = (1.0 / (1.0 - prob)) as f32;
    let mut mask = vec![0.0_f32; len];
    let simd = pulp::Arch::new();
    mask.par_chunks_mut(CHUNK).enumerate().for_each(|(index, chunk)| {
        let first = (index * CHUNK) as u32;
        simd.dispatch(MaskChunk { chunk, first, seed, threshold, scale });
    });
    mask
}

struct MaskChunk<'a> {
    chunk: &'a mut [f32],
    /// The index of `chunk[0]` in the whole mask.
    first: u32,
    seed: u64,
    threshold: u32,
    scale: f32,
}

impl pulp::WithSimd for MaskChunk<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let (low, high) = (self.seed as u32, (self.seed >> 32) as u32);
        for (offset, value) in self.chunk.iter_mut().enumerate() {
            let hash = fmix32(fmix32(self.first.wrapping_add(offset as u32) ^ low) ^ high);
            *value = if hash < self.threshold { 0.0 } else { self.scale };
        }
    }
}

/// MurmurHash3's 32-bit finaliser: every input bit flips each output bit
/// with probability close to 1/2, so consecutive indices give independent-looking bits.
#[inline(always)]
fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_the_asked_share_and_scales_the_rest() {
        for prob in [0.1, 0.5] {
            let values = mask(1_000_003, prob, 7);
            let dropped = values.iter().filter(|&&v| v == 0.0).count() as f64 / values.len() as f64;
            assert!((dropped - prob).abs() < 0.003, "p = {prob}: dropped {dropped}");
            let scale = (1.0 / (1.0 - prob)) as f32;
            assert!(values.iter().all(|&v| v == 0.0 || v == scale));
            // Kept in expectation: the mean stays 1.
            let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64;
            assert!((mean - 1.0).abs() < 0.01, "p = {prob}: mean {mean}");
        }
    }

    #[test]
    fn neighbours_are_independent_and_seeds_differ() {
        let values = mask(200_000, 0.5, 11);
        // Both dropped: a quarter of neighbouring pairs if they are independent.
        let both = values.windows(2).filter(|pair| pair[0] == 0.0 && pair[1] == 0.0).count() as f64;
        assert!((both / 199_999.0 - 0.25).abs() < 0.01, "pairs both dropped: {}", both / 199_999.0);
        assert_eq!(values, mask(200_000, 0.5, 11), "a seed fixes the mask");
        assert_ne!(values, mask(200_000, 0.5, 12));
    }

    // Reproducibility under `Device::seed` is tested in `tests/dropout_seed.rs`,
    // a binary of its own: the device generator is shared by every test of a
    // binary, and another test drawing from it between `seed` and the mask
    // would change the mask.
}
