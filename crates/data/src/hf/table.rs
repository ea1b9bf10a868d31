//! Rows of an Arrow table to [`Sentence`]s: the part that Parquet files and
//! Arrow IPC files share once their batches are decoded. A row is one
//! sentence: a `tokens` list of strings, and a tag list (`ner_tags`, else
//! `tags`, else `labels`) of integers with label names, or of strings.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, RecordBatch};
use arrow_schema::{ArrowError, DataType, Schema};

use super::features_json::{self, dataset_info_path};
use super::label_names::LabelNames;
use crate::error::{DataError, Result};
use crate::location::Location;
use crate::sentence::Sentence;

/// The column of the words.
pub const TOKEN_COLUMN: &str = "tokens";

/// The columns that may hold the tags, in the order they are looked for:
/// `ner_tags` as the NER datasets of the hub name it (CoNLL-2003, WNUT-17,
/// WikiANN), then the generic names.
pub const TAG_COLUMNS: [&str; 3] = ["ner_tags", "tags", "labels"];

/// Options of the Parquet and Arrow readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableOptions {
    /// Read tags; when false only `tokens` is needed and sentences come back
    /// untagged, as text to predict on. Default true.
    pub read_tags: bool,
    /// Names for integer tags that win over the file's own (`--label-names`).
    pub label_names: Option<LabelNames>,
}

impl Default for TableOptions {
    fn default() -> Self {
        Self { read_tags: true, label_names: None }
    }
}

/// How the tag column is read.
#[derive(Debug, Clone)]
enum Tags {
    None,
    Strings(String),
    Ids(String, LabelNames),
}

/// Which columns a table is read from, checked against its schema once,
/// before any row.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    tags: Tags,
}

impl Layout {
    /// Picks and checks the columns of `schema`; `metadata` is the
    /// `huggingface` schema metadata when the file has it.
    pub fn new(schema: &Schema, metadata: Option<&str>, path: &Path, options: &TableOptions) -> Result<Self> {
        let malformed = |reason: String| DataError::Malformed { at: Location::file(path), reason };
        let columns = || schema.fields().iter().map(|field| field.name().as_str()).collect::<Vec<_>>().join(", ");
        let tokens = schema
            .field_with_name(TOKEN_COLUMN)
            .map_err(|_| malformed(format!("no column {TOKEN_COLUMN:?}; the file has {}", columns())))?;
        if element(tokens.data_type()).is_none_or(|kind| !is_string(kind)) {
            return Err(malformed(format!("column {TOKEN_COLUMN:?} is {}, not a list of strings", tokens.data_type())));
        }
        if !options.read_tags {
            return Ok(Self { tags: Tags::None });
        }
        let Some(column) = TAG_COLUMNS.iter().find_map(|name| schema.field_with_name(name).ok()) else {
            return Err(malformed(format!(
                "no tag column: expected one of {}; the file has {}",
                TAG_COLUMNS.join(", "),
                columns()
            )));
        };
        let name = column.name().clone();
        let tags = match element(column.data_type()) {
            Some(kind) if is_string(kind) => Tags::Strings(name),
            Some(kind) if kind.is_integer() => {
                let names = match &options.label_names {
                    Some(names) => names.clone(),
                    None => find_names(metadata, path, &name)?.ok_or_else(|| {
                        malformed(format!(
                            "column {name:?} holds integer tags, but no label names were given (--label-names), \
                             the file's huggingface metadata has no ClassLabel for it, and {} has none",
                            dataset_info_path(path).display()
                        ))
                    })?,
                };
                Tags::Ids(name, names)
            }
            _ => {
                return Err(malformed(format!(
                    "column {name:?} is {}, not a list of integers or strings",
                    column.data_type()
                )));
            }
        };
        Ok(Self { tags })
    }

    /// The columns to read, for a reader that can skip the others.
    pub fn columns(&self) -> Vec<&str> {
        match &self.tags {
            Tags::None => vec![TOKEN_COLUMN],
            Tags::Strings(name) | Tags::Ids(name, _) => vec![TOKEN_COLUMN, name.as_str()],
        }
    }

    /// The label names integer tags are read with, if they are integers.
    pub fn label_names(&self) -> Option<&LabelNames> {
        match &self.tags {
            Tags::Ids(_, names) => Some(names),
            _ => None,
        }
    }
}

/// Names from the file's metadata, else from `dataset_info.json` beside it.
fn find_names(metadata: Option<&str>, path: &Path, column: &str) -> Result<Option<LabelNames>> {
    if let Some(json) = metadata
        && let Some(names) = features_json::from_metadata(json, path, column)?
    {
        return Ok(Some(names));
    }
    features_json::beside(path, &[column])
}

/// The element type of a list type.
fn element(kind: &DataType) -> Option<&DataType> {
    match kind {
        DataType::List(field) | DataType::LargeList(field) => Some(field.data_type()),
        _ => None,
    }
}

fn is_string(kind: &DataType) -> bool {
    matches!(kind, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Batches of a decoded table, whatever file they come from.
pub(crate) type Batches = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>>>;

/// Reads sentences from the rows of a Parquet or Arrow file, one batch in
/// memory at a time. Each sentence's `line` is its row, counted from 1
/// (`ds[line - 1]` in Python). Errors name the file and the row; after the
/// first one the iterator ends.
pub struct TableReader {
    path: PathBuf,
    layout: Layout,
    batches: Batches,
    batch: Option<(Vec<ArrayRef>, usize)>,
    next_in_batch: usize,
    rows_before: usize,
    finished: bool,
}

impl TableReader {
    pub(crate) fn new(path: &Path, layout: Layout, batches: Batches) -> Self {
        Self {
            path: path.to_path_buf(),
            layout,
            batches,
            batch: None,
            next_in_batch: 0,
            rows_before: 0,
            finished: false,
        }
    }

    /// The names integer tags are read with (`None` for string tags or
    /// untagged reading), so a caller can say which source won.
    pub fn label_names(&self) -> Option<&LabelNames> {
        self.layout.label_names()
    }

    /// The next row's columns and index in its batch, loading batches as needed.
    fn next_row(&mut self) -> Option<Result<(Vec<ArrayRef>, usize)>> {
        loop {
            if let Some((columns, rows)) = &self.batch
                && self.next_in_batch < *rows
            {
                self.next_in_batch += 1;
                return Some(Ok((columns.clone(), self.next_in_batch - 1)));
            }
            if let Some((_, rows)) = self.batch.take() {
                self.rows_before += rows;
            }
            // parquet 60.1 panics on some damaged files (a division by zero
            // in its byte-array decoder, found by the damaged-file test): the
            // file is the user's input, so the panic becomes this file's error.
            let next = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.batches.next()));
            let Ok(next) = next else {
                return Some(Err(DataError::Malformed {
                    at: Location::file(&self.path),
                    reason: format!("cannot decode the rows after row {}: the file is damaged", self.rows_before),
                }));
            };
            let batch = match next? {
                Ok(batch) => batch,
                Err(error) => {
                    return Some(Err(DataError::Malformed {
                        at: Location::file(&self.path),
                        reason: format!("cannot decode the rows after row {}: {error}", self.rows_before),
                    }));
                }
            };
            let mut columns = Vec::new();
            for name in self.layout.columns() {
                let Some(column) = batch.column_by_name(name) else {
                    return Some(Err(DataError::Malformed {
                        at: Location::file(&self.path),
                        reason: format!("a batch after row {} has no column {name:?}", self.rows_before),
                    }));
                };
                columns.push(Arc::clone(column));
            }
            self.batch = Some((columns, batch.num_rows()));
            self.next_in_batch = 0;
        }
    }

    /// The sentence of one row, or why it cannot be read.
    fn sentence(&self, columns: &[ArrayRef], index: usize) -> Result<Sentence, String> {
        let tokens = strings(&list_at(&columns[0], index, "tokens")?, "token")?;
        let tags = match &self.layout.tags {
            Tags::None => Vec::new(),
            Tags::Strings(name) => strings(&list_at(&columns[1], index, name)?, "tag")?,
            Tags::Ids(name, names) => integers(&list_at(&columns[1], index, name)?)?
                .into_iter()
                .enumerate()
                .map(|(position, id)| names.tag(id, position + 1).map(String::from))
                .collect::<Result<_, _>>()?,
        };
        if !matches!(self.layout.tags, Tags::None) && tags.len() != tokens.len() {
            return Err(format!("{} tokens but {} tags", tokens.len(), tags.len()));
        }
        Ok(Sentence { tokens, tags, line: self.rows_before + index + 1, token_lines: Vec::new() })
    }
}

impl Iterator for TableReader {
    type Item = Result<Sentence>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let read = self.next_row()?.and_then(|(columns, index)| {
            self.sentence(&columns, index).map_err(|reason| DataError::Row {
                path: self.path.clone(),
                row: self.rows_before + index + 1,
                reason,
            })
        });
        self.finished = read.is_err();
        Some(read)
    }
}

impl std::iter::FusedIterator for TableReader {}

/// The list in row `index` of a list column; a null row is an error.
fn list_at(column: &ArrayRef, index: usize, name: &str) -> Result<ArrayRef, String> {
    if column.is_null(index) {
        return Err(format!("{name} is null"));
    }
    match column.data_type() {
        DataType::List(_) => Ok(column.as_list::<i32>().value(index)),
        DataType::LargeList(_) => Ok(column.as_list::<i64>().value(index)),
        other => Err(format!("{name} is {other}, not a list")),
    }
}

/// The strings of a list; `what` 1 is the first (a null or empty one is an error).
fn strings(values: &ArrayRef, what: &str) -> Result<Vec<String>, String> {
    let read: Vec<Option<&str>> = match values.data_type() {
        DataType::Utf8 => values.as_string::<i32>().iter().collect(),
        DataType::LargeUtf8 => values.as_string::<i64>().iter().collect(),
        DataType::Utf8View => values.as_string_view().iter().collect(),
        other => return Err(format!("the {what}s are {other}, not strings")),
    };
    read.into_iter()
        .enumerate()
        .map(|(index, value)| match value {
            None => Err(format!("{what} {} is null", index + 1)),
            Some("") => Err(format!("{what} {} is empty", index + 1)),
            Some(value) => Ok(value.to_string()),
        })
        .collect()
}

/// The integers of a list, of any integer type.
fn integers(values: &ArrayRef) -> Result<Vec<i64>, String> {
    match values.data_type() {
        DataType::Int8 => widen::<Int8Type>(values),
        DataType::Int16 => widen::<Int16Type>(values),
        DataType::Int32 => widen::<Int32Type>(values),
        DataType::Int64 => widen::<Int64Type>(values),
        DataType::UInt8 => widen::<UInt8Type>(values),
        DataType::UInt16 => widen::<UInt16Type>(values),
        DataType::UInt32 => widen::<UInt32Type>(values),
        DataType::UInt64 => widen::<UInt64Type>(values),
        other => Err(format!("the tags are {other}, not integers")),
    }
}

fn widen<T: ArrowPrimitiveType>(values: &ArrayRef) -> Result<Vec<i64>, String>
where
    i64: TryFrom<T::Native>,
    T::Native: std::fmt::Display,
{
    values
        .as_primitive::<T>()
        .iter()
        .enumerate()
        .map(|(index, value)| {
            let value = value.ok_or_else(|| format!("tag {} is null", index + 1))?;
            i64::try_from(value).map_err(|_| format!("tag {} is {value}, past any label name", index + 1))
        })
        .collect()
}
