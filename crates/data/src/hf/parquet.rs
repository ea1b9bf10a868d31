//! Parquet files as HuggingFace `datasets` writes them (`Dataset.to_parquet`,
//! and the hub's conversion of every dataset to Parquet): a row per sentence,
//! snappy-compressed, with the features (label names included) as JSON under
//! the `huggingface` key of the file's key-value metadata.

use std::fs::File;
use std::path::Path;

use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::metadata::ParquetMetaData;

use super::table::{Layout, TableOptions, TableReader};
use crate::error::{DataError, Result};
use crate::location::Location;
use crate::sentence::Sentence;

/// The schema-metadata key under which `datasets` keeps its features.
pub const METADATA_KEY: &str = "huggingface";

/// Opens the Parquet file at `path`: checks its columns, finds the label
/// names of integer tags (in the order [`crate::hf`] says) and reads
/// only the columns it needs, a batch at a time.
pub fn open_parquet(path: impl AsRef<Path>, options: &TableOptions) -> Result<TableReader> {
    let path = path.as_ref();
    let malformed = |reason: String| DataError::Malformed { at: Location::file(path), reason };
    let file = File::open(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|error| malformed(format!("not a Parquet file retag can read: {error}")))?;
    let schema = builder.schema().clone();
    let metadata = huggingface_metadata(builder.metadata());
    let layout = Layout::new(&schema, metadata.as_deref(), path, options)?;
    let columns = layout.columns();
    check_compression(builder.metadata(), &columns).map_err(malformed)?;
    let roots = columns.iter().filter_map(|name| schema.index_of(name).ok());
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|error| malformed(format!("cannot read the Parquet data: {error}")))?;
    Ok(TableReader::new(path, layout, Box::new(reader)))
}

/// Reads a whole Parquet file into memory.
pub fn read_parquet_file(path: impl AsRef<Path>, options: &TableOptions) -> Result<Vec<Sentence>> {
    open_parquet(path, options)?.collect()
}

/// The `huggingface` entry of the file's key-value metadata.
fn huggingface_metadata(metadata: &ParquetMetaData) -> Option<String> {
    let entries = metadata.file_metadata().key_value_metadata()?;
    entries.iter().find(|entry| entry.key == METADATA_KEY).and_then(|entry| entry.value.clone())
}

/// retag reads uncompressed and snappy columns (what `datasets` and the hub
/// write); any other codec is named here, before reading, with the way out,
/// rather than failing inside the decoder.
fn check_compression(metadata: &ParquetMetaData, columns: &[&str]) -> Result<(), String> {
    for group in metadata.row_groups() {
        for chunk in group.columns() {
            let Some(root) = chunk.column_path().parts().first().filter(|root| columns.contains(&root.as_str())) else {
                continue;
            };
            let codec = chunk.compression();
            if !matches!(codec, Compression::UNCOMPRESSED | Compression::SNAPPY) {
                // `ZSTD(ZstdLevel(1))`: the level says nothing to the user.
                let codec = codec.to_string();
                let name = codec.split('(').next().unwrap_or(&codec);
                return Err(format!(
                    "column {root:?} is compressed with {name}; retag reads snappy (what datasets writes) or \
                     uncompressed Parquet: rewrite it, e.g. pyarrow.parquet.write_table(table, path, \
                     compression=\"snappy\")"
                ));
            }
        }
    }
    Ok(())
}
