//! The neural adapter of Chen and Moschitti, "Transfer Learning for Sequence
//! Labeling Using Source Model and Target Data" (AAAI 2019): the old model,
//! frozen, keeps tagging every sentence with its own labels, and a small
//! learned layer turns its per-token label distribution into features that
//! join the new encoder's output before the new head. What the old model
//! knew about PER or ORG then stays available to the new head as an input,
//! however far fine-tuning moves the new encoder.
//!
//! The layer is a BiLSTM (the paper's choice: it sees the old labels of the
//! neighbouring tokens, so an old `B-ORG I-ORG` run reads as one span) or a
//! linear map (cheaper, per token). Its input is the old model's softmax at
//! every position, zero on padding. The backward direction reads each row
//! from its last real token, not from the end of the padding, so that a
//! sentence gets the same features whatever batch it is padded in (burn's
//! `BiLstm::forward` has no mask, so the rows are reversed here and its two
//! LSTMs are run one way each).
//!
//! The old model is not a parameter: it lives on the plain (non-autodiff)
//! side of the device, in validation mode (no dropout), outside the module
//! record, so the optimizer, gradient clipping, checkpoints and parameter
//! groups never see it, and its forward pass builds no graph. It costs one
//! more encoder forward per batch in training and in prediction.

use std::fmt;
use std::str::FromStr;

use burn::module::Module;
use burn::nn::{BiLstm, BiLstmConfig, Linear, LinearConfig};
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
use retag_bert::{BertInput, BertModel};
use retag_data::Tagset;
use retag_heads::Tagger;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// The adapter layer's width when none is asked for: a BiLSTM of 32 units
/// each way, enough for a distribution over a handful of old labels.
pub const DEFAULT_ADAPTER_WIDTH: usize = 64;

/// Which layer reads the old model's label distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdapterKind {
    /// A bidirectional LSTM over the sentence, half the width each way.
    #[default]
    BiLstm,
    /// One linear map per token.
    Linear,
}

impl AdapterKind {
    pub const ALL: [AdapterKind; 2] = [AdapterKind::BiLstm, AdapterKind::Linear];

    pub fn name(self) -> &'static str {
        match self {
            AdapterKind::BiLstm => "bilstm",
            AdapterKind::Linear => "linear",
        }
    }
}

impl fmt::Display for AdapterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for AdapterKind {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|kind| kind.name() == name).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|kind| kind.name()).collect();
            format!("{name:?} is not an adapter layer (one of {})", names.join(", "))
        })
    }
}

/// What an adapter is, apart from its weights and its old model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdapterSpec {
    pub kind: AdapterKind,
    /// The width of the features it adds to each token (a BiLSTM's two
    /// directions together).
    pub width: usize,
}

impl Default for AdapterSpec {
    fn default() -> Self {
        Self { kind: AdapterKind::default(), width: DEFAULT_ADAPTER_WIDTH }
    }
}

impl AdapterSpec {
    /// Checks the width: positive, and even for a BiLSTM (two equal halves).
    pub fn validate(&self) -> Result<()> {
        if self.width == 0 {
            return Err(ModelError::mismatch("an adapter must be at least 1 wide"));
        }
        if self.kind == AdapterKind::BiLstm && !self.width.is_multiple_of(2) {
            return Err(ModelError::mismatch(format!(
                "a bilstm adapter's width is its two directions together, so it must be even, not {}",
                self.width
            )));
        }
        Ok(())
    }
}

/// The learned part of an adapter.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum AdapterLayer {
    BiLstm(BiLstm),
    Linear(Linear),
}

/// The frozen old model an adapter reads: its encoder and its tagger, on a
/// plain device in validation mode.
#[derive(Debug, Clone)]
pub struct OldModel {
    pub encoder: BertModel,
    pub tagger: Tagger,
}

impl OldModel {
    /// The encoder and tagger of `model`, which must have an encoder and no
    /// adapter of its own (an adapter keeps only an encoder and a tagger).
    pub fn from_model(model: crate::TaggerModel) -> Result<Self> {
        if model.adapter().is_some() {
            return Err(ModelError::mismatch(
                "the old model has an adapter of its own; an adapter reads a model without one",
            ));
        }
        if model.input_features().is_some() {
            return Err(ModelError::mismatch(
                "the old model reads input features; an adapter reads token ids alone, so a model without them",
            ));
        }
        let (encoder, head_only) = model.split_encoder();
        let encoder =
            encoder.ok_or_else(|| ModelError::mismatch("the old model has no encoder for an adapter to run"))?;
        Ok(Self { encoder, tagger: head_only.tagger().clone() })
    }

    /// The old model as a model of its own (to export it beside the new one).
    pub fn to_model(&self) -> Result<crate::TaggerModel> {
        crate::TaggerModel::new(self.encoder.clone(), self.tagger.clone())
    }
}

/// An old model and the layer over its label distribution.
#[derive(Module, Debug)]
pub struct Adapter {
    layer: AdapterLayer,
    #[module(skip)]
    old: OldModel,
}

impl Adapter {
    /// A fresh layer shaped by `spec` over the old tagger's labels, drawn
    /// from `seed` on `device` (the device the new model trains on). The old
    /// model is frozen here: taken to the plain side of its device, dropout off.
    pub fn new(old: OldModel, spec: AdapterSpec, seed: u64, device: &Device) -> Result<Self> {
        spec.validate()?;
        let inputs = old.tagger.tagset().len();
        // burn draws initial weights from the device's generator.
        device.seed(seed);
        let layer = match spec.kind {
            AdapterKind::BiLstm => AdapterLayer::BiLstm(BiLstmConfig::new(inputs, spec.width / 2, true).init(device)),
            AdapterKind::Linear => AdapterLayer::Linear(LinearConfig::new(inputs, spec.width).init(device)),
        };
        Self::from_parts(old, layer)
    }

    /// An adapter from a layer already made (loaded from a model folder),
    /// which must read as many inputs as the old model has labels.
    pub fn from_parts(old: OldModel, layer: AdapterLayer) -> Result<Self> {
        let old = OldModel { encoder: old.encoder.valid(), tagger: old.tagger.valid() };
        let labels = old.tagger.tagset().len();
        let reads = layer_inputs(&layer);
        if reads != labels {
            return Err(ModelError::mismatch(format!(
                "the adapter layer reads {reads} old labels, the old model has {labels}"
            )));
        }
        Ok(Self { layer, old })
    }

    pub fn spec(&self) -> AdapterSpec {
        match &self.layer {
            AdapterLayer::BiLstm(lstm) => AdapterSpec { kind: AdapterKind::BiLstm, width: 2 * lstm.d_hidden },
            AdapterLayer::Linear(linear) => {
                AdapterSpec { kind: AdapterKind::Linear, width: linear.weight.shape().dims::<2>()[1] }
            }
        }
    }

    /// The width of the features it adds to each token.
    pub fn width(&self) -> usize {
        self.spec().width
    }

    pub fn layer(&self) -> &AdapterLayer {
        &self.layer
    }

    pub fn old(&self) -> &OldModel {
        &self.old
    }

    pub fn old_tagset(&self) -> &Tagset {
        self.old.tagger.tagset()
    }

    /// The old model's label distribution `[batch, seq, old labels]` for a
    /// batch, on the plain device, zero on padding.
    pub fn old_distribution(&self, input: &BertInput) -> Result<Tensor<3>> {
        let input = input.without_autodiff();
        let hidden = self.old.encoder.forward(&input);
        let [batch, seq, width] = hidden.dims();
        let emissions = self.old.tagger.emissions(hidden.reshape([1, batch * seq, width]))?;
        let labels = self.old_tagset().len();
        let probabilities = softmax(emissions.reshape([batch, seq, labels]), 2);
        let real = input.attention_mask().float().unsqueeze_dim::<3>(2);
        Ok(probabilities * real)
    }

    /// The adapter's features `[batch, seq, width]` for a batch, on the
    /// training side of `device` (so the layer learns; the old model does not).
    pub fn forward(&self, input: &BertInput) -> Result<Tensor<3>> {
        let distribution = self.old_distribution(input)?;
        let distribution = if self.layer_device().is_autodiff() { distribution.autodiff() } else { distribution };
        Ok(match &self.layer {
            AdapterLayer::BiLstm(lstm) => {
                let lengths = row_lengths(input)?;
                let ahead = lstm.forward.forward(distribution.clone(), None).0;
                let reversed = reverse_rows(distribution, &lengths);
                let back = reverse_rows(lstm.reverse.forward(reversed, None).0, &lengths);
                Tensor::cat(vec![ahead, back], 2)
            }
            AdapterLayer::Linear(linear) => linear.forward(distribution),
        })
    }

    fn layer_device(&self) -> Device {
        match &self.layer {
            AdapterLayer::BiLstm(lstm) => lstm.forward.input_gate.input_transform.weight.device(),
            AdapterLayer::Linear(linear) => linear.weight.device(),
        }
    }
}

/// How many inputs (old labels) a layer reads.
fn layer_inputs(layer: &AdapterLayer) -> usize {
    match layer {
        AdapterLayer::BiLstm(lstm) => lstm.forward.input_gate.input_transform.weight.shape().dims::<2>()[0],
        AdapterLayer::Linear(linear) => linear.weight.shape().dims::<2>()[0],
    }
}

/// The number of real (unpadded) tokens of each row of a batch.
fn row_lengths(input: &BertInput) -> Result<Vec<usize>> {
    let [batch, seq] = input.dims();
    let mask = input
        .attention_mask()
        .into_data()
        .convert::<i64>()
        .try_into_vec::<i64>()
        .map_err(|error| ModelError::mismatch(format!("the attention mask could not be read: {error:?}")))?;
    Ok((0..batch).map(|row| mask[row * seq..(row + 1) * seq].iter().filter(|&&on| on != 0).count()).collect())
}

/// `values` `[batch, seq, width]` with each row's first `lengths[row]`
/// positions in reverse order and its padding left in place.
fn reverse_rows(values: Tensor<3>, lengths: &[usize]) -> Tensor<3> {
    let [batch, seq, width] = values.dims();
    let mut indices = Vec::with_capacity(batch * seq * width);
    for &length in lengths {
        for position in 0..seq {
            let from = if position < length { length - 1 - position } else { position };
            indices.extend(std::iter::repeat_n(from as i64, width));
        }
    }
    let device = values.device();
    let indices = Tensor::<3, Int>::from_data(TensorData::new(indices, [batch, seq, width]), &device);
    values.gather(1, indices)
}
