//! The model every strategy trains: an encoder, then a tagger (a head, with
//! or without a CRF). Training, evaluation, prediction and export all take
//! this one type, so a new head or a new kind of input is added once.
//!
//! The encoder is optional: the frozen strategy trains the tagger alone over
//! encoder outputs computed once, and puts the encoder back before export
//! ([`TaggerModel::with_encoder`]).
//!
//! An [`Adapter`] is optional too: its features (a learned reading of a
//! frozen old model's label distribution) are joined to the encoder's output,
//! so the head then reads `hidden + adapter width` values per token.

use burn::module::Module;
use burn::nn::DropoutConfig;
use burn::tensor::{Bool, Device, Tensor, TensorData};
use retag_bert::{BertConfig, BertForTokenClassification, BertInput, BertModel};
use retag_data::Tagset;
use retag_heads::targets::{label_tensors, token_cross_entropy};
use retag_heads::{Head, LinearHead, Tagger};

use crate::adapter::Adapter;
use crate::error::{ModelError, Result};

#[derive(Module, Debug)]
pub struct TaggerModel {
    /// `None` while a head trains over cached encoder outputs.
    encoder: Option<BertModel>,
    /// Features from an old model's predictions, joined to the encoder's output.
    adapter: Option<Adapter>,
    tagger: Tagger,
}

impl TaggerModel {
    /// `tagger` on top of `encoder`, which must give states as wide as the
    /// head reads. The encoder's config is made to name the tagger's labels
    /// (export writes them as `id2label`).
    pub fn new(encoder: BertModel, tagger: Tagger) -> Result<Self> {
        Self::head_only(tagger).with_encoder(encoder)
    }

    /// `tagger` on top of `encoder` and `adapter` together, whose widths
    /// must add up to what the head reads.
    pub fn with_parts(encoder: BertModel, adapter: Adapter, tagger: Tagger) -> Result<Self> {
        check_width(&tagger, encoder.config.hidden_size, Some(&adapter))?;
        let model = Self { encoder: None, adapter: Some(adapter), tagger };
        model.with_encoder(encoder)
    }

    /// A tagger with no encoder, for hidden states computed elsewhere.
    pub fn head_only(tagger: Tagger) -> Self {
        Self { encoder: None, adapter: None, tagger }
    }

    /// This model's tagger on `encoder` (replacing any encoder it had).
    pub fn with_encoder(self, mut encoder: BertModel) -> Result<Self> {
        check_width(&self.tagger, encoder.config.hidden_size, self.adapter.as_ref())?;
        encoder.config = BertConfig { labels: Some(self.tagger.tagset().clone()), ..encoder.config };
        Ok(Self { encoder: Some(encoder), ..self })
    }

    /// This model with `adapter`'s features joined to its encoder's output
    /// (replacing any adapter it had). The head must read the encoder's
    /// width plus the adapter's.
    pub fn with_adapter(self, adapter: Adapter) -> Result<Self> {
        let encoder = self.encoder.as_ref().ok_or_else(|| {
            ModelError::mismatch("an adapter needs a model with an encoder: it reads the same windows")
        })?;
        check_width(&self.tagger, encoder.config.hidden_size, Some(&adapter))?;
        Ok(Self { adapter: Some(adapter), ..self })
    }

    /// A HuggingFace token-classification model as a tagger model: its
    /// classifier becomes a linear head, moved (not copied), so parameters
    /// loaded on an autodiff device stay trainable leaves.
    pub fn from_token_classification(model: BertForTokenClassification) -> Result<Self> {
        let BertForTokenClassification { bert, dropout, classifier, labels } = model;
        let head = LinearHead::from_linear(labels, classifier, dropout.prob)?;
        Self::new(bert, Tagger::new(Head::Linear(head)))
    }

    /// The model as a HuggingFace `BertForTokenClassification`: possible for
    /// a linear head without a CRF and with an encoder, the one shape
    /// transformers loads as it is.
    pub fn into_token_classification(self) -> Result<BertForTokenClassification> {
        let Self { encoder, adapter, tagger } = self;
        let encoder = encoder.ok_or_else(|| ModelError::mismatch("the model has no encoder to export"))?;
        if adapter.is_some() {
            return Err(ModelError::mismatch(
                "a model with an adapter is not a HuggingFace token-classification model",
            ));
        }
        let (head, crf) = tagger.into_parts();
        let head = match (head, crf) {
            (Head::Linear(head), None) => head,
            (head, crf) => {
                return Err(ModelError::mismatch(format!(
                    "a {} head{} is not a HuggingFace token-classification model",
                    head.kind(),
                    if crf.is_some() { " with a CRF" } else { "" }
                )));
            }
        };
        let (classifier, dropout, labels) = head.into_parts();
        let mut bert = encoder;
        bert.config = BertConfig { labels: Some(labels.clone()), ..bert.config };
        Ok(BertForTokenClassification { bert, dropout: DropoutConfig::new(dropout).init(), classifier, labels })
    }

    /// Whether the model is a plain HuggingFace token-classification model
    /// (see [`Self::into_token_classification`]).
    pub fn is_token_classification(&self) -> bool {
        self.encoder.is_some()
            && self.adapter.is_none()
            && self.tagger.crf().is_none()
            && matches!(self.tagger.head(), Head::Linear(_))
    }

    pub fn encoder(&self) -> Option<&BertModel> {
        self.encoder.as_ref()
    }

    pub fn adapter(&self) -> Option<&Adapter> {
        self.adapter.as_ref()
    }

    /// The encoder taken out, and the tagger left alone (the frozen
    /// strategy caches the encoder's outputs and trains the rest). An
    /// adapter, which reads windows as the encoder does, goes too.
    pub fn split_encoder(self) -> (Option<BertModel>, Self) {
        (self.encoder, Self { encoder: None, adapter: None, tagger: self.tagger })
    }

    pub fn tagger(&self) -> &Tagger {
        &self.tagger
    }

    pub fn tagset(&self) -> &Tagset {
        self.tagger.tagset()
    }

    /// The width of the states the head reads.
    pub fn hidden_size(&self) -> usize {
        self.tagger.head().hidden_size()
    }

    /// The device the head's weights live on.
    pub fn device(&self) -> Device {
        self.tagger.head().device()
    }

    /// What the head reads for a batch of windows: the encoder's last hidden
    /// states, followed on each token by the adapter's features if there is one.
    pub fn encode(&self, input: &BertInput) -> Result<Tensor<3>> {
        let encoder = self
            .encoder
            .as_ref()
            .ok_or_else(|| ModelError::mismatch("the model has no encoder: it reads cached encoder outputs"))?;
        let hidden = encoder.forward(input);
        match &self.adapter {
            None => Ok(hidden),
            Some(adapter) => Ok(Tensor::cat(vec![hidden, adapter.forward(input)?], 2)),
        }
    }

    /// The head's scores `[batch, seq, labels]` for states `[batch, seq,
    /// hidden]`. The batch is folded into the rows first, so the head's
    /// layers run one product each way (see `retag_bert`'s `dense.rs`).
    pub fn emissions(&self, hidden: Tensor<3>) -> Result<Tensor<3>> {
        let [batch, seq, width] = hidden.dims();
        let flat = self.tagger.emissions(hidden.reshape([1, batch * seq, width]))?;
        Ok(flat.reshape([batch, seq, self.tagset().len()]))
    }

    /// The training loss of a batch, a one-element tensor: the mean token
    /// cross-entropy over labelled positions, or with a CRF the mean
    /// sequence negative log-likelihood over rows. `labels` are row-major
    /// `[batch * seq]`, `None` where a position is not scored.
    pub fn loss(&self, hidden: Tensor<3>, labels: &[Option<usize>]) -> Result<Tensor<1>> {
        self.loss_of_emissions(self.emissions(hidden)?, labels)
    }

    /// [`Self::loss`] from emissions already computed, for a loop that also
    /// scores them otherwise (distillation compares them with an old
    /// model's): the head runs once, under one dropout mask.
    pub fn loss_of_emissions(&self, emissions: Tensor<3>, labels: &[Option<usize>]) -> Result<Tensor<1>> {
        let [batch, seq, _] = emissions.dims();
        let device = emissions.device();
        let (ids, mask) = label_tensors(labels, batch, seq, &device)?;
        Ok(match self.tagger.crf() {
            None => token_cross_entropy(emissions, ids, mask)?,
            Some(crf) => crf.negative_log_likelihood(emissions, ids, mask)?.mean(),
        })
    }

    /// The best label id at each position where `mask` (row-major `[batch *
    /// seq]`) is true, row by row: a per-position argmax, or with a CRF the
    /// Viterbi path over those positions (so the scheme's constraints hold
    /// across them).
    pub fn decode(&self, hidden: Tensor<3>, mask: &[bool]) -> Result<Vec<Vec<usize>>> {
        let [batch, seq, _] = hidden.dims();
        if mask.len() != batch * seq {
            return Err(ModelError::mismatch(format!(
                "a mask of {} positions for a batch of {batch} rows of {seq}",
                mask.len()
            )));
        }
        let device = hidden.device();
        let emissions = self.emissions(hidden)?;
        if let Some(crf) = self.tagger.crf() {
            let mask = Tensor::<2, Bool>::from_data(TensorData::new(mask.to_vec(), [batch, seq]), &device);
            return Ok(crf.viterbi_decode(emissions, mask)?);
        }
        let best: Vec<usize> = emissions.argmax(2).into_data().iter::<i64>().map(|id| id as usize).collect();
        Ok((0..batch)
            .map(|row| (0..seq).filter(|&p| mask[row * seq + p]).map(|p| best[row * seq + p]).collect())
            .collect())
    }
}

/// Checks that `tagger`'s head reads as many values per token as an
/// encoder `hidden` wide and `adapter` give together.
fn check_width(tagger: &Tagger, hidden: usize, adapter: Option<&Adapter>) -> Result<()> {
    let reads = tagger.head().hidden_size();
    match adapter.map(Adapter::width) {
        None if reads != hidden => {
            Err(ModelError::mismatch(format!("the head reads {reads}-wide states, the encoder gives {hidden}")))
        }
        Some(width) if reads != hidden + width => Err(ModelError::mismatch(format!(
            "the head reads {reads}-wide states, the encoder and the adapter give {hidden} + {width}"
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use retag_data::Scheme;
    use retag_heads::HeadKind;

    use super::*;

    /// The committed tiny BERT's config (2 layers, hidden 32), naming `labels`.
    fn tiny_config(labels: &Tagset) -> BertConfig {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bert/tests/fixtures/tiny-bert-ner/config.json");
        let config = BertConfig::from_file(&path).expect("the committed tiny config loads");
        BertConfig { labels: Some(labels.clone()), ..config }
    }

    #[test]
    fn a_token_classification_model_round_trips_through_the_tagger_model() {
        let device = Device::flex();
        let labels = Tagset::from_types(&["PER", "LOC"], Scheme::Iob2).unwrap();
        let hf = BertForTokenClassification::init(&tiny_config(&labels), labels.clone(), &device);
        let input =
            BertInput::new(&[vec![2, 5, 6, 3]], &[vec![0; 4]], &[vec![1; 4]], &hf.bert.config, &device).unwrap();
        let expected = hf.forward(&input).into_data().try_to_vec::<f32>().unwrap();

        let model = TaggerModel::from_token_classification(hf).unwrap();
        assert!(model.is_token_classification());
        let hidden = model.encode(&input).unwrap();
        let scores = model.emissions(hidden).unwrap().into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(scores, expected, "the same weights give the same logits");

        let back = model.into_token_classification().unwrap();
        assert_eq!(back.labels, labels);
        assert_eq!(back.forward(&input).into_data().try_to_vec::<f32>().unwrap(), expected);
    }

    #[test]
    fn only_a_linear_head_without_crf_is_a_huggingface_model() {
        let device = Device::flex();
        let labels = Tagset::from_types(&["PER"], Scheme::Iob2).unwrap();
        let config = tiny_config(&labels);
        for (kind, crf, expected) in [
            (HeadKind::Mlp, false, "a mlp head is not a HuggingFace token-classification model"),
            (HeadKind::Linear, true, "a linear head with a CRF is not a HuggingFace token-classification model"),
        ] {
            let head = Head::random(kind, labels.clone(), config.hidden_size, 0.1, 1, &device).unwrap();
            let tagger =
                if crf { Tagger::with_new_crf(head, Some(Scheme::Iob2), 2).unwrap() } else { Tagger::new(head) };
            let model = TaggerModel::new(BertModel::init(&config, &device), tagger).unwrap();
            assert!(!model.is_token_classification());
            assert_eq!(model.into_token_classification().unwrap_err().to_string(), expected);
        }
    }

    #[test]
    fn a_head_must_be_as_wide_as_the_encoder() {
        let device = Device::flex();
        let labels = Tagset::from_types(&["PER"], Scheme::Iob2).unwrap();
        let config = tiny_config(&labels);
        let head = Head::random(HeadKind::Linear, labels, config.hidden_size + 1, 0.1, 1, &device).unwrap();
        let error = TaggerModel::new(BertModel::init(&config, &device), Tagger::new(head)).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("the head reads {}-wide states, the encoder gives {}", config.hidden_size + 1, config.hidden_size)
        );
        let head_only = TaggerModel::head_only(Tagger::new(
            Head::random(HeadKind::Linear, Tagset::from_types(&["X"], Scheme::Iob2).unwrap(), 4, 0.0, 1, &device)
                .unwrap(),
        ));
        let input = BertInput::new(&[vec![2, 3]], &[vec![0; 2]], &[vec![1; 2]], &config, &device).unwrap();
        assert!(head_only.encode(&input).unwrap_err().to_string().contains("no encoder"));
    }

    #[test]
    fn decoding_reads_the_masked_positions_and_a_crf_keeps_the_scheme() {
        let device = Device::flex();
        let labels = Tagset::from_types(&["PER"], Scheme::Iob2).unwrap(); // O, B-PER, I-PER
        // Hidden states that make the head prefer I-PER everywhere: an
        // argmax says I-PER, Viterbi under IOB2 may not start with it.
        let head = Head::random(HeadKind::Linear, labels.clone(), 3, 0.0, 1, &device).unwrap();
        let plain = TaggerModel::head_only(Tagger::new(head.clone()));
        let hidden = Tensor::<3>::from_data(TensorData::new(vec![1.0f32; 2 * 4 * 3], [2, 4, 3]), &device);
        let mask = [true, false, true, true, true, true, false, false];
        let decoded = plain.decode(hidden.clone(), &mask).unwrap();
        assert_eq!(decoded.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 2]);

        let crf = TaggerModel::head_only(Tagger::with_new_crf(head, Some(Scheme::Iob2), 3).unwrap());
        for row in crf.decode(hidden, &mask).unwrap() {
            let tags: Vec<&str> = row.iter().map(|&id| labels.label(id).unwrap()).collect();
            assert!(retag_data::scheme::violations(&tags, Scheme::Iob2).is_empty(), "{tags:?}");
        }
        assert!(plain.decode(Tensor::zeros([1, 2, 3], &device), &[true]).is_err());
    }
}
