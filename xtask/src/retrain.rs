//! `cargo xtask retrain`: the main job. With no arguments it runs the whole
//! story on a fresh machine: fetch the default encoder and WNUT-16, fold
//! WNUT-16's ten types into four coarse ones, fine-tune an "old" model on
//! the coarse tagset, then retrain that model for the ten fine types with
//! every strategy through `retag compare`, which ends with a report (tables,
//! a bootstrap against naive, pictures, report.html). With `--model` it runs
//! the user's own retrain instead.
//!
//! The work is done by the `retag` binary (built once, in release mode, with
//! the backend's cargo feature); this file only sequences it. Every step is
//! cached (a step whose output holds `metrics.json` is not run again, and
//! compare keeps each finished run), and a killed run resumes from its
//! checkpoint.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

use crate::cache::{cache_dir, repo_root};
use crate::fetch_data::{self, FetchDataArgs};
use crate::fetch_model::{self, FetchModelArgs};
use crate::release_build::release_binary;

/// The mapping from WNUT-16's ten types to the coarse four (committed in the repo).
const COARSE_MAPPING: &str = "examples/mappings/wnut16-to-coarse.toml";
const SPLITS: [&str; 3] = ["train.txt", "dev.txt", "test.txt"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// burn's flex CPU backend (the default build).
    Cpu,
    /// burn's wgpu backend (built with `--features wgpu`).
    Gpu,
}

#[derive(Debug, Args)]
pub struct RetrainArgs {
    /// Where models run.
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: Backend,
    /// Strategies to compare, comma-separated, as `retag compare --strategies` names them (warm-start
    /// infers the lineage); warm-start from the committed mapping always runs beside them as
    /// `warm-start-mapping`.
    #[arg(long, value_delimiter = ',', default_value = "naive,frozen,warm-start,progressive,adapter,full")]
    pub strategies: Vec<String>,
    /// Seeds of every strategy (42, 43, ...): the report gives mean and spread, and a paired
    /// bootstrap against naive.
    #[arg(long, default_value_t = 3)]
    pub seeds: usize,
    /// Epochs of each strategy that trains the encoder.
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Epochs of the old (coarse) model.
    #[arg(long, default_value_t = 5)]
    pub old_epochs: usize,
    /// Peak learning rate of every run that trains the encoder. 1e-4 rather
    /// than BERT's 5e-5: MiniLM is small and WNUT-16 gives 120 steps an
    /// epoch, too few for 5e-5 to get far in a few epochs.
    #[arg(long, default_value_t = 1e-4)]
    pub learning_rate: f64,
    /// Run every step again, ignoring cached results.
    #[arg(long)]
    pub fresh: bool,
    /// Your own retrain: the fine-tuned model to start from. The flags below
    /// (and any after `--`) are passed to `retag retrain`.
    #[arg(long)]
    pub model: Option<PathBuf>,
    #[arg(long, requires = "model")]
    pub train: Option<PathBuf>,
    #[arg(long, requires = "model")]
    pub dev: Option<PathBuf>,
    #[arg(long, requires = "model")]
    pub test: Option<PathBuf>,
    #[arg(long, requires = "model")]
    pub strategy: Option<String>,
    #[arg(long, requires = "model")]
    pub mapping: Option<PathBuf>,
    #[arg(long, requires = "model")]
    pub out: Option<PathBuf>,
    /// More `retag retrain` flags, after `--`.
    #[arg(last = true)]
    pub rest: Vec<String>,
}

pub fn run(args: &RetrainArgs) -> Result<()> {
    let retag = build_retag(args.backend)?;
    if args.model.is_some() {
        return run_users_retrain(&retag, args);
    }
    let base = fetch_model::run(&FetchModelArgs::default())?;
    let fine = fetch_data::run(&FetchDataArgs::default())?;
    let work = cache_dir().join("retrain").join(backend_flag(args.backend));
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let backend = backend_flag(args.backend);

    // 1. The coarse tagset: WNUT-16 relabelled with the committed mapping.
    let mapping = repo_root().join(COARSE_MAPPING);
    let coarse = work.join("data-coarse");
    std::fs::create_dir_all(&coarse)?;
    for split in SPLITS {
        let out = coarse.join(split);
        if !out.is_file() || args.fresh {
            let mut command = Command::new(&retag);
            command.args(["data", "relabel", "--tab-separated", "--mapping"]).arg(&mapping);
            command.arg(fine.join(split)).arg(&out);
            run_step(&format!("relabel {split} to the coarse tagset"), command)?;
        }
    }

    // 2. The old model: MiniLM fine-tuned on the coarse tagset.
    let recipe = format!("e{}-lr{}", args.old_epochs, args.learning_rate);
    let old = work.join(format!("old-coarse-{recipe}"));
    if needs_run(&old, args.fresh)? {
        let mut command = Command::new(&retag);
        command.args(["train", "--model"]).arg(&base);
        command.arg("--train").arg(coarse.join("train.txt")).arg("--dev").arg(coarse.join("dev.txt"));
        command.arg("--test").arg(coarse.join("test.txt")).arg("--out").arg(&old);
        command.args(["--epochs", &args.old_epochs.to_string(), "--learning-rate", &args.learning_rate.to_string()]);
        command
            .args(["--tab-separated", "--resume", "--run-dir"])
            .arg(fresh_run_dir(&work.join("runs").join(format!("old-coarse-{recipe}")), args.fresh)?);
        command.args(["--backend", backend]);
        run_step("fine-tune the old model on the coarse tagset (person, location, organization, other)", command)?;
    } else {
        eprintln!("old model: cached at {}", old.display());
    }

    // 3. Every strategy, old coarse model -> the ten fine types: `retag
    // compare` runs them with the same seeds and data, keeps each finished
    // run (a second call trains nothing) and resumes a killed one, and
    // writes the report with its bootstrap and pictures.
    let report = work.join(format!("compare-e{}-lr{}-from-{recipe}", args.epochs, args.learning_rate));
    if args.fresh && report.exists() {
        std::fs::remove_dir_all(&report).with_context(|| format!("cannot remove {}", report.display()))?;
    }
    let mut command = Command::new(&retag);
    command.args(["compare", "--model"]).arg(&old);
    command.arg("--train").arg(fine.join("train.txt")).arg("--dev").arg(fine.join("dev.txt"));
    command.arg("--test").arg(fine.join("test.txt")).arg("--out").arg(&report);
    command.args(["--seeds", &args.seeds.to_string(), "--epochs", &args.epochs.to_string(), "--backend", backend]);
    command.arg("--base").arg(&base).arg("--strategies").arg(args.strategies.join(","));
    // The committed mapping goes from the fine types to the coarse ones, so
    // warm-start reads it reversed: a recipe of its own rather than compare's
    // plain `--mapping`.
    let mapped = format!("warm-start-mapping=--strategy warm-start --mapping {} --reverse-mapping", mapping.display());
    command.arg("--recipe").arg(mapped);
    // Retention: every run is also scored on the coarse test split, through its inferred lineage.
    command.arg("--retain-data").arg(coarse.join("test.txt"));
    command.args(["--", "--tab-separated", "--learning-rate", &args.learning_rate.to_string()]);
    run_step("retrain the old model for the ten fine types with every strategy (retag compare)", command)?;
    println!(
        "
the comparison (report.html with its pictures, report.md, report.json): {}",
        report.display()
    );
    println!("models (HuggingFace format, with metrics.json): {}", report.join("models").display());
    println!("training logs (evaluations.jsonl per run): {}", report.join("runs").display());
    println!("old coarse model: {}", old.display());
    Ok(())
}

pub(crate) fn backend_flag(backend: Backend) -> &'static str {
    match backend {
        Backend::Cpu => "cpu",
        Backend::Gpu => "gpu",
    }
}

/// Builds the `retag` binary in release mode with the backend's feature.
pub(crate) fn build_retag(backend: Backend) -> Result<PathBuf> {
    eprintln!("building retag (release)...");
    let features: &[&str] = if backend == Backend::Gpu { &["--features", "wgpu"] } else { &[] };
    release_binary("retag-cli", "retag", features)
}

fn run_users_retrain(retag: &Path, args: &RetrainArgs) -> Result<()> {
    let mut command = Command::new(retag);
    command.arg("retrain").arg("--model").arg(args.model.as_ref().context("--model")?);
    for (flag, value) in [
        ("--train", &args.train),
        ("--dev", &args.dev),
        ("--test", &args.test),
        ("--mapping", &args.mapping),
        ("--out", &args.out),
    ] {
        if let Some(value) = value {
            command.arg(flag).arg(value);
        }
    }
    if let Some(strategy) = &args.strategy {
        command.args(["--strategy", strategy]);
    }
    command.args(["--backend", backend_flag(args.backend)]).args(&args.rest);
    run_step("retrain", command)
}

/// Whether `out` must be (re)made; a partial output is removed first.
pub(crate) fn needs_run(out: &Path, fresh: bool) -> Result<bool> {
    if out.join("metrics.json").is_file() && !fresh {
        return Ok(false);
    }
    if out.exists() {
        std::fs::remove_dir_all(out).with_context(|| format!("cannot remove {}", out.display()))?;
    }
    Ok(true)
}

/// `dir`, emptied first when the run must start over.
pub(crate) fn fresh_run_dir(dir: &Path, fresh: bool) -> Result<PathBuf> {
    if fresh && dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    Ok(dir.to_path_buf())
}

pub(crate) fn run_step(what: &str, mut command: Command) -> Result<()> {
    eprintln!("\n== {what}");
    let status = command.status().with_context(|| format!("cannot start {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}
