//! Reading a HF checkpoint of any family (`config.json` + `model.safetensors`)
//! into our modules, by the names in [`crate::remap`].
//!
//! Every checkpoint tensor is checked (name, dtype, shape from the config)
//! before any module is touched, and every module parameter must receive a
//! tensor: a layer left at random init still runs, silently wrong, so it is
//! an error here. The safetensors file is read with the `safetensors` crate
//! rather than burn-store so that each error names the file and the tensor.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{DType, Device, Tensor, TensorData};
use safetensors::{Dtype, SafeTensors};

use crate::config::BertConfig;
use crate::error::{BertError, Result};
use crate::family::Family;
use crate::remap::{self, Head, Layout};

/// Weight files of other formats, named when `model.safetensors` is absent.
const OTHER_WEIGHT_FILES: [&str; 3] = ["model.safetensors.index.json", "pytorch_model.bin", "tf_model.h5"];

/// Which model the caller is loading; the head's size comes from the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Encoder,
    TokenClassification,
}

/// A checkpoint whose tensors have all been checked against the config and
/// the remap table, keyed by burn parameter path, in burn's layout.
pub(crate) struct Checkpoint {
    pub config: BertConfig,
    file: PathBuf,
    tensors: HashMap<String, TensorData>,
}

/// Reads and checks `dir/config.json` and `dir/model.safetensors`.
pub(crate) fn read(dir: &Path, target: Target) -> Result<Checkpoint> {
    let config_path = dir.join("config.json");
    let config = BertConfig::from_file(&config_path)?;
    let head = match target {
        Target::Encoder => Head::None,
        Target::TokenClassification => Head::TokenClassification {
            num_labels: config.num_labels().ok_or_else(|| BertError::ConfigField {
                path: config_path.clone(),
                field: "id2label".into(),
                reason: "missing: a token-classification model needs its labels".into(),
            })?,
        },
    };

    let file = dir.join("model.safetensors");
    if !file.exists()
        && let Some(other) = OTHER_WEIGHT_FILES.iter().find(|name| dir.join(name).exists())
    {
        return Err(BertError::WeightFormat {
            path: file,
            found: (*other).to_owned(),
            reason: other_format_reason(other, dir, target),
        });
    }
    let bytes = std::fs::read(&file).map_err(|source| BertError::Io { path: file.clone(), source })?;
    let tensors = checked_tensors(&bytes, &file, &config, head)?;
    Ok(Checkpoint { config, file, tensors })
}

/// Checks the bytes of a `model.safetensors` against `config` and `head` as
/// loading does (header, then every tensor's name, dtype and shape, then
/// that none is missing) without building a model; `file` only names it in
/// errors. Public so that the safetensors header can be fuzzed through the
/// real checks, and so that a caller can vet a file before loading it.
pub fn check_weights(bytes: &[u8], file: &Path, config: &BertConfig, head: Head) -> Result<()> {
    checked_tensors(bytes, file, config, head).map(drop)
}

/// The checkpoint's tensors, checked and keyed by burn parameter path, in burn's layout.
fn checked_tensors(bytes: &[u8], file: &Path, config: &BertConfig, head: Head) -> Result<HashMap<String, TensorData>> {
    let file = file.to_path_buf();
    let safetensors = SafeTensors::deserialize(bytes)
        .map_err(|e| BertError::Safetensors { path: file.clone(), reason: e.to_string() })?;
    let mut names: Vec<&str> = safetensors.names();
    names.sort_unstable();

    // transformers writes the encoder of a model with a head under the
    // family's prefix (`bert.`, `roberta.`, `distilbert.`) and a bare encoder
    // without; a checkpoint uses one or the other for all its encoder
    // tensors, so a tensor under the other is unexpected.
    let family_prefix = config.family.checkpoint_prefix();
    let encoder_prefix = if names.iter().any(|name| name.starts_with(family_prefix)) { family_prefix } else { "" };
    let table = remap::table(config, head);
    let entries: HashMap<String, &remap::Entry> =
        table.iter().map(|entry| (entry.checkpoint_name(encoder_prefix), entry)).collect();
    let skipped: HashSet<String> =
        remap::skipped(config.family).iter().map(|name| format!("{encoder_prefix}{name}")).collect();

    let mut tensors = HashMap::with_capacity(table.len());
    // burn path -> the checkpoint name it was read from, to report duplicates.
    let mut sources: HashMap<String, &str> = HashMap::with_capacity(table.len());
    for name in names {
        if skipped.contains(name) {
            continue;
        }
        let current = remap::current_name(name);
        let lookup = current.as_deref().unwrap_or(name);
        let Some(entry) = entries.get(lookup) else {
            return Err(BertError::UnexpectedTensor {
                path: file.clone(),
                tensor: name.to_string(),
                reason: why_unexpected(name, config, head, encoder_prefix, &entries),
            });
        };
        let view = safetensors
            .tensor(name)
            .map_err(|e| BertError::Safetensors { path: file.clone(), reason: format!("tensor {name:?}: {e}") })?;
        let dtype = match view.dtype() {
            Dtype::F32 => DType::F32,
            Dtype::F16 => DType::F16,
            Dtype::BF16 => DType::BF16,
            other => {
                return Err(BertError::TensorDtype {
                    path: file.clone(),
                    tensor: name.to_string(),
                    dtype: format!("{other:?}"),
                });
            }
        };
        if view.shape() != entry.hf_shape.as_slice() {
            return Err(BertError::TensorShape {
                path: file.clone(),
                tensor: name.to_string(),
                expected: entry.hf_shape.clone(),
                found: view.shape().to_vec(),
            });
        }
        // Half-precision checkpoints are widened to f32: the model computes
        // in the device's float type, and the parity checks are in f32.
        // (safetensors is little-endian, like every host burn runs on.)
        let values = TensorData::try_from_bytes_vec(view.data().to_vec(), view.shape().to_vec(), dtype)
            .and_then(TensorData::try_into_vec_as::<f32>)
            .map_err(|e| BertError::Safetensors { path: file.clone(), reason: format!("tensor {name:?}: {e:?}") })?;
        let data = match entry.layout {
            Layout::Same => TensorData::new(values, view.shape().to_vec()),
            Layout::Transposed => {
                let [rows, columns] = [entry.hf_shape[0], entry.hf_shape[1]];
                TensorData::new(transpose(&values, rows, columns), [columns, rows])
            }
        };
        if let Some(first) = sources.insert(entry.burn_path.clone(), name) {
            return Err(BertError::UnexpectedTensor {
                path: file.clone(),
                tensor: name.to_string(),
                reason: format!("a second tensor for the parameter of {first:?} (old and new LayerNorm names)"),
            });
        }
        tensors.insert(entry.burn_path.clone(), data);
    }
    for entry in &table {
        if !tensors.contains_key(&entry.burn_path) {
            return Err(BertError::MissingTensor { path: file.clone(), tensor: entry.checkpoint_name(encoder_prefix) });
        }
    }
    Ok(tensors)
}

/// Why retag does not read `other`, one of [`OTHER_WEIGHT_FILES`], found
/// where `model.safetensors` should be, and how to convert it.
fn other_format_reason(other: &str, dir: &Path, target: Target) -> String {
    let class = match target {
        Target::Encoder => "AutoModel",
        Target::TokenClassification => "AutoModelForTokenClassification",
    };
    let dir = python_shell_str(&dir.display().to_string());
    // transformers writes model.safetensors by default since 4.35; v5 deprecates
    // `safe_serialization`, so the line does not pass it.
    let convert = format!(
        "python -c \"from transformers import {class}; {class}.from_pretrained({dir}).save_pretrained({dir})\""
    );
    let resave = "save the model again with transformers' save_pretrained (safetensors, one shard)";
    match other {
        "pytorch_model.bin" => format!(
            "a PyTorch pickle, which retag does not load: unpickling can execute arbitrary code hidden in the \
             file, and no pure-Rust unpickler is trusted here. Convert it once, if you trust the file, with \
             transformers 4.35 or later (AutoModelForTokenClassification keeps a token-classification head, \
             AutoModel saves a bare encoder): {convert}"
        ),
        "tf_model.h5" => format!("TensorFlow weights, which retag does not read: {resave}, loading with from_tf=True"),
        _ => format!("which retag does not read: {resave}"),
    }
}

/// `text` as a single-quoted Python string literal inside a double-quoted
/// shell word: Python's `\\` and `\'` escapes, then the shell's for `\\`,
/// `"`, `$` and backquote. A plain path comes out as `'path'`.
fn python_shell_str(text: &str) -> String {
    let mut quoted = String::from("'");
    for c in text.chars() {
        match c {
            '\\' => quoted.push_str("\\\\\\\\"),
            '\'' => quoted.push_str("\\\\'"),
            '"' | '$' | '`' => {
                quoted.push('\\');
                quoted.push(c);
            }
            _ => quoted.push(c),
        }
    }
    quoted.push('\'');
    quoted
}

/// A hint for a checkpoint tensor the model has no place for.
fn why_unexpected(
    name: &str,
    config: &BertConfig,
    head: Head,
    encoder_prefix: &str,
    entries: &HashMap<String, &remap::Entry>,
) -> String {
    let family = config.family;
    if name.starts_with("classifier.") && head == Head::None {
        "a token-classification head; load the checkpoint as BertForTokenClassification".into()
    } else if !encoder_prefix.is_empty() && entries.contains_key(&format!("{encoder_prefix}{name}")) {
        format!("the encoder tensors of this checkpoint are under {encoder_prefix:?}, this one is not")
    } else if let Some(other) = Family::ALL.into_iter().find(|other| {
        *other != family
            && name.starts_with(other.checkpoint_prefix())
            && other.checkpoint_prefix() != family.checkpoint_prefix()
    }) {
        format!("named as in a {other} checkpoint, but config.json says model_type {:?}", family.model_type())
    } else {
        format!("not a parameter of a {family} encoder or its token-classification head")
    }
}

/// `values` is `rows x columns`, row-major; returns `columns x rows`.
pub(crate) fn transpose(values: &[f32], rows: usize, columns: usize) -> Vec<f32> {
    let mut transposed = vec![0.0; values.len()];
    for row in 0..rows {
        for column in 0..columns {
            transposed[column * rows + row] = values[row * columns + column];
        }
    }
    transposed
}

impl Checkpoint {
    /// Replaces every parameter of `module` (built by `init` from this
    /// checkpoint's config) with the checkpoint tensor for its path.
    pub fn assign<M: Module>(self, module: M, device: &Device) -> Result<M> {
        let mut assigner =
            Assigner { path: Vec::new(), tensors: self.tensors, device: device.clone(), unassigned: Vec::new() };
        let module = module.map(&mut assigner);
        // Both cases are bugs in the remap table, which a unit test guards;
        // they are still errors, not panics, because the alternative is a
        // model that runs with random weights.
        if let Some(parameter) = assigner.unassigned.first() {
            return Err(BertError::Unmapped { path: self.file, parameter: parameter.clone() });
        }
        if let Some(parameter) = assigner.tensors.keys().min() {
            return Err(BertError::Unmapped { path: self.file, parameter: parameter.clone() });
        }
        Ok(module)
    }
}

/// Walks a module, tracking the path of each parameter, and swaps in the
/// checkpoint tensor for it.
struct Assigner {
    path: Vec<String>,
    tensors: HashMap<String, TensorData>,
    device: Device,
    unassigned: Vec<String>,
}

impl ModuleMapper for Assigner {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let path = self.path.join(".");
        match self.tensors.remove(&path) {
            Some(data) if data.rank() == D => Param::from_data(data, &self.device),
            _ => {
                self.unassigned.push(path);
                param
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::python_shell_str;

    #[test]
    fn paths_are_quoted_for_python_inside_shell_double_quotes() {
        let cases = [
            ("/models/ner", "'/models/ner'"),
            ("my models/ner v2", "'my models/ner v2'"),
            ("it's", r"'it\\'s'"),
            (r"C:\models", r"'C:\\\\models'"),
            ("a\"b", r#"'a\"b'"#),
            ("$HOME/`x`", r"'\$HOME/\`x\`'"),
        ];
        for (path, expected) in cases {
            assert_eq!(python_shell_str(path), expected, "{path}");
        }
    }
}
