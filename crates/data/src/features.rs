//! Per-word input features (`--input-features`): what a word looks like, which
//! gazetteer entries it is inside, which patterns it matches. They give a
//! retrained model what its encoder may lack (a rare type's names, a shape the
//! subwords hide); the model learns how much to trust each of them, as a
//! small embedding joined to the encoder's output (`retag_model`'s `features`).
//!
//! - [`spec`]: the flag's grammar, [`FeatureSpec`];
//! - [`shape`]: the eleven word-shape classes;
//! - [`gazetteer`]: gazetteer files and longest-first matching, BIO-encoded;
//! - [`regex_features`]: files of named patterns, each matched against whole words;
//! - [`record`]: the features saved inside a model folder, files included;
//! - [`collect`]: a gazetteer made from annotated data (`retag data gazetteer`).
//!
//! Features are values of *channels*: `shape` is one channel; a gazetteer
//! gives one BIO channel per type (or per file); a regex file gives one
//! yes/no channel per pattern. Each channel's value 0 means "no word" (the
//! `[CLS]`/`[SEP]` tokens and padding); each subword of a word takes the
//! word's values. The features are computed from the words a sentence was
//! aligned from ([`AlignedSentence::words`]) whenever a model reads a batch,
//! so any model (an old one with its own features included) reads the same
//! aligned data, and a reloaded model recomputes exactly what it was trained on.

pub mod collect;
pub mod gazetteer;
pub mod record;
pub mod regex_features;
pub mod shape;
pub mod spec;

use std::collections::HashMap;
use std::path::Path;

pub use gazetteer::{Bio, Gazetteer};
pub use regex_features::RegexFeatures;
pub use shape::Shape;
pub use spec::{CaseMode, FeatureSpec, FeatureSpecProblem, GazetteerOptions, Membership, SourceSpec, UnicodeForm};

use crate::align::{AlignedSentence, Batch};
use crate::error::DataError;
use crate::location::Location;

/// One source of features, read and ready.
#[derive(Debug, Clone)]
pub enum FeatureSource {
    Shape,
    Gazetteer(Gazetteer),
    Regex(RegexFeatures),
}

/// One channel: a name to show, and how many values it takes (0, "no word", included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub name: String,
    pub values: usize,
}

/// The input features of a model: its sources, in order.
#[derive(Debug, Clone)]
pub struct InputFeatures {
    sources: Vec<FeatureSource>,
}

/// A batch's feature values: for each channel, row-major `[rows * seq_len]`
/// values, 0 at special tokens and padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureIds {
    pub rows: usize,
    pub seq_len: usize,
    pub channels: Vec<Vec<u32>>,
}

impl InputFeatures {
    /// Reads the files `spec` names; errors name the file and line.
    pub fn read(spec: &FeatureSpec) -> Result<Self, DataError> {
        let sources = spec
            .sources()
            .iter()
            .map(|source| {
                Ok(match source {
                    SourceSpec::Shape => FeatureSource::Shape,
                    SourceSpec::Gazetteer { path, options } => {
                        FeatureSource::Gazetteer(Gazetteer::read(path, *options)?)
                    }
                    SourceSpec::Regex { path } => FeatureSource::Regex(RegexFeatures::read(path)?),
                })
            })
            .collect::<Result<Vec<_>, DataError>>()?;
        Ok(Self::from_sources(sources))
    }

    pub fn from_sources(sources: Vec<FeatureSource>) -> Self {
        Self { sources }
    }

    pub fn sources(&self) -> &[FeatureSource] {
        &self.sources
    }

    /// Every channel, source by source, in the order of [`Self::word_ids`].
    pub fn channels(&self) -> Vec<Channel> {
        let mut channels = Vec::new();
        for source in &self.sources {
            match source {
                FeatureSource::Shape => {
                    channels.push(Channel { name: "shape".into(), values: Shape::ALL.len() + 1 });
                }
                FeatureSource::Gazetteer(gazetteer) => {
                    let file = stem(gazetteer.source());
                    channels.extend(gazetteer.channels().iter().map(|kind| Channel {
                        name: if kind.is_empty() {
                            format!("gazetteer {file}")
                        } else {
                            format!("gazetteer {file} {kind}")
                        },
                        values: Bio::VALUES,
                    }));
                }
                FeatureSource::Regex(patterns) => {
                    let file = stem(patterns.source());
                    channels.extend(
                        patterns.names().into_iter().map(|name| Channel {
                            name: format!("regex {file} {name}"),
                            values: regex_features::VALUES,
                        }),
                    );
                }
            }
        }
        channels
    }

    /// The values of every channel for each word of one sentence: `[channel][word]`.
    pub fn word_ids<S: AsRef<str>>(&self, words: &[S]) -> Vec<Vec<u32>> {
        let mut ids = Vec::new();
        for source in &self.sources {
            match source {
                FeatureSource::Shape => ids.push(words.iter().map(|word| Shape::of(word.as_ref()).id()).collect()),
                FeatureSource::Gazetteer(gazetteer) => {
                    ids.extend(gazetteer.mark(words).into_iter().map(|tags| tags.into_iter().map(Bio::id).collect()))
                }
                FeatureSource::Regex(patterns) => ids.extend(patterns.mark(words)),
            }
        }
        ids
    }

    /// The values of a batch of windows of `sentences` (each aligned with its
    /// words, as [`crate::align::WordTokenizer::align_words`] keeps them):
    /// each subword takes its word's values, special tokens and padding 0.
    /// Each sentence's features are computed over the whole sentence, so a
    /// gazetteer entry cut by a window boundary is still found.
    pub fn batch_ids(&self, batch: &Batch, sentences: &[AlignedSentence]) -> Result<FeatureIds, DataError> {
        let channels = self.channels().len();
        let mut ids = vec![vec![0u32; batch.len() * batch.seq_len]; channels];
        let mut per_sentence: HashMap<usize, Vec<Vec<u32>>> = HashMap::new();
        for (row, origin) in batch.origins.iter().enumerate() {
            let sentence = sentences.get(origin.sentence).ok_or_else(|| DataError::InvalidOption {
                option: "batch".into(),
                reason: format!("row {} names sentence {}, which does not exist", row + 1, origin.sentence + 1),
            })?;
            if sentence.words.len() != sentence.word_count {
                return Err(DataError::Mismatch {
                    at: sentence.at.clone(),
                    reason: format!(
                        "the sentence was aligned without its words ({} of {}); input features are computed from them",
                        sentence.words.len(),
                        sentence.word_count
                    ),
                });
            }
            let words = per_sentence.entry(origin.sentence).or_insert_with(|| self.word_ids(&sentence.words));
            let window = sentence.windows.get(origin.window).ok_or_else(|| DataError::Mismatch {
                at: sentence.at.clone(),
                reason: format!("batch row {} names window {}, which does not exist", row + 1, origin.window + 1),
            })?;
            for (position, word) in window.word_index.iter().enumerate() {
                let Some(word) = word else { continue };
                for (channel, values) in words.iter().enumerate() {
                    ids[channel][row * batch.seq_len + position] = values[*word];
                }
            }
        }
        Ok(FeatureIds { rows: batch.len(), seq_len: batch.seq_len, channels: ids })
    }

    /// What the features compute from, as a 64-bit FNV-1a hash: each
    /// source's kind, options and file contents. A resumed run compares it
    /// with its checkpoint's, so that a gazetteer edited in place between
    /// the two is caught as other data is.
    pub fn fingerprint(&self) -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |bytes: &[u8]| {
            for &byte in (bytes.len() as u64).to_le_bytes().iter().chain(bytes) {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
        };
        for source in &self.sources {
            match source {
                FeatureSource::Shape => feed(b"shape"),
                FeatureSource::Gazetteer(gazetteer) => {
                    let options = gazetteer.options();
                    feed(format!("gazetteer {} {} {}", options.case, options.unicode, options.by).as_bytes());
                    feed(gazetteer.text().as_bytes());
                }
                FeatureSource::Regex(patterns) => {
                    feed(b"regex");
                    feed(patterns.text().as_bytes());
                }
            }
        }
        hash
    }
}

/// A file's name without its extension, to name its channels.
fn stem(path: &Path) -> String {
    path.file_stem().map_or_else(|| path.display().to_string(), |stem| stem.to_string_lossy().into_owned())
}

/// The text of a feature file; a file that is not UTF-8 is refused at the
/// line of its first bad byte.
pub(crate) fn read_text(path: &Path) -> Result<String, DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
    String::from_utf8(bytes).map_err(|error| {
        let good = &error.as_bytes()[..error.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&byte| byte == b'\n').count() + 1;
        DataError::Malformed { at: Location::line(path, line), reason: "not UTF-8 text".into() }
    })
}
