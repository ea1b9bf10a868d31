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
    quick_autotune();
    let device = Device::wgpu(burn::tensor::DeviceKind::DefaultDevice);
    open_gpu(&device)?;
    Ok(device)
}

/// burn opens the GPU lazily, at the first operation, and where wgpu finds
/// no adapter its device thread panics (seen on an H100 whose Vulkan driver
/// gave no instance: docs/performance.md, "GPU"). One tiny operation here,
/// its panic caught and kept quiet, turns that into an error that says
/// what to check, before any data is read.
#[cfg(feature = "wgpu")]
fn open_gpu(device: &Device) -> Result<()> {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        burn::tensor::Tensor::<1>::zeros([1], device).into_data()
    }));
    std::panic::set_hook(default_hook);
    if opened.is_err() {
        anyhow::bail!(
            "--backend gpu: wgpu found no usable GPU adapter (Vulkan, Metal or DX12); check that the GPU \
             driver offers Vulkan (`vulkaninfo --summary`), or run with --backend cpu"
        );
    }
    Ok(())
}

/// The environment variable through which cubecl takes an autotune level.
#[cfg(feature = "wgpu")]
const AUTOTUNE_LEVEL_VARIABLE: &str = "CUBECL_AUTOTUNE_LEVEL";

/// cubecl benchmarks candidate kernels for every new matrix-product shape
/// the first time it meets it. At its default level (balanced) that took 247
/// of the 268 s of a naive WNUT-17 epoch on an H200, in four steps; at
/// `minimal` the epoch took 75 s, with the same loss and dev F1 to the last
/// digit and the same 40 ms a step once the shapes were met
/// (docs/performance.md, "Fourth GPU call"). So retag asks for `minimal`,
/// unless the user names a level in `CUBECL_AUTOTUNE_LEVEL`; the rest of
/// cubecl's configuration (a `cubecl.toml`, the other variables) is kept.
#[cfg(feature = "wgpu")]
fn quick_autotune() {
    use burn::cubecl::config::autotune::AutotuneLevel;
    use burn::cubecl::config::{CubeClRuntimeConfig, RuntimeConfig};

    if std::env::var_os(AUTOTUNE_LEVEL_VARIABLE).is_some() {
        return;
    }
    let mut config = CubeClRuntimeConfig::from_current_dir().override_from_env();
    config.autotune.level = AutotuneLevel::Minimal;
    // `false` when cubecl has already read its configuration (a second GPU
    // device in one process): that one stays.
    let _ = CubeClRuntimeConfig::try_set(config);
}

#[cfg(not(feature = "wgpu"))]
fn gpu() -> Result<Device> {
    bail!(
        "--backend gpu needs a retag built with the GPU backend: rebuild it with `cargo build -p retag-cli --features wgpu`"
    )
}
