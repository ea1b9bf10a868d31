//! Arrow IPC files, as `Dataset.save_to_disk` writes them
//! (`data-00000-of-00001.arrow`, the IPC stream format, beside
//! `dataset_info.json` and `state.json`); the IPC file format (`ARROW1`
//! magic, what `pyarrow.ipc.new_file` writes) is read too. The features are
//! under the `huggingface` key of the schema's metadata, as in Parquet.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use arrow_ipc::reader::{FileReader, StreamReader};

use super::parquet::METADATA_KEY;
use super::table::{Batches, Layout, TableOptions, TableReader};
use crate::error::{DataError, Result};
use crate::location::Location;
use crate::sentence::Sentence;

/// The first bytes of the IPC file format; the stream format has none.
const FILE_MAGIC: &[u8] = b"ARROW1";

/// Opens the Arrow IPC file at `path`, stream or file format; label names
/// come from where [`crate::hf`] says.
pub fn open_arrow(path: impl AsRef<Path>, options: &TableOptions) -> Result<TableReader> {
    let path = path.as_ref();
    let malformed = |reason: String| DataError::Malformed { at: Location::file(path), reason };
    let io = |source| DataError::Io { path: path.to_path_buf(), source };
    let mut input = BufReader::new(File::open(path).map_err(io)?);
    let is_file_format = input.fill_buf().map_err(io)?.starts_with(FILE_MAGIC);
    let unreadable = |error| malformed(format!("not an Arrow IPC file retag can read: {error}"));
    let (schema, batches): (_, Batches) = if is_file_format {
        let reader = FileReader::try_new(input, None).map_err(unreadable)?;
        (reader.schema(), Box::new(reader))
    } else {
        let reader = StreamReader::try_new(input, None).map_err(unreadable)?;
        (reader.schema(), Box::new(reader))
    };
    let metadata = schema.metadata().get(METADATA_KEY).map(String::as_str);
    let layout = Layout::new(&schema, metadata, path, options)?;
    Ok(TableReader::new(path, layout, batches))
}

/// Reads a whole Arrow IPC file into memory.
pub fn read_arrow_file(path: impl AsRef<Path>, options: &TableOptions) -> Result<Vec<Sentence>> {
    open_arrow(path, options)?.collect()
}
