//! A head with hidden layers: dropout, then `layers` × (dense, activation,
//! dropout), then one logit per label. The "architecture change" strategy:
//! a non-linear head can carve a new type out of regions a single
//! hyperplane per label cannot, at the price of more parameters to learn
//! from scratch. [`MlpSpec`] says how many layers, how wide, which
//! activation; its default (one layer as wide as the input, GELU) is the
//! head retag has always had.
//!
//! Tensor names follow RoBERTa's classification head, the closest
//! HuggingFace convention: the first hidden layer is `classifier.dense`, the
//! output layer `classifier.out_proj`, so the default head has exactly
//! RoBERTa's names. Hidden layer `i ≥ 1` of a deeper head is
//! `classifier.dense_{i}` ([`hidden_layer_name`]). The input dropout matches
//! [`crate::LinearHead`] so that the two heads differ only by the hidden layers.

mod activation;
mod spec;

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::tensor::{Device, Tensor};
use retag_data::Tagset;

use crate::error::Result;
use crate::pytorch_linear::{self, check_dropout, check_size, host_tensor_1d, host_tensor_2d, host_values};
use crate::rng::SeededRng;
use crate::warm_start::{RowPlan, WarmStartReport};

pub use activation::Activation;
pub use spec::MlpSpec;

/// The first hidden layer's name, RoBERTa's.
pub const DENSE: &str = "classifier.dense";
pub const OUT_PROJ: &str = "classifier.out_proj";

/// The checkpoint name of hidden layer `index` (0-based): [`DENSE`] for the
/// first, so a one-layer head is RoBERTa's, then `classifier.dense_1`, ...
pub fn hidden_layer_name(index: usize) -> String {
    if index == 0 { DENSE.to_string() } else { format!("{DENSE}_{index}") }
}

/// One linear layer in PyTorch layout.
#[derive(Debug, Clone)]
pub struct LinearWeights {
    /// `[outputs, inputs]`
    pub weight: Tensor<2>,
    /// `[outputs]`
    pub bias: Tensor<1>,
}

/// The tensors of an MLP head, in PyTorch layout.
#[derive(Debug, Clone)]
pub struct MlpWeights {
    /// The hidden layers in order: the first `[width, hidden]`, the others
    /// `[width, width]`.
    pub hidden: Vec<LinearWeights>,
    /// `[labels, width]` and `[labels]`.
    pub out: LinearWeights,
}

/// An MLP head and the labels its output rows stand for (see
/// [`crate::LinearHead`] for why the tagset lives inside).
#[derive(Module, Debug)]
pub struct MlpHead {
    dropout: Dropout,
    /// Hidden layer 0 (burn layout), the only one by default.
    dense: Linear,
    /// Hidden layers 1.. of a deeper head; empty by default. Kept apart from
    /// `dense` so that the default head's burn record is what it always was.
    deeper: Vec<Linear>,
    /// After each hidden layer's activation.
    inner_dropout: Dropout,
    out_proj: Linear,
    /// Parameter-free, so not part of the record: it comes from the spec.
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    tagset: Tagset,
}

impl MlpHead {
    /// A new head on `hidden`-wide states shaped by `spec`, every layer
    /// initialised as HuggingFace initialises new layers, from `seed` (drawn
    /// in layer order, so the default head is the one this seed always gave).
    pub fn random(
        tagset: Tagset,
        hidden: usize,
        spec: &MlpSpec,
        dropout: f64,
        seed: u64,
        device: &Device,
    ) -> Result<Self> {
        check_size("hidden", hidden)?;
        spec.validate()?;
        check_dropout(dropout)?;
        let width = spec.width_for(hidden);
        let mut rng = SeededRng::new(seed);
        let dense = pytorch_linear::hf_random(width, hidden, &mut rng, device);
        let deeper = (1..spec.layers).map(|_| pytorch_linear::hf_random(width, width, &mut rng, device)).collect();
        let out_proj = pytorch_linear::hf_random(tagset.len(), width, &mut rng, device);
        Ok(Self::assemble(tagset, dense, deeper, out_proj, spec, dropout))
    }

    /// A head from PyTorch-layout tensors, each shape-checked (by its
    /// checkpoint name) against the tagset, `hidden` and `spec`.
    pub fn from_pytorch(
        tagset: Tagset,
        hidden: usize,
        weights: MlpWeights,
        spec: &MlpSpec,
        dropout: f64,
    ) -> Result<Self> {
        spec.validate()?;
        check_dropout(dropout)?;
        let width = spec.width_for(hidden);
        if weights.hidden.len() != spec.layers {
            return Err(crate::error::HeadError::InvalidOption {
                option: "mlp.layers".into(),
                reason: format!(
                    "the spec says {} hidden layers, the weights have {}",
                    spec.layers,
                    weights.hidden.len()
                ),
            });
        }
        let mut layers = weights.hidden.into_iter().enumerate().map(|(index, layer)| {
            let inputs = if index == 0 { hidden } else { width };
            pytorch_linear::from_pytorch(&hidden_layer_name(index), layer.weight, layer.bias, width, inputs)
        });
        let dense = layers.next().expect("spec.validate() requires 1+ layers and weights.hidden has spec.layers")?;
        let deeper = layers.collect::<Result<Vec<_>>>()?;
        let out_proj =
            pytorch_linear::from_pytorch(OUT_PROJ, weights.out.weight, weights.out.bias, tagset.len(), width)?;
        Ok(Self::assemble(tagset, dense, deeper, out_proj, spec, dropout))
    }

    fn assemble(
        tagset: Tagset,
        dense: Linear,
        deeper: Vec<Linear>,
        out_proj: Linear,
        spec: &MlpSpec,
        dropout: f64,
    ) -> Self {
        Self {
            dropout: DropoutConfig::new(dropout).init(),
            dense,
            deeper,
            inner_dropout: DropoutConfig::new(spec.dropout_for(dropout)).init(),
            out_proj,
            activation: spec.activation,
            tagset,
        }
    }

    /// Logits `[batch, seq, labels]` for hidden states `[batch, seq, hidden]`.
    ///
    /// # Panics
    /// If the last dimension of `hidden` is not [`Self::hidden_size`] (a
    /// wiring error, as for [`crate::LinearHead::forward`]).
    pub fn forward(&self, hidden: Tensor<3>) -> Tensor<3> {
        let mut x = self.dropout.forward(hidden);
        for layer in std::iter::once(&self.dense).chain(&self.deeper) {
            x = self.inner_dropout.forward(self.activation.forward(layer.forward(x)));
        }
        self.out_proj.forward(x)
    }

    pub fn weights_pytorch_layout(&self) -> MlpWeights {
        let linear = |layer: &Linear| {
            let (weight, bias) = pytorch_linear::to_pytorch(layer);
            LinearWeights { weight, bias }
        };
        MlpWeights {
            hidden: std::iter::once(&self.dense).chain(&self.deeper).map(linear).collect(),
            out: linear(&self.out_proj),
        }
    }

    /// This head resized to `new_tagset`. Only the output rows change, and
    /// they are warm-started as a linear head's are ([`crate::warm_start`]);
    /// every hidden layer is kept as it is, with the spec and dropout.
    ///
    /// Why the architecture cannot change here: an output row is a direction
    /// in the last hidden layer's space, so it means something only on top of
    /// the very layers it was trained on. A head of another depth or width
    /// (or a linear head becoming an MLP) has nothing to copy and starts
    /// fresh ([`MlpHead::random`]).
    pub fn warm_start(
        &self,
        new_tagset: Tagset,
        parents: impl Fn(&str) -> Option<String>,
        perturbation_std: f64,
        seed: u64,
    ) -> Result<(Self, WarmStartReport)> {
        let plan = RowPlan::new(&self.tagset, &new_tagset, &parents)?;
        let old = self.weights_pytorch_layout();
        let device = old.out.weight.device();
        let width = self.inner_size();
        let (weight, bias, report) = plan.apply(
            &host_values(&format!("{OUT_PROJ}.weight"), &old.out.weight)?,
            &host_values(&format!("{OUT_PROJ}.bias"), &old.out.bias)?,
            width,
            perturbation_std,
            seed,
        )?;
        let rows = new_tagset.len();
        // The hidden layers are kept as they are. Detached: on an autodiff
        // device the old parameters' values belong to their graph, and burn
        // makes only a leaf the parameter of another module.
        let hidden = old
            .hidden
            .into_iter()
            .map(|layer| LinearWeights { weight: layer.weight.detach(), bias: layer.bias.detach() })
            .collect();
        let weights = MlpWeights {
            hidden,
            out: LinearWeights {
                weight: host_tensor_2d(weight, [rows, width], &device),
                bias: host_tensor_1d(bias, &device),
            },
        };
        let head = Self::from_pytorch(new_tagset, self.hidden_size(), weights, &self.spec(), self.dropout())?;
        Ok((head, report))
    }

    /// This head reading `extra` more values per token, with zero weights
    /// on them in its first hidden layer: it computes exactly what it did
    /// until they train (see [`crate::LinearHead::widened`]).
    pub fn widened(&self, extra: usize) -> Result<Self> {
        let old = self.weights_pytorch_layout();
        let device = old.out.weight.device();
        let fresh = |name: &str, tensor: &Tensor<1>| -> Result<Tensor<1>> {
            Ok(host_tensor_1d(host_values(name, tensor)?, &device))
        };
        let mut hidden = Vec::with_capacity(old.hidden.len());
        for (index, layer) in old.hidden.iter().enumerate() {
            let name = hidden_layer_name(index);
            let weight = if index == 0 {
                pytorch_linear::widened_weight(&format!("{name}.weight"), &layer.weight, extra)?
            } else {
                let [rows, cols] = layer.weight.dims();
                host_tensor_2d(host_values(&format!("{name}.weight"), &layer.weight)?, [rows, cols], &device)
            };
            hidden.push(LinearWeights { weight, bias: fresh(&format!("{name}.bias"), &layer.bias)? });
        }
        let [rows, cols] = old.out.weight.dims();
        let out = LinearWeights {
            weight: host_tensor_2d(host_values(&format!("{OUT_PROJ}.weight"), &old.out.weight)?, [rows, cols], &device),
            bias: fresh(&format!("{OUT_PROJ}.bias"), &old.out.bias)?,
        };
        let weights = MlpWeights { hidden, out };
        Self::from_pytorch(self.tagset.clone(), self.hidden_size() + extra, weights, &self.spec(), self.dropout())
    }

    /// The settings this head was built with, every field concrete.
    pub fn spec(&self) -> MlpSpec {
        MlpSpec {
            layers: 1 + self.deeper.len(),
            width: Some(self.inner_size()),
            activation: self.activation,
            dropout: Some(self.inner_dropout.prob),
        }
    }

    pub fn tagset(&self) -> &Tagset {
        &self.tagset
    }

    pub fn hidden_size(&self) -> usize {
        self.dense.weight.dims()[0]
    }

    /// Width of the hidden layers.
    pub fn inner_size(&self) -> usize {
        self.dense.weight.dims()[1]
    }

    pub fn num_labels(&self) -> usize {
        self.tagset.len()
    }

    /// The input dropout (the hidden layers' is in [`Self::spec`]).
    pub fn dropout(&self) -> f64 {
        self.dropout.prob
    }

    /// The device the head's weights live on.
    pub fn device(&self) -> Device {
        self.out_proj.weight.val().device()
    }
}

#[cfg(test)]
mod tests;
