//! `retag.Tagger`: a model loaded once, tagging batches of sentences.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use retag_data::Scheme;
use retag_data::jsonl::{CharSpan, TextTokenizer, char_spans, split_text};
use retag_data::scheme::OnInvalid;
use retag_predict::{PredictOptions, Predictor};

use crate::errors;

/// A token-classification model and its tokenizer, loaded once. Tagging
/// takes whole batches (no Python call per sentence or per token) and
/// releases the interpreter while the model runs.
#[pyclass(frozen, module = "retag._retag")]
pub struct Tagger {
    predictor: Predictor,
    scheme: Scheme,
}

#[pymethods]
impl Tagger {
    /// Loads the model folder `model` (a HuggingFace token-classification
    /// checkpoint, or one retag wrote) on `backend` ("cpu", or "gpu" in a
    /// wheel built with the `wgpu` feature). `batch_size`, `max_len` and
    /// `stride` are `retag predict`'s options of the same names.
    #[new]
    #[pyo3(signature = (model, *, backend = "cpu", batch_size = None, max_len = None, stride = None))]
    fn new(
        py: Python<'_>,
        model: PathBuf,
        backend: &str,
        batch_size: Option<usize>,
        max_len: Option<usize>,
        stride: Option<usize>,
    ) -> PyResult<Self> {
        let device = retag_cli::device_named(backend).map_err(|error| errors::value(retag_cli::error_chain(&error)))?;
        let options = PredictOptions {
            batch_size: batch_size.unwrap_or(retag_predict::DEFAULT_BATCH_SIZE),
            max_len,
            stride,
            ..PredictOptions::default()
        };
        let predictor = py.detach(|| retag_cli::load_predictor(&model, &device, options)).map_err(errors::runtime)?;
        let scheme = Scheme::from_labels(predictor.labels().labels());
        Ok(Self { predictor, scheme })
    }

    /// The labels the model predicts, in the order of its outputs.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.predictor.labels().labels().to_vec()
    }

    /// Tags pre-tokenised sentences: a list of sentences, each a list of
    /// words, in; a list of tag lists (one tag a word) out.
    fn tag(&self, py: Python<'_>, sentences: Vec<Vec<String>>) -> PyResult<Vec<Vec<String>>> {
        py.detach(|| self.predictor.tag(&sentences)).map_err(|error| errors::runtime(error.into()))
    }

    /// The entities in each text: a list of dicts `{"start", "end",
    /// "label", "text"}` a text, with `start` and `end` character offsets
    /// into that text (as Python slices it: `text[start:end]`). Words are
    /// split at whitespace; `split_punctuation=True` also makes every ASCII
    /// punctuation mark a word of its own ("Paris." is two words).
    #[pyo3(signature = (texts, *, split_punctuation = false))]
    fn entities<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
        split_punctuation: bool,
    ) -> PyResult<Vec<Vec<Bound<'py, PyDict>>>> {
        let splitter =
            if split_punctuation { TextTokenizer::WhitespaceAndPunctuation } else { TextTokenizer::Whitespace };
        let words: Vec<_> = texts.iter().map(|text| split_text(text, splitter)).collect();
        let spans = py
            .detach(|| -> anyhow::Result<Vec<Vec<CharSpan>>> {
                let sentences: Vec<Vec<&str>> =
                    words.iter().map(|tokens| tokens.iter().map(|token| token.text.as_str()).collect()).collect();
                let tags = self.predictor.tag(&sentences)?;
                tags.iter()
                    .zip(&words)
                    .enumerate()
                    .map(|(index, (tags, tokens))| {
                        char_spans(tokens, tags, self.scheme, OnInvalid::Repair).map_err(|violation| {
                            anyhow::anyhow!(
                                "text {index}, word {}: the model's tag {:?} does not decode: {}",
                                violation.index + 1,
                                violation.tag,
                                violation.reason
                            )
                        })
                    })
                    .collect()
            })
            .map_err(errors::runtime)?;
        spans
            .into_iter()
            .zip(&texts)
            .map(|(spans, text)| spans.iter().map(|span| entity_dict(py, span, text)).collect())
            .collect()
    }

    /// The model folder's labels and options, for `print(tagger)`.
    fn __repr__(&self) -> String {
        format!(
            "Tagger(labels={:?}, batch_size={})",
            self.predictor.labels().labels(),
            self.predictor.options().batch_size
        )
    }
}

/// An entity as Python gets it: its character range, label and text.
fn entity_dict<'py>(py: Python<'py>, span: &CharSpan, text: &str) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("start", span.start)?;
    dict.set_item("end", span.end)?;
    dict.set_item("label", &span.label)?;
    let surface: String = text.chars().skip(span.start).take(span.end - span.start).collect();
    dict.set_item("text", surface)?;
    Ok(dict)
}
