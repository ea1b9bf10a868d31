//! A [`TaggerModel`] as a folder on disk, and back.
//!
//! - A linear head without a CRF is written as a plain HuggingFace
//!   `BertForTokenClassification` folder, which transformers loads as it is.
//! - Any other model keeps the encoder as a HuggingFace `BertModel`
//!   checkpoint (`config.json`, `model.safetensors`: transformers loads it
//!   with `AutoModel`), the head and CRF tensors in `head.safetensors`, and
//!   [`MODEL_FILE`], a small versioned JSON description that says how the
//!   parts fit (docs/formats.md, "Model folders with other heads").
//! - A model with input features keeps their embedding tables in
//!   [`FEATURES_FILE`] and the features' own files (gazetteers, patterns),
//!   copied verbatim, in `input-features/`, described in [`MODEL_FILE`]'s
//!   `input_features`: `predict` recomputes exactly what training computed.
//! - A model with an adapter also keeps the adapter layer in
//!   [`ADAPTER_FILE`] and the old model it reads, whole, in the subfolder
//!   [`OLD_MODEL_DIR`] (itself a model folder of either kind).
//!
//! Writing is atomic: the folder is built under a hidden name beside the
//! destination and renamed into place, so a crash never leaves a folder a
//! later load would take for a whole one.

use std::path::Path;

use burn::tensor::Device;
use retag_bert::{BertForTokenClassification, BertModel};
use retag_data::Tagset;
use retag_data::features::InputFeatures;
use retag_data::features::record::FeatureRecord;
use retag_heads::{HEAD_FILE, HeadSpec, Tagger};
use serde::{Deserialize, Serialize};

use crate::adapter::{AdapterKind, AdapterSpec, OldModel};
use crate::adapter_file::{self, ADAPTER_FILE};
use crate::error::{ModelError, Result};
use crate::features_file::{self, FEATURES_FILE};
use crate::tagger_model::TaggerModel;

/// The subfolder in which a model with an adapter keeps the old model.
pub const OLD_MODEL_DIR: &str = "old-model";

/// The description of a model folder that is not a plain HuggingFace one.
pub const MODEL_FILE: &str = "retag-model.json";
const FORMAT: &str = "retag-model";
const VERSION: u32 = 1;

/// The JSON of [`MODEL_FILE`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    /// Always `retag-model`: says what the file is to someone who finds it.
    format: String,
    version: u32,
    /// The encoder: its architecture and files, as HuggingFace writes a `BertModel`.
    encoder: EncoderPart,
    /// The head, in `head_weights`.
    head: HeadSpec,
    head_weights: String,
    /// Output row `i` of the head is label `i` (`config.json`'s `id2label` says the same).
    labels: Vec<String>,
    /// Per-word input features joined to the encoder's output, in order
    /// (their files in `input-features/`).
    #[serde(default)]
    input_features: Vec<FeatureRecord>,
    /// The input features' embedding tables (with input features only).
    #[serde(default)]
    feature_tables: Option<FeatureTablesPart>,
    /// An adapter over an old model's outputs.
    #[serde(default)]
    adapter: Option<AdapterPart>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdapterPart {
    /// The layer: `bilstm` or `linear`.
    kind: AdapterKind,
    /// The width of the features it adds to each token.
    width: usize,
    /// The layer's tensors.
    weights: String,
    /// The folder of the old model it reads.
    old_model: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeatureTablesPart {
    /// The tables' tensors.
    weights: String,
    /// Each channel's embedding width.
    dim: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EncoderPart {
    architecture: String,
    config: String,
    weights: String,
}

/// Writes `model` to the new folder `out_dir`, with the tokenizer files of
/// `tokenizer_from`.
pub fn export(model: &TaggerModel, out_dir: &Path, tokenizer_from: Option<&Path>) -> Result<()> {
    if model.is_token_classification() {
        let hf = model.clone().into_token_classification()?;
        return Ok(retag_bert::export_token_classification(&hf, out_dir, tokenizer_from)?);
    }
    let encoder = model.encoder().ok_or_else(|| ModelError::mismatch("the model has no encoder to export"))?;
    retag_data::atomic::write_dir_atomically(out_dir, |partial| write_parts(model, encoder, partial, tokenizer_from))
}

fn write_parts(model: &TaggerModel, encoder: &BertModel, dir: &Path, tokenizer_from: Option<&Path>) -> Result<()> {
    retag_bert::write_encoder_files(encoder, model.tagset(), dir, tokenizer_from)?;
    model.tagger().save_tensors(&dir.join(HEAD_FILE))?;
    let adapter = match model.adapter() {
        None => None,
        Some(adapter) => {
            adapter_file::save(adapter, &dir.join(ADAPTER_FILE))?;
            export(&adapter.old().to_model()?, &dir.join(OLD_MODEL_DIR), tokenizer_from)?;
            Some(AdapterPart {
                kind: adapter.spec().kind,
                width: adapter.width(),
                weights: ADAPTER_FILE.into(),
                old_model: OLD_MODEL_DIR.into(),
            })
        }
    };
    let (input_features, feature_tables) = match model.feature_embeddings() {
        None => (Vec::new(), None),
        Some(embeddings) => {
            let records = embeddings.features().save(dir)?;
            features_file::save(embeddings, &dir.join(FEATURES_FILE))?;
            (records, Some(FeatureTablesPart { weights: FEATURES_FILE.into(), dim: embeddings.dim() }))
        }
    };
    let description = ModelFile {
        format: FORMAT.into(),
        version: VERSION,
        encoder: EncoderPart {
            architecture: "bert".into(),
            config: "config.json".into(),
            weights: "model.safetensors".into(),
        },
        head: model.tagger().spec(),
        head_weights: HEAD_FILE.into(),
        labels: model.tagset().labels().to_vec(),
        input_features,
        feature_tables,
        adapter,
    };
    let path = dir.join(MODEL_FILE);
    let text = serde_json::to_string_pretty(&description)
        .expect("a model description is strings, numbers, a head spec and feature records; no path, no non-string key");
    std::fs::write(&path, text + "\n").map_err(ModelError::io(&path))
}

/// The model in `dir`, on `device`: a folder with [`MODEL_FILE`], or a
/// HuggingFace token-classification checkpoint.
pub fn load(dir: &Path, device: &Device) -> Result<TaggerModel> {
    let started = std::time::Instant::now();
    let model = load_folder(dir, device)?;
    tracing::info!(
        dir = %dir.display(),
        labels = model.tagset().len(),
        seconds = started.elapsed().as_secs_f64(),
        "model loaded"
    );
    Ok(model)
}

fn load_folder(dir: &Path, device: &Device) -> Result<TaggerModel> {
    let path = dir.join(MODEL_FILE);
    if !path.is_file() {
        let hf = BertForTokenClassification::from_pretrained(dir, device)?;
        return TaggerModel::from_token_classification(hf);
    }
    let bad = |reason: String| ModelError::Folder { path: path.clone(), reason };
    let text = std::fs::read_to_string(&path).map_err(ModelError::io(&path))?;
    let description: ModelFile = serde_json::from_str(&text).map_err(|error| bad(error.to_string()))?;
    if description.format != FORMAT {
        return Err(bad(format!("format is {:?}, not {FORMAT:?}", description.format)));
    }
    if description.version != VERSION {
        return Err(bad(format!("version {} is not one this retag reads ({VERSION})", description.version)));
    }
    let EncoderPart { architecture, config, weights } = &description.encoder;
    if architecture != "bert" || config != "config.json" || weights != "model.safetensors" {
        return Err(bad(format!("an encoder {architecture:?} in {config} and {weights} is not one retag reads")));
    }
    let labels = Tagset::new(description.labels.clone()).map_err(|error| bad(format!("labels: {error}")))?;
    let encoder = BertModel::from_pretrained(dir, device)?;
    if let Some(named) = &encoder.config.labels
        && named != &labels
    {
        return Err(bad(format!(
            "its labels {:?} differ from config.json's id2label {:?}",
            labels.labels(),
            named.labels()
        )));
    }
    let tagger = Tagger::load(&description.head, labels, &dir.join(&description.head_weights), device)?;
    let features = load_features(dir, &description, &path, device)?;
    let Some(part) = &description.adapter else {
        return TaggerModel::from_parts(encoder, None, features, tagger);
    };
    if part.weights != ADAPTER_FILE || part.old_model != OLD_MODEL_DIR {
        return Err(bad(format!(
            "an adapter in {} over {} is not where retag keeps one ({ADAPTER_FILE}, {OLD_MODEL_DIR})",
            part.weights, part.old_model
        )));
    }
    let old = OldModel::from_model(load(&dir.join(OLD_MODEL_DIR), device)?)?;
    let adapter =
        adapter_file::load(AdapterSpec { kind: part.kind, width: part.width }, old, &dir.join(ADAPTER_FILE), device)?;
    TaggerModel::from_parts(encoder, Some(adapter), features, tagger)
}

/// The input features `description` lists, their files read from `dir` and
/// their tables from [`FEATURES_FILE`]; `None` when it lists none. Tables
/// that do not fit the channels the files give are an error naming the
/// channels (`path` is the description, named in errors about it).
fn load_features(
    dir: &Path,
    description: &ModelFile,
    path: &Path,
    device: &Device,
) -> Result<Option<crate::FeatureEmbeddings>> {
    let bad = |reason: String| ModelError::Folder { path: path.to_path_buf(), reason };
    let tables = match (&description.feature_tables, description.input_features.is_empty()) {
        (None, true) => return Ok(None),
        (Some(_), true) => return Err(bad("feature_tables without input_features".into())),
        (None, false) => return Err(bad("input_features without feature_tables".into())),
        (Some(tables), false) => tables,
    };
    if tables.weights != FEATURES_FILE {
        return Err(bad(format!(
            "input-feature tables in {} are not where retag keeps them ({FEATURES_FILE})",
            tables.weights
        )));
    }
    let features = InputFeatures::load(dir, &description.input_features, path)?;
    let channels: Vec<String> =
        features.channels().iter().map(|channel| format!("{} ({} values)", channel.name, channel.values)).collect();
    let weights = dir.join(FEATURES_FILE);
    features_file::load(features, tables.dim, &weights, device)
        .map_err(|error| match error {
            ModelError::Folder { path, reason } => ModelError::Folder {
                path,
                reason: format!(
                    "{reason}; {MODEL_FILE} describes {} input-feature channels, {} wide: {}",
                    channels.len(),
                    tables.dim,
                    channels.join(", ")
                ),
            },
            other => other,
        })
        .map(Some)
}
