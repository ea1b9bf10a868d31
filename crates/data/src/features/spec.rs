//! What `--input-features shape,gazetteer:PATH,regex:PATH` asks for: the
//! sources of per-word input features and their options, read once and
//! checked, so that loading the files and the records of a run (its config,
//! its checkpoint) can trust them.
//!
//! The grammar, part by part (parts are separated by commas, so a path may
//! not hold one):
//!
//! - `shape`: the word's shape class ([`super::shape`]);
//! - `gazetteer:PATH`: membership in the entries of a gazetteer file
//!   ([`super::gazetteer`]), with options written between the kind and the
//!   colon, each after a `+`: `gazetteer+case=sensitive+unicode=nfc+by=file:PATH`;
//! - `regex:PATH`: a file of named patterns, one feature each ([`super::regex_features`]).
//!
//! Everything after the first colon is the path, colons included.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::DataError;

/// How a gazetteer compares letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseMode {
    /// Entries and words are lowercased (`str::to_lowercase`, Unicode's
    /// default lowercase mapping) before they are compared, so `paris`
    /// matches `Paris` and `PARIS`. Not full case folding: `STRASSE` does not
    /// match `straße`.
    #[default]
    Insensitive,
    /// Letters are compared as written (after Unicode normalisation).
    Sensitive,
}

/// Which Unicode normalisation a gazetteer applies to entries and words
/// before comparing them (UAX #15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnicodeForm {
    /// Compatibility composition: `é` written as `e` + combining accent
    /// matches the precomposed `é`, the ligature `ﬁ` matches `fi`, full-width
    /// `ＩＢＭ` matches `IBM`. Social-media text is full of such variants.
    #[default]
    Nfkc,
    /// Canonical composition: only the two spellings of `é` are one.
    Nfc,
    /// Code points compared as they are.
    None,
}

/// What one channel of a gazetteer's features stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Membership {
    /// One BIO channel per type of the file's type column (entries without
    /// a type share one more): a word can be inside a `LOC` entry and a
    /// `PER` entry at once.
    #[default]
    Type,
    /// One BIO channel for the whole file, its types ignored.
    File,
}

/// A gazetteer file and how it is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct GazetteerOptions {
    pub case: CaseMode,
    pub unicode: UnicodeForm,
    pub by: Membership,
}

/// One source of per-word features, as the spec names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SourceSpec {
    Shape,
    Gazetteer { path: PathBuf, options: GazetteerOptions },
    Regex { path: PathBuf },
}

impl SourceSpec {
    pub fn kind(&self) -> &'static str {
        match self {
            SourceSpec::Shape => "shape",
            SourceSpec::Gazetteer { .. } => "gazetteer",
            SourceSpec::Regex { .. } => "regex",
        }
    }
}

/// Why one part of a spec was refused; [`DataError::FeatureSpec`] names the part.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FeatureSpecProblem {
    #[error("no feature; give e.g. shape,gazetteer:cities.txt,regex:patterns.tsv")]
    Empty,
    #[error("an empty part (two commas in a row, or one at an end)")]
    EmptyPart,
    #[error("unknown feature {name:?}; expected shape, gazetteer:PATH or regex:PATH")]
    UnknownKind { name: String },
    #[error("{kind} needs a file: {kind}:PATH")]
    MissingPath { kind: &'static str },
    #[error("shape reads the word itself and takes no file")]
    UnexpectedPath,
    #[error("{kind} takes no option {option:?}{}", if *kind == "gazetteer" { "; gazetteer's are case=, unicode= and by=" } else { "" })]
    UnknownOption { kind: &'static str, option: String },
    #[error("{option}={value:?}: expected {expected}")]
    BadValue { option: &'static str, value: String, expected: &'static str },
    #[error("{option} is given twice")]
    DuplicateOption { option: &'static str },
    #[error("given twice; give each feature once")]
    Duplicate,
}

/// The sources of a run's input features, in the order the spec gives them
/// (the order of the embedding tables, and of the features joined to the
/// encoder's output).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeatureSpec {
    sources: Vec<SourceSpec>,
}

impl FeatureSpec {
    pub fn sources(&self) -> &[SourceSpec] {
        &self.sources
    }
}

impl FromStr for FeatureSpec {
    type Err = DataError;

    fn from_str(spec: &str) -> Result<Self, DataError> {
        let refuse = |part: &str, problem| DataError::FeatureSpec { part: part.to_string(), problem };
        if spec.trim().is_empty() {
            return Err(refuse(spec, FeatureSpecProblem::Empty));
        }
        let mut sources: Vec<SourceSpec> = Vec::new();
        for part in spec.split(',') {
            let source = parse_part(part).map_err(|problem| refuse(part, problem))?;
            if sources.contains(&source) {
                return Err(refuse(part, FeatureSpecProblem::Duplicate));
            }
            sources.push(source);
        }
        Ok(Self { sources })
    }
}

fn parse_part(part: &str) -> Result<SourceSpec, FeatureSpecProblem> {
    let part = part.trim();
    if part.is_empty() {
        return Err(FeatureSpecProblem::EmptyPart);
    }
    let (head, path) = match part.split_once(':') {
        Some((head, path)) => (head, Some(path)),
        None => (part, None),
    };
    let mut words = head.split('+');
    let name = words.next().unwrap_or_default().trim();
    let options: Vec<&str> = words.collect();
    let path = path.map(str::trim).filter(|path| !path.is_empty()).map(PathBuf::from);
    match name.to_ascii_lowercase().as_str() {
        "shape" => {
            if let Some(option) = options.first() {
                return Err(FeatureSpecProblem::UnknownOption { kind: "shape", option: option.to_string() });
            }
            match path {
                Some(_) => Err(FeatureSpecProblem::UnexpectedPath),
                None => Ok(SourceSpec::Shape),
            }
        }
        "gazetteer" => {
            let options = gazetteer_options(&options)?;
            let path = path.ok_or(FeatureSpecProblem::MissingPath { kind: "gazetteer" })?;
            Ok(SourceSpec::Gazetteer { path, options })
        }
        "regex" => {
            if let Some(option) = options.first() {
                return Err(FeatureSpecProblem::UnknownOption { kind: "regex", option: option.to_string() });
            }
            let path = path.ok_or(FeatureSpecProblem::MissingPath { kind: "regex" })?;
            Ok(SourceSpec::Regex { path })
        }
        _ => Err(FeatureSpecProblem::UnknownKind { name: name.to_string() }),
    }
}

fn gazetteer_options(written: &[&str]) -> Result<GazetteerOptions, FeatureSpecProblem> {
    let mut options = GazetteerOptions::default();
    let mut seen: Vec<&'static str> = Vec::new();
    for option in written {
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
        let bad = |option: &'static str, expected: &'static str| FeatureSpecProblem::BadValue {
            option,
            value: value.to_string(),
            expected,
        };
        let key: &'static str = match key.as_str() {
            "case" => {
                options.case = match value {
                    "insensitive" => CaseMode::Insensitive,
                    "sensitive" => CaseMode::Sensitive,
                    _ => return Err(bad("case", "insensitive or sensitive")),
                };
                "case"
            }
            "unicode" => {
                options.unicode = match value {
                    "nfkc" => UnicodeForm::Nfkc,
                    "nfc" => UnicodeForm::Nfc,
                    "none" => UnicodeForm::None,
                    _ => return Err(bad("unicode", "nfkc, nfc or none")),
                };
                "unicode"
            }
            "by" => {
                options.by = match value {
                    "type" => Membership::Type,
                    "file" => Membership::File,
                    _ => return Err(bad("by", "type or file")),
                };
                "by"
            }
            _ => return Err(FeatureSpecProblem::UnknownOption { kind: "gazetteer", option: option.to_string() }),
        };
        if seen.contains(&key) {
            return Err(FeatureSpecProblem::DuplicateOption { option: key });
        }
        seen.push(key);
    }
    Ok(options)
}

impl fmt::Display for CaseMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CaseMode::Insensitive => "insensitive",
            CaseMode::Sensitive => "sensitive",
        })
    }
}

impl fmt::Display for UnicodeForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnicodeForm::Nfkc => "nfkc",
            UnicodeForm::Nfc => "nfc",
            UnicodeForm::None => "none",
        })
    }
}

impl fmt::Display for Membership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Membership::Type => "type",
            Membership::File => "file",
        })
    }
}

/// The part as it would be typed, options left at their defaults left out.
impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceSpec::Shape => f.write_str("shape"),
            SourceSpec::Gazetteer { path, options } => {
                f.write_str("gazetteer")?;
                let defaults = GazetteerOptions::default();
                if options.case != defaults.case {
                    write!(f, "+case={}", options.case)?;
                }
                if options.unicode != defaults.unicode {
                    write!(f, "+unicode={}", options.unicode)?;
                }
                if options.by != defaults.by {
                    write!(f, "+by={}", options.by)?;
                }
                write!(f, ":{}", path.display())
            }
            SourceSpec::Regex { path } => write!(f, "regex:{}", path.display()),
        }
    }
}

/// `shape,gazetteer:cities.txt`: what [`FromStr`] reads back to an equal
/// spec (for UTF-8 paths without commas, the only ones a spec can hold).
impl fmt::Display for FeatureSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, source) in self.sources.iter().enumerate() {
            let comma = if index == 0 { "" } else { "," };
            write!(f, "{comma}{source}")?;
        }
        Ok(())
    }
}

/// Written as the spec string, so that a run's config and checkpoint show
/// the flag as the user would type it.
impl Serialize for FeatureSpec {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FeatureSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spec = String::deserialize(deserializer)?;
        spec.parse().map_err(serde::de::Error::custom)
    }
}
