//! Writing a [`BertForTokenClassification`] back as a HF checkpoint of its
//! own family that transformers loads as that family's token-classification
//! class (`BertForTokenClassification`, `RobertaForTokenClassification`,
//! `XLMRobertaForTokenClassification`, `DistilBertForTokenClassification`),
//! with no missing or unexpected keys: `config.json` (encoder fields under
//! the family's names, `model_type`, `architectures`, `id2label`,
//! `label2id`, `num_labels`), `model.safetensors` (the family's names,
//! PyTorch `[out, in]` linear weights, by the same table the loader reads),
//! and the tokenizer files copied from the source checkpoint.
//!
//! The directory is written under a temporary name next to the destination
//! and renamed into place at the end ([`retag_data::atomic`]), so a crash or
//! error never leaves a half-written checkpoint where a user (or a later
//! load) would take it for a whole one.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Tensor, TensorData};
use safetensors::Dtype;
use safetensors::tensor::TensorView;

use retag_data::atomic::write_dir_atomically;
use retag_data::{DataError, Tagset};

use crate::config::BertConfig;
use crate::error::{BertError, Result};
use crate::loader::transpose;
use crate::model::BertModel;
use crate::remap::{self, Head, Layout};
use crate::token_classification::BertForTokenClassification;

/// The tokenizer files transformers' `AutoTokenizer` reads: the fast
/// tokenizer and its settings, and the slow tokenizers' vocabularies
/// (WordPiece `vocab.txt`, byte-level BPE `vocab.json` + `merges.txt`,
/// SentencePiece `sentencepiece.bpe.model`); those present in the source
/// directory are copied.
pub const TOKENIZER_FILES: [&str; 7] = [
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "sentencepiece.bpe.model",
];

/// Writes `model` to the new directory `out_dir`, which must not exist yet,
/// copying the tokenizer files found in `tokenizer_from` (usually the
/// directory the encoder was loaded from).
pub fn export_token_classification(
    model: &BertForTokenClassification,
    out_dir: &Path,
    tokenizer_from: Option<&Path>,
) -> Result<()> {
    write_dir_atomically(out_dir, |partial| {
        write_files(model, &model.bert.config, &model.labels, head_of(model), partial, tokenizer_from)
            .map_err(Failure::Files)
    })
    .map_err(|failure| failure.into_bert(out_dir))
}

/// What [`write_dir_atomically`] fails with here: this crate's error from
/// writing the files, or retag-data's from making, checking or renaming the
/// folder. [`Self::into_bert`] turns the latter into this crate's own
/// variants, so that callers see (and match) the errors they always have.
enum Failure {
    Files(BertError),
    Folder(DataError),
}

impl From<DataError> for Failure {
    fn from(error: DataError) -> Self {
        Self::Folder(error)
    }
}

impl Failure {
    fn into_bert(self, out_dir: &Path) -> BertError {
        match self {
            Self::Files(error) => error,
            Self::Folder(DataError::Io { path, source }) if source.kind() == std::io::ErrorKind::AlreadyExists => {
                BertError::Export { path, reason: "already exists; export writes a new directory".into() }
            }
            Self::Folder(DataError::Io { path, source }) => BertError::Io { path, source },
            Self::Folder(other) => BertError::Export { path: out_dir.to_path_buf(), reason: other.to_string() },
        }
    }
}

fn io(path: &Path, source: std::io::Error) -> BertError {
    BertError::Io { path: path.to_path_buf(), source }
}

/// Writes `encoder` into the existing folder `dir` as a HuggingFace bare
/// encoder checkpoint of its family (`BertModel`, `RobertaModel`...:
/// `config.json` naming `labels`, the encoder's tensors at the top level of
/// `model.safetensors`, as `save_pretrained` writes a bare encoder) with the
/// tokenizer files of `tokenizer_from`.
/// For a model whose head is not a plain classifier: the caller writes the
/// head beside it, and makes the folder appear atomically.
pub fn write_encoder_files(
    encoder: &BertModel,
    labels: &Tagset,
    dir: &Path,
    tokenizer_from: Option<&Path>,
) -> Result<()> {
    write_files(encoder, &encoder.config, labels, Head::None, dir, tokenizer_from)
}

fn head_of(model: &BertForTokenClassification) -> Head {
    Head::TokenClassification { num_labels: model.labels.len() }
}

fn write_files<M: Module>(
    model: &M,
    config: &BertConfig,
    labels: &Tagset,
    head: Head,
    dir: &Path,
    tokenizer_from: Option<&Path>,
) -> Result<()> {
    let config_path = dir.join("config.json");
    let hf_config = config.to_hf_json(labels, head);
    let text = serde_json::to_string_pretty(&hf_config).expect("a JSON value always serializes");
    std::fs::write(&config_path, text + "\n").map_err(|source| io(&config_path, source))?;

    let weights_path = dir.join("model.safetensors");
    let bytes = safetensors_bytes(model, config, head, &weights_path)?;
    std::fs::write(&weights_path, bytes).map_err(|source| io(&weights_path, source))?;

    if let Some(source_dir) = tokenizer_from {
        for file in TOKENIZER_FILES {
            let from = source_dir.join(file);
            if from.is_file() {
                std::fs::copy(&from, dir.join(file)).map_err(|source| io(&from, source))?;
            }
        }
    }
    Ok(())
}

/// The model's parameters under their HF names, in PyTorch layout.
fn safetensors_bytes<M: Module>(model: &M, config: &BertConfig, head: Head, path: &Path) -> Result<Vec<u8>> {
    let mut collected = Collector::default();
    model.visit(&mut collected);

    let mut tensors: BTreeMap<String, (Vec<usize>, Vec<u8>)> = BTreeMap::new();
    for entry in remap::table(config, head) {
        let data = collected
            .tensors
            .remove(&entry.burn_path)
            .ok_or_else(|| BertError::Unmapped { path: path.to_path_buf(), parameter: entry.burn_path.clone() })?;
        let name = entry.checkpoint_name(head.checkpoint_prefix(config.family));
        let burn_shape: Vec<usize> = data.shape().to_vec();
        let mut expected_burn_shape = entry.hf_shape.clone();
        if entry.layout == Layout::Transposed {
            expected_burn_shape.reverse();
        }
        if burn_shape != expected_burn_shape {
            return Err(BertError::Export {
                path: path.to_path_buf(),
                reason: format!(
                    "parameter {} for {name:?} has shape {burn_shape:?}, the config implies {expected_burn_shape:?}",
                    entry.burn_path
                ),
            });
        }
        let values: Vec<f32> = data.try_into_vec_as::<f32>().map_err(|e| BertError::Export {
            path: path.to_path_buf(),
            reason: format!("reading {}: {e:?}", entry.burn_path),
        })?;
        let values = match entry.layout {
            Layout::Same => values,
            Layout::Transposed => transpose(&values, burn_shape[0], burn_shape[1]),
        };
        let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        tensors.insert(name, (entry.hf_shape, bytes));
    }
    if let Some(parameter) = collected.tensors.keys().min() {
        return Err(BertError::Unmapped { path: path.to_path_buf(), parameter: parameter.clone() });
    }

    let views = tensors
        .iter()
        .map(|(name, (shape, bytes))| {
            TensorView::new(Dtype::F32, shape.clone(), bytes)
                .map(|view| (name.clone(), view))
                .map_err(|e| BertError::Export { path: path.to_path_buf(), reason: format!("tensor {name:?}: {e}") })
        })
        .collect::<Result<Vec<_>>>()?;
    // transformers reads the "format" metadata to know the tensors are PyTorch's.
    let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    safetensors::serialize(views, Some(metadata))
        .map_err(|e| BertError::Export { path: path.to_path_buf(), reason: e.to_string() })
}

/// Every float parameter of a module, by path.
#[derive(Default)]
struct Collector {
    path: Vec<String>,
    tensors: HashMap<String, TensorData>,
}

impl ModuleVisitor for Collector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.tensors.insert(self.path.join("."), param.val().into_data());
    }
}
