//! The mapping file, in TOML or JSON (chosen by the extension): reading it
//! with errors that name the file and line, and writing it back.
//!
//! Both formats share one serde model, so they accept exactly the same
//! things: `description` (optional text), `new` (optional list of new types
//! with no old parent) and `types` (a table keyed by old type whose values are
//! a new type, a list of new types, or `false` for dropped). Unknown keys are
//! refused, because a misspelt `tpyes` silently ignored would drop a mapping.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::{Entry, TagsetMapping};
use crate::error::{DataError, Result};
use crate::location::Location;

/// The two syntaxes a mapping file can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingFormat {
    Toml,
    Json,
}

impl MappingFormat {
    /// The format a file's extension names, if it names one.
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "toml" => Some(Self::Toml),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

impl fmt::Display for MappingFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Toml => "TOML",
            Self::Json => "JSON",
        })
    }
}

/// The file as serde sees it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    new: Vec<String>,
    types: Rules,
}

/// The `types` table in the order the deserializer yields it, duplicates
/// kept so that they can be reported (serde_json would otherwise keep the
/// last one silently).
struct Rules(Vec<(String, Target)>);

/// What one old type becomes: no, one or several new types.
struct Target(Vec<String>);

impl<'de> Deserialize<'de> for Rules {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct RulesVisitor;
        impl<'de> Visitor<'de> for RulesVisitor {
            type Value = Rules;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table keyed by old entity type")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Rules, A::Error> {
                let mut rules = Vec::new();
                while let Some(entry) = map.next_entry::<String, Target>()? {
                    rules.push(entry);
                }
                Ok(Rules(rules))
            }
        }
        deserializer.deserialize_map(RulesVisitor)
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct TargetVisitor;
        impl<'de> Visitor<'de> for TargetVisitor {
            type Value = Target;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a new type name, a list of new type names, or false (dropped)")
            }
            fn visit_str<E: de::Error>(self, new: &str) -> std::result::Result<Target, E> {
                if new.is_empty() {
                    return Err(E::custom("an empty new type; to drop an old type, write `TYPE = false`"));
                }
                Ok(Target(vec![new.to_string()]))
            }
            fn visit_bool<E: de::Error>(self, value: bool) -> std::result::Result<Target, E> {
                if value {
                    return Err(E::custom(
                        "`true` says nothing about the new type; write its name (`TYPE = \"TYPE\"` keeps it)",
                    ));
                }
                Ok(Target(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Target, A::Error> {
                let mut news = Vec::new();
                while let Some(new) = seq.next_element::<String>()? {
                    news.push(new);
                }
                Ok(Target(news))
            }
        }
        deserializer.deserialize_any(TargetVisitor)
    }
}

/// The file as it is written back: one new type as a string, several as a
/// list, none as `false`.
#[derive(Serialize)]
struct MappingFileOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    new: &'a [String],
    types: std::collections::BTreeMap<&'a str, TargetOut<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum TargetOut<'a> {
    Dropped(bool),
    One(&'a str),
    Several(&'a [String]),
}

impl TagsetMapping {
    /// Reads a mapping file, TOML or JSON by its extension. Errors name the
    /// file and, where there is one, the line.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let origin = Location::file(path);
        let format = MappingFormat::from_path(path).ok_or_else(|| DataError::Mapping {
            at: origin.clone(),
            reason: "unknown extension; a mapping file ends in .toml or .json".into(),
        })?;
        let text =
            std::fs::read_to_string(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
        Self::parse(&text, format, origin)
    }

    /// A mapping written in TOML, not read from a file.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        Self::parse(text, MappingFormat::Toml, Location::unnamed(None))
    }

    /// A mapping written in JSON, not read from a file.
    pub fn from_json_str(text: &str) -> Result<Self> {
        Self::parse(text, MappingFormat::Json, Location::unnamed(None))
    }

    /// Reads `text` in `format`; `origin` names it in errors.
    pub fn parse(text: &str, format: MappingFormat, origin: Location) -> Result<Self> {
        let file: MappingFile = match format {
            MappingFormat::Toml => toml::from_str(text).map_err(|error| DataError::Mapping {
                at: match error.span() {
                    Some(span) => origin.at_line(line_of_offset(text, span.start)),
                    None => origin.clone(),
                },
                reason: format!("invalid TOML: {}", error.message().trim_end()),
            })?,
            MappingFormat::Json => serde_json::from_str(text).map_err(|error| {
                let full = error.to_string();
                let suffix = format!(" at line {} column {}", error.line(), error.column());
                DataError::Mapping {
                    at: if error.line() > 0 { origin.at_line(error.line()) } else { origin.clone() },
                    reason: format!("invalid JSON: {}", full.strip_suffix(&suffix).unwrap_or(&full)),
                }
            })?,
        };
        // The n-th rule for a key is on the n-th line defining it, so that a
        // key listed twice is reported at its second line.
        let mut seen: HashMap<String, usize> = HashMap::new();
        let entries = file
            .types
            .0
            .into_iter()
            .map(|(old, Target(children))| {
                let occurrence = seen.entry(old.clone()).or_default();
                let line = key_lines(text, format, Some("types"), &old).nth(*occurrence);
                *occurrence += 1;
                Entry { old, children, line }
            })
            .collect();
        let unparented_line = if file.new.is_empty() { None } else { key_lines(text, format, None, "new").next() };
        Self::build(origin, file.description, entries, file.new, unparented_line)
    }

    /// The mapping as a TOML file that [`Self::from_toml_str`] reads back.
    pub fn to_toml(&self) -> String {
        let types = self
            .rules
            .iter()
            .map(|(old, rule)| {
                let target = match rule.children.as_slice() {
                    [] => TargetOut::Dropped(false),
                    [one] => TargetOut::One(one),
                    several => TargetOut::Several(several),
                };
                (old.as_str(), target)
            })
            .collect();
        let file = MappingFileOut { description: self.description.as_deref(), new: &self.unparented, types };
        toml::to_string(&file)
            .expect("strings, string lists and booleans under string keys: toml quotes and escapes any of them")
    }
}

/// 1-based line of byte `offset` in `text`.
fn line_of_offset(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset].iter().filter(|&&byte| byte == b'\n').count() + 1
}

/// The lines where `key` is defined, in table `table` (`None`: top level),
/// so that errors found after parsing (a type listed twice, an old type the
/// tagset lacks) can still point at a line. serde gives no positions for
/// keys, so this looks for the key text; it finds the usual one-rule-per-line
/// layout and nothing for fancier ones (inline tables, keys split over
/// lines), and the error then names only the file.
fn key_lines<'a>(
    text: &'a str,
    format: MappingFormat,
    table: Option<&'a str>,
    key: &'a str,
) -> impl Iterator<Item = usize> + 'a {
    let quoted = format!("\"{key}\"");
    let mut current: Option<&str> = None;
    text.lines().enumerate().filter_map(move |(index, line)| {
        let defines = match format {
            MappingFormat::Json => {
                line.match_indices(&quoted).any(|(at, _)| line[at + quoted.len()..].trim_start().starts_with(':'))
            }
            MappingFormat::Toml => {
                let line = line.trim_start();
                if let Some(header) = line.strip_prefix('[') {
                    current = header.split(']').next().map(str::trim);
                    return None;
                }
                let rest = match (table, current) {
                    (None, None) => Some(line),
                    (Some(wanted), Some(current)) if wanted == current => Some(line),
                    (Some(wanted), None) => {
                        line.strip_prefix(wanted).and_then(|rest| rest.trim_start().strip_prefix('.'))
                    }
                    _ => None,
                };
                rest.is_some_and(|rest| defines_key(rest.trim_start(), key))
            }
        };
        defines.then_some(index + 1)
    })
}

/// Whether a TOML line starts with `key` (bare or quoted) followed by `=`.
fn defines_key(line: &str, key: &str) -> bool {
    [key.to_string(), format!("\"{key}\""), format!("'{key}'")]
        .iter()
        .any(|spelling| line.strip_prefix(spelling.as_str()).is_some_and(|rest| rest.trim_start().starts_with('=')))
}
