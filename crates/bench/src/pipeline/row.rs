//! One case of the pipeline bench: retag's side and the reference programs'
//! beside it (PyTorch; for predict also ONNX Runtime in fp32 and int8), each
//! a whole process measured from outside.

use serde_json::{Value, json};

use crate::agreement::Agreement;
use crate::process::Measured;

/// A program that does what retag does, measured beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// transformers on torch (`bench_pipeline.py predict`/`naive`, `reference_retrain.py`).
    PyTorch,
    /// The checkpoint exported to ONNX, run by ONNX Runtime (`bench_pipeline.py predict --runtime onnx-fp32`).
    OrtFp32,
    /// Its dynamically quantized int8 copy (`--runtime onnx-int8`).
    OrtInt8,
}

impl Reference {
    pub const ONNX_RUNTIME: [Self; 2] = [Self::OrtFp32, Self::OrtInt8];

    /// As tables print it.
    pub fn name(self) -> &'static str {
        match self {
            Self::PyTorch => "PyTorch",
            Self::OrtFp32 => "ORT fp32",
            Self::OrtInt8 => "ORT int8",
        }
    }

    /// Its key in the JSON summary, and (`_` as `-`) in file names.
    pub fn key(self) -> &'static str {
        match self {
            Self::PyTorch => "pytorch",
            Self::OrtFp32 => "ort_fp32",
            Self::OrtInt8 => "ort_int8",
        }
    }

    /// `bench_pipeline.py predict --runtime`.
    pub fn runtime(self) -> &'static str {
        match self {
            Self::PyTorch => "torch",
            Self::OrtFp32 => "onnx-fp32",
            Self::OrtInt8 => "onnx-int8",
        }
    }
}

/// One program's run of one case; empty where it did not run or failed.
#[derive(Debug, Clone, Default)]
pub struct Side {
    pub measured: Option<Measured>,
    /// How many of the row's units this side processed (its own count).
    pub work: Option<f64>,
    /// Predict cases, reference sides: how many words got the same tag as from retag.
    pub agreement: Option<Agreement>,
}

impl Side {
    /// Work over the whole process's wall time.
    pub fn rate(&self) -> Option<f64> {
        Some(self.work? / self.measured.as_ref()?.wall_secs)
    }

    pub fn wall_secs(&self) -> Option<f64> {
        self.measured.as_ref().map(|measured| measured.wall_secs)
    }
}

/// One case, every side.
#[derive(Debug, Clone)]
pub struct Row {
    /// `predict test`, `retrain frozen 3 epochs`...
    pub case: String,
    /// What the rates count: `words` or `word-pieces` (real ones, no padding).
    pub unit: &'static str,
    pub retag: Side,
    /// The reference sides this case ran, in the order they ran.
    pub references: Vec<(Reference, Side)>,
    /// Anything else worth keeping in the JSON (each side's own report...).
    pub extra: Value,
    /// Lines printed under the table (in-process rates, what a side skipped).
    pub notes: Vec<String>,
}

impl Row {
    pub fn new(case: impl Into<String>, unit: &'static str) -> Self {
        Self {
            case: case.into(),
            unit,
            retag: Side::default(),
            references: Vec::new(),
            extra: json!({}),
            notes: Vec::new(),
        }
    }

    pub fn side(&self, reference: Reference) -> Option<&Side> {
        self.references.iter().find(|(r, _)| *r == reference).map(|(_, side)| side)
    }

    /// The reference's wall time over retag's: above 1, retag is faster.
    pub fn ratio(&self, reference: Reference) -> Option<f64> {
        Some(self.side(reference)?.wall_secs()? / self.retag.wall_secs()?)
    }

    /// The summary's row: retag's and PyTorch's fields as they always were
    /// (`retag`, `pytorch`, `ratio`, `*_work`, `*_per_s`, `agreement_*` of
    /// PyTorch with retag), and one object per ONNX Runtime side.
    pub fn to_json(&self) -> Value {
        let pytorch = self.side(Reference::PyTorch);
        let mut row = json!({
            "case": self.case,
            "retag": self.retag.measured.as_ref().map(Measured::to_json),
            "pytorch": pytorch.and_then(|side| side.measured.as_ref()).map(Measured::to_json),
            "ratio": self.ratio(Reference::PyTorch),
            "unit": self.unit,
            "retag_work": self.retag.work,
            "pytorch_work": pytorch.and_then(|side| side.work),
            "retag_per_s": self.retag.rate(),
            "pytorch_per_s": pytorch.and_then(Side::rate),
            "agreement_percent": pytorch.and_then(|side| side.agreement).map(|a| a.percent()),
            "agreement_words": pytorch.and_then(|side| side.agreement).map(|a| a.words),
        });
        for reference in Reference::ONNX_RUNTIME {
            row[reference.key()] = self.side(reference).map_or(Value::Null, |side| {
                json!({
                    "measured": side.measured.as_ref().map(Measured::to_json),
                    "ratio": self.ratio(reference),
                    "work": side.work,
                    "per_s": side.rate(),
                    "agreement_percent": side.agreement.map(|a| a.percent()),
                    "agreement_words": side.agreement.map(|a| a.words),
                })
            });
        }
        row["notes"] = json!(self.notes);
        row["extra"] = self.extra.clone();
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(secs: f64) -> Option<Measured> {
        Some(Measured { wall_secs: secs, peak_rss_mib: Some(100.0), command: String::new() })
    }

    #[test]
    fn ratios_are_each_reference_over_retag() {
        let mut row = Row::new("predict", "words");
        assert_eq!(row.ratio(Reference::PyTorch), None);
        row.retag = Side { measured: measured(2.0), work: Some(1000.0), agreement: None };
        row.references.push((Reference::PyTorch, Side { measured: measured(5.0), work: None, agreement: None }));
        let agreement = Some(Agreement { words: 4, equal: 3 });
        row.references.push((Reference::OrtInt8, Side { measured: measured(1.0), work: Some(1000.0), agreement }));
        assert_eq!(row.ratio(Reference::PyTorch), Some(2.5));
        assert_eq!(row.ratio(Reference::OrtInt8), Some(0.5));
        assert_eq!(row.ratio(Reference::OrtFp32), None);
        assert_eq!(row.retag.rate(), Some(500.0));
        assert_eq!(row.side(Reference::PyTorch).and_then(Side::rate), None);

        let json = row.to_json();
        assert_eq!(json["ratio"], 2.5);
        assert_eq!(json["retag"]["wall_secs"], 2.0);
        assert_eq!(json["retag_per_s"], 500.0);
        assert_eq!(json["pytorch_per_s"], Value::Null);
        assert_eq!(json["ort_fp32"], Value::Null);
        assert_eq!(json["ort_int8"]["ratio"], 0.5);
        assert_eq!(json["ort_int8"]["per_s"], 1000.0);
        assert_eq!(json["ort_int8"]["agreement_percent"], 75.0);
    }

    #[test]
    fn names_keys_and_runtimes() {
        let check = |reference: Reference, expected: [&str; 3]| {
            assert_eq!([reference.name(), reference.key(), reference.runtime()], expected);
        };
        check(Reference::PyTorch, ["PyTorch", "pytorch", "torch"]);
        check(Reference::OrtFp32, ["ORT fp32", "ort_fp32", "onnx-fp32"]);
        check(Reference::OrtInt8, ["ORT int8", "ort_int8", "onnx-int8"]);
    }
}
