//! Scoring a model on the dev split: predictions per token, read back per
//! word at its first subword (what training labels), scored by entity with
//! seqeval's default mode (the number papers and `evaluate` report).

use burn::tensor::Device;
use retag_bert::BertForTokenClassification;
use retag_data::align::merge_batches;
use retag_data::metrics::{self, Mode, Report};

use crate::dataset::AlignedSplit;
use crate::error::{Result, TrainError};
use crate::model_input::bert_input;

/// Tags `dev` with `model` and scores the tags against the gold ones.
///
/// `model` should be the validation snapshot (`model.valid()`) and `device`
/// its plain device: no autodiff graph is built and dropout is off (burn's
/// `Dropout` only acts on an autodiff device with its training flag set).
pub fn evaluate(
    model: &BertForTokenClassification,
    dev: &AlignedSplit,
    batch_size: usize,
    device: &Device,
) -> Result<Report> {
    let predictions = predict(model, dev, batch_size, device)?;
    Ok(metrics::evaluate(&dev.gold, &predictions, Mode::Default)?)
}

/// One predicted tag per word of every dev sentence.
pub fn predict(
    model: &BertForTokenClassification,
    dev: &AlignedSplit,
    batch_size: usize,
    device: &Device,
) -> Result<Vec<Vec<String>>> {
    let batches = dev.sorted_batches(batch_size);
    let mut outputs = Vec::with_capacity(batches.len());
    for batch in &batches {
        let input = bert_input(batch, &model.bert.config, device)?;
        let best = model.forward(&input).argmax(2);
        outputs.push(best.into_data().iter::<i64>().map(|id| id as usize).collect::<Vec<_>>());
    }
    let per_word = merge_batches(&dev.aligned, &batches, &outputs)?;
    per_word
        .into_iter()
        .map(|ids| {
            ids.into_iter()
                .map(|id| {
                    model.labels.label(id).map(str::to_string).ok_or_else(|| TrainError::Mismatch {
                        reason: format!("the model predicted label id {id}, its tagset has {}", model.labels.len()),
                    })
                })
                .collect()
        })
        .collect()
}
