//! `LabelNames`: the class names that turn a HuggingFace dataset's integer
//! tags (`ner_tags: [1, 2, 0]`) into the tags retag reads (`B-PER I-PER O`),
//! and where they came from, so that an error can say which source to fix.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{DataError, Result};
use crate::scheme::Tag;

/// Where a list of label names was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelOrigin {
    /// `--label-names O,B-PER,I-PER`.
    Flag,
    /// `--label-names FILE`, one name a line.
    FlagFile(PathBuf),
    /// The `huggingface` key of a Parquet or Arrow file's schema metadata,
    /// the features `datasets` writes with the data.
    Metadata { file: PathBuf, column: String },
    /// A `dataset_info.json` beside the data file.
    DatasetInfo { file: PathBuf, column: String },
}

impl fmt::Display for LabelOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabelOrigin::Flag => write!(f, "--label-names"),
            LabelOrigin::FlagFile(file) => write!(f, "--label-names {}", file.display()),
            LabelOrigin::Metadata { file, column } => {
                write!(f, "the huggingface metadata of {} (column {column})", file.display())
            }
            LabelOrigin::DatasetInfo { file, column } => write!(f, "{} (column {column})", file.display()),
        }
    }
}

/// The class names of a `ClassLabel` feature: integer tag `i` is `names[i]`.
///
/// Built only through constructors that check the names once: at least one,
/// no duplicates, and each a tag some scheme reads (`O`, or a prefix and a
/// type such as `B-PER`), so a name like `PER` is refused where it is
/// written, not later at some sentence that happens to use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelNames {
    names: Vec<String>,
    origin: LabelOrigin,
}

impl LabelNames {
    /// Checks `names`, read from `origin`.
    pub fn new(names: Vec<String>, origin: LabelOrigin) -> Result<Self> {
        let refuse = |reason: String| DataError::LabelNames { origin: origin.to_string(), reason };
        if names.is_empty() {
            return Err(refuse("no label names".into()));
        }
        for (id, name) in names.iter().enumerate() {
            if let Err(reason) = Tag::parse(name) {
                return Err(refuse(format!("name {id} {name:?} is not a tag: {reason}")));
            }
            if let Some(first) = names[..id].iter().position(|earlier| earlier == name) {
                return Err(refuse(format!("name {id} {name:?} repeats name {first}")));
            }
        }
        Ok(Self { names, origin })
    }

    /// The value of `--label-names`: a file that exists (one name a line,
    /// blank lines skipped), else a comma-separated list.
    pub fn from_flag(value: &str) -> Result<Self> {
        let path = Path::new(value);
        if path.is_file() {
            let text =
                std::fs::read_to_string(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
            let names = text.lines().map(str::trim).filter(|line| !line.is_empty()).map(String::from).collect();
            return Self::new(names, LabelOrigin::FlagFile(path.to_path_buf()));
        }
        let names: Vec<String> = value.split(',').map(|name| name.trim().to_string()).collect();
        Self::new(names, LabelOrigin::Flag).map_err(|error| match error {
            // One word that reads as neither: most likely a file name with a typo.
            DataError::LabelNames { origin, reason } if !value.contains(',') => {
                DataError::LabelNames { origin, reason: format!("{reason} (and there is no file {value:?})") }
            }
            other => other,
        })
    }

    /// The names, in id order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn origin(&self) -> &LabelOrigin {
        &self.origin
    }

    /// The tag of integer tag `id`, the `position`-th tag (1-based) of its
    /// sentence; the error says which names were used and their range.
    pub fn tag(&self, id: i64, position: usize) -> Result<&str, String> {
        usize::try_from(id).ok().and_then(|index| self.names.get(index)).map(String::as_str).ok_or_else(|| {
            format!(
                "tag {position} is {id}, but the {} label names from {} are numbered 0 to {}",
                self.names.len(),
                self.origin,
                self.names.len() - 1
            )
        })
    }
}
