//! GELU in place on the Flex (CPU) backend's storage, vectorised and split
//! across rayon's threads.
//!
//! burn-flex's own `gelu` maps libm's scalar `erff` over the tensor on one
//! thread. Here the same function ([`gelu_f32`]) runs as SIMD code on every
//! thread of the pool burn-flex already uses. Only plain (non-autodiff) f32
//! tensors that own their contiguous buffer take this path: inference and
//! the frozen strategy's encoder pass. Anything else, the training graph
//! included, goes through burn, whose backward knows GELU.

use burn::backend::{BackendTensor, DispatchTensor, DispatchTensorKind};
use burn::tensor::{DType, Tensor};
use rayon::prelude::*;

use super::fast_math::gelu_f32;

/// Elements per rayon task: large enough to amortise scheduling, small
/// enough to split one layer's activations (≥ 1.5 M elements) evenly.
const CHUNK: usize = 32 * 1024;

/// GELU in place on a plain Flex tensor; any other tensor goes to `fallback`.
pub fn gelu_or<const D: usize>(x: Tensor<D>, fallback: impl FnOnce(Tensor<D>) -> Tensor<D>) -> Tensor<D> {
    let DispatchTensor { kind, autodiff } = x.into_dispatch();
    let rebuild = |kind| Tensor::from_dispatch(DispatchTensor { kind, autodiff });
    let DispatchTensorKind::Flex(BackendTensor::Float(mut tensor)) = kind else {
        return fallback(rebuild(kind));
    };
    let layout = tensor.layout();
    let owns_dense_buffer = tensor.dtype() == DType::F32
        && layout.is_contiguous()
        && layout.start_offset() == 0
        && tensor.bytes().len() == layout.num_elements() * size_of::<f32>();
    if !owns_dense_buffer {
        return fallback(rebuild(DispatchTensorKind::Flex(BackendTensor::Float(tensor))));
    }
    // Copies first if another tensor shares the buffer (copy-on-write), so
    // no other tensor sees the change.
    let values: &mut [f32] = tensor.storage_mut();
    let simd = pulp::Arch::new();
    values.par_chunks_mut(CHUNK).for_each(|chunk| simd.dispatch(GeluSlice(chunk)));
    rebuild(DispatchTensorKind::Flex(BackendTensor::Float(tensor)))
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
    fn sends_views_and_autodiff_tensors_to_the_fallback() {
        let device = Device::flex();
        let marker = |x: Tensor<2>| x.zeros_like();
        let x = Tensor::<2>::random([4, 6], Distribution::Normal(2.0, 1.0), &device);
        let transposed = gelu_or(x.transpose(), marker);
        assert!(values(transposed).iter().all(|v| *v == 0.0), "a transposed view is not dense in order");

        let tracked = Tensor::<2>::random([4, 6], Distribution::Normal(2.0, 1.0), &device.autodiff());
        assert!(values(gelu_or(tracked, marker)).iter().all(|v| *v == 0.0), "autodiff keeps burn's gelu");
    }
}
