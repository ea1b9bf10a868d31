//! Where a piece of input came from, so that every error can point at it.

use std::fmt;
use std::path::{Path, PathBuf};

/// A place in the user's input: a file (when there is one) and a 1-based line
/// (when the error concerns one line). Displayed as `file:line`, the shape
/// editors and terminals turn into a link.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub path: Option<PathBuf>,
    pub line: Option<usize>,
}

impl Location {
    /// A whole file, no particular line.
    pub fn file(path: impl AsRef<Path>) -> Self {
        Self { path: Some(path.as_ref().to_path_buf()), line: None }
    }

    /// One line of a file.
    pub fn line(path: impl AsRef<Path>, line: usize) -> Self {
        Self { path: Some(path.as_ref().to_path_buf()), line: Some(line) }
    }

    /// A line of input that has no file name (a string, standard input).
    pub fn unnamed(line: Option<usize>) -> Self {
        Self { path: None, line }
    }

    /// The same file at another line.
    pub fn at_line(&self, line: usize) -> Self {
        Self { path: self.path.clone(), line: Some(line) }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{}", path.display())?,
            None => write!(f, "<input>")?,
        }
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        Ok(())
    }
}
