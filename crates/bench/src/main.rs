//! `retag-bench`: how fast retag's encoder runs, per burn backend.
//!
//! The backend is chosen at build time by a cargo feature (`flex`, `ndarray`,
//! `ndarray-blas`, `cpu`, `wgpu`, `flex-avx512`); `cargo xtask bench encoder`
//! builds one binary per backend and runs each in its own process, so that
//! peak memory is each backend's own, then runs `scripts/bench_encoder.py`
//! for PyTorch and prints one table (`retag_bench::report`, the library beside
//! this binary, which also serves `retag-bench report`).

mod backend;
mod cost;
mod encoder;
mod train_step;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use retag_bench::report;

use crate::encoder::EncoderOptions;

#[derive(Debug, Parser)]
#[command(name = "retag-bench", about = "Benchmarks of retag's encoder, one burn backend per build")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Forward throughput (word-pieces/s) and peak memory of the encoder.
    Encoder(EncoderArgs),
    /// Write the word-piece ids of the real-length mix, for the PyTorch script.
    Mix(MixArgs),
    /// One table from several results files (this binary's and the PyTorch script's).
    Report(ReportArgs),
}

#[derive(Debug, Args)]
struct EncoderArgs {
    /// The checkpoint folder (config.json, model.safetensors, tokenizer.json).
    #[arg(long, default_value_os_t = default_model())]
    model: PathBuf,
    /// The CoNLL file whose sentences make the real-length mix.
    #[arg(long, default_value_os_t = default_data())]
    data: PathBuf,
    /// Which compiled-in backend to run (default: the first of flex, ndarray, cpu, wgpu).
    #[arg(long)]
    backend: Option<String>,
    /// Cases to run, comma-separated (default: random-32, random-128, wnut17-test, train-32, train-128).
    #[arg(long, value_delimiter = ',')]
    cases: Vec<String>,
    /// Fewer repetitions, for development; not for figures.
    #[arg(long)]
    quick: bool,
    /// Timed repetitions of the fixed-shape cases (default 10, 3 with --quick).
    #[arg(long)]
    reps: Option<usize>,
    /// Timed repetitions of the real-length mix (default 5, 1 with --quick).
    #[arg(long)]
    mix_reps: Option<usize>,
    /// Where to write the results (default: target/bench/encoder-BACKEND.json).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The reference for "% of ceiling", in GFLOP/s.
    #[arg(long, default_value_t = report::DEFAULT_CEILING_GFLOPS)]
    ceiling_gflops: f64,
}

#[derive(Debug, Args)]
struct MixArgs {
    #[arg(long, default_value_os_t = default_model())]
    model: PathBuf,
    #[arg(long, default_value_os_t = default_data())]
    data: PathBuf,
    /// The JSON file to write.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// Results files of `retag-bench encoder` and `scripts/bench_encoder.py`.
    #[arg(required = true)]
    results: Vec<PathBuf>,
    /// The reference for "% of ceiling", in GFLOP/s.
    #[arg(long, default_value_t = report::DEFAULT_CEILING_GFLOPS)]
    ceiling_gflops: f64,
}

/// The default encoder, where `cargo xtask fetch-model` puts it.
fn default_model() -> PathBuf {
    let cache = match (std::env::var_os("RETAG_CACHE"), std::env::var_os("XDG_CACHE_HOME")) {
        (Some(dir), _) => PathBuf::from(dir),
        (None, Some(dir)) => PathBuf::from(dir).join("retag"),
        (None, None) => std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from).join(".cache/retag"),
    };
    cache.join("models/sentence-transformers/all-MiniLM-L6-v2")
}

/// The repository's root: the bench is run from a checkout.
fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// WNUT-17's test set, in the shared data beside the checkout.
fn default_data() -> PathBuf {
    repo_root().join("../shared/data/wnut17/test.txt")
}

fn main() -> ExitCode {
    retag_alloc::keep_freed_memory();
    match run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Encoder(args) => {
            let backend = backend::pick(args.backend.as_deref())?;
            let options = EncoderOptions {
                model: args.model,
                data: args.data,
                cases: args.cases,
                warmup: if args.quick { 1 } else { 2 },
                reps: args.reps.unwrap_or(if args.quick { 3 } else { 10 }),
                mix_warmup: 1,
                mix_reps: args.mix_reps.unwrap_or(if args.quick { 1 } else { 5 }),
            };
            let results = encoder::run(backend, &options)?;
            let out = args
                .out
                .unwrap_or_else(|| repo_root().join("target/bench").join(format!("encoder-{}.json", backend.name)));
            report::write(&results, &out)?;
            print!("{}", report::table(std::slice::from_ref(&results), args.ceiling_gflops));
            eprintln!("results written to {}", out.display());
            Ok(())
        }
        Command::Mix(args) => {
            let mix = encoder::mix_ids(&args.model, &args.data)?;
            if let Some(parent) = args.out.parent() {
                std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
            }
            let text = serde_json::to_string(&mix).expect("ids serialize");
            std::fs::write(&args.out, text).with_context(|| format!("cannot write {}", args.out.display()))?;
            let pieces: usize = mix.sequences.iter().map(Vec::len).sum();
            eprintln!("{} sequences, {pieces} word-pieces written to {}", mix.sequences.len(), args.out.display());
            Ok(())
        }
        Command::Report(args) => {
            let reports = args.results.iter().map(|path| report::read(path)).collect::<Result<Vec<_>>>()?;
            print!("{}", report::table(&reports, args.ceiling_gflops));
            Ok(())
        }
    }
}
