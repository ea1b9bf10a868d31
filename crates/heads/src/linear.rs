//! The standard token-classification head: dropout, then one linear layer
//! from the encoder's hidden size to one logit per label — what
//! `BertForTokenClassification` puts on top of BERT, with the same tensor
//! names (`classifier.weight`, `classifier.bias`) so checkpoints load into
//! it and export from it unchanged.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::tensor::{Device, Tensor};
use retag_data::Tagset;

use crate::error::Result;
use crate::pytorch_linear::{self, check_dropout, check_size, host_tensor_1d, host_tensor_2d, host_values};
use crate::rng::SeededRng;
use crate::warm_start::{RowPlan, WarmStartReport};

/// The checkpoint prefix of the classifier's tensors.
pub const CLASSIFIER: &str = "classifier";
const CLASSIFIER_WEIGHT: &str = "classifier.weight";
const CLASSIFIER_BIAS: &str = "classifier.bias";

/// A linear head and the labels its output rows stand for.
///
/// The tagset lives inside the module (skipped by burn: labels are not
/// tensors) because row `i` of the classifier means label `i` and nothing
/// else; keeping the two together means no code can resize one and forget
/// the other.
#[derive(Module, Debug)]
pub struct LinearHead {
    dropout: Dropout,
    classifier: Linear,
    #[module(skip)]
    tagset: Tagset,
}

impl LinearHead {
    /// A new head for `tagset` on `hidden`-wide states, initialised as
    /// HuggingFace initialises one (`N(0, 0.02²)` weights, zero bias) from `seed`.
    pub fn random(tagset: Tagset, hidden: usize, dropout: f64, seed: u64, device: &Device) -> Result<Self> {
        check_size("hidden", hidden)?;
        check_dropout(dropout)?;
        let classifier = pytorch_linear::hf_random(tagset.len(), hidden, &mut SeededRng::new(seed), device);
        Ok(Self::assemble(tagset, classifier, dropout))
    }

    /// A head from a checkpoint's `classifier.weight` (`[labels, hidden]`,
    /// PyTorch layout) and `classifier.bias` (`[labels]`). A shape that does
    /// not match the tagset and `hidden` is an error naming the tensor.
    pub fn from_pytorch(
        tagset: Tagset,
        hidden: usize,
        weight: Tensor<2>,
        bias: Tensor<1>,
        dropout: f64,
    ) -> Result<Self> {
        check_dropout(dropout)?;
        let classifier = pytorch_linear::from_pytorch(CLASSIFIER, weight, bias, tagset.len(), hidden)?;
        Ok(Self::assemble(tagset, classifier, dropout))
    }

    pub(crate) fn assemble(tagset: Tagset, classifier: Linear, dropout: f64) -> Self {
        Self { dropout: DropoutConfig::new(dropout).init(), classifier, tagset }
    }

    /// A head around an existing burn `Linear` (burn layout `[hidden,
    /// labels]`), moved in as it is: a checkpoint's classifier becomes the
    /// head without a copy, and on an autodiff device its weights stay the
    /// trainable leaves they were.
    pub fn from_linear(tagset: Tagset, classifier: Linear, dropout: f64) -> Result<Self> {
        check_dropout(dropout)?;
        let [hidden, labels] = classifier.weight.dims();
        pytorch_linear::check_shape(CLASSIFIER_WEIGHT, &[tagset.len(), hidden], &[labels, hidden])?;
        Ok(Self::assemble(tagset, classifier, dropout))
    }

    /// The head taken apart: its `Linear` (burn layout), dropout probability
    /// and labels, to put back into a HuggingFace-shaped model.
    pub fn into_parts(self) -> (Linear, f64, Tagset) {
        let dropout = self.dropout();
        (self.classifier, dropout, self.tagset)
    }

    /// Logits `[batch, seq, labels]` for hidden states `[batch, seq, hidden]`.
    /// Dropout is active only on an autodiff device, as burn decides.
    ///
    /// # Panics
    /// If the last dimension of `hidden` is not [`Self::hidden_size`]: a
    /// wiring error between encoder and head, not something input data can cause.
    pub fn forward(&self, hidden: Tensor<3>) -> Tensor<3> {
        self.classifier.forward(self.dropout.forward(hidden))
    }

    /// `classifier.weight` `[labels, hidden]` and `classifier.bias` `[labels]`,
    /// in PyTorch layout, for export.
    pub fn weights_pytorch_layout(&self) -> (Tensor<2>, Tensor<1>) {
        pytorch_linear::to_pytorch(&self.classifier)
    }

    /// This head resized to `new_tagset`, each new row starting from the
    /// old row of its parent type (see [`crate::warm_start`] for the rules),
    /// with the report of where each row came from. Dropout is kept.
    pub fn warm_start(
        &self,
        new_tagset: Tagset,
        parents: impl Fn(&str) -> Option<String>,
        perturbation_std: f64,
        seed: u64,
    ) -> Result<(Self, WarmStartReport)> {
        let plan = RowPlan::new(&self.tagset, &new_tagset, &parents)?;
        let (old_weight, old_bias) = self.weights_pytorch_layout();
        let device = old_weight.device();
        let hidden = self.hidden_size();
        let (weight, bias, report) = plan.apply(
            &host_values(CLASSIFIER_WEIGHT, &old_weight)?,
            &host_values(CLASSIFIER_BIAS, &old_bias)?,
            hidden,
            perturbation_std,
            seed,
        )?;
        let rows = new_tagset.len();
        let head = Self::from_pytorch(
            new_tagset,
            hidden,
            host_tensor_2d(weight, [rows, hidden], &device),
            host_tensor_1d(bias, &device),
            self.dropout(),
        )?;
        Ok((head, report))
    }

    /// This head reading `extra` more values per token after the ones it
    /// reads now, with zero weights on them: it scores exactly as before
    /// until they train. How a warm-started head takes input features that
    /// the old model did not have.
    pub fn widened(&self, extra: usize) -> Result<Self> {
        let (weight, bias) = self.weights_pytorch_layout();
        let weight = pytorch_linear::widened_weight(CLASSIFIER_WEIGHT, &weight, extra)?;
        let bias = host_tensor_1d(host_values(CLASSIFIER_BIAS, &bias)?, &weight.device());
        Self::from_pytorch(self.tagset.clone(), self.hidden_size() + extra, weight, bias, self.dropout())
    }

    /// A naive random head for `new_tagset` (the baseline warm starts are
    /// measured against), with a report that says every row is random.
    pub fn fresh(
        new_tagset: Tagset,
        hidden: usize,
        dropout: f64,
        seed: u64,
        device: &Device,
    ) -> Result<(Self, WarmStartReport)> {
        let report = WarmStartReport::all_random(&new_tagset);
        Ok((Self::random(new_tagset, hidden, dropout, seed, device)?, report))
    }

    pub fn tagset(&self) -> &Tagset {
        &self.tagset
    }

    pub fn hidden_size(&self) -> usize {
        self.classifier.weight.dims()[0]
    }

    pub fn num_labels(&self) -> usize {
        self.tagset.len()
    }

    pub fn dropout(&self) -> f64 {
        self.dropout.prob
    }

    /// The device the head's weights live on.
    pub fn device(&self) -> Device {
        self.classifier.weight.val().device()
    }
}

#[cfg(test)]
mod tests;
