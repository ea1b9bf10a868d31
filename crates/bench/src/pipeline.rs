//! `cargo xtask bench pipeline`: retag's programs against the programs a
//! PyTorch user would write for the same jobs, and, for predict, against the
//! same checkpoint exported to ONNX and run by ONNX Runtime (fp32 and a
//! dynamically quantized int8 copy): on the same machine, inputs, checkpoint
//! and thread count, each run as a whole process and measured from outside
//! (wall time, peak resident memory: `process.rs`).
//!
//! Cases (docs/performance.md says what each measures):
//! - `predict`: `retag predict` against `scripts/bench_pipeline.py predict`
//!   (`--runtime torch`, `onnx-fp32`, `onnx-int8`) on WNUT-17's test set and
//!   on it repeated 4 times; words/s and the share of words each reference
//!   tags as retag does, computed from the outputs.
//! - `frozen`: `retag retrain --strategy frozen --epochs 3` against
//!   `scripts/reference_retrain.py retrain --strategy frozen --epochs 3`
//!   (the encoder frozen, re-encoded every epoch, as a PyTorch loop does).
//! - `naive`: `retag retrain --strategy naive --epochs 1` against
//!   transformers' Trainer for 1 epoch (`bench_pipeline.py naive`); real
//!   word-pieces/s, each side counting its own.
//! - `scaling`: predict on 1k, 10k, 100k sentences (the test set repeated):
//!   time and peak memory against input size (PyTorch only).
//! - `lengths`: predict on the test set's words packed into sentences of 32
//!   to 1024 word-pieces: time per word against sentence length (retag
//!   windows beyond the model's 512 positions; PyTorch's side stops at 512).
//!
//! Every side starts from one token-classification checkpoint, made once
//! (`bench_pipeline.py make-model`: MiniLM plus a seeded random classifier)
//! and kept in `target/bench/pipeline/checkpoint`; its ONNX export
//! (`bench_pipeline.py onnx-export`) is kept beside it in `onnx/`.

mod harness;
mod predict;
mod retrain;
mod row;
mod table;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use serde_json::json;

use crate::inputs::{count_sentences, cycle_sentences};
use crate::machine::Machine;
use crate::python::{check_onnx_runtime, find_torch};
use harness::Harness;
pub use row::{Reference, Row, Side};
pub use table::table;

pub const CASES: [&str; 5] = ["predict", "frozen", "naive", "scaling", "lengths"];

/// What to run, on what. Paths are resolved: the caller applies its defaults.
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    /// The repository's root: `scripts/` and `target/bench/` are under it, and every side runs there.
    pub root: PathBuf,
    pub cases: Vec<String>,
    /// Small inputs (slices of the data), for development; not for figures.
    pub quick: bool,
    /// Threads for every side.
    pub threads: usize,
    /// Sentences of the scaling case (empty: 1000, 10000, 100000; with `quick` 50, 200).
    pub scaling_sizes: Vec<usize>,
    /// Sentence lengths in word-pieces of the lengths case.
    pub lengths: Vec<usize>,
    /// The plain encoder the checkpoint is made from.
    pub model: PathBuf,
    /// A folder with train.txt, dev.txt and test.txt.
    pub data: PathBuf,
    /// The Python to try first for the reference sides (see [`find_torch`]).
    pub python: Option<PathBuf>,
    /// Make the checkpoint (and its ONNX export) again.
    pub fresh: bool,
    /// Time this retag binary instead of building one.
    pub retag: Option<PathBuf>,
    /// Run the reference sides (PyTorch, ONNX Runtime); off: retag's side only.
    pub references: bool,
    /// Where the JSON summary goes (default: target/bench/pipeline.json).
    pub json_out: Option<PathBuf>,
}

/// What a run leaves: the printed tables and where everything was written.
#[derive(Debug, Clone)]
pub struct Summary {
    pub table: String,
    pub json: PathBuf,
    pub markdown: PathBuf,
    pub logs: PathBuf,
}

impl PipelineOptions {
    /// Checks cases, threads, the model and `--retag` before anything runs.
    pub fn check(&self) -> Result<()> {
        for case in &self.cases {
            ensure!(CASES.contains(&case.as_str()), "unknown case {case:?} (cases: {})", CASES.join(", "));
        }
        ensure!(self.threads > 0, "--threads must be at least 1");
        ensure!(
            self.model.join("config.json").is_file(),
            "no model at {}: run `cargo xtask fetch-model`, or pass --model DIR",
            self.model.display()
        );
        if let Some(binary) = self.retag.as_ref().filter(|binary| !binary.is_file()) {
            bail!("--retag {}: no such file", binary.display());
        }
        Ok(())
    }
}

/// Runs the cases and writes `pipeline.json` and `pipeline-summary.md`;
/// `build_retag` makes the retag binary when `options.retag` names none.
pub fn run(options: &PipelineOptions, build_retag: impl FnOnce() -> Result<PathBuf>) -> Result<Summary> {
    options.check()?;
    let work = options.root.join("target").join("bench").join("pipeline");
    let (data, inputs, outputs, logs) =
        (work.join("data"), work.join("inputs"), work.join("outputs"), work.join("logs"));
    for dir in [&data, &inputs, &outputs, &logs] {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    if !options.references {
        eprintln!("pytorch, onnxruntime: their sides are skipped (--no-pytorch)");
    }
    let python = match find_torch(options.python.as_deref(), &options.root) {
        Ok(python) => Some(python),
        Err(reason) => {
            eprintln!("pytorch: skipped: no torch ({reason}); only retag's side runs");
            None
        }
    };
    let retag = match &options.retag {
        Some(binary) => binary.clone(),
        None => build_retag()?,
    };
    prepare_data(&options.data, &data, options.quick)?;
    let mut harness = Harness {
        retag,
        python,
        references: options.references,
        root: options.root.clone(),
        threads: options.threads,
        checkpoint: PathBuf::new(),
        onnx: None,
        data,
        inputs,
        outputs,
        logs,
    };
    harness.checkpoint =
        harness.make_checkpoint(&options.model, &options.data.join("train.txt"), &work, options.fresh)?;
    let onnx_runtime = if !options.references || !options.cases.iter().any(|case| case == "predict") {
        "not run".to_string()
    } else {
        let exported = match &harness.python {
            None => Err("no torch to export the checkpoint with".to_string()),
            Some(python) => check_onnx_runtime(python)
                .and_then(|()| harness.export_onnx(&work).map_err(|error| format!("{error:#}"))),
        };
        match exported {
            Ok(dir) => {
                let described = dir.display().to_string();
                harness.onnx = Some(dir);
                described
            }
            Err(reason) => {
                eprintln!("onnxruntime: skipped: {reason}");
                format!("skipped: {reason}")
            }
        }
    };

    let mut rows = Vec::new();
    for case in &options.cases {
        match case.as_str() {
            "predict" => {
                let test = harness.data.join("test.txt");
                let sentences = count_sentences(&test)?;
                rows.push(harness.predict("predict test", &test)?);
                let repeated = harness.inputs.join("test-x4.txt");
                cycle_sentences(&test, 4 * sentences, &repeated)?;
                rows.push(harness.predict("predict test x4", &repeated)?);
            }
            "frozen" => rows.push(harness.retrain("frozen", 3)?),
            "naive" => rows.push(harness.retrain("naive", 1)?),
            "scaling" => {
                let sizes = match (&options.scaling_sizes[..], options.quick) {
                    ([], false) => vec![1_000, 10_000, 100_000],
                    ([], true) => vec![50, 200],
                    (sizes, _) => sizes.to_vec(),
                };
                for size in sizes {
                    let input = harness.inputs.join(format!("test-{size}.txt"));
                    cycle_sentences(&harness.data.join("test.txt"), size, &input)?;
                    let label = format!("scaling {size} sentences");
                    rows.push(harness.predict_with(&label, &input, &[Reference::PyTorch])?);
                }
            }
            "lengths" => rows.extend(harness.lengths(&options.lengths)?),
            _ => unreachable!("cases were checked above"),
        }
    }

    let printed = table(&rows);
    let summary = json!({
        "machine": Machine::this(),
        "threads": options.threads,
        "quick": options.quick,
        "checkpoint": harness.checkpoint.display().to_string(),
        "onnx_runtime": onnx_runtime,
        "data": options.data.display().to_string(),
        "rows": rows.iter().map(Row::to_json).collect::<Vec<_>>(),
    });
    let bench_dir = work.parent().expect("pipeline sits in target/bench");
    let json_path = options.json_out.clone().unwrap_or_else(|| bench_dir.join("pipeline.json"));
    let text = serde_json::to_string_pretty(&summary).expect("JSON values serialize");
    std::fs::write(&json_path, text).with_context(|| format!("cannot write {}", json_path.display()))?;
    let md_path = bench_dir.join("pipeline-summary.md");
    std::fs::write(&md_path, &printed).with_context(|| format!("cannot write {}", md_path.display()))?;
    Ok(Summary { table: printed, json: json_path, markdown: md_path, logs: harness.logs })
}

/// The splits as the cases use them: the source's own, or with `quick` small
/// slices (64 training sentences; dev and test the first 32 of them, so that
/// no label is missing from training).
fn prepare_data(source: &Path, data: &Path, quick: bool) -> Result<()> {
    let splits: [(&str, &str, usize); 3] = if quick {
        [("train.txt", "train.txt", 64), ("dev.txt", "train.txt", 32), ("test.txt", "train.txt", 32)]
    } else {
        [("train.txt", "train.txt", 0), ("dev.txt", "dev.txt", 0), ("test.txt", "test.txt", 0)]
    };
    for (name, from, count) in splits {
        let from = source.join(from);
        let count = if count == 0 { count_sentences(&from)? } else { count };
        cycle_sentences(&from, count, &data.join(name))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(root: &Path) -> PipelineOptions {
        PipelineOptions {
            root: root.to_path_buf(),
            cases: vec!["predict".to_string()],
            quick: true,
            threads: 2,
            scaling_sizes: Vec::new(),
            lengths: vec![32],
            model: root.join("model"),
            data: root.join("data"),
            python: None,
            fresh: false,
            retag: None,
            references: false,
            json_out: None,
        }
    }

    #[test]
    fn options_are_checked_before_anything_runs() {
        let root = std::env::temp_dir().join(format!("retag-bench-pipeline-{}", std::process::id()));
        std::fs::create_dir_all(root.join("model")).expect("temp dir");
        std::fs::write(root.join("model/config.json"), "{}").expect("temp dir");
        let check = |change: fn(&mut PipelineOptions), expected: &str| {
            let mut options = options(&root);
            change(&mut options);
            let error = run(&options, || panic!("nothing is built when the options are wrong")).unwrap_err();
            assert!(format!("{error:#}").contains(expected), "{error:#}");
        };
        check(|o| o.cases.push("serve".to_string()), "unknown case \"serve\"");
        check(|o| o.threads = 0, "--threads must be at least 1");
        check(|o| o.model = o.root.join("nowhere"), "no model at");
        check(|o| o.retag = Some(o.root.join("no-retag")), "no-retag: no such file");
        assert!(options(&root).check().is_ok());
        assert!(!root.join("target").exists(), "a failed check writes nothing");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn quick_data_are_slices_of_the_training_set() {
        let root = std::env::temp_dir().join(format!("retag-bench-pipeline-data-{}", std::process::id()));
        let (source, data) = (root.join("source"), root.join("data"));
        std::fs::create_dir_all(&source).expect("temp dir");
        std::fs::create_dir_all(&data).expect("temp dir");
        let sentences: String = (0..70).map(|i| format!("w{i} O\n\n")).collect();
        std::fs::write(source.join("train.txt"), &sentences).expect("temp dir");
        prepare_data(&source, &data, true).expect("slices");
        let count = |name: &str| count_sentences(&data.join(name)).expect("written");
        assert_eq!([count("train.txt"), count("dev.txt"), count("test.txt")], [64, 32, 32]);
        let test = std::fs::read_to_string(data.join("test.txt")).expect("written");
        assert!(test.starts_with("w0 O\n\nw1 O\n\n"), "{test}");
        let _ = std::fs::remove_dir_all(&root);
    }
}
