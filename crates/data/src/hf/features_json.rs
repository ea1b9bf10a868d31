//! Label names out of the JSON that HuggingFace `datasets` writes about its
//! features: the `huggingface` key of a Parquet or Arrow schema's metadata
//! (`{"info": {"features": ...}}`) and `dataset_info.json`
//! (`{"features": ...}`). A tag column's feature is a sequence of
//! `ClassLabel`, written `{"feature": {"names": [...], "_type": "ClassLabel"},
//! "_type": "Sequence"}` before datasets 4 and with `"_type": "List"` since
//! (`LargeList` for 64-bit offsets); the oldest files write the sequence as a
//! one-element JSON list.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::label_names::{LabelNames, LabelOrigin};
use crate::error::{DataError, Result};
use crate::location::Location;

/// The file `datasets` writes beside its data (`save_to_disk`,
/// `DatasetInfo.write_to_directory`) and hub repositories often carry.
pub const DATASET_INFO: &str = "dataset_info.json";

/// The names of `column` in the `huggingface` schema metadata of `file`:
/// `None` when that column is not a sequence of `ClassLabel` there.
pub fn from_metadata(json: &str, file: &Path, column: &str) -> Result<Option<LabelNames>> {
    let origin = LabelOrigin::Metadata { file: file.to_path_buf(), column: column.to_string() };
    let refuse = |reason: String| DataError::LabelNames { origin: origin.to_string(), reason };
    let value: Value = serde_json::from_str(json).map_err(|error| refuse(format!("not JSON: {error}")))?;
    let names = features_of(&value).map(|features| class_names(features, column)).transpose().map_err(refuse)?;
    names.flatten().map(|names| LabelNames::new(names, origin.clone())).transpose()
}

/// The names in the `dataset_info.json` beside `data_file`, of the first of
/// `columns` that is a sequence of `ClassLabel` there; `None` when there is
/// no such file or no such column. A file that is there but cannot be read
/// is an error: the user put it there for a reason.
pub fn beside(data_file: &Path, columns: &[&str]) -> Result<Option<LabelNames>> {
    let info = dataset_info_path(data_file);
    if !info.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&info).map_err(|source| DataError::Io { path: info.clone(), source })?;
    let malformed = |reason: String| DataError::Malformed { at: Location::file(&info), reason };
    let value: Value = serde_json::from_str(&text).map_err(|error| malformed(format!("not JSON: {error}")))?;
    let Some(features) = features_of(&value) else {
        return Err(malformed("no \"features\" object".into()));
    };
    for column in columns {
        if let Some(names) = class_names(features, column).map_err(malformed)? {
            let origin = LabelOrigin::DatasetInfo { file: info.clone(), column: column.to_string() };
            return LabelNames::new(names, origin).map(Some);
        }
    }
    Ok(None)
}

/// Where [`beside`] looks: `dataset_info.json` in the data file's folder.
pub fn dataset_info_path(data_file: &Path) -> PathBuf {
    data_file.parent().unwrap_or(Path::new("")).join(DATASET_INFO)
}

/// The `features` object: under `info` in schema metadata, at the top of
/// `dataset_info.json`.
fn features_of(value: &Value) -> Option<&Value> {
    value.get("info").and_then(|info| info.get("features")).or_else(|| value.get("features"))
}

/// The class names of `column`'s `ClassLabel` sequence; `Ok(None)` when the
/// column is absent or holds something else (string tags need no names).
fn class_names(features: &Value, column: &str) -> Result<Option<Vec<String>>, String> {
    let Some(feature) = features.get(column) else {
        return Ok(None);
    };
    let element = match feature {
        Value::Array(items) if items.len() == 1 => &items[0],
        Value::Object(object) => match object.get("_type").and_then(Value::as_str) {
            Some("Sequence" | "List" | "LargeList") => match object.get("feature") {
                Some(element) => element,
                None => return Err(format!("feature {column:?} is a sequence without a \"feature\"")),
            },
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    if element.get("_type").and_then(Value::as_str) != Some("ClassLabel") {
        return Ok(None);
    }
    let Some(names) = element.get("names").and_then(Value::as_array) else {
        return Err(format!("the ClassLabel of {column:?} has no \"names\" list"));
    };
    names
        .iter()
        .enumerate()
        .map(|(id, name)| {
            name.as_str()
                .map(String::from)
                .ok_or_else(|| format!("name {id} of {column:?}'s ClassLabel is {name}, not a string"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}
