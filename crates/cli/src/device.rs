//! The one place where `retag` picks a burn backend. Which backends exist is
//! decided by cargo features (`flex`, the default, and `wgpu`; see
//! `Cargo.toml`); `--backend` picks among those compiled in. The libraries
//! only ever see the resulting `Device`.

use anyhow::Result;
#[cfg(not(all(feature = "flex", feature = "wgpu")))]
use anyhow::bail;
use burn::tensor::Device;

use crate::args::Backend;

/// The device to run a model on, for inference.
pub fn device(backend: Backend) -> Result<Device> {
    match backend {
        Backend::Cpu => cpu(),
        Backend::Gpu => gpu(),
    }
}

/// The same device with automatic differentiation, for training.
#[allow(dead_code)] // for `retag train`/`retag retrain`, which come with the strategies
pub fn autodiff_device(backend: Backend) -> Result<Device> {
    Ok(device(backend)?.autodiff())
}

#[cfg(feature = "flex")]
fn cpu() -> Result<Device> {
    Ok(Device::flex())
}

#[cfg(not(feature = "flex"))]
fn cpu() -> Result<Device> {
    bail!("this retag was built without the CPU backend: rebuild it with `cargo build -p retag-cli --features flex`")
}

#[cfg(feature = "wgpu")]
fn gpu() -> Result<Device> {
    Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice))
}

#[cfg(not(feature = "wgpu"))]
fn gpu() -> Result<Device> {
    bail!(
        "--backend gpu needs a retag built with the GPU backend: rebuild it with `cargo build -p retag-cli --features wgpu`"
    )
}
