//! Per-word input features as the model reads them: one small learned
//! embedding table per feature channel (a word's shape, its BIO place in
//! each gazetteer type, each pattern it matches; see
//! [`retag_data::features`]), whose vectors are concatenated and joined to
//! the encoder's output at every token, after the adapter's if there is one.
//! The head then reads `hidden + channels × dim` values per token.
//!
//! An embedding, not the raw indicator: the model learns how much each
//! feature value is worth, and how it combines with the others, at the
//! head's learning rate (the tables belong to the head's parameter group,
//! see [`crate::groups`]). [`DEFAULT_FEATURE_DIM`] is small because a
//! channel takes a handful of values: a shape is one of 12, a gazetteer
//! channel one of 4. Tables start as PyTorch's `nn.Embedding` does, N(0, 1),
//! of the order of a LayerNorm-ed hidden state.
//!
//! The features themselves (what computes the values from words: the
//! gazetteers' entries, the patterns) travel with the tables, outside the
//! module record, so that a model always computes its own features, and a
//! reloaded one computes what training computed.

use burn::module::{Module, Param};
use burn::nn::{Embedding, EmbeddingConfig};
use burn::tensor::{Device, Int, Tensor, TensorData};
use retag_data::features::{Channel, FeatureIds, InputFeatures};

use crate::error::{ModelError, Result};

/// The width of each channel's embedding when none is asked for: 16 values,
/// so shape, a three-type gazetteer and two patterns add 6 × 16 = 96 to a
/// 384-wide MiniLM state.
pub const DEFAULT_FEATURE_DIM: usize = 16;

/// The embedding tables of a model's input features, and the features.
#[derive(Module, Debug)]
pub struct FeatureEmbeddings {
    /// One per channel, `[values, dim]`, in the order of `features.channels()`.
    tables: Vec<Embedding>,
    #[module(skip)]
    features: InputFeatures,
}

impl FeatureEmbeddings {
    /// Fresh tables of `dim` values per channel of `features`, drawn from
    /// `seed` on `device` (the device the model trains on).
    pub fn new(features: InputFeatures, dim: usize, seed: u64, device: &Device) -> Result<Self> {
        if dim == 0 {
            return Err(ModelError::mismatch("an input feature's embedding must be at least 1 wide"));
        }
        let channels = features.channels();
        if channels.is_empty() {
            return Err(ModelError::mismatch("the input features give no channel"));
        }
        // burn draws initial weights from the device's generator.
        device.seed(seed);
        let tables = channels.iter().map(|channel| EmbeddingConfig::new(channel.values, dim).init(device)).collect();
        Ok(Self { tables, features })
    }

    /// Tables already made (loaded from a model folder), which must be one
    /// per channel of `features`, each with a row per value, all as wide.
    pub fn from_parts(features: InputFeatures, tables: Vec<Embedding>) -> Result<Self> {
        let channels = features.channels();
        if channels.is_empty() {
            return Err(ModelError::mismatch("the input features give no channel"));
        }
        if tables.len() != channels.len() {
            return Err(ModelError::mismatch(format!(
                "{} input-feature tables for {} channels ({})",
                tables.len(),
                channels.len(),
                names(&channels)
            )));
        }
        let dim = tables.first().map_or(0, |table| table.weight.dims()[1]);
        for (table, channel) in tables.iter().zip(&channels) {
            let [rows, width] = table.weight.dims();
            if rows != channel.values || width != dim {
                return Err(ModelError::mismatch(format!(
                    "the table of input feature {:?} is [{rows}, {width}]; the channel takes {} values and the \
                     tables are {dim} wide",
                    channel.name, channel.values
                )));
            }
        }
        Ok(Self { tables, features })
    }

    /// The same features and tables, the tables copied onto `device` as new
    /// parameters: a run that starts from a model loaded elsewhere (on the
    /// plain device, for the frozen strategy) trains its own copy.
    pub fn copied_to(&self, device: &Device) -> Self {
        let tables = self
            .tables
            .iter()
            .map(|table| Embedding {
                weight: Param::from_tensor(Tensor::from_data(table.weight.val().into_data(), device)),
            })
            .collect();
        Self { tables, features: self.features.clone() }
    }

    pub fn features(&self) -> &InputFeatures {
        &self.features
    }

    pub fn tables(&self) -> &[Embedding] {
        &self.tables
    }

    /// The width of each channel's embedding.
    pub fn dim(&self) -> usize {
        self.tables.first().map_or(0, |table| table.weight.dims()[1])
    }

    /// The width the features add to each token.
    pub fn width(&self) -> usize {
        self.tables.len() * self.dim()
    }

    /// The embeddings `[rows, seq_len, width]` of a batch's feature values,
    /// on the tables' device (so they learn on an autodiff one).
    pub fn forward(&self, ids: &FeatureIds) -> Result<Tensor<3>> {
        let channels = self.features.channels();
        if ids.channels.len() != self.tables.len() {
            return Err(ModelError::mismatch(format!(
                "{} input-feature channels for a model with {} ({})",
                ids.channels.len(),
                self.tables.len(),
                names(&channels)
            )));
        }
        let device = self.device();
        let [rows, seq] = [ids.rows, ids.seq_len];
        let mut embedded = Vec::with_capacity(self.tables.len());
        for ((table, values), channel) in self.tables.iter().zip(&ids.channels).zip(&channels) {
            if values.len() != rows * seq {
                return Err(ModelError::mismatch(format!(
                    "{} values of input feature {:?} for {rows} rows of {seq}",
                    values.len(),
                    channel.name
                )));
            }
            if let Some(&value) = values.iter().find(|&&value| value as usize >= channel.values) {
                return Err(ModelError::mismatch(format!(
                    "value {value} of input feature {:?}, which takes {}",
                    channel.name, channel.values
                )));
            }
            let values: Vec<i64> = values.iter().map(|&value| i64::from(value)).collect();
            let values = Tensor::<2, Int>::from_data(TensorData::new(values, [rows, seq]), &device);
            embedded.push(table.forward(values));
        }
        Ok(Tensor::cat(embedded, 2))
    }

    fn device(&self) -> Device {
        self.tables.first().expect("new and from_parts refuse features without a channel").weight.device()
    }
}

fn names(channels: &[Channel]) -> String {
    channels.iter().map(|channel| channel.name.as_str()).collect::<Vec<_>>().join(", ")
}
