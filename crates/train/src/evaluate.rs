//! Scoring a model on a split: one predicted tag per word (read at the
//! word's first subword, or decoded by the CRF), scored by entity with
//! seqeval's default mode (the number papers and `evaluate` report).

use burn::tensor::Device;
use retag_data::metrics::{self, Mode, Report};
use retag_model::TaggerModel;

use crate::error::{Result, TrainError};
use crate::inputs::Inputs;

/// Tags `split` with `model` and scores the tags against the gold ones.
///
/// `model` should be the validation snapshot (`model.valid()`) and `device`
/// its plain device: no autodiff graph is built and dropout is off (burn's
/// `Dropout` only acts on an autodiff device with its training flag set).
pub fn evaluate(model: &TaggerModel, split: &Inputs, batch_size: usize, device: &Device) -> Result<Report> {
    let predictions = predict(model, split, batch_size, device)?;
    Ok(metrics::evaluate(split.gold(), &predictions, Mode::Default)?)
}

/// One predicted tag per word of every sentence of `split`.
pub fn predict(model: &TaggerModel, split: &Inputs, batch_size: usize, device: &Device) -> Result<Vec<Vec<String>>> {
    let tagset = model.tagset();
    split
        .tag(model, batch_size, device)?
        .into_iter()
        .map(|ids| {
            ids.into_iter()
                .map(|id| {
                    tagset.label(id).map(str::to_string).ok_or_else(|| TrainError::Mismatch {
                        reason: format!("the model predicted label id {id}, its tagset has {}", tagset.len()),
                    })
                })
                .collect()
        })
        .collect()
}
