//! The JSON records the reader accepts, as serde sees them, before any check.

use serde::Deserialize;

/// One line of a JSONL file. Fields other than these are ignored (doccano
/// and spaCy exports carry ids and metadata).
#[derive(Debug, Deserialize)]
#[serde(expecting = "a JSON object with \"tokens\" and \"tags\", or \"text\" and \"spans\"")]
pub(crate) struct RawRecord {
    /// Token shape.
    pub tokens: Option<Vec<String>>,
    /// Token shape; `ner_tags` as Hugging Face datasets name it, whose
    /// `to_json` writes integer class ids (read with label names, see
    /// [`crate::hf`]).
    #[serde(alias = "ner_tags")]
    pub tags: Option<Vec<RawTag>>,
    /// Text shape.
    pub text: Option<String>,
    /// Text shape: spaCy/Prodigy-style `spans`, doccano's newer `entities`.
    #[serde(alias = "entities")]
    pub spans: Option<Vec<RawSpan>>,
    /// Text shape: doccano's `label` arrays, `[[start, end, "PER"], ...]`.
    pub label: Option<Vec<RawSpan>>,
}

/// A tag as written: a name, or an integer class id as HuggingFace
/// `datasets` writes a `ClassLabel`.
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "a tag: a string such as \"B-PER\", or an integer class id")]
pub(crate) enum RawTag {
    Name(String),
    Id(i64),
}

/// A character span as the common exports write it.
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "a span: {\"start\": S, \"end\": E, \"label\": L} or [S, E, L]")]
pub(crate) enum RawSpan {
    Object {
        #[serde(alias = "start_offset")]
        start: usize,
        #[serde(alias = "end_offset")]
        end: usize,
        label: String,
    },
    Triple(usize, usize, String),
}

impl RawSpan {
    pub fn into_parts(self) -> CharSpan {
        match self {
            RawSpan::Object { start, end, label } | RawSpan::Triple(start, end, label) => {
                CharSpan { start, end, label }
            }
        }
    }
}

/// An entity given by character offsets into a text: `start..end`, end
/// exclusive, counted in Unicode scalar values (what Python's `str` indexes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharSpan {
    pub start: usize,
    pub end: usize,
    pub label: String,
}
