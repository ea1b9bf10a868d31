//! `cargo xtask bench pipeline`: retag's programs against the PyTorch
//! programs a user would write for the same jobs, on the same machine, inputs,
//! checkpoint and thread count, each run as a whole process and measured from
//! outside (wall time, peak resident memory: `bench_process.rs`).
//!
//! Cases (docs/performance.md says what each measures):
//! - `predict`: `retag predict` against `scripts/bench_pipeline.py predict`
//!   on WNUT-17's test set and on it repeated 4 times; words/s and the share
//!   of words both tag alike, computed from the two outputs.
//! - `frozen`: `retag retrain --strategy frozen --epochs 3` against
//!   `scripts/reference_retrain.py retrain --strategy frozen --epochs 3`
//!   (the encoder frozen, re-encoded every epoch, as a PyTorch loop does).
//! - `naive`: `retag retrain --strategy naive --epochs 1` against
//!   transformers' Trainer for 1 epoch (`bench_pipeline.py naive`); real
//!   word-pieces/s, each side counting its own.
//! - `scaling`: predict on 1k, 10k, 100k sentences (the test set repeated):
//!   time and peak memory against input size.
//! - `lengths`: predict on the test set's words packed into sentences of 32
//!   to 1024 word-pieces: time per word against sentence length (retag
//!   windows beyond the model's 512 positions; PyTorch's side stops at 512).
//!
//! Both sides start from one token-classification checkpoint, made once
//! (`bench_pipeline.py make-model`: MiniLM plus a seeded random classifier)
//! and kept in `target/bench/pipeline/checkpoint`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::{Value, json};

use super::inputs::{self, agreement, count_word_pieces, count_words, cycle_sentences};
use super::process::{Measured, measure};
use super::table::{Row, in_process_note, machine, table};
use crate::cache::repo_root;
use crate::fetch_model::default_model_dir;

const CASES: [&str; 5] = ["predict", "frozen", "naive", "scaling", "lengths"];

#[derive(Debug, Args)]
pub struct PipelineArgs {
    /// Cases to run, comma-separated: predict, frozen, naive, scaling, lengths.
    #[arg(long, value_delimiter = ',', default_value = "predict,frozen,naive,scaling,lengths")]
    pub cases: Vec<String>,
    /// Small inputs (slices of the data), for development; not for figures.
    #[arg(long)]
    pub quick: bool,
    /// Threads for both sides: RAYON_NUM_THREADS for retag, torch.set_num_threads for PyTorch.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Sentences of the scaling case (default 1000,10000,100000; 50,200 with --quick).
    #[arg(long, value_delimiter = ',')]
    pub scaling_sizes: Vec<usize>,
    /// Sentence lengths in word-pieces of the lengths case; beyond the model's
    /// 512 retag windows and PyTorch's side is skipped.
    #[arg(long, value_delimiter = ',', default_value = "32,64,128,256,512,1024")]
    pub lengths: Vec<usize>,
    /// The plain encoder the checkpoint is made from (default: where `cargo xtask fetch-model` puts MiniLM).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// A folder with train.txt, dev.txt and test.txt (default: ../shared/data/wnut17).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The Python with torch and transformers (default: ../venv/bin/python, else python3).
    #[arg(long)]
    pub python: Option<PathBuf>,
    /// Make the bench's checkpoint again.
    #[arg(long)]
    pub fresh: bool,
    /// Time this retag binary instead of building the tree's (for before/after
    /// comparisons of two builds: `scripts/bench_before_after.py`).
    #[arg(long)]
    pub retag: Option<PathBuf>,
    /// Run retag's side only (PyTorch's is skipped even where torch is installed).
    #[arg(long)]
    pub no_pytorch: bool,
    /// Where the JSON summary goes (default: target/bench/pipeline.json).
    #[arg(long)]
    pub json_out: Option<PathBuf>,
}

/// What every case needs: the two programs, the checkpoint, the data, where outputs go.
struct Bench {
    retag: PathBuf,
    /// `None`: no torch here, PyTorch's side is skipped.
    python: Option<PathBuf>,
    /// Run PyTorch's side of each case (off with `--no-pytorch`; the
    /// checkpoint is still made with torch where it is installed, so that
    /// runs with and without PyTorch's side time the same model).
    pytorch_sides: bool,
    root: PathBuf,
    threads: usize,
    checkpoint: PathBuf,
    /// train.txt, dev.txt, test.txt as the cases use them (slices with --quick).
    data: PathBuf,
    inputs: PathBuf,
    outputs: PathBuf,
    logs: PathBuf,
}

pub fn run(args: &PipelineArgs) -> Result<()> {
    for case in &args.cases {
        if !CASES.contains(&case.as_str()) {
            bail!("unknown case {case:?} (cases: {})", CASES.join(", "));
        }
    }
    if args.threads == 0 {
        bail!("--threads must be at least 1");
    }
    let root = repo_root();
    let base = args.model.clone().unwrap_or_else(default_model_dir);
    if !base.join("config.json").is_file() {
        bail!("no model at {}: run `cargo xtask fetch-model`, or pass --model DIR", base.display());
    }
    let source = args.data.clone().unwrap_or_else(|| root.join("../shared/data/wnut17"));
    let work = root.join("target").join("bench").join("pipeline");
    let (data, inputs, outputs, logs) =
        (work.join("data"), work.join("inputs"), work.join("outputs"), work.join("logs"));
    for dir in [&data, &inputs, &outputs, &logs] {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    if args.no_pytorch {
        eprintln!("pytorch: its side is skipped (--no-pytorch)");
    }
    let python = match super::find_torch(args.python.as_deref(), &root) {
        Ok(python) => Some(python),
        Err(reason) => {
            eprintln!("pytorch: skipped: no torch ({reason}); only retag's side runs");
            None
        }
    };
    let retag = match &args.retag {
        Some(binary) if binary.is_file() => binary.clone(),
        Some(binary) => bail!("--retag {}: no such file", binary.display()),
        None => {
            eprintln!("building retag (release)...");
            // Default features (flex), as `cargo xtask retrain` builds it.
            crate::release_build::release_binary("retag-cli", "retag", &[])?
        }
    };
    prepare_data(&source, &data, args.quick)?;
    let mut bench = Bench {
        retag,
        python,
        pytorch_sides: !args.no_pytorch,
        root,
        threads: args.threads,
        checkpoint: PathBuf::new(),
        data,
        inputs,
        outputs,
        logs,
    };
    bench.checkpoint = bench.make_checkpoint(&base, &source.join("train.txt"), &work, args.fresh)?;

    let mut rows = Vec::new();
    for case in &args.cases {
        match case.as_str() {
            "predict" => {
                let test = bench.data.join("test.txt");
                let sentences = inputs::count_sentences(&test)?;
                rows.push(bench.predict("predict test", &test)?);
                let repeated = bench.inputs.join("test-x4.txt");
                cycle_sentences(&test, 4 * sentences, &repeated)?;
                rows.push(bench.predict("predict test x4", &repeated)?);
            }
            "frozen" => rows.push(bench.retrain("frozen", 3)?),
            "naive" => rows.push(bench.retrain("naive", 1)?),
            "scaling" => {
                let sizes = match (&args.scaling_sizes[..], args.quick) {
                    ([], false) => vec![1_000, 10_000, 100_000],
                    ([], true) => vec![50, 200],
                    (sizes, _) => sizes.to_vec(),
                };
                for size in sizes {
                    let input = bench.inputs.join(format!("test-{size}.txt"));
                    cycle_sentences(&bench.data.join("test.txt"), size, &input)?;
                    rows.push(bench.predict(&format!("scaling {size} sentences"), &input)?);
                }
            }
            "lengths" => rows.extend(bench.lengths(&args.lengths)?),
            _ => unreachable!("cases were checked above"),
        }
    }

    let printed = table(&rows);
    println!("{printed}");
    let summary = json!({
        "machine": machine(),
        "threads": args.threads,
        "quick": args.quick,
        "checkpoint": bench.checkpoint.display().to_string(),
        "data": source.display().to_string(),
        "rows": rows.iter().map(Row::to_json).collect::<Vec<_>>(),
    });
    let bench_dir = work.parent().expect("pipeline sits in target/bench");
    let json_path = args.json_out.clone().unwrap_or_else(|| bench_dir.join("pipeline.json"));
    let text = serde_json::to_string_pretty(&summary).expect("JSON values serialize");
    std::fs::write(&json_path, text).with_context(|| format!("cannot write {}", json_path.display()))?;
    let md_path = bench_dir.join("pipeline-summary.md");
    std::fs::write(&md_path, printed).with_context(|| format!("cannot write {}", md_path.display()))?;
    eprintln!("results in {} and {}; logs in {}", json_path.display(), md_path.display(), bench.logs.display());
    Ok(())
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
        let count = if count == 0 { inputs::count_sentences(&from)? } else { count };
        cycle_sentences(&from, count, &data.join(name))?;
    }
    Ok(())
}

impl Bench {
    /// The environment both sides run in: the same thread count everywhere.
    fn command(&self, program: &Path) -> Command {
        let threads = self.threads.to_string();
        let mut command = Command::new(program);
        command.current_dir(&self.root);
        // retag: burn's rayon pool; the inner BLAS libraries get 1, as in `bench encoder`.
        command.env("RAYON_NUM_THREADS", &threads);
        command.env("MATMUL_NUM_THREADS", "1");
        command.env("OPENBLAS_NUM_THREADS", "1");
        // PyTorch: the scripts call torch.set_num_threads(--threads); OpenMP/MKL
        // and the tokenizers' rayon pool are held to the same count.
        command.env("OMP_NUM_THREADS", &threads);
        command.env("MKL_NUM_THREADS", &threads);
        command.env("RAYON_RS_NUM_CPUS", &threads);
        command
    }

    fn python_command(&self, script: &str) -> Option<Command> {
        let mut command = self.command(self.python.as_deref()?);
        command.arg(self.root.join("scripts").join(script));
        Some(command)
    }

    /// Runs one side of one case; a failure is reported and leaves that side empty.
    fn measure(&self, label: &str, side: &str, command: &mut Command) -> Option<Measured> {
        let log = self.logs.join(format!("{}-{side}.log", label.replace(' ', "-")));
        eprintln!("{label}: {side}...");
        match measure(command, &log) {
            Ok(measured) => {
                eprintln!("{label}: {side}: {:.1} s", measured.wall_secs);
                Some(measured)
            }
            Err(error) => {
                eprintln!("{label}: {side}: {error:#}");
                None
            }
        }
    }

    /// The token-classification checkpoint both sides load: made by
    /// `bench_pipeline.py make-model` (MiniLM + a seeded random classifier for
    /// `labels_from`'s tags); without torch, by `retag train` for one epoch
    /// on the (sliced) training data, only so retag's side can run.
    fn make_checkpoint(&self, base: &Path, labels_from: &Path, work: &Path, fresh: bool) -> Result<PathBuf> {
        let (dir, mut command) = match self.python_command("bench_pipeline.py") {
            Some(mut command) => {
                let dir = work.join("checkpoint");
                command.arg("make-model").arg("--base").arg(base).arg("--labels-from").arg(labels_from);
                command.arg("--out").arg(&dir);
                (dir, command)
            }
            None => {
                let dir = work.join("checkpoint-retag-train");
                let mut command = self.command(&self.retag);
                command.arg("train").arg("--model").arg(base);
                command.arg("--train").arg(self.data.join("train.txt")).arg("--dev").arg(self.data.join("dev.txt"));
                command.args(["--epochs", "1", "--progress", "off", "--out"]).arg(&dir);
                command.arg("--run-dir").arg(work.join("checkpoint-retag-train.run"));
                (dir, command)
            }
        };
        if dir.join("config.json").is_file() && dir.join("model.safetensors").is_file() && !fresh {
            eprintln!("checkpoint: cached at {}", dir.display());
            return Ok(dir);
        }
        for stale in [dir.clone(), dir.with_extension("run")] {
            if stale.exists() {
                std::fs::remove_dir_all(&stale).with_context(|| format!("cannot remove {}", stale.display()))?;
            }
        }
        eprintln!("checkpoint: making {}", dir.display());
        measure(&mut command, &self.logs.join("checkpoint.log")).context("making the bench's checkpoint")?;
        Ok(dir)
    }

    /// `retag predict` and the PyTorch loop on `input`, then their agreement.
    fn predict(&self, label: &str, input: &Path) -> Result<Row> {
        self.predict_sides(label, input, true)
    }

    /// [`Self::predict`], PyTorch's side only when `with_pytorch`.
    fn predict_sides(&self, label: &str, input: &Path, with_pytorch: bool) -> Result<Row> {
        let mut row = Row::new(label, "words");
        let words = count_words(input)? as f64;
        let stem = label.replace(' ', "-");
        let retag_out = self.outputs.join(format!("{stem}-retag.txt"));
        let pytorch_out = self.outputs.join(format!("{stem}-pytorch.txt"));
        for stale in [&retag_out, &pytorch_out] {
            if stale.exists() {
                std::fs::remove_file(stale).with_context(|| format!("cannot remove {}", stale.display()))?;
            }
        }
        if let Some(mut command) =
            self.python_command("bench_pipeline.py").filter(|_| with_pytorch && self.pytorch_sides)
        {
            let json_out = self.outputs.join(format!("{stem}-pytorch.json"));
            command.args(["predict", "--threads", &self.threads.to_string(), "--model"]).arg(&self.checkpoint);
            command.arg("--input").arg(input).arg("--output").arg(&pytorch_out).arg("--json-out").arg(&json_out);
            row.pytorch = self.measure(label, "pytorch", &mut command);
            row.pytorch_work = row.pytorch.as_ref().map(|_| words);
            row.extra["pytorch"] = read_json(&json_out);
        }
        let mut command = self.command(&self.retag);
        command.arg("predict").arg("--model").arg(&self.checkpoint);
        command.arg("--input").arg(input).arg("--output").arg(&retag_out);
        row.retag = self.measure(label, "retag", &mut command);
        row.retag_work = row.retag.as_ref().map(|_| words);
        if row.retag.is_some() && row.pytorch.is_some() {
            match agreement(&retag_out, &pytorch_out) {
                Ok(agreed) => row.agreement = Some(agreed),
                Err(error) => row.notes.push(format!("tags not compared: {error:#}")),
            }
        }
        Ok(row)
    }

    /// Predict on files of the same words packed into sentences of each
    /// length: time per word against sentence length. Each row notes the cost
    /// per word-piece that the FLOP count predicts relative to the first
    /// length (per layer `8H² + 4HI + 4SH`: the attention term grows with S).
    fn lengths(&self, lengths: &[usize]) -> Result<Vec<Row>> {
        let config = read_json(&self.checkpoint.join("config.json"));
        let field =
            |name: &str| config[name].as_f64().with_context(|| format!("{name} in the checkpoint's config.json"));
        let (hidden, inner, limit) =
            (field("hidden_size")?, field("intermediate_size")?, field("max_position_embeddings")?);
        let per_piece = |length: usize| 8.0 * hidden * hidden + 4.0 * hidden * inner + 4.0 * length as f64 * hidden;
        let test = self.data.join("test.txt");
        let words = count_words(&test)? as usize;
        let mut rows = Vec::new();
        for &length in lengths {
            let input = self.inputs.join(format!("length-{length}.txt"));
            let sentences = inputs::pack_to_length(&self.checkpoint, &test, length, words, &input)?;
            let beyond = length as f64 > limit;
            let mut row = self.predict_sides(&format!("length {length} word-pieces"), &input, !beyond)?;
            let relative = per_piece(length.min(limit as usize)) / per_piece(lengths[0].min(limit as usize));
            row.notes.push(format!(
                "{sentences} sentences, {words} words; FLOP per word-piece x{relative:.2} of length {}",
                lengths[0]
            ));
            if beyond {
                row.notes.push(format!("beyond the model's {limit} positions: retag windows, the PyTorch loop would truncate, so it is not run"));
            }
            rows.push(row);
        }
        Ok(rows)
    }

    /// `retag retrain --strategy STRATEGY --epochs EPOCHS` and its PyTorch
    /// counterpart on the same splits. Rates are real training word-pieces
    /// (times epochs) over the whole process.
    fn retrain(&self, strategy: &str, epochs: usize) -> Result<Row> {
        let label = format!("retrain {strategy} {epochs} epoch{}", if epochs == 1 { "" } else { "s" });
        let mut row = Row::new(&label, "word-pieces");
        let (train, dev, test) = (self.data.join("train.txt"), self.data.join("dev.txt"), self.data.join("test.txt"));
        let retag_pieces = count_word_pieces(&self.checkpoint, &train)? as f64 * epochs as f64;
        let epochs_arg = epochs.to_string();
        let threads = self.threads.to_string();
        let json_out = self.outputs.join(format!("{strategy}-pytorch.json"));
        let pytorch = match strategy {
            _ if !self.pytorch_sides => None,
            "frozen" => self.python_command("reference_retrain.py").map(|mut command| {
                command.args(["retrain", "--strategy", "frozen", "--epochs", &epochs_arg, "--patience", "0"]);
                // retag's defaults: windows as long as the model allows, the head's learning rate 1e-3.
                command.args(["--max-len", "512", "--lr", "1e-3", "--log-every", "0", "--threads", &threads]);
                command
            }),
            _ => self.python_command("bench_pipeline.py").map(|mut command| {
                command.args(["naive", "--epochs", &epochs_arg, "--threads", &threads]);
                command
            }),
        };
        if let Some(mut command) = pytorch {
            command.arg("--model").arg(&self.checkpoint);
            command.arg("--train").arg(&train).arg("--dev").arg(&dev).arg("--test").arg(&test);
            command.arg("--json-out").arg(&json_out);
            let _ = std::fs::remove_file(&json_out);
            row.pytorch = self.measure(&label, "pytorch", &mut command);
            let report = read_json(&json_out);
            // Each script counts its own word-pieces: the Trainer script in
            // `word_pieces`, the frozen reference per epoch in `real_pieces`.
            let per_epoch: Option<f64> = report["epochs"]
                .as_array()
                .map(|epochs| epochs.iter().filter_map(|epoch| epoch["real_pieces"].as_f64()).sum());
            let counted = report["word_pieces"].as_f64().or(per_epoch);
            if row.pytorch.is_some() && counted.is_none() {
                row.notes.push(format!(
                    "PyTorch's report has no word-piece count; retag's is used ({})",
                    json_out.display()
                ));
            }
            row.pytorch_work = row.pytorch.as_ref().map(|_| counted.unwrap_or(retag_pieces));
            row.extra["pytorch"] = report;
        }
        let out = self.outputs.join(format!("{strategy}-retag"));
        let run_dir = self.outputs.join(format!("{strategy}-retag.run"));
        for stale in [&out, &run_dir] {
            if stale.exists() {
                std::fs::remove_dir_all(stale).with_context(|| format!("cannot remove {}", stale.display()))?;
            }
        }
        let mut command = self.command(&self.retag);
        command.args(["retrain", "--strategy", strategy, "--epochs", &epochs_arg, "--patience", "0"]);
        command.arg("--model").arg(&self.checkpoint);
        command.arg("--train").arg(&train).arg("--dev").arg(&dev).arg("--test").arg(&test);
        command.arg("--out").arg(&out).arg("--run-dir").arg(&run_dir).args(["--progress", "off"]);
        row.retag = self.measure(&label, "retag", &mut command);
        row.retag_work = row.retag.as_ref().map(|_| retag_pieces);
        row.extra["retag"] = read_json(&out.join("metrics.json"));
        row.notes.extend(in_process_note(&row, strategy));
        Ok(row)
    }
}

/// A JSON file a side wrote, or `null` when it wrote none.
fn read_json(path: &Path) -> Value {
    std::fs::read_to_string(path).ok().and_then(|text| serde_json::from_str(&text).ok()).unwrap_or(Value::Null)
}
