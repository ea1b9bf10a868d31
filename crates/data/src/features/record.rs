//! Input features inside a model folder: a description per source (what a
//! model folder's `retag-model.json` lists under `input_features`) and the
//! source files themselves, copied verbatim into [`FEATURES_DIR`]. A model
//! trained with a gazetteer thus predicts with that gazetteer, as it was,
//! wherever the folder is moved and whatever becomes of the original file.
//!
//! Loading parses the copies with the recorded options and checks that they
//! give the recorded channels: a copy edited by hand into another set of
//! types would otherwise feed the model's embedding tables values they were
//! not trained on (the model checks the tables' shapes against the channels).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::DataError;
use crate::features::spec::{CaseMode, GazetteerOptions, Membership, UnicodeForm};
use crate::features::{FeatureSource, Gazetteer, InputFeatures, RegexFeatures, read_text};
use crate::location::Location;

/// The subfolder of a model folder that holds the features' files.
pub const FEATURES_DIR: &str = "input-features";

/// One source of features as a model folder describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum FeatureRecord {
    /// The word-shape classes (nothing to store: they are code).
    Shape,
    Gazetteer {
        /// The copy, relative to the model folder.
        file: String,
        /// Where the training run read it (for the record only; never read again).
        source: String,
        case: CaseMode,
        unicode: UnicodeForm,
        by: Membership,
        /// The channels it gives: types (`""` for untyped entries, or the whole file).
        channels: Vec<String>,
    },
    Regex {
        file: String,
        source: String,
        /// The patterns' names, one channel each.
        patterns: Vec<String>,
    },
}

impl InputFeatures {
    /// Copies each source's file into `dir`'s [`FEATURES_DIR`] and returns
    /// the descriptions to keep beside them.
    pub fn save(&self, dir: &Path) -> Result<Vec<FeatureRecord>, DataError> {
        let folder = dir.join(FEATURES_DIR);
        let copy = |text: &str, name: String| -> Result<String, DataError> {
            std::fs::create_dir_all(&folder).map_err(|source| DataError::Io { path: folder.clone(), source })?;
            let path = folder.join(&name);
            std::fs::write(&path, text).map_err(|source| DataError::Io { path: path.clone(), source })?;
            Ok(format!("{FEATURES_DIR}/{name}"))
        };
        let mut records = Vec::with_capacity(self.sources().len());
        for (index, source) in self.sources().iter().enumerate() {
            records.push(match source {
                FeatureSource::Shape => FeatureRecord::Shape,
                FeatureSource::Gazetteer(gazetteer) => {
                    let GazetteerOptions { case, unicode, by } = gazetteer.options();
                    FeatureRecord::Gazetteer {
                        file: copy(gazetteer.text(), format!("{}-gazetteer.txt", index + 1))?,
                        source: gazetteer.source().display().to_string(),
                        case,
                        unicode,
                        by,
                        channels: gazetteer.channels().to_vec(),
                    }
                }
                FeatureSource::Regex(patterns) => FeatureRecord::Regex {
                    file: copy(patterns.text(), format!("{}-regex.tsv", index + 1))?,
                    source: patterns.source().display().to_string(),
                    patterns: patterns.names(),
                },
            });
        }
        Ok(records)
    }

    /// The features `records` describe, their files read from `dir`;
    /// `description` (the file that holds the records) is named in errors.
    pub fn load(dir: &Path, records: &[FeatureRecord], description: &Path) -> Result<Self, DataError> {
        let refuse = |index: usize, reason: String| DataError::Malformed {
            at: Location::file(description),
            reason: format!("input feature {}: {reason}", index + 1),
        };
        let mut sources = Vec::with_capacity(records.len());
        for (index, record) in records.iter().enumerate() {
            let source = match record {
                FeatureRecord::Shape => FeatureSource::Shape,
                FeatureRecord::Gazetteer { file, source, case, unicode, by, channels } => {
                    let path = inside(dir, file).map_err(|reason| refuse(index, reason))?;
                    let options = GazetteerOptions { case: *case, unicode: *unicode, by: *by };
                    let gazetteer = Gazetteer::parse(read_text(&path)?, options, &path)?.with_source(source.into());
                    if gazetteer.channels() != channels.as_slice() {
                        return Err(refuse(
                            index,
                            format!(
                                "{file} gives the channels {:?}, the description says {channels:?}",
                                gazetteer.channels()
                            ),
                        ));
                    }
                    FeatureSource::Gazetteer(gazetteer)
                }
                FeatureRecord::Regex { file, source, patterns } => {
                    let path = inside(dir, file).map_err(|reason| refuse(index, reason))?;
                    let regexes = RegexFeatures::parse(read_text(&path)?, &path)?.with_source(source.into());
                    if &regexes.names() != patterns {
                        return Err(refuse(
                            index,
                            format!(
                                "{file} holds the patterns {:?}, the description says {patterns:?}",
                                regexes.names()
                            ),
                        ));
                    }
                    FeatureSource::Regex(regexes)
                }
            };
            sources.push(source);
        }
        Ok(Self::from_sources(sources))
    }
}

/// `file` inside `dir`'s [`FEATURES_DIR`]: a description may not send the
/// loader elsewhere (an absolute path, `..`), or the folder would not be
/// the whole model.
fn inside(dir: &Path, file: &str) -> Result<std::path::PathBuf, String> {
    let relative = Path::new(file);
    let mut parts = relative.components();
    let plain = matches!(parts.next(), Some(std::path::Component::Normal(first)) if first == FEATURES_DIR)
        && matches!(parts.next(), Some(std::path::Component::Normal(_)))
        && parts.next().is_none();
    if !plain {
        return Err(format!("{file:?} is not a file of the folder's {FEATURES_DIR}/"));
    }
    Ok(dir.join(relative))
}
