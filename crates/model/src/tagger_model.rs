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
//!
//! So are per-word input features ([`FeatureEmbeddings`]: word shape,
//! gazetteers, patterns), joined after the adapter's: the head reads
//! `hidden + adapter width + features width`. They are computed from the
//! words of the sentences a batch's windows come from
//! ([`TaggerModel::encode_batch`]), so windows aligned once serve every
//! model, whatever features it reads.

use burn::module::Module;
use burn::nn::DropoutConfig;
use burn::tensor::{Bool, Device, Tensor, TensorData};
use retag_bert::{BertConfig, BertForTokenClassification, BertInput, BertModel};
use retag_data::Tagset;
use retag_data::align::{AlignedSentence, Batch};
use retag_data::features::{FeatureIds, InputFeatures};
use retag_heads::targets::{label_tensors, token_cross_entropy};
use retag_heads::{Head, LinearHead, Tagger};

use crate::adapter::Adapter;
use crate::error::{ModelError, Result};
use crate::features::FeatureEmbeddings;
use crate::word_tags::encoder_input;

#[derive(Module, Debug)]
pub struct TaggerModel {
    /// `None` while a head trains over cached encoder outputs.
    encoder: Option<BertModel>,
    /// Features from an old model's predictions, joined to the encoder's output.
    adapter: Option<Adapter>,
    tagger: Tagger,
    /// Per-word input features, joined after the adapter's. Last, so that
    /// the record of a model without them is what it always was.
    features: Option<FeatureEmbeddings>,
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
        Self::from_parts(encoder, Some(adapter), None, tagger)
    }

    /// `tagger` on top of `encoder`, with an adapter and input features if
    /// given, whose widths must add up to what the head reads.
    pub fn from_parts(
        encoder: BertModel,
        adapter: Option<Adapter>,
        features: Option<FeatureEmbeddings>,
        tagger: Tagger,
    ) -> Result<Self> {
        let model = Self { encoder: None, adapter, tagger, features };
        model.with_encoder(encoder)
    }

    /// A tagger with no encoder, for hidden states computed elsewhere.
    pub fn head_only(tagger: Tagger) -> Self {
        Self { encoder: None, adapter: None, tagger, features: None }
    }

    /// This model's tagger on `encoder` (replacing any encoder it had).
    pub fn with_encoder(self, mut encoder: BertModel) -> Result<Self> {
        check_width(&self.tagger, encoder.config.hidden_size, self.adapter.as_ref(), self.features.as_ref())?;
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
        check_width(&self.tagger, encoder.config.hidden_size, Some(&adapter), self.features.as_ref())?;
        Ok(Self { adapter: Some(adapter), ..self })
    }

    /// This model with `features` joined to what its encoder (and adapter)
    /// give (replacing any features it had). The head must read the sum of
    /// the widths; a model without an encoder (a head over cached encoder
    /// outputs) takes the features on trust until its encoder is back.
    pub fn with_features(self, features: FeatureEmbeddings) -> Result<Self> {
        if let Some(encoder) = &self.encoder {
            check_width(&self.tagger, encoder.config.hidden_size, self.adapter.as_ref(), Some(&features))?;
        }
        Ok(Self { features: Some(features), ..self })
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
        let Self { encoder, adapter, tagger, features } = self;
        let encoder = encoder.ok_or_else(|| ModelError::mismatch("the model has no encoder to export"))?;
        if adapter.is_some() {
            return Err(ModelError::mismatch(
                "a model with an adapter is not a HuggingFace token-classification model",
            ));
        }
        if features.is_some() {
            return Err(ModelError::mismatch(
                "a model with input features is not a HuggingFace token-classification model",
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
            && self.features.is_none()
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
    /// adapter, which reads windows as the encoder does, goes too; input
    /// features, computed from words, stay with the tagger.
    pub fn split_encoder(self) -> (Option<BertModel>, Self) {
        (self.encoder, Self { encoder: None, adapter: None, tagger: self.tagger, features: self.features })
    }

    /// The input features' tables, if the model reads any.
    pub fn feature_embeddings(&self) -> Option<&FeatureEmbeddings> {
        self.features.as_ref()
    }

    /// The input features the model computes from words, if any.
    pub fn input_features(&self) -> Option<&InputFeatures> {
        self.features.as_ref().map(FeatureEmbeddings::features)
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

    /// What the head reads for a batch of windows of a model without input
    /// features: the encoder's last hidden states, followed on each token by
    /// the adapter's features if there is one. A model with input features
    /// needs the words: [`Self::encode_batch`], or [`Self::encode_with`].
    pub fn encode(&self, input: &BertInput) -> Result<Tensor<3>> {
        self.encode_with(input, None)
    }

    /// [`Self::encode`] with the input features' values of the batch
    /// (`None` for a model without them), joined last.
    pub fn encode_with(&self, input: &BertInput, features: Option<&FeatureIds>) -> Result<Tensor<3>> {
        let encoder = self
            .encoder
            .as_ref()
            .ok_or_else(|| ModelError::mismatch("the model has no encoder: it reads cached encoder outputs"))?;
        let hidden = encoder.forward(input);
        let hidden = match &self.adapter {
            None => hidden,
            Some(adapter) => Tensor::cat(vec![hidden, adapter.forward(input)?], 2),
        };
        self.join_features(hidden, features)
    }

    /// What the head reads for `batch`, windows of `sentences`: the encoder's
    /// input is made from the batch, the input features' values (if the
    /// model has any) from the sentences' words.
    pub fn encode_batch(&self, batch: &Batch, sentences: &[AlignedSentence], device: &Device) -> Result<Tensor<3>> {
        let encoder = self
            .encoder
            .as_ref()
            .ok_or_else(|| ModelError::mismatch("the model has no encoder: it cannot read windows of subwords"))?;
        let input = encoder_input(batch, &encoder.config, device)?;
        let features = self.input_features().map(|features| features.batch_ids(batch, sentences)).transpose()?;
        self.encode_with(&input, features.as_ref())
    }

    /// `hidden` `[rows, seq, width]` followed at each position by the input
    /// features' embeddings of `features`: how states computed elsewhere
    /// (cached encoder outputs) get them too. A model without input features
    /// takes `None` and returns `hidden`.
    pub fn join_features(&self, hidden: Tensor<3>, features: Option<&FeatureIds>) -> Result<Tensor<3>> {
        match (&self.features, features) {
            (None, None) => Ok(hidden),
            (Some(embeddings), Some(ids)) => {
                let [rows, seq, _] = hidden.dims();
                if [ids.rows, ids.seq_len] != [rows, seq] {
                    return Err(ModelError::mismatch(format!(
                        "input features for {} rows of {}, states for {rows} rows of {seq}",
                        ids.rows, ids.seq_len
                    )));
                }
                Ok(Tensor::cat(vec![hidden, embeddings.forward(ids)?], 2))
            }
            (Some(_), None) => Err(ModelError::mismatch(
                "the model reads input features, and the batch came without them (they are computed from the words)",
            )),
            (None, Some(_)) => Err(ModelError::mismatch("input features for a model that reads none")),
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
/// encoder `hidden` wide, `adapter` and `features` give together.
fn check_width(
    tagger: &Tagger,
    hidden: usize,
    adapter: Option<&Adapter>,
    features: Option<&FeatureEmbeddings>,
) -> Result<()> {
    let reads = tagger.head().hidden_size();
    let mut parts = vec![("the encoder", hidden)];
    parts.extend(adapter.map(|adapter| ("the adapter", adapter.width())));
    parts.extend(features.map(|features| ("the input features", features.width())));
    let total: usize = parts.iter().map(|(_, width)| width).sum();
    if reads == total {
        return Ok(());
    }
    Err(ModelError::mismatch(match parts.as_slice() {
        [(_, hidden)] => format!("the head reads {reads}-wide states, the encoder gives {hidden}"),
        _ => {
            let names: Vec<&str> = parts.iter().map(|(name, _)| *name).collect();
            let widths: Vec<String> = parts.iter().map(|(_, width)| width.to_string()).collect();
            let names = match names.split_last() {
                Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                None => String::new(),
            };
            format!("the head reads {reads}-wide states, {names} give {}", widths.join(" + "))
        }
    }))
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
