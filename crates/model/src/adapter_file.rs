//! `adapter.safetensors`: an adapter layer's tensors on disk.
//!
//! The names are the layer's parameter paths as burn's module tree names
//! them (`BiLstm.forward.input_gate.input_transform.weight`,
//! `Linear.weight`), the shapes burn's own (a linear weight is `[inputs,
//! outputs]`, the transpose of PyTorch's): the layer has no HuggingFace
//! counterpart whose layout it could follow, and one table read off the
//! module cannot fall out of step with it. Every tensor is F32.
//!
//! Loading builds the layer the [`AdapterSpec`] describes and replaces each
//! parameter by the file's tensor of the same path ([`crate::tensor_file`]).
//! A missing, unexpected or mis-shaped tensor, another dtype or a damaged
//! file is an error naming the file and the tensor, never a parameter left
//! at random init.

use std::path::Path;

use burn::tensor::Device;

use crate::adapter::{Adapter, AdapterSpec, OldModel};
use crate::error::Result;
use crate::tensor_file;

/// The file name a model folder keeps an adapter layer under.
pub const ADAPTER_FILE: &str = "adapter.safetensors";

/// Writes the layer's tensors to `path`, atomically.
pub fn save(adapter: &Adapter, path: &Path) -> Result<()> {
    tensor_file::save(adapter.layer(), path, "retag-adapter")
}

/// The adapter `spec` describes over `old`, its layer read from `path`.
pub fn load(spec: AdapterSpec, old: OldModel, path: &Path, device: &Device) -> Result<Adapter> {
    // A fresh layer of the described shape, whose every parameter the file then replaces.
    let fresh = Adapter::new(old.clone(), spec, 0, device)?;
    let layer = tensor_file::load(fresh.layer().clone(), path, &format!("the {} adapter", spec.kind), device)?;
    Adapter::from_parts(old, layer)
}
