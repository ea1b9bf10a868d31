//! Kernels for the Flex (CPU) backend where burn-flex's own are scalar or
//! single-threaded: GELU (inference in place, training as `x·s + c`),
//! dropout masks and inference attention. Each runs only on Flex tensors; callers keep burn's op as
//! the fallback for every other backend. Below, the few helpers that reach
//! burn-flex's storage through burn's dispatch layer, shared with
//! `retag-train`'s fused AdamW.

pub mod fast_math;
#[cfg(feature = "flex")]
pub mod flex_attention;
#[cfg(feature = "flex")]
pub mod flex_dropout;
#[cfg(feature = "flex")]
pub mod flex_gelu;

/// Whether `device` runs on the Flex backend, with or without autodiff: the
/// test every kernel here makes before touching burn-flex's storage.
#[cfg(feature = "flex")]
pub fn is_flex(device: &burn::tensor::Device) -> bool {
    matches!(device.clone().without_autodiff().as_dispatch(), burn::backend::DispatchDevice::Flex(_))
}

/// The Flex tensor under a plain (non-autodiff) float tensor, with the
/// autodiff context that [`from_flex`] needs to rebuild it; any other tensor
/// is handed back as it came.
#[cfg(feature = "flex")]
// The error is the caller's own tensor, handed back by value, not an error to box.
#[allow(clippy::result_large_err)]
pub fn into_flex<const D: usize>(
    tensor: burn::tensor::Tensor<D>,
) -> Result<(burn::backend::flex::FlexTensor, burn::backend::DispatchAutodiffContext), burn::tensor::Tensor<D>> {
    use burn::backend::{BackendTensor, DispatchTensor, DispatchTensorKind};
    match tensor.into_dispatch() {
        DispatchTensor { kind: DispatchTensorKind::Flex(BackendTensor::Float(flex)), autodiff } => Ok((flex, autodiff)),
        other => Err(burn::tensor::Tensor::from_dispatch(other)),
    }
}

/// The tensor [`into_flex`] took apart.
#[cfg(feature = "flex")]
pub fn from_flex<const D: usize>(
    flex: burn::backend::flex::FlexTensor,
    autodiff: burn::backend::DispatchAutodiffContext,
) -> burn::tensor::Tensor<D> {
    use burn::backend::{BackendTensor, DispatchTensor, DispatchTensorKind};
    burn::tensor::Tensor::from_dispatch(DispatchTensor {
        kind: DispatchTensorKind::Flex(BackendTensor::Float(flex)),
        autodiff,
    })
}

/// Whether `flex` is f32 laid out densely from the start of its buffer, so
/// its storage is its elements in order.
#[cfg(feature = "flex")]
pub fn is_dense_f32(flex: &burn::backend::flex::FlexTensor) -> bool {
    let layout = flex.layout();
    flex.dtype() == burn::tensor::DType::F32
        && layout.is_contiguous()
        && layout.start_offset() == 0
        && flex.bytes().len() == layout.num_elements() * size_of::<f32>()
}
