//! A two-layer head: dropout, a dense layer, GELU, dropout, then one logit
//! per label. The "architecture change" strategy: a non-linear head can
//! carve a new type out of regions a single hyperplane per label cannot,
//! at the price of `hidden × inner` more parameters to learn from scratch.
//!
//! Tensor names follow RoBERTa's classification head (`classifier.dense`,
//! `classifier.out_proj`), the closest HuggingFace convention. The input
//! dropout matches [`crate::LinearHead`] so that the two heads differ only by
//! the hidden layer.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Gelu, Linear};
use burn::tensor::{Device, Tensor};
use retag_data::Tagset;

use crate::error::Result;
use crate::pytorch_linear::{self, check_dropout, check_size, host_tensor_1d, host_tensor_2d, host_values};
use crate::rng::SeededRng;
use crate::warm_start::{RowPlan, WarmStartReport};

pub const DENSE: &str = "classifier.dense";
pub const OUT_PROJ: &str = "classifier.out_proj";

/// The four tensors of an MLP head, in PyTorch layout.
#[derive(Debug, Clone)]
pub struct MlpWeights {
    /// `[inner, hidden]`
    pub dense_weight: Tensor<2>,
    /// `[inner]`
    pub dense_bias: Tensor<1>,
    /// `[labels, inner]`
    pub out_weight: Tensor<2>,
    /// `[labels]`
    pub out_bias: Tensor<1>,
}

/// An MLP head and the labels its output rows stand for (see
/// [`crate::LinearHead`] for why the tagset lives inside).
#[derive(Module, Debug)]
pub struct MlpHead {
    dropout: Dropout,
    dense: Linear,
    activation: Gelu,
    inner_dropout: Dropout,
    out_proj: Linear,
    #[module(skip)]
    tagset: Tagset,
}

impl MlpHead {
    /// A new head with an `inner`-wide hidden layer, both layers initialised
    /// as HuggingFace initialises new layers, from `seed`.
    pub fn random(
        tagset: Tagset,
        hidden: usize,
        inner: usize,
        dropout: f64,
        seed: u64,
        device: &Device,
    ) -> Result<Self> {
        check_size("hidden", hidden)?;
        check_size("inner", inner)?;
        check_dropout(dropout)?;
        let mut rng = SeededRng::new(seed);
        let dense = pytorch_linear::hf_random(inner, hidden, &mut rng, device);
        let out_proj = pytorch_linear::hf_random(tagset.len(), inner, &mut rng, device);
        Ok(Self::assemble(tagset, dense, out_proj, dropout))
    }

    /// A head from PyTorch-layout tensors, each shape-checked against the
    /// tagset, `hidden` and the dense layer's width.
    pub fn from_pytorch(tagset: Tagset, hidden: usize, weights: MlpWeights, dropout: f64) -> Result<Self> {
        check_dropout(dropout)?;
        let [inner, _] = weights.dense_weight.dims();
        let dense = pytorch_linear::from_pytorch(DENSE, weights.dense_weight, weights.dense_bias, inner, hidden)?;
        let out_proj =
            pytorch_linear::from_pytorch(OUT_PROJ, weights.out_weight, weights.out_bias, tagset.len(), inner)?;
        Ok(Self::assemble(tagset, dense, out_proj, dropout))
    }

    fn assemble(tagset: Tagset, dense: Linear, out_proj: Linear, dropout: f64) -> Self {
        Self {
            dropout: DropoutConfig::new(dropout).init(),
            dense,
            activation: Gelu::new(),
            inner_dropout: DropoutConfig::new(dropout).init(),
            out_proj,
            tagset,
        }
    }

    /// Logits `[batch, seq, labels]` for hidden states `[batch, seq, hidden]`.
    ///
    /// # Panics
    /// If the last dimension of `hidden` is not [`Self::hidden_size`] (a
    /// wiring error, as for [`crate::LinearHead::forward`]).
    pub fn forward(&self, hidden: Tensor<3>) -> Tensor<3> {
        let x = self.dense.forward(self.dropout.forward(hidden));
        let x = self.inner_dropout.forward(self.activation.forward(x));
        self.out_proj.forward(x)
    }

    pub fn weights_pytorch_layout(&self) -> MlpWeights {
        let (dense_weight, dense_bias) = pytorch_linear::to_pytorch(&self.dense);
        let (out_weight, out_bias) = pytorch_linear::to_pytorch(&self.out_proj);
        MlpWeights { dense_weight, dense_bias, out_weight, out_bias }
    }

    /// This head resized to `new_tagset`: the dense layer is kept as is, the
    /// output rows are warm-started as a linear head's are
    /// ([`crate::warm_start`]).
    pub fn warm_start(
        &self,
        new_tagset: Tagset,
        parents: impl Fn(&str) -> Option<String>,
        perturbation_std: f64,
        seed: u64,
    ) -> Result<(Self, WarmStartReport)> {
        let plan = RowPlan::new(&self.tagset, &new_tagset, &parents)?;
        let old = self.weights_pytorch_layout();
        let device = old.out_weight.device();
        let inner = self.inner_size();
        let (weight, bias, report) = plan.apply(
            &host_values("classifier.out_proj.weight", &old.out_weight)?,
            &host_values("classifier.out_proj.bias", &old.out_bias)?,
            inner,
            perturbation_std,
            seed,
        )?;
        let rows = new_tagset.len();
        let weights = MlpWeights {
            out_weight: host_tensor_2d(weight, [rows, inner], &device),
            out_bias: host_tensor_1d(bias, &device),
            ..old
        };
        let head = Self::from_pytorch(new_tagset, self.hidden_size(), weights, self.dropout())?;
        Ok((head, report))
    }

    pub fn tagset(&self) -> &Tagset {
        &self.tagset
    }

    pub fn hidden_size(&self) -> usize {
        self.dense.weight.dims()[0]
    }

    /// Width of the hidden layer.
    pub fn inner_size(&self) -> usize {
        self.dense.weight.dims()[1]
    }

    pub fn num_labels(&self) -> usize {
        self.tagset.len()
    }

    pub fn dropout(&self) -> f64 {
        self.dropout.prob
    }

    /// The device the head's weights live on.
    pub fn device(&self) -> Device {
        self.out_proj.weight.val().device()
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::TensorData;
    use retag_data::Scheme;

    use super::*;
    use crate::error::HeadError;
    use crate::warm_start::RowOrigin;

    fn iob2(types: &[&str]) -> Tagset {
        Tagset::from_types(types, Scheme::Iob2).unwrap()
    }

    fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
        tensor.into_data().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn forward_matches_a_hand_computed_mlp() {
        let device = Device::flex();
        let (hidden, inner) = (3, 2);
        let weights = MlpWeights {
            dense_weight: Tensor::from_data(
                TensorData::new(vec![1.0f32, 0.0, -1.0, 0.5, 0.5, 0.5], [inner, hidden]),
                &device,
            ),
            dense_bias: Tensor::from_data(TensorData::new(vec![0.0f32, -1.0], [inner]), &device),
            out_weight: Tensor::from_data(TensorData::new(vec![1.0f32, 0.0, 0.0, 1.0, 1.0, -1.0], [3, inner]), &device),
            out_bias: Tensor::from_data(TensorData::new(vec![0.0f32, 0.0, 0.5], [3]), &device),
        };
        let head = MlpHead::from_pytorch(iob2(&["X"]), hidden, weights, 0.1).unwrap();
        let x = [2.0f64, 1.0, 0.5];
        let gelu = |v: f64| 0.5 * v * (1.0 + erf(v / std::f64::consts::SQRT_2));
        let h = [gelu(x[0] - x[2]), gelu(0.5 * (x[0] + x[1] + x[2]) - 1.0)];
        let expected = [h[0], h[1], h[0] - h[1] + 0.5];
        let input = Tensor::from_data(
            TensorData::new(x.iter().map(|&v| v as f32).collect::<Vec<_>>(), [1, 1, hidden]),
            &device,
        );
        let got = values(head.forward(input));
        for (g, e) in got.iter().zip(expected) {
            assert!((f64::from(*g) - e).abs() < 1e-4, "{got:?} vs {expected:?}");
        }
    }

    /// Abramowitz–Stegun 7.1.26, accurate to 1.5e-7: enough for a reference.
    fn erf(x: f64) -> f64 {
        let t = 1.0 / (1.0 + 0.3275911 * x.abs());
        let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        (1.0 - poly * (-x * x).exp()).copysign(x)
    }

    #[test]
    fn shapes_are_checked_by_tensor_name() {
        let device = Device::flex();
        let weights = |out_rows: usize| MlpWeights {
            dense_weight: Tensor::zeros([4, 6], &device),
            dense_bias: Tensor::zeros([4], &device),
            out_weight: Tensor::zeros([out_rows, 4], &device),
            out_bias: Tensor::zeros([3], &device),
        };
        let error = MlpHead::from_pytorch(iob2(&["X"]), 6, weights(5), 0.1).unwrap_err();
        assert_eq!(error.to_string(), "tensor classifier.out_proj.weight: expected shape [3, 4], found [5, 4]");
        let error = MlpHead::from_pytorch(iob2(&["X"]), 8, weights(3), 0.1).unwrap_err();
        assert_eq!(error.to_string(), "tensor classifier.dense.weight: expected shape [4, 8], found [4, 6]");
        assert!(matches!(MlpHead::random(iob2(&["X"]), 8, 0, 0.1, 0, &device), Err(HeadError::InvalidOption { .. })));
    }

    #[test]
    fn warm_start_keeps_the_dense_layer_and_plans_the_output_rows() {
        let device = Device::flex();
        let old = MlpHead::random(iob2(&["PER", "LOC"]), 6, 4, 0.1, 1, &device).unwrap();
        let parents = |t: &str| (t == "person").then(|| "PER".to_string());
        let (new, report) = old.warm_start(iob2(&["person", "product"]), parents, 0.01, 2).unwrap();
        assert_eq!(new.num_labels(), 5);
        assert_eq!(new.inner_size(), 4);
        let (a, b) = (old.weights_pytorch_layout(), new.weights_pytorch_layout());
        assert_eq!(values(a.dense_weight), values(b.dense_weight));
        assert_eq!(values(a.dense_bias), values(b.dense_bias));
        let old_out = values(a.out_weight);
        let new_out = values(b.out_weight);
        // B-person (row 1) is B-PER (row 1) exactly.
        assert_eq!(&new_out[4..8], &old_out[4..8]);
        assert_eq!(report.origin_of("B-product"), Some(&RowOrigin::Random));
    }
}
