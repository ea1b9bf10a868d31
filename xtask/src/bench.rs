//! `cargo xtask bench encoder` and `cargo xtask bench pipeline`: the flags,
//! and the release builds cargo makes for them. What the benchmarks do lives
//! in the `retag-bench` library (`crates/bench`, no burn): `encoder_runs`
//! and `pipeline`.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use retag_bench::encoder_runs::{CASES, EncoderRuns};

use crate::cache::repo_root;
use crate::fetch_model::default_model_dir;
use crate::release_build::release_binary;

// The pipeline bench's flags sit beside this file, flat like the rest of xtask.
#[path = "bench_pipeline.rs"]
mod pipeline;

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub target: BenchTarget,
}

#[derive(Debug, Subcommand)]
pub enum BenchTarget {
    /// Encoder forward throughput and peak memory per backend, against PyTorch.
    Encoder(EncoderArgs),
    /// Whole programs against PyTorch and ONNX Runtime: predict, retrain (frozen, naive), predict's scaling.
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
    let root = repo_root();
    let runs = EncoderRuns {
        backends: args.backends.clone(),
        cases: args.cases.clone(),
        model: args.model.clone().unwrap_or_else(default_model_dir),
        data: args.data.clone().unwrap_or_else(|| root.join("../shared/data/wnut17/test.txt")),
        quick: args.quick,
        reps: args.reps,
        mix_reps: args.mix_reps,
        threads: args.threads,
        python: args.python.clone(),
        ceiling_gflops: args.ceiling_gflops,
        root,
    };
    // Each backend is a feature of retag-bench, built alone.
    let table = runs.run(|backend| {
        release_binary("retag-bench", "retag-bench", &["--no-default-features", "--features", backend])
    })?;
    println!("{table}");
    Ok(())
}
