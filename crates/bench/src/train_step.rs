//! `train-32`, `train-128`: one fine-tuning step of the encoder with a
//! token-classification head, at batch 32 of 32 (128) word-pieces: forward,
//! cross-entropy, backward, global-norm clipping and AdamW, exactly the step
//! `retag-train`'s `Trainer` takes (its functions, its default `TrainConfig`),
//! minus reading the data.
//!
//! The head is fresh (13 labels: WNUT-17's tagset), dropout is on, as in
//! training. Labels are `id % 13` of each input id, so the PyTorch script,
//! which draws the same ids, trains on the same labels. The FLOP of a step
//! count as three forward passes (the backward pass computes two products per
//! forward product: the gradient of the input and of the weight).

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, ensure};
use burn::optim::GradientsParams;
use retag_bench::memory;
use retag_bench::report::CaseResult;
use retag_bench::timing::Timings;
use retag_bert::{BertInput, BertModel};
use retag_data::{Scheme, Tagset};
use retag_heads::{Head, HeadKind, Tagger};
use retag_model::TaggerModel;
use retag_train::TrainConfig;
use retag_train::clip::clip_global_norm;
use retag_train::optimizer::{ParamPaths, adamw, learning_rates};

use crate::backend::Backend;
use crate::cost::EncoderShape;
use crate::encoder::{BATCH_SIZE, SEED, random_ids};

/// The lengths of the training-step cases.
pub const TRAIN_LENGTHS: [usize; 2] = [32, 128];
/// WNUT-17's six types in IOB2 (BIO): 13 labels.
const TYPES: [&str; 6] = ["corporation", "creative-work", "group", "location", "person", "product"];
/// A step's FLOP over its forward pass's.
const STEP_OVER_FORWARD: f64 = 3.0;

pub fn case_name(len: usize) -> String {
    format!("train-{len}")
}

/// The sequence length of a `train-N` case name.
pub fn case_length(name: &str) -> Option<usize> {
    name.strip_prefix("train-")?.parse().ok().filter(|len| TRAIN_LENGTHS.contains(len))
}

pub fn measure(backend: Backend, model_dir: &Path, len: usize, warmup: usize, reps: usize) -> Result<CaseResult> {
    ensure!(reps > 0, "train-{len}: at least one timed repetition is needed");
    let device = backend.device().autodiff();
    let encoder = BertModel::from_pretrained(model_dir, &device)
        .with_context(|| format!("cannot load the encoder from {}", model_dir.display()))?;
    let labels = Tagset::from_types(&TYPES, Scheme::Iob2).expect("fixed valid types");
    let label_count = labels.len();
    let config_of_encoder = encoder.config.clone();
    let dropout = config_of_encoder.classifier_dropout_prob();
    let head = Head::random(HeadKind::Linear, labels, config_of_encoder.hidden_size, dropout, SEED, &device)?;
    let mut model = TaggerModel::new(encoder, Tagger::new(head))?;
    let shape = EncoderShape::of(&config_of_encoder);

    let ids = random_ids(BATCH_SIZE, len, config_of_encoder.vocab_size as u32, SEED);
    let input = BertInput::padded(&ids, 0, &config_of_encoder, &device).context("cannot make the batch")?;
    let targets: Vec<Option<usize>> = ids.iter().flatten().map(|&id| Some(id as usize % label_count)).collect();

    let config = TrainConfig::default();
    let paths = ParamPaths::of(&model);
    let mut optimizer = adamw(&config, &paths);
    let peak_is_per_case = memory::reset_peak();
    let mut step = |model: TaggerModel| -> Result<TaggerModel> {
        let hidden = model.encode(&input)?;
        let loss = model.loss(hidden, &targets)?;
        let mut grads = GradientsParams::from_grads(loss.backward(), &model);
        clip_global_norm(&model, &mut grads, config.max_grad_norm);
        let rates = learning_rates(&config, &paths, 1.0, 0);
        let model = optimizer.step(rates, model, grads);
        // Reading a value back waits for lazy backends to finish the step.
        let _ = model.emissions(burn::tensor::Tensor::zeros([1, 1, shape.hidden], &model.device()))?.into_data();
        Ok(model)
    };
    for _ in 0..warmup {
        model = step(model)?;
    }
    let mut seconds = Vec::with_capacity(reps);
    for _ in 0..reps {
        let started = Instant::now();
        model = step(model)?;
        seconds.push(started.elapsed().as_secs_f64());
    }
    let timings = Timings::new(seconds).expect("reps > 0");
    let word_pieces = (BATCH_SIZE * len) as u64;
    Ok(CaseResult {
        name: case_name(len),
        batches: 1,
        word_pieces,
        padded_word_pieces: word_pieces,
        flop: STEP_OVER_FORWARD * shape.flop(BATCH_SIZE, len),
        warmup,
        word_pieces_per_s: word_pieces as f64 / timings.median_s,
        timings,
        peak_rss_mib: memory::peak_rss_mib(),
        peak_is_per_case,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_names_round_trip() {
        for len in TRAIN_LENGTHS {
            assert_eq!(case_length(&case_name(len)), Some(len));
        }
        assert_eq!(case_length("train-64"), None);
        assert_eq!(case_length("random-32"), None);
    }
}
