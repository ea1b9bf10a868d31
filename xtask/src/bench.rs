//! `cargo xtask bench encoder`: builds `retag-bench` once per burn backend
//! (each backend is a cargo feature), runs every case of every backend in its
//! own process so that each peak memory is its own, runs the PyTorch
//! reference (`scripts/bench_encoder.py`) when torch is at hand, and prints
//! one table (`retag-bench report`). Cases run one after the other across
//! backends, so the figures of one case are taken close together in time.
//! The measuring lives in `crates/bench`; this file only drives cargo and
//! processes, so xtask stays free of burn.
//!
//! `cargo xtask bench pipeline` (`bench_pipeline.rs` and the `bench_*.rs`
//! files beside it) runs whole programs instead: `retag predict` and
//! `retag retrain` against the PyTorch programs that do the same jobs.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use crate::cache::repo_root;
use crate::fetch_model::default_model_dir;

// The pipeline bench's files sit beside this one as `bench_*.rs` (flat, like
// the rest of xtask) and are children of this module.
#[path = "bench_inputs.rs"]
mod inputs;
#[path = "bench_pipeline.rs"]
mod pipeline;
#[path = "bench_process.rs"]
mod process;
#[path = "bench_table.rs"]
mod table;

/// The backends `retag-bench` has a feature for.
const BACKENDS: [&str; 6] = ["flex", "flex-avx512", "ndarray", "ndarray-blas", "cpu", "wgpu"];
const CASES: [&str; 5] = ["random-32", "random-128", "wnut17-test", "train-32", "train-128"];

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub target: BenchTarget,
}

#[derive(Debug, Subcommand)]
pub enum BenchTarget {
    /// Encoder forward throughput and peak memory per backend, against PyTorch.
    Encoder(EncoderArgs),
    /// Whole programs against PyTorch: predict, retrain (frozen, naive), predict's scaling.
    Pipeline(pipeline::PipelineArgs),
}

#[derive(Debug, Args)]
pub struct EncoderArgs {
    /// Backends to build and run, comma-separated: flex, flex-avx512, ndarray, ndarray-blas, cpu, wgpu.
    /// The default is what `retag` ships with (flex with gemm's AVX-512 kernels).
    #[arg(long, value_delimiter = ',', default_value = "flex-avx512")]
    pub backends: Vec<String>,
    /// Cases, comma-separated: random-32, random-128, wnut17-test (forward passes), train-32, train-128 (training steps).
    #[arg(long, value_delimiter = ',', default_values_t = CASES.map(String::from))]
    pub cases: Vec<String>,
    /// Fewer repetitions, for development; not for figures.
    #[arg(long)]
    pub quick: bool,
    /// Timed repetitions of the fixed-shape cases (default 10, 3 with --quick).
    #[arg(long)]
    pub reps: Option<usize>,
    /// Timed repetitions of the real-length mix (default 5, 1 with --quick).
    #[arg(long)]
    pub mix_reps: Option<usize>,
    /// The checkpoint folder (default: where `cargo xtask fetch-model` puts MiniLM).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The CoNLL file of the real-length mix (default: ../shared/data/wnut17/test.txt).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Threads for every engine: rayon's pool for burn (matrixmultiply and OpenBLAS inside it get 1), torch's.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// The Python with torch and transformers (default: ../venv/bin/python, else python3).
    #[arg(long)]
    pub python: Option<PathBuf>,
    /// The reference for "% of ceiling", in GFLOP/s (default: retag-bench's, 210).
    #[arg(long)]
    pub ceiling_gflops: Option<f64>,
}

pub fn run(args: &BenchArgs) -> Result<()> {
    match &args.target {
        BenchTarget::Encoder(args) => encoder(args),
        BenchTarget::Pipeline(args) => pipeline::run(args),
    }
}

fn encoder(args: &EncoderArgs) -> Result<()> {
    for case in &args.cases {
        if !CASES.contains(&case.as_str()) {
            bail!("unknown case {case:?} (the cases are {})", CASES.join(", "));
        }
    }
    for backend in &args.backends {
        if !BACKENDS.contains(&backend.as_str()) {
            bail!("unknown backend {backend:?} (retag-bench has {})", BACKENDS.join(", "));
        }
    }
    let root = repo_root();
    let model = args.model.clone().unwrap_or_else(default_model_dir);
    if !model.join("config.json").is_file() {
        bail!("no model at {}: run `cargo xtask fetch-model`, or pass --model DIR", model.display());
    }
    let data = args.data.clone().unwrap_or_else(|| root.join("../shared/data/wnut17/test.txt"));
    let out_dir = root.join("target").join("bench");
    std::fs::create_dir_all(out_dir.join("bin")).with_context(|| format!("cannot create {}", out_dir.display()))?;

    let mut built = Vec::new();
    for backend in &args.backends {
        match build(backend, &out_dir) {
            Ok(binary) => built.push((backend.as_str(), binary)),
            Err(error) => eprintln!("{backend}: skipped: {error:#}"),
        }
    }
    let Some((_, any_binary)) = built.first() else { bail!("no backend built") };
    let any_binary = any_binary.clone();

    let mix_ids = out_dir.join("wnut17-test-ids.json");
    let status = Command::new(&any_binary)
        .args(["mix", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&mix_ids)
        .status()
        .context("cannot run retag-bench mix")?;
    if !status.success() {
        bail!("retag-bench mix failed ({status})");
    }
    let python = find_torch(args.python.as_deref(), &root);
    if let Err(reason) = &python {
        eprintln!("pytorch: skipped: no torch ({reason})");
    }

    let mut results = Vec::new();
    for case in &args.cases {
        if let Ok(python) = &python {
            let out = out_dir.join(format!("encoder-pytorch-{case}.json"));
            let mut command = Command::new(python);
            command
                .arg(root.join("scripts").join("bench_encoder.py"))
                .arg("--model")
                .arg(&model)
                .arg("--mix-ids")
                .arg(&mix_ids)
                .args(["--cases", case.as_str(), "--threads", &args.threads.to_string(), "--out"])
                .arg(&out);
            repetitions(&mut command, args);
            match run_quietly(&mut command) {
                Ok(()) => results.push(out),
                Err(error) => eprintln!("pytorch: {case} failed: {error:#}"),
            }
        }
        for (backend, binary) in &built {
            let out = out_dir.join(format!("encoder-{backend}-{case}.json"));
            let mut command = Command::new(binary);
            command
                .args(["encoder", "--model"])
                .arg(&model)
                .arg("--data")
                .arg(&data)
                .args(["--cases", case.as_str(), "--out"])
                .arg(&out);
            repetitions(&mut command, args);
            // burn's CPU backends spread work over rayon's pool. ndarray runs the
            // batches of a matmul in parallel there and each calls matrixmultiply
            // or OpenBLAS, which start threads of their own: at 2 + 2 threads on 2
            // cores they spin against each other, 10x slower than at 2 + 1
            // (measured, see docs/performance.md). So the inner libraries get one.
            command.env("RAYON_NUM_THREADS", args.threads.to_string());
            command.env("MATMUL_NUM_THREADS", "1");
            command.env("OPENBLAS_NUM_THREADS", "1");
            match run_quietly(&mut command) {
                Ok(()) => results.push(out),
                Err(error) => eprintln!("{backend}: {case} failed: {error:#}"),
            }
        }
    }
    if results.is_empty() {
        bail!("no case ran");
    }

    let mut report = Command::new(&any_binary);
    report.arg("report").args(&results);
    if let Some(ceiling) = args.ceiling_gflops {
        report.args(["--ceiling-gflops", &ceiling.to_string()]);
    }
    let output = report.stderr(Stdio::inherit()).output().context("cannot run retag-bench report")?;
    if !output.status.success() {
        bail!("retag-bench report failed ({})", output.status);
    }
    let table = String::from_utf8_lossy(&output.stdout);
    println!("{table}");
    let summary = out_dir.join("encoder-summary.md");
    std::fs::write(&summary, table.as_bytes()).with_context(|| format!("cannot write {}", summary.display()))?;
    eprintln!("results in {}", out_dir.display());
    Ok(())
}

/// Passes `--quick`, `--reps` and `--mix-reps` on: both benchmarks take them.
fn repetitions(command: &mut Command, args: &EncoderArgs) {
    if args.quick {
        command.arg("--quick");
    }
    if let Some(reps) = args.reps {
        command.args(["--reps", &reps.to_string()]);
    }
    if let Some(reps) = args.mix_reps {
        command.args(["--mix-reps", &reps.to_string()]);
    }
}

/// `cargo build --release` of retag-bench with `backend` alone, copied out of
/// the target folder so that the next backend's build does not replace it.
fn build(backend: &str, out_dir: &Path) -> Result<PathBuf> {
    eprintln!("{backend}: building retag-bench --release --features {backend}");
    let built = crate::release_build::release_binary(
        "retag-bench",
        "retag-bench",
        &["--no-default-features", "--features", backend],
    )
    .map_err(|error| anyhow::anyhow!("{error}{}", build_hint(backend)))?;
    let copy = out_dir.join("bin").join(format!("retag-bench-{backend}"));
    std::fs::copy(&built, &copy).with_context(|| format!("cannot copy {} to {}", built.display(), copy.display()))?;
    Ok(copy)
}

fn build_hint(backend: &str) -> &'static str {
    match backend {
        "ndarray-blas" => ": it links the system OpenBLAS (Debian: apt-get install libopenblas-dev)",
        "cpu" => ": burn's cpu backend downloads a prebuilt LLVM while it builds, which needs the network",
        "wgpu" => ": see the build output above",
        _ => "",
    }
}

/// The Python to run the reference with: `explicit`, else the project's
/// virtual environment beside the checkout, else `python3`, whichever imports
/// torch and transformers.
fn find_torch(explicit: Option<&Path>, root: &Path) -> Result<PathBuf, String> {
    let candidates = match explicit {
        Some(path) => vec![path.to_path_buf()],
        None => vec![root.join("../venv/bin/python"), PathBuf::from("python3")],
    };
    for python in &candidates {
        let imports = Command::new(python)
            .args(["-c", "import torch, transformers"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if imports.is_ok_and(|status| status.success()) {
            return Ok(python.clone());
        }
    }
    let tried: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    Err(format!("none of {} imports torch and transformers; pass --python", tried.join(", ")))
}

/// Runs `command` with its stdout (a per-run table or JSON) discarded and its
/// stderr (progress, errors) shown.
fn run_quietly(command: &mut Command) -> Result<()> {
    let status = command.stdout(Stdio::null()).status().with_context(|| format!("cannot run {command:?}"))?;
    if !status.success() {
        bail!("{status}");
    }
    Ok(())
}
