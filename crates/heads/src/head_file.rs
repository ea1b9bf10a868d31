//! `head.safetensors`: a [`Tagger`]'s tensors on disk, for model folders
//! that are not plain HuggingFace token-classification checkpoints (an MLP
//! head, a CRF). What the tensors mean, and so how many there are and their
//! shapes, comes from the [`HeadSpec`] stored beside them; the labels come
//! from the model's `id2label`.
//!
//! Every tensor is F32 in PyTorch layout, under the names of [`layout`], the
//! one table both writing and reading follow:
//!
//! | head        | tensor                          | shape             |
//! |-------------|---------------------------------|-------------------|
//! | linear      | `classifier.weight`             | `[labels, input]` |
//! |             | `classifier.bias`               | `[labels]`        |
//! | mlp         | `classifier.dense.weight`       | `[width, input]`  |
//! |             | `classifier.dense.bias`         | `[width]`         |
//! |             | `classifier.dense_{i}.weight`   | `[width, width]`  (hidden layer i ≥ 1) |
//! |             | `classifier.dense_{i}.bias`     | `[width]`         |
//! |             | `classifier.out_proj.weight`    | `[labels, width]` |
//! |             | `classifier.out_proj.bias`      | `[labels]`        |
//! | with a CRF  | `crf.transitions`               | `[labels, labels]` (`[from, to]`) |
//! |             | `crf.start`                     | `[labels]`        |
//! |             | `crf.end`                       | `[labels]`        |
//!
//! The CRF's scores are the learned ones, without the scheme's penalties:
//! the constraints are rebuilt on load from [`crate::CrfSpec::constraints`].
//! Loading is strict, as the encoder's loader is: a missing, unexpected or
//! mis-shaped tensor, another dtype or a damaged file is an error naming the
//! file and the tensor, never a layer left at random init.

use std::collections::HashMap;
use std::path::Path;

use burn::tensor::{Device, Tensor};
use retag_data::atomic::write_atomically;
use retag_data::{DataError, Tagset};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use crate::crf::Crf;
use crate::error::{HeadError, Result};
use crate::head::{Head, HeadArch};
use crate::linear::{CLASSIFIER, LinearHead};
use crate::mlp::{LinearWeights, MlpHead, MlpWeights, OUT_PROJ, hidden_layer_name};
use crate::pytorch_linear::{host_tensor_1d, host_tensor_2d, host_values};
use crate::spec::HeadSpec;
use crate::tagger::Tagger;

/// The file name a model folder keeps a head under.
pub const HEAD_FILE: &str = "head.safetensors";
pub const CRF_TRANSITIONS: &str = "crf.transitions";
pub const CRF_START: &str = "crf.start";
pub const CRF_END: &str = "crf.end";

/// The tensors, in file order, of a tagger shaped by `spec` over `labels`
/// labels: name and PyTorch shape.
pub fn layout(spec: &HeadSpec, labels: usize) -> Vec<(String, Vec<usize>)> {
    let mut table = Vec::new();
    let mut linear = |prefix: &str, outputs: usize, inputs: usize| {
        table.push((format!("{prefix}.weight"), vec![outputs, inputs]));
        table.push((format!("{prefix}.bias"), vec![outputs]));
    };
    match &spec.arch {
        HeadArch::Linear => linear(CLASSIFIER, labels, spec.input_size),
        HeadArch::Mlp(mlp) => {
            let width = mlp.width_for(spec.input_size);
            for index in 0..mlp.layers {
                linear(&hidden_layer_name(index), width, if index == 0 { spec.input_size } else { width });
            }
            linear(OUT_PROJ, labels, width);
        }
    }
    if spec.crf.is_some() {
        table.push((CRF_TRANSITIONS.to_string(), vec![labels, labels]));
        table.push((CRF_START.to_string(), vec![labels]));
        table.push((CRF_END.to_string(), vec![labels]));
    }
    table
}

/// Writes `tagger`'s tensors to `path`, atomically (see
/// [`retag_data::atomic`]): a reader sees the old file or the new one, never
/// half of one.
pub(crate) fn save(tagger: &Tagger, path: &Path) -> Result<()> {
    let mut values = host_tensors(tagger)?;
    let table = layout(&tagger.spec(), tagger.tagset().len());
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = table
        .into_iter()
        .map(|(name, shape)| {
            let data = values
                .remove(&name)
                .expect("host_tensors and layout both list the tensors of tagger.spec(), each once");
            debug_assert_eq!(data.len(), shape.iter().product::<usize>(), "{name}");
            let bytes = data.iter().flat_map(|value| value.to_le_bytes()).collect();
            (name, shape, bytes)
        })
        .collect();
    debug_assert!(values.is_empty(), "tensors outside the layout: {:?}", values.keys());
    let views = bytes
        .iter()
        .map(|(name, shape, data)| {
            let view = TensorView::new(Dtype::F32, shape.clone(), data)
                .expect("the tagger's tensors have the shapes its spec lays out: 4 bytes per element");
            (name.as_str(), view)
        })
        .collect::<Vec<_>>();
    // "format": "pt" is what PyTorch-written safetensors files say; readers
    // such as transformers check it.
    let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    let serialized = safetensors::serialize(views, Some(metadata))
        .map_err(|error| HeadError::Safetensors { path: path.to_path_buf(), reason: error.to_string() })?;
    // A failed write is this crate's `Io` error, naming the file, as a failed read is.
    write_atomically(path, &serialized).map_err(|error| match error {
        DataError::Io { path, source } => HeadError::Io { path, source },
        other => HeadError::Data(other),
    })
}

/// Every tensor of `tagger` on the host, by file name.
fn host_tensors(tagger: &Tagger) -> Result<HashMap<String, Vec<f32>>> {
    let mut linears: Vec<(String, LinearWeights)> = Vec::new();
    match tagger.head() {
        Head::Linear(head) => {
            let (weight, bias) = head.weights_pytorch_layout();
            linears.push((CLASSIFIER.to_string(), LinearWeights { weight, bias }));
        }
        Head::Mlp(head) => {
            let weights = head.weights_pytorch_layout();
            linears
                .extend(weights.hidden.into_iter().enumerate().map(|(index, layer)| (hidden_layer_name(index), layer)));
            linears.push((OUT_PROJ.to_string(), weights.out));
        }
    }
    let mut values = HashMap::new();
    for (prefix, layer) in linears {
        let (weight, bias) = (format!("{prefix}.weight"), format!("{prefix}.bias"));
        values.insert(weight.clone(), host_values(&weight, &layer.weight)?);
        values.insert(bias.clone(), host_values(&bias, &layer.bias)?);
    }
    if let Some(crf) = tagger.crf() {
        let (transitions, start, end) = crf.learned_scores();
        values.insert(CRF_TRANSITIONS.to_string(), host_values(CRF_TRANSITIONS, &transitions)?);
        values.insert(CRF_START.to_string(), host_values(CRF_START, &start)?);
        values.insert(CRF_END.to_string(), host_values(CRF_END, &end)?);
    }
    Ok(values)
}

/// The tagger `spec` describes over `tagset`, its tensors read from `path`.
pub(crate) fn load(spec: &HeadSpec, tagset: Tagset, path: &Path, device: &Device) -> Result<Tagger> {
    spec.validate()?;
    let bytes = std::fs::read(path).map_err(|source| HeadError::Io { path: path.to_path_buf(), source })?;
    let file = SafeTensors::deserialize(&bytes)
        .map_err(|error| HeadError::Safetensors { path: path.to_path_buf(), reason: error.to_string() })?;
    let table = layout(spec, tagset.len());
    let mut tensors = Tensors { values: HashMap::with_capacity(table.len()), device };
    for (name, shape) in &table {
        let view = file
            .tensor(name)
            .map_err(|_| HeadError::MissingTensor { path: path.to_path_buf(), tensor: name.clone() })?;
        if view.dtype() != Dtype::F32 {
            return Err(HeadError::TensorDtype {
                path: path.to_path_buf(),
                tensor: name.clone(),
                dtype: view.dtype().to_string(),
            });
        }
        if view.shape() != shape.as_slice() {
            return Err(HeadError::TensorShape {
                path: path.to_path_buf(),
                tensor: name.clone(),
                expected: shape.clone(),
                found: view.shape().to_vec(),
            });
        }
        // Little-endian, as safetensors stores; read byte-wise since the
        // data need not be aligned for f32.
        let values = view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        tensors.values.insert(name.clone(), (shape.clone(), values));
    }
    let mut names = file.names();
    names.sort_unstable();
    if let Some(extra) = names.into_iter().find(|name| !tensors.values.contains_key(*name)) {
        return Err(HeadError::UnexpectedTensor { path: path.to_path_buf(), tensor: extra.to_string() });
    }

    let constraints = spec.crf.and_then(|crf| crf.constraints);
    let labels = tagset.clone();
    let head = match &spec.arch {
        HeadArch::Linear => {
            let weights = tensors.linear(CLASSIFIER);
            Head::Linear(LinearHead::from_pytorch(tagset, spec.input_size, weights.weight, weights.bias, spec.dropout)?)
        }
        HeadArch::Mlp(mlp) => {
            let weights = MlpWeights {
                hidden: (0..mlp.layers).map(|index| tensors.linear(&hidden_layer_name(index))).collect(),
                out: tensors.linear(OUT_PROJ),
            };
            Head::Mlp(MlpHead::from_pytorch(tagset, spec.input_size, weights, mlp, spec.dropout)?)
        }
    };
    if spec.crf.is_none() {
        return Ok(Tagger::new(head));
    }
    let mut crf =
        Crf::from_scores(tensors.matrix(CRF_TRANSITIONS), tensors.vector(CRF_START), tensors.vector(CRF_END))?;
    if let Some(scheme) = constraints {
        crf = crf.constrain_transitions(&labels, scheme)?;
    }
    Tagger::with_crf(head, crf)
}

/// The checked tensors of a file, taken out by name as they are built into layers.
struct Tensors<'a> {
    values: HashMap<String, (Vec<usize>, Vec<f32>)>,
    device: &'a Device,
}

impl Tensors<'_> {
    fn take(&mut self, name: &str) -> (Vec<usize>, Vec<f32>) {
        self.values
            .remove(name)
            .expect("load inserted every tensor of the layout (or returned), and each is taken once")
    }

    fn matrix(&mut self, name: &str) -> Tensor<2> {
        let (shape, values) = self.take(name);
        host_tensor_2d(values, [shape[0], shape[1]], self.device)
    }

    fn vector(&mut self, name: &str) -> Tensor<1> {
        host_tensor_1d(self.take(name).1, self.device)
    }

    fn linear(&mut self, prefix: &str) -> LinearWeights {
        LinearWeights { weight: self.matrix(&format!("{prefix}.weight")), bias: self.vector(&format!("{prefix}.bias")) }
    }
}

#[cfg(test)]
mod tests;
