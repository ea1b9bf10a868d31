//! Checking an exported model folder against the model it was written from,
//! before a command reports success: the folder is loaded as `predict` will
//! load it, its labels, head, adapter and input features must be the model's, and one
//! forward pass of both models over a small fixed probe must give the same
//! scores. A folder that loads but computes something else (a tensor
//! written from the wrong parameter, a file replaced after export, a head
//! read with another layout) is caught here rather than in the user's
//! predictions.

use std::path::Path;

use burn::tensor::{Device, Tensor};
use retag_bert::{BertConfig, BertInput};
use retag_data::features::FeatureIds;

use crate::error::{ModelError, Result};
use crate::folder;
use crate::tagger_model::TaggerModel;

/// The largest difference allowed between a score of the model and the
/// same score of its reloaded folder. The same weights on the same device
/// give the same scores bit for bit; the tolerance leaves room for a reload
/// on another device, whose kernels sum in another order (differences
/// around 1e-6 on scores of order 1 to 10), while a weight that is missing,
/// altered or misplaced moves the scores by far more.
pub const SCORE_TOLERANCE: f32 = 1e-4;

/// Loads the folder `dir` on `device` and checks that it holds `model`:
/// the same labels, head (architecture, width, CRF), adapter and input
/// features (channels, table width, files' contents), and, over
/// [`probe`], emissions (and CRF scores) within [`SCORE_TOLERANCE`] of the
/// model's. Passing the model's own device makes the comparison exact up to
/// kernel order; the values are compared on the host, so any devices work.
pub fn verify_folder(model: &TaggerModel, dir: &Path, device: &Device) -> Result<()> {
    let refused = |reason: String| ModelError::Folder { path: dir.to_path_buf(), reason };
    let reloaded = folder::load(dir, device)?;
    if reloaded.tagset() != model.tagset() {
        return Err(refused(format!(
            "reloads with labels {:?}, the model has {:?}",
            reloaded.tagset().labels(),
            model.tagset().labels()
        )));
    }
    let (spec, kept) = (reloaded.tagger().spec(), model.tagger().spec());
    if spec != kept {
        return Err(refused(format!("reloads with the head {spec:?}, the model has {kept:?}")));
    }
    let (adapter, kept) = (reloaded.adapter().map(|a| a.spec()), model.adapter().map(|a| a.spec()));
    if adapter != kept {
        return Err(refused(format!("reloads with the adapter {adapter:?}, the model has {kept:?}")));
    }
    let described = |model: &TaggerModel| {
        model.feature_embeddings().map(|tables| {
            let channels: Vec<String> = tables.features().channels().into_iter().map(|channel| channel.name).collect();
            (channels, tables.dim(), tables.features().fingerprint())
        })
    };
    let (features, kept) = (described(&reloaded), described(model));
    if features != kept {
        return Err(refused(format!(
            "reloads with the input features (channels, width, fingerprint) {features:?}, the model has {kept:?}"
        )));
    }

    let rows = probe(encoder_config(model)?);
    let expected = scores(model, &rows)?;
    let found = scores(&reloaded, &rows)?;
    let difference = expected.iter().zip(&found).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    // NaN compares false either way: a NaN on one side only is a difference.
    let nan_apart = expected.iter().zip(&found).any(|(a, b)| a.is_nan() != b.is_nan());
    if expected.len() != found.len() || nan_apart || difference > SCORE_TOLERANCE {
        return Err(refused(format!(
            "the reloaded model's scores differ from the trained model's by up to {}{} (tolerance \
             {SCORE_TOLERANCE}): the folder does not compute what was trained",
            difference,
            if nan_apart { " and in NaNs" } else { "" }
        )));
    }
    Ok(())
}

/// The probe: two rows of token ids spread over the vocabulary, the second
/// shorter, so that it is padded and the attention mask takes part. Both
/// fit `max_position_embeddings`.
fn probe(config: &BertConfig) -> Vec<Vec<u32>> {
    let vocab = config.vocab_size.max(1) as u64;
    let id = |i: u64| {
        u32::try_from((i * 7919 + 1) % vocab).expect("i < 12, so at most 11 * 7919 + 1, whatever the vocabulary")
    };
    let long = config.max_position_embeddings.min(8) as u64;
    let short = long.div_ceil(2);
    vec![(0..long).map(id).collect(), (long..long + short).map(id).collect()]
}

/// Input-feature values for the probe: every value of every channel comes
/// up (cycling along the rows), 0 on padding, so that each table row is read.
fn probe_features(features: &retag_data::features::InputFeatures, rows: &[Vec<u32>], seq: usize) -> FeatureIds {
    let channels = features
        .channels()
        .iter()
        .enumerate()
        .map(|(channel, kind)| {
            let values = kind.values.max(1) as u32;
            let mut ids = vec![0u32; rows.len() * seq];
            let mut next = channel as u32;
            for (row, tokens) in rows.iter().enumerate() {
                for position in 0..tokens.len() {
                    ids[row * seq + position] = next % values;
                    next += 1;
                }
            }
            ids
        })
        .collect();
    FeatureIds { rows: rows.len(), seq_len: seq, channels }
}

fn encoder_config(model: &TaggerModel) -> Result<&BertConfig> {
    let encoder = model.encoder().ok_or_else(|| ModelError::mismatch("the model has no encoder to verify"))?;
    Ok(&encoder.config)
}

/// `model`'s emissions at the real (unpadded) positions of `rows`, then its
/// CRF's learned scores if it has a CRF, as host values. Padded positions
/// are left out: nothing reads their scores. The input is checked against
/// the model's own config, so a reloaded encoder with a smaller vocabulary
/// is an error, not an out-of-range lookup.
fn scores(model: &TaggerModel, rows: &[Vec<u32>]) -> Result<Vec<f32>> {
    let device = model.device();
    let input = BertInput::padded(rows, 0, encoder_config(model)?, &device)?;
    let [seq, labels] = [rows.iter().map(Vec::len).max().unwrap_or(0), model.tagset().len()];
    let features = model.input_features().map(|features| probe_features(features, rows, seq));
    let emissions = host(model.emissions(model.encode_with(&input, features.as_ref())?)?);
    let mut values: Vec<f32> = rows
        .iter()
        .enumerate()
        .flat_map(|(row, tokens)| {
            let start = row * seq * labels;
            emissions[start..start + tokens.len() * labels].iter().copied()
        })
        .collect();
    if let Some(crf) = model.tagger().crf() {
        let (transitions, start, end) = crf.learned_scores();
        values.extend(host(transitions));
        values.extend(host(start));
        values.extend(host(end));
    }
    Ok(values)
}

fn host<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("convert::<f32>() made the data f32, which try_into_vec::<f32> reads")
}
