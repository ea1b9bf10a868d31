//! Kernels for the Flex (CPU) backend where burn-flex's own are slow for
//! BERT inference. Each takes a tensor and either runs on it or hands it
//! back, so callers keep burn's op as the fallback for every other backend
//! and for autodiff.

pub mod fast_math;
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
