//! `cargo xtask retrain`: the main job. With no arguments it runs the whole
//! story on a fresh machine: fetch the default encoder and WNUT-16, fold
//! WNUT-16's ten types into four coarse ones, fine-tune an "old" model on
//! the coarse tagset, then retrain that model for the ten fine types with
//! every strategy and print one table. With `--model` it runs the user's own
//! retrain instead.
//!
//! The work is done by the `retag` binary (built once, in release mode, with
//! the backend's cargo feature); this file only sequences it, caches what
//! each step produced (a step whose output holds `metrics.json` is not run
//! again) and reads the results back for the table.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use retag_data::run_metrics::RunMetrics;

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
    /// Strategies to compare, comma-separated (naive, frozen, full, warm-start, warm-start-inferred).
    #[arg(long, value_delimiter = ',', default_value = "frozen,naive,warm-start,warm-start-inferred,full")]
    pub strategies: Vec<String>,
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
    /// Epochs of the frozen strategy's head (cheap: the encoder runs once).
    #[arg(long, default_value_t = 30)]
    pub frozen_epochs: usize,
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

    // 3. Every strategy, old coarse model -> the ten fine types.
    let mut rows = Vec::new();
    let mut run_dirs = Vec::new();
    for strategy in &args.strategies {
        let (name, extra): (&str, Vec<String>) = match strategy.as_str() {
            "warm-start" => {
                ("warm-start", vec!["--mapping".into(), mapping.display().to_string(), "--reverse-mapping".into()])
            }
            "warm-start-inferred" => ("warm-start", Vec::new()),
            "naive" | "frozen" | "full" => (strategy.as_str(), Vec::new()),
            other => bail!("unknown strategy {other:?}; known: naive, frozen, full, warm-start, warm-start-inferred"),
        };
        let epochs = if name == "frozen" { args.frozen_epochs } else { args.epochs };
        // The old model's recipe is part of the name: a new old model means new runs.
        let label = format!("{strategy}-e{epochs}-lr{}-from-{recipe}", args.learning_rate);
        let out = work.join("models").join(&label);
        if needs_run(&out, args.fresh)? {
            let mut command = Command::new(&retag);
            command.args(["retrain", "--model"]).arg(&old);
            if name == "full" {
                // Only `full` starts from the base encoder; retag refuses --base elsewhere.
                command.arg("--base").arg(&base);
            }
            command.arg("--train").arg(fine.join("train.txt")).arg("--dev").arg(fine.join("dev.txt"));
            command.arg("--test").arg(fine.join("test.txt")).arg("--out").arg(&out);
            command.args(["--strategy", name, "--epochs", &epochs.to_string(), "--tab-separated"]);
            command.args(["--learning-rate", &args.learning_rate.to_string()]);
            // --resume: a run killed half-way continues from its last checkpoint.
            command.arg("--resume").arg("--run-dir").arg(fresh_run_dir(&work.join("runs").join(&label), args.fresh)?);
            command.args(["--backend", backend]).args(&extra);
            run_step(&format!("retrain with {strategy}"), command)?;
        } else {
            eprintln!("{strategy}: cached at {}", out.display());
        }
        rows.push((strategy.clone(), out));
        run_dirs.push(work.join("runs").join(&label));
    }
    print_table(&rows)?;
    let curves = work.join("learning-curves.svg");
    let mut command = Command::new(&retag);
    command.arg("plot").args(&run_dirs).arg("--out").arg(&curves);
    run_step("draw the learning curves", command)?;
    println!("\nlearning curves of every strategy (dev F1 and loss per epoch): {}", curves.display());
    println!("\nmodels (HuggingFace format, with metrics.json): {}", work.join("models").display());
    println!("training logs (evaluations.jsonl per run): {}", work.join("runs").display());
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

pub(crate) fn read_metrics(dir: &Path) -> Result<RunMetrics> {
    Ok(RunMetrics::read(dir)?)
}

/// An F1 in percent with two decimals, `-` when there is none.
fn percent(scores: Option<f64>) -> String {
    scores.filter(|f| !f.is_nan()).map_or_else(|| "-".to_string(), |f| format!("{:.2}", f * 100.0))
}

/// One line per strategy, then test F1 per new type, strategies as columns.
fn print_table(rows: &[(String, PathBuf)]) -> Result<()> {
    let metrics: Vec<(String, RunMetrics)> =
        rows.iter().map(|(name, dir)| Ok((name.clone(), read_metrics(dir)?))).collect::<Result<_>>()?;
    println!("\nretraining the coarse WNUT-16 model (4 types) for the 10 fine types, entity F1 (seqeval, %):\n");
    println!(
        "{:<20} {:>7} {:>7} {:>7} {:>11} {:>10} {:>10}",
        "strategy", "dev F1", "test F1", "epochs", "s/epoch", "cache s", "total s"
    );
    for (name, m) in &metrics {
        let timing = &m.timing;
        println!(
            "{:<20} {:>7} {:>7} {:>7} {:>11.1} {:>10} {:>10.1}",
            name,
            percent(Some(m.dev.micro.f1)),
            percent(m.test.as_ref().map(|test| test.micro.f1)),
            timing.epochs,
            timing.secs_per_epoch,
            timing.cache_secs.map_or_else(|| "-".to_string(), |secs| format!("{secs:.1}")),
            timing.total_secs,
        );
    }
    let mut types: Vec<&String> =
        metrics.iter().filter_map(|(_, m)| m.test.as_ref()).flat_map(|test| test.per_type.keys()).collect();
    types.sort();
    types.dedup();
    println!("\ntest F1 per type (%):\n");
    print!("{:<14}", "type");
    for (name, _) in &metrics {
        print!(" {name:>20}");
    }
    println!();
    for kind in types {
        print!("{kind:<14}");
        for (_, m) in &metrics {
            let f1 = m.test.as_ref().and_then(|test| test.per_type.get(kind)).map(|scores| scores.scores.f1);
            print!(" {:>20}", percent(f1));
        }
        println!();
    }
    Ok(())
}
