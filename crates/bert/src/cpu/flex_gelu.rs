//! GELU on the Flex (CPU) backend, vectorised and split across rayon's threads.
//!
//! burn-flex's own `gelu` maps libm's scalar `erff` over the tensor on one
//! thread, and its backward another scalar `erff` and `expf`. Here the same
//! function ([`gelu_and_slope_f32`]) runs as SIMD code on every thread of the
//! pool burn-flex already uses:
//! - a plain (non-autodiff) f32 tensor that owns its contiguous buffer is
//!   overwritten in place: inference and the frozen strategy's encoder pass;
//! - a tracked tensor becomes `x · s + c` with constants `s = gelu'(x)` and
//!   `c = gelu(x) − x·s`, both from one pass: the value is gelu(x) (to an ulp)
//!   and the gradient `s`, so burn's autodiff needs one multiply backward.
//!
//! Other backends go through burn's own op.

use burn::tensor::{DType, Tensor, TensorData};
use rayon::prelude::*;

use super::fast_math::{gelu_and_slope_f32, gelu_f32};
use super::{from_flex, into_flex, is_dense_f32, is_flex};

/// Elements per rayon task: large enough to amortise scheduling, small
/// enough to split one layer's activations (≥ 1.5 M elements) evenly.
const CHUNK: usize = 32 * 1024;

/// GELU on a Flex tensor, tracked or not; any other tensor goes to `fallback`.
pub fn gelu_or<const D: usize>(x: Tensor<D>, fallback: impl FnOnce(Tensor<D>) -> Tensor<D>) -> Tensor<D> {
    if x.is_autodiff() {
        let takes_fast_path = is_flex(&x.device()) && x.dtype() == DType::F32;
        return if takes_fast_path { gelu_tracked(x) } else { fallback(x) };
    }
    let (mut tensor, autodiff) = match into_flex(x) {
        Ok(parts) => parts,
        Err(other) => return fallback(other),
    };
    if !is_dense_f32(&tensor) {
        return fallback(from_flex(tensor, autodiff));
    }
    // Copies first if another tensor shares the buffer (copy-on-write), so
    // no other tensor sees the change.
    let values: &mut [f32] = tensor.storage_mut();
    let simd = pulp::Arch::new();
    values.par_chunks_mut(CHUNK).for_each(|chunk| simd.dispatch(GeluSlice(chunk)));
    from_flex(tensor, autodiff)
}

/// `x · s + c`, with `s = gelu'(x)` and `c = gelu(x) − x·s` computed as constants.
fn gelu_tracked<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let shape = x.shape();
    let plain_device = x.device().without_autodiff();
    let values = x.clone().inner().into_data().try_into_vec::<f32>().expect("an f32 tensor, checked by gelu_or");
    let mut slope = vec![0.0_f32; values.len()];
    let mut offset = vec![0.0_f32; values.len()];
    let simd = pulp::Arch::new();
    values
        .par_chunks(CHUNK)
        .zip(slope.par_chunks_mut(CHUNK))
        .zip(offset.par_chunks_mut(CHUNK))
        .for_each(|((values, slope), offset)| simd.dispatch(SlopeAndOffset { values, slope, offset }));
    let slope = Tensor::<D>::from_data(TensorData::new(slope, shape.clone()), &plain_device);
    let offset = Tensor::<D>::from_data(TensorData::new(offset, shape), &plain_device);
    x * slope + offset
}

struct SlopeAndOffset<'a> {
    values: &'a [f32],
    slope: &'a mut [f32],
    offset: &'a mut [f32],
}

impl pulp::WithSimd for SlopeAndOffset<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        for ((&x, slope), offset) in self.values.iter().zip(self.slope.iter_mut()).zip(self.offset.iter_mut()) {
            let (gelu, derivative) = gelu_and_slope_f32(x);
            *slope = derivative;
            // The same f32 product the tensor multiply forms, so x·s + c rounds to gelu(x).
            *offset = gelu - x * derivative;
        }
    }
}

/// GELU over a slice, compiled for each instruction set pulp dispatches to
/// (AVX-512, AVX2, baseline), so the loop vectorises at the CPU's full width.
struct GeluSlice<'a>(&'a mut [f32]);

impl pulp::WithSimd for GeluSlice<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        for value in self.0 {
            *value = gelu_f32(*value);
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Distribution, Tensor, activation};

    use super::*;

    fn values<const D: usize>(x: Tensor<D>) -> Vec<f32> {
        x.into_data().try_to_vec::<f32>().expect("f32 tensor")
    }

    /// A fallback that must not be reached.
    fn unreachable_fallback<const D: usize>(_: Tensor<D>) -> Tensor<D> {
        panic!("a plain flex tensor takes the fast path")
    }

    #[test]
    fn matches_burns_gelu_on_flex() {
        let device = Device::flex();
        let x = Tensor::<3>::random([3, 50, 700], Distribution::Normal(0.0, 3.0), &device);
        let expected = values(activation::gelu(x.clone()));
        let fast = values(gelu_or(x.clone(), unreachable_fallback));
        for (i, (a, b)) in fast.iter().zip(&expected).enumerate() {
            assert!((a - b).abs() <= 3.0e-7 * b.abs().max(1.0), "element {i}: {a} against {b}");
        }
        // The input was shared with `x`: copy-on-write left `x` as it was.
        let before = values(x.clone());
        let _ = gelu_or(x.clone(), unreachable_fallback);
        assert_eq!(values(x), before);
    }

    #[test]
    fn sends_views_to_the_fallback() {
        let device = Device::flex();
        let marker = |x: Tensor<2>| x.zeros_like();
        let x = Tensor::<2>::random([4, 6], Distribution::Normal(2.0, 1.0), &device);
        let transposed = gelu_or(x.transpose(), marker);
        assert!(values(transposed).iter().all(|v| *v == 0.0), "a transposed view is not dense in order");
    }

    #[test]
    fn tracked_gelu_matches_burns_value_and_gradient() {
        let device = Device::flex().autodiff();
        let x = Tensor::<2>::random([40, 300], Distribution::Normal(0.0, 3.0), &device);
        let weights = Tensor::<2>::random([40, 300], Distribution::Normal(0.0, 1.0), &device);
        let run = |gelu: &dyn Fn(Tensor<2>) -> Tensor<2>| {
            let x = x.clone().require_grad();
            let y = gelu(x.clone());
            let grads = (y.clone() * weights.clone()).sum().backward();
            (values(y.inner()), values(x.grad(&grads).expect("x takes part")))
        };
        let (fast, fast_grad) = run(&|x| gelu_or(x, unreachable_fallback));
        let (burn, burn_grad) = run(&|x| activation::gelu(x));
        for (i, (a, b)) in fast.iter().zip(&burn).enumerate() {
            assert!((a - b).abs() <= 5.0e-7 * b.abs().max(1.0), "value {i}: {a} against {b}");
        }
        for (i, (a, b)) in fast_grad.iter().zip(&burn_grad).enumerate() {
            assert!((a - b).abs() <= 2.0e-6 * b.abs().max(1.0), "gradient {i}: {a} against {b}");
        }
    }
}
