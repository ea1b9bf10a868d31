//! The one place where the benchmark picks a burn backend. Which backends
//! exist is decided by cargo features (see `Cargo.toml`); `--backend` picks
//! among those compiled in, and without it the first of them is used.

use anyhow::{Result, bail};
use burn::tensor::Device;

/// A backend compiled into this binary.
#[derive(Debug, Clone, Copy)]
pub struct Backend {
    /// The name results are filed under; it names the variant (`ndarray-blas`,
    /// `flex-avx512`) so that two builds of one backend are told apart.
    pub name: &'static str,
    device: fn() -> Device,
}

impl Backend {
    pub fn device(&self) -> Device {
        (self.device)()
    }
}

/// The backends of this build, in order of preference.
pub fn compiled() -> Vec<Backend> {
    #[allow(unused_mut)] // a build with no backend feature has nothing to push
    let mut backends = Vec::new();
    #[cfg(feature = "flex")]
    backends.push(Backend {
        name: if cfg!(feature = "flex-avx512") { "flex-avx512" } else { "flex" },
        device: Device::flex,
    });
    #[cfg(feature = "ndarray")]
    backends.push(Backend {
        name: if cfg!(feature = "ndarray-blas") { "ndarray-blas" } else { "ndarray" },
        device: ndarray_device,
    });
    #[cfg(feature = "cpu")]
    backends.push(Backend { name: "cpu", device: Device::cpu });
    #[cfg(feature = "wgpu")]
    backends.push(Backend { name: "wgpu", device: || Device::wgpu(burn::tensor::DeviceKind::DefaultDevice) });
    backends
}

/// burn 0.22 deprecates ndarray in favour of flex; it is built here only to be compared.
#[cfg(feature = "ndarray")]
#[allow(deprecated)]
fn ndarray_device() -> Device {
    Device::ndarray()
}

/// The backend called `name`, or the preferred one when `name` is `None`.
pub fn pick(name: Option<&str>) -> Result<Backend> {
    let backends = compiled();
    let names = || backends.iter().map(|b| b.name).collect::<Vec<_>>().join(", ");
    match name {
        None => match backends.first() {
            Some(backend) => Ok(*backend),
            None => bail!(
                "this retag-bench was built without a backend: build it with --features flex \
                 (or ndarray, ndarray-blas, cpu, wgpu)"
            ),
        },
        Some(name) => match backends.iter().find(|b| b.name == name) {
            Some(backend) => Ok(*backend),
            None => bail!("backend {name:?} is not compiled into this retag-bench (it has: {})", names()),
        },
    }
}
