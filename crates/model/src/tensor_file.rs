//! A small module's parameters in a safetensors file, by burn's own
//! parameter paths: what the parts of a model folder with no HuggingFace
//! counterpart (an adapter layer, the input features' embedding tables) are
//! written as.
//!
//! The names are the parameter paths as burn's module tree names them
//! (`BiLstm.forward.input_gate.input_transform.weight`, `tables.0.weight`),
//! the shapes burn's own (a linear weight is `[inputs, outputs]`, the
//! transpose of PyTorch's): one table read off the module cannot fall out of
//! step with it. Every tensor is F32.
//!
//! Loading takes a fresh module of the described shape and replaces each
//! parameter by the file's tensor of the same path. A missing, unexpected or
//! mis-shaped tensor, another dtype or a damaged file is an error naming the
//! file and the tensor, never a parameter left at random init.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor, TensorData};
use retag_data::atomic::write_atomically;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use crate::error::{ModelError, Result};

/// Writes `module`'s float parameters to `path`, atomically, with `format`
/// in the file's metadata (says what the file is to someone who finds it).
pub(crate) fn save<M: Module>(module: &M, path: &Path, format: &str) -> Result<()> {
    let mut collector = Collector::default();
    module.visit(&mut collector);
    if let Some(reason) = collector.failed {
        return Err(ModelError::Folder { path: path.to_path_buf(), reason });
    }
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = collector
        .tensors
        .into_iter()
        .map(|(name, (shape, values))| (name, shape, values.iter().flat_map(|value| value.to_le_bytes()).collect()))
        .collect();
    let views = bytes.iter().map(|(name, shape, data)| {
        let view = TensorView::new(Dtype::F32, shape.clone(), data)
            .expect("the collector read each tensor's values with its own dims: 4 bytes per element");
        (name.as_str(), view)
    });
    let metadata = HashMap::from([("format".to_string(), format.to_string())]);
    let serialized = safetensors::serialize(views.collect::<Vec<_>>(), Some(metadata))
        .map_err(|error| ModelError::Folder { path: path.to_path_buf(), reason: error.to_string() })?;
    Ok(write_atomically(path, &serialized)?)
}

/// `fresh` with every float parameter replaced by the tensor of its path in
/// the file at `path`, on `device`. `what` names the module in the error
/// about a tensor it has no parameter for ("the bilstm adapter").
pub(crate) fn load<M: Module>(fresh: M, path: &Path, what: &str, device: &Device) -> Result<M> {
    let bad = |reason: String| ModelError::Folder { path: path.to_path_buf(), reason };
    let bytes = std::fs::read(path).map_err(ModelError::io(path))?;
    let file = SafeTensors::deserialize(&bytes).map_err(|error| bad(format!("not a safetensors file: {error}")))?;
    let mut tensors = BTreeMap::new();
    for (name, view) in file.tensors() {
        if view.dtype() != Dtype::F32 {
            return Err(bad(format!("tensor {name} is {}, not F32", view.dtype())));
        }
        let values = view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        tensors.insert(name, (view.shape().to_vec(), values));
    }
    let mut filler = Filler { path: Vec::new(), tensors, device: device.clone(), failed: None };
    let module = fresh.map(&mut filler);
    if let Some(reason) = filler.failed {
        return Err(bad(reason));
    }
    if let Some(extra) = filler.tensors.keys().next() {
        return Err(bad(format!("unexpected tensor {extra} ({what} has no such parameter)")));
    }
    Ok(module)
}

/// Every float parameter's path, shape and values.
#[derive(Default)]
struct Collector {
    path: Vec<String>,
    tensors: BTreeMap<String, (Vec<usize>, Vec<f32>)>,
    failed: Option<String>,
}

impl ModuleVisitor for Collector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let name = self.path.join(".");
        let tensor = param.val();
        match tensor.clone().into_data().convert::<f32>().try_into_vec::<f32>() {
            Ok(values) => {
                self.tensors.insert(name, (tensor.dims().to_vec(), values));
            }
            Err(error) => self.failed = Some(format!("tensor {name} could not be read: {error:?}")),
        }
    }
}

/// Replaces each float parameter by the loaded tensor of its path, taking
/// it out of `tensors` (what is left at the end is unexpected).
struct Filler {
    path: Vec<String>,
    tensors: BTreeMap<String, (Vec<usize>, Vec<f32>)>,
    device: Device,
    failed: Option<String>,
}

impl ModuleMapper for Filler {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let name = self.path.join(".");
        let expected = param.val().dims().to_vec();
        let Some((shape, values)) = self.tensors.remove(&name) else {
            self.failed.get_or_insert_with(|| format!("missing tensor {name} (shape {expected:?})"));
            return param;
        };
        if shape != expected {
            self.failed.get_or_insert_with(|| format!("tensor {name} has shape {shape:?}, expected {expected:?}"));
            return param;
        }
        let device = self.device.clone();
        param.map(|_| Tensor::from_data(TensorData::new(values, shape), &device))
    }
}
