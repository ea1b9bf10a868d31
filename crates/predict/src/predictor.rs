//! A tagger model and its tokenizer, tagging words: sentences are aligned to
//! subword windows, and `retag_model::tag_windows` (the routine evaluation
//! during training uses too) sorts the windows by length, batches them with
//! padding to each batch's longest, runs them forward without autodiff and
//! reads each word's label back from the window that owns it (see
//! [`retag_data::align`]).

use std::path::Path;

use burn::module::Module;
use burn::tensor::Device;
use retag_data::align::{AlignOptions, AlignedSentence, WordTokenizer};
use retag_data::{Location, Sentence, Tagset};
use retag_model::TaggerModel;

use crate::error::{PredictError, Result};
use crate::options::PredictOptions;

/// Tags words with a [`TaggerModel`]. Cheap to share: tagging takes `&self`.
#[derive(Debug)]
pub struct Predictor {
    model: TaggerModel,
    tokenizer: WordTokenizer,
    options: PredictOptions,
    align: AlignOptions,
    device: Device,
}

/// What [`Predictor::tag_stream`] went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamSummary {
    pub sentences: usize,
    pub words: usize,
}

impl Predictor {
    /// The checkpoint in `model_dir` (`config.json` with `id2label`,
    /// `model.safetensors`) and the tokenizer beside it (`tokenizer.json`, or
    /// `vocab.txt` and `tokenizer_config.json`), with default options. A
    /// tokenizer that does not state its length gets the model's
    /// (`max_position_embeddings`, less the RoBERTa family's padding rows).
    pub fn load(model_dir: &Path, device: &Device) -> Result<Self> {
        let device = device.clone().without_autodiff();
        let model = retag_model::folder::load(model_dir, &device)?;
        let positions = encoder_config(&model)?.max_positions();
        let tokenizer = WordTokenizer::load_with_fallback_max_length(model_dir, positions)?;
        Self::new(model, tokenizer, PredictOptions::default(), &device)
    }

    /// A predictor from parts. The model is put in validation mode on the
    /// plain (non-autodiff) form of `device`: no graph is built and dropout is off.
    pub fn new(model: TaggerModel, tokenizer: WordTokenizer, options: PredictOptions, device: &Device) -> Result<Self> {
        let align = options.resolve(encoder_config(&model)?, &tokenizer)?;
        let device = device.clone().without_autodiff();
        let model = model.valid();
        Ok(Self { model, tokenizer, options, align, device })
    }

    /// The same model with other options, checked against it.
    pub fn with_options(self, options: PredictOptions) -> Result<Self> {
        let align = options.resolve(encoder_config(&self.model)?, &self.tokenizer)?;
        Ok(Self { options, align, ..self })
    }

    /// The labels the model predicts, in the order of its outputs.
    pub fn labels(&self) -> &Tagset {
        self.model.tagset()
    }

    pub fn options(&self) -> &PredictOptions {
        &self.options
    }

    /// The windows sentences are cut into (`max_len` and stride filled in).
    pub fn align_options(&self) -> &AlignOptions {
        &self.align
    }

    pub fn model(&self) -> &TaggerModel {
        &self.model
    }

    pub fn tokenizer(&self) -> &WordTokenizer {
        &self.tokenizer
    }

    /// One tag per word of each sentence, from the model's tagset. An empty
    /// sentence gets no tags. Errors name the sentence by its 1-based number.
    pub fn tag<S: AsRef<str>>(&self, sentences: &[Vec<S>]) -> Result<Vec<Vec<String>>> {
        let aligned = sentences
            .iter()
            .enumerate()
            .map(|(index, words)| {
                self.tokenizer.align_words(words, None, &self.align, &Location::unnamed(Some(index + 1)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.predict(&aligned)
    }

    /// [`Predictor::tag`] for sentences read from `source` (their tags, if
    /// any, are ignored); errors name the file and the sentence's line.
    pub fn tag_sentences(&self, sentences: &[Sentence], source: &Location) -> Result<Vec<Vec<String>>> {
        let aligned = sentences
            .iter()
            .map(|sentence| self.tokenizer.align_words(&sentence.tokens, None, &self.align, &sentence.location(source)))
            .collect::<Result<Vec<_>, _>>()?;
        self.predict(&aligned)
    }

    /// Tags a stream of sentences read from `source`, `chunk_sentences` at a
    /// time: a chunk is read, tagged and handed to `write` (each sentence with
    /// its predicted tags in place of any it had, its lines kept) before the
    /// next is read, so memory does not grow with the input. Stops at the
    /// first reading or writing error.
    pub fn tag_stream<I, F>(&self, sentences: I, source: &Location, mut write: F) -> Result<StreamSummary>
    where
        I: IntoIterator<Item = retag_data::Result<Sentence>>,
        F: FnMut(Sentence) -> Result<()>,
    {
        let mut sentences = sentences.into_iter();
        let mut summary = StreamSummary::default();
        let mut chunk = Vec::with_capacity(self.options.chunk_sentences.min(1 << 16));
        loop {
            for sentence in sentences.by_ref().take(self.options.chunk_sentences) {
                chunk.push(sentence?);
            }
            if chunk.is_empty() {
                return Ok(summary);
            }
            let started = std::time::Instant::now();
            let tags = self.tag_sentences(&chunk, source)?;
            tracing::debug!(sentences = chunk.len(), seconds = started.elapsed().as_secs_f64(), "tagged a chunk");
            for (sentence, tags) in chunk.drain(..).zip(tags) {
                summary.sentences += 1;
                summary.words += sentence.tokens.len();
                write(Sentence { tags, ..sentence })?;
            }
        }
    }

    /// Runs the windows of `aligned`, longest first in batches, and reads one
    /// label per word back.
    fn predict(&self, aligned: &[AlignedSentence]) -> Result<Vec<Vec<String>>> {
        let pad = self.tokenizer.special_tokens().pad;
        let ids = retag_model::tag_windows(&self.model, aligned, self.options.batch_size, pad, &self.device)?;
        ids.into_iter()
            .zip(aligned)
            .map(|(ids, sentence)| {
                ids.into_iter()
                    .map(|id| {
                        self.labels().label(id).map(str::to_string).ok_or_else(|| PredictError::Mismatch {
                            at: sentence.at.clone(),
                            reason: format!(
                                "the model predicted label id {id}, its tagset has {}",
                                self.labels().len()
                            ),
                        })
                    })
                    .collect()
            })
            .collect()
    }
}

/// The encoder's config: a model to predict with reads words, so it needs its encoder.
fn encoder_config(model: &TaggerModel) -> Result<&retag_bert::BertConfig> {
    model.encoder().map(|encoder| &encoder.config).ok_or_else(|| PredictError::InvalidOption {
        option: "model",
        reason: "the model has no encoder (a head trained on cached outputs): put its encoder back first".into(),
    })
}
