//! A head with an optional CRF on top: everything between the encoder's
//! hidden states and a loss (for training) or label ids (for prediction).
//!
//! Without a CRF the loss is token cross-entropy and decoding is a per-token
//! argmax; with one, the loss is the CRF's sequence negative log-likelihood
//! and decoding is Viterbi. The training loop calls the same two methods
//! either way.

use std::path::Path;

use burn::module::Module;
use burn::tensor::{Bool, Device, Int, Tensor};
use retag_data::{Scheme, Tagset};

use crate::crf::Crf;
use crate::error::{HeadError, Result};
use crate::head::Head;
use crate::head_file;
use crate::pytorch_linear::{check_shape, host_values};
use crate::spec::{CrfSpec, HeadSpec};
use crate::targets::token_cross_entropy;

#[derive(Module, Debug)]
pub struct Tagger {
    head: Head,
    crf: Option<Crf>,
}

impl Tagger {
    /// A head alone: softmax per token.
    pub fn new(head: Head) -> Self {
        Self { head, crf: None }
    }

    /// A head with a fresh CRF over its labels, from `seed`; with `scheme`,
    /// moves the scheme forbids are ruled out (see [`Crf::constrain_transitions`]).
    pub fn with_new_crf(head: Head, scheme: Option<Scheme>, seed: u64) -> Result<Self> {
        let device = head.device();
        let mut crf = Crf::new(head.num_labels(), seed, &device)?;
        if let Some(scheme) = scheme {
            crf = crf.constrain_transitions(head.tagset(), scheme)?;
        }
        Self::with_crf(head, crf)
    }

    /// A head with a given CRF, which must score as many labels as the head has.
    pub fn with_crf(head: Head, crf: Crf) -> Result<Self> {
        check_shape("crf.transitions", &[head.num_labels(), head.num_labels()], &[crf.num_labels(), crf.num_labels()])?;
        Ok(Self { head, crf: Some(crf) })
    }

    /// A fresh tagger shaped by `spec` over `tagset`: the head as
    /// [`Head::random`] draws it and, if the spec has one, a CRF as
    /// [`Tagger::with_new_crf`] does, both from `seed`.
    pub fn random(spec: &HeadSpec, tagset: Tagset, seed: u64, device: &Device) -> Result<Self> {
        spec.validate()?;
        let head = Head::random(spec.arch, tagset, spec.input_size, spec.dropout, seed, device)?;
        match spec.crf {
            None => Ok(Self::new(head)),
            Some(crf) => Self::with_new_crf(head, crf.constraints, seed),
        }
    }

    /// This tagger reading `extra` more values per token (its head
    /// [`Head::widened`], zero weights on them; the CRF moved as it is): it
    /// scores exactly as before until they train.
    pub fn widened(self, extra: usize) -> Result<Self> {
        let head = self.head.widened(extra)?;
        match self.crf {
            None => Ok(Self::new(head)),
            Some(crf) => Self::with_crf(head, crf),
        }
    }

    /// What this tagger is, apart from its weights and labels: enough, with
    /// the labels and [`Tagger::save_tensors`]'s file, to load it again.
    pub fn spec(&self) -> HeadSpec {
        HeadSpec {
            arch: self.head.arch(),
            input_size: self.head.hidden_size(),
            dropout: self.head.dropout(),
            crf: self.crf.as_ref().map(|crf| CrfSpec { constraints: crf.constraint_scheme() }),
        }
    }

    /// Writes every tensor of the head and the CRF to `path` (by convention
    /// [`head_file::HEAD_FILE`] in a model folder), atomically; the names and
    /// layouts are in [`head_file`].
    pub fn save_tensors(&self, path: &Path) -> Result<()> {
        head_file::save(self, path)
    }

    /// The tagger `spec` describes over `tagset`, its tensors read from
    /// `path` (as [`Tagger::save_tensors`] writes them) onto `device`. Any
    /// tensor missing, unexpected, mis-shaped or not F32, or a damaged file,
    /// is an error naming the file and the tensor.
    pub fn load(spec: &HeadSpec, tagset: Tagset, path: &Path, device: &Device) -> Result<Self> {
        head_file::load(spec, tagset, path, device)
    }

    pub fn head(&self) -> &Head {
        &self.head
    }

    pub fn crf(&self) -> Option<&Crf> {
        self.crf.as_ref()
    }

    pub fn tagset(&self) -> &Tagset {
        self.head.tagset()
    }

    /// The head and the CRF taken apart (to put a linear head back into a
    /// HuggingFace-shaped model, or to warm-start the head alone).
    pub fn into_parts(self) -> (Head, Option<Crf>) {
        (self.head, self.crf)
    }

    /// The head's logits `[batch, seq, labels]` (the CRF's emissions), after
    /// checking that `hidden` is as wide as the head expects (an error, not
    /// the panic [`Head::forward`] would give).
    pub fn emissions(&self, hidden: Tensor<3>) -> Result<Tensor<3>> {
        let [batch, seq, width] = hidden.dims();
        check_shape("hidden", &[batch, seq, self.head.hidden_size()], &[batch, seq, width])?;
        Ok(self.head.forward(hidden))
    }

    /// The training loss, a one-element tensor: mean cross-entropy over
    /// scored tokens, or with a CRF the mean sequence NLL over rows.
    /// `labels` and `mask` are `[batch, seq]`; see [`crate::targets::label_tensors`].
    pub fn loss(&self, hidden: Tensor<3>, labels: Tensor<2, Int>, mask: Tensor<2, Bool>) -> Result<Tensor<1>> {
        let emissions = self.emissions(hidden)?;
        match &self.crf {
            None => token_cross_entropy(emissions, labels, mask),
            Some(crf) => Ok(crf.negative_log_likelihood(emissions, labels, mask)?.mean()),
        }
    }

    /// The predicted label ids of each row at its unmasked positions.
    pub fn decode(&self, hidden: Tensor<3>, mask: Tensor<2, Bool>) -> Result<Vec<Vec<usize>>> {
        let emissions = self.emissions(hidden)?;
        if let Some(crf) = &self.crf {
            return crf.viterbi_decode(emissions, mask);
        }
        let [batch, seq, _] = emissions.dims();
        check_shape("mask", &[batch, seq], &mask.dims())?;
        let best = emissions.argmax(2).reshape([batch, seq]);
        let best = best
            .try_into_vec_as::<i64>()
            .map_err(|error| HeadError::TensorRead { tensor: "argmax".into(), reason: error.to_string() })?;
        let kept = host_values("mask", &mask.float())?;
        Ok((0..batch)
            .map(|row| (0..seq).filter(|&p| kept[row * seq + p] != 0.0).map(|p| best[row * seq + p] as usize).collect())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use burn::optim::{GradientsParams, SgdConfig};
    use burn::tensor::TensorData;

    use super::*;
    use crate::head::HeadKind;
    use crate::rng::SeededRng;
    use crate::targets::label_tensors;

    /// Hidden states whose first coordinate says the label: a problem any
    /// head can learn in a few steps.
    fn problem(device: &Device) -> (Tensor<3>, Tensor<2, Int>, Tensor<2, Bool>, Vec<Vec<usize>>) {
        let (batch, seq, hidden) = (2, 5, 8);
        let gold: Vec<Option<usize>> = vec![
            None,
            Some(1),
            Some(2),
            Some(0),
            None, //
            None,
            Some(0),
            Some(1),
            None,
            None,
        ];
        let mut rng = SeededRng::new(4);
        let mut states = rng.normals(batch * seq * hidden, 0.1);
        for (token, label) in gold.iter().enumerate() {
            if let Some(label) = label {
                states[token * hidden + label] += 3.0;
            }
        }
        let hidden_states = Tensor::from_data(TensorData::new(states, [batch, seq, hidden]), device);
        let (labels, mask) = label_tensors(&gold, batch, seq, device).unwrap();
        let expected = vec![vec![1, 2, 0], vec![0, 1]];
        (hidden_states, labels, mask, expected)
    }

    #[test]
    fn every_head_with_and_without_crf_trains_and_decodes() {
        let device = Device::flex().autodiff();
        let tagset = Tagset::from_types(&["PER"], Scheme::Iob2).unwrap();
        for kind in HeadKind::ALL {
            for crf in [false, true] {
                let head = Head::random(kind, tagset.clone(), 8, 0.0, 1, &device).unwrap();
                let mut tagger =
                    if crf { Tagger::with_new_crf(head, Some(Scheme::Iob2), 2).unwrap() } else { Tagger::new(head) };
                let (hidden, labels, mask, expected) = problem(&device);
                let mut optimizer = SgdConfig::new().init();
                let mut losses = Vec::new();
                for _ in 0..60 {
                    let loss = tagger.loss(hidden.clone(), labels.clone(), mask.clone()).unwrap();
                    losses.push(loss.clone().into_scalar::<f32>());
                    let grads = GradientsParams::from_grads(loss.backward(), &tagger);
                    tagger = optimizer.step(0.5, tagger, grads);
                }
                let label = format!("{kind} crf={crf}");
                assert!(losses[losses.len() - 1] < losses[0] * 0.5, "{label}: {losses:?}");
                assert_eq!(tagger.decode(hidden, mask).unwrap(), expected, "{label}");
            }
        }
    }

    /// A widened tagger scores as before whatever the new inputs hold: its
    /// weights on them start at zero (how a warm-started head takes input
    /// features), and they are trainable leaves like the others.
    #[test]
    fn a_widened_tagger_scores_as_before_and_its_new_weights_train() {
        let device = Device::flex().autodiff();
        let tagset = Tagset::from_types(&["PER"], Scheme::Iob2).unwrap();
        let (hidden, labels, mask, _) = problem(&device);
        let [batch, seq, width] = hidden.dims();
        let extra = 3;
        let noise = SeededRng::new(9).normals(batch * seq * extra, 1.0);
        let noise = Tensor::<3>::from_data(TensorData::new(noise, [batch, seq, extra]), &device);
        let wide = Tensor::cat(vec![hidden.clone(), noise], 2);
        for kind in HeadKind::ALL {
            for crf in [false, true] {
                let head = Head::random(kind, tagset.clone(), width, 0.0, 1, &device).unwrap();
                let tagger =
                    if crf { Tagger::with_new_crf(head, Some(Scheme::Iob2), 2).unwrap() } else { Tagger::new(head) };
                let before = tagger.emissions(hidden.clone()).unwrap().into_data().try_to_vec::<f32>().unwrap();
                let label = format!("{kind} crf={crf}");
                let widened = tagger.widened(extra).unwrap();
                assert_eq!(widened.head().hidden_size(), width + extra, "{label}");
                assert_eq!(widened.crf().is_some(), crf, "{label}");
                let after = widened.emissions(wide.clone()).unwrap().into_data().try_to_vec::<f32>().unwrap();
                let apart = before.iter().zip(&after).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
                assert!(apart < 1e-5, "{label}: {apart}");
                // Every parameter gets a gradient, as in a tagger built at that width.
                let gradients = |tagger: &Tagger| {
                    let loss = tagger.loss(wide.clone(), labels.clone(), mask.clone()).unwrap();
                    GradientsParams::from_grads(loss.backward(), tagger).len()
                };
                let head = Head::random(kind, tagset.clone(), width + extra, 0.0, 1, &device).unwrap();
                let built =
                    if crf { Tagger::with_new_crf(head, Some(Scheme::Iob2), 2).unwrap() } else { Tagger::new(head) };
                assert_eq!(gradients(&widened), gradients(&built), "{label}: the widened weights train");
            }
        }
    }

    /// The training loop checkpoints with burn records and evaluates with
    /// `valid()`: both must keep the weights, the CRF and the labels (which
    /// records do not hold: they come from the module the record loads into).
    #[test]
    fn records_round_trip_and_valid_keeps_everything() {
        let device = Device::flex().autodiff();
        let tagset = Tagset::from_types(&["PER"], Scheme::Iob2).unwrap();
        let build = |seed| {
            let head = Head::random(HeadKind::Mlp, tagset.clone(), 8, 0.1, seed, &device).unwrap();
            Tagger::with_new_crf(head, Some(Scheme::Iob2), seed).unwrap()
        };
        let (hidden, _, mask, _) = problem(&device);
        let logits = |tagger: &Tagger| {
            tagger.valid().emissions(hidden.clone().valid()).unwrap().into_data().try_to_vec::<f32>().unwrap()
        };
        let trained = build(1);
        let loaded = build(2).load_record(trained.clone().into_record());
        // Equal up to summation order: a loaded weight may be laid out differently.
        let close = |a: Vec<f32>, b: Vec<f32>| a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-6);
        assert!(close(logits(&loaded), logits(&trained)));
        assert!(!close(logits(&build(2)), logits(&trained)));
        assert_eq!(loaded.tagset(), trained.tagset());
        assert!(loaded.valid().crf().and_then(Crf::forbidden).is_some(), "constraints survive valid()");
        assert_eq!(loaded.valid().decode(hidden.valid(), mask.valid()).unwrap().len(), 2);
    }

    #[test]
    fn a_crf_must_fit_the_head() {
        let device = Device::flex();
        let tagset = Tagset::from_types(&["PER"], Scheme::Iob2).unwrap();
        let head = Head::random(HeadKind::Linear, tagset, 4, 0.0, 0, &device).unwrap();
        let error = Tagger::with_crf(head.clone(), Crf::new(5, 0, &device).unwrap()).unwrap_err();
        assert_eq!(error.to_string(), "tensor crf.transitions: expected shape [3, 3], found [5, 5]");
        let (_, labels, mask, _) = problem(&device); // hidden states 8 wide, the head wants 4
        let error = Tagger::new(head).loss(Tensor::zeros([2, 5, 8], &device), labels, mask).unwrap_err();
        assert_eq!(error.to_string(), "tensor hidden: expected shape [2, 5, 4], found [2, 5, 8]");
    }
}
