//! `cargo xtask fuzz`: every fuzz target of `fuzz/` (cargo-fuzz, libFuzzer)
//! for a given time, one after another, with a summary per target.
//!
//! The corpora, crash artifacts and the sanitizer build live in retag's
//! cache, outside the repository: a corpus grows to thousands of files that
//! are worth keeping between runs (each run starts from what the last one
//! found) but not committing, and the build uses sanitizer flags that must
//! not share a target folder with ordinary builds. cargo-fuzz wants nightly
//! rustc; `RUSTC_BOOTSTRAP=1` unlocks its flags on the stable toolchain the
//! project pins.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::cache::{cache_dir, repo_root};

/// Files of the repository each target's corpus starts from (a folder: every
/// file in it). The targets read any bytes, so a seed only has to be close to
/// a real input for the fuzzer to reach the deeper checks quickly.
const SEEDS: &[(&str, &[&str])] = &[
    ("conll_reader", &["crates/data/tests/fixtures/bad"]),
    ("jsonl_reader", &["crates/data/tests/fixtures/bad"]),
    ("mapping_file", &["examples/mappings", "fuzz/seeds/mapping.json"]),
    ("train_config", &["fuzz/seeds/train_config.toml", "fuzz/seeds/train_config.json"]),
    ("bert_config", &["fuzz/seeds/tiny-bert/config.json", "crates/bert/tests/fixtures/tiny-bert-ner/config.json"]),
    ("safetensors_header", &["fuzz/seeds/tiny-bert/model.safetensors"]),
];

/// Longest time one input may take before libFuzzer calls it a hang, in
/// seconds. The parsers take microseconds; libFuzzer's default (20 minutes)
/// would let one hang eat a whole run.
const INPUT_TIMEOUT_S: u64 = 30;

#[derive(Debug, Args)]
pub struct FuzzArgs {
    /// Seconds each target runs (libFuzzer's -max_total_time).
    #[arg(long, default_value_t = 600)]
    pub seconds: u64,
    /// The targets to run, comma-separated (default: every target in fuzz/Cargo.toml).
    #[arg(long, value_delimiter = ',')]
    pub targets: Vec<String>,
}

/// What one target's run found.
struct Outcome {
    target: String,
    /// Wall time of the run, start-up and corpus loading included.
    seconds: u64,
    runs: Option<u64>,
    corpus_files: usize,
    corpus_bytes: u64,
    /// The input that crashed, as libFuzzer wrote it, or why the run failed
    /// without one.
    crash: Option<String>,
}

/// The titles of [`Outcome::row`]'s columns.
fn header() -> String {
    format!("{:<20} {:>8} {:>14} {:>21}  result", "target", "seconds", "runs", "corpus")
}

impl Outcome {
    fn row(&self) -> String {
        let runs = self.runs.map_or_else(|| "?".to_string(), |runs| runs.to_string());
        let corpus = format!("{} files, {} KiB", self.corpus_files, self.corpus_bytes.div_ceil(1024));
        let result = self.crash.as_deref().map_or_else(|| "no crash".to_string(), |crash| format!("CRASH {crash}"));
        format!("{:<20} {:>8} {:>14} {:>21}  {result}", self.target, self.seconds, runs, corpus)
    }
}

pub fn run(args: &FuzzArgs) -> Result<()> {
    let fuzz_dir = repo_root().join("fuzz");
    let cache = cache_dir().join("fuzz");
    ensure_cargo_fuzz()?;
    let available = list_targets(&fuzz_dir)?;
    let targets = if args.targets.is_empty() { available.clone() } else { args.targets.clone() };
    if let Some(unknown) = targets.iter().find(|target| !available.contains(target)) {
        bail!("no fuzz target {unknown:?}; fuzz/Cargo.toml has {}", available.join(", "));
    }

    eprintln!("building {} fuzz target(s)...", targets.len());
    let status = cargo_fuzz(&fuzz_dir, &cache, "build").status().context("cannot run cargo fuzz build")?;
    if !status.success() {
        bail!("cargo fuzz build failed ({status})");
    }

    let mut outcomes = Vec::new();
    for target in &targets {
        outcomes.push(run_target(&fuzz_dir, &cache, target, args.seconds)?);
    }

    println!("\n{}", header());
    for outcome in &outcomes {
        println!("{}", outcome.row());
    }
    let crashed: Vec<&str> =
        outcomes.iter().filter(|outcome| outcome.crash.is_some()).map(|outcome| outcome.target.as_str()).collect();
    if !crashed.is_empty() {
        bail!(
            "{} crashed; rerun one input with `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET ARTIFACT`",
            crashed.join(", ")
        );
    }
    Ok(())
}

/// Finds `cargo fuzz`, installing it (`cargo install cargo-fuzz --locked`) when missing.
fn ensure_cargo_fuzz() -> Result<()> {
    let found = Command::new(cargo())
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if found {
        return Ok(());
    }
    eprintln!("cargo-fuzz is missing; installing it with `cargo install cargo-fuzz --locked`...");
    let status = Command::new(cargo())
        .args(["install", "cargo-fuzz", "--locked"])
        .status()
        .context("cannot run cargo install")?;
    if !status.success() {
        bail!("cargo install cargo-fuzz failed ({status})");
    }
    Ok(())
}

/// The targets `cargo fuzz list` reports for `fuzz/`.
fn list_targets(fuzz_dir: &Path) -> Result<Vec<String>> {
    let output = Command::new(cargo())
        .args(["fuzz", "list"])
        .current_dir(fuzz_dir)
        .output()
        .context("cannot run cargo fuzz list")?;
    if !output.status.success() {
        bail!("cargo fuzz list failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&output.stdout).split_whitespace().map(str::to_string).collect())
}

/// `cargo fuzz SUBCOMMAND` in `fuzz/`, building into the cache, with debug
/// assertions (and so overflow checks) on: an overflow is a bug the fuzzer
/// should see. `build` and `run` get the same flags, so `run` reuses the build.
fn cargo_fuzz(fuzz_dir: &Path, cache: &Path, subcommand: &str) -> Command {
    let mut command = Command::new(cargo());
    command
        .current_dir(fuzz_dir)
        .env("RUSTC_BOOTSTRAP", "1")
        // `cargo xtask` sets it for the main workspace; the fuzz build has its own.
        .env_remove("CARGO_TARGET_DIR")
        .args(["fuzz", subcommand, "--debug-assertions", "--target-dir"])
        .arg(cache.join("target"));
    command
}

/// Runs `target` for `seconds` (libFuzzer in one process, as `-jobs=1`
/// would but with its output here rather than in a log file), echoing
/// libFuzzer's lines and reading its final statistics.
fn run_target(fuzz_dir: &Path, cache: &Path, target: &str, seconds: u64) -> Result<Outcome> {
    let corpus = cache.join("corpus").join(target);
    let artifacts = cache.join("artifacts").join(target);
    for dir in [&corpus, &artifacts] {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    seed(target, &corpus)?;
    eprintln!("\n== {target}: {seconds} s, corpus {}", corpus.display());
    let started = Instant::now();

    let mut child = cargo_fuzz(fuzz_dir, cache, "run")
        .arg(target)
        .arg(&corpus)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-timeout={INPUT_TIMEOUT_S}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg("-print_final_stats=1")
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run cargo fuzz run")?;
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut runs = None;
    let mut artifact = None;
    let mut last_error = None;
    for line in BufReader::new(stderr).lines() {
        let line = line.context("cannot read cargo fuzz's output")?;
        eprintln!("{line}");
        if let Some(count) = line.strip_prefix("stat::number_of_executed_units:") {
            runs = count.trim().parse().ok();
        } else if let Some(path) = line.split("Test unit written to ").nth(1) {
            artifact = Some(path.trim().to_string());
        } else if line.contains("ERROR: libFuzzer") || line.starts_with("SUMMARY:") || line.starts_with("error") {
            last_error = Some(line.trim().to_string());
        }
    }
    let status = child.wait().context("cargo fuzz run did not finish")?;
    let crash = match (status.success(), artifact) {
        (_, Some(path)) => Some(path),
        (true, None) => None,
        (false, None) => Some(last_error.unwrap_or_else(|| format!("cargo fuzz run failed ({status})"))),
    };
    let seconds = started.elapsed().as_secs();
    let (corpus_files, corpus_bytes) = folder_size(&corpus)?;
    let outcome = Outcome { target: target.to_string(), seconds, runs, corpus_files, corpus_bytes, crash };
    eprintln!("== {}\n== {}", header(), outcome.row());
    Ok(outcome)
}

/// Copies the target's seed files into its corpus, once each (as `seed-NAME`).
fn seed(target: &str, corpus: &Path) -> Result<()> {
    let root = repo_root();
    let sources = SEEDS.iter().find(|(name, _)| *name == target).map_or(&[][..], |(_, sources)| sources);
    for source in sources.iter().map(|source| root.join(source)) {
        let files: Vec<PathBuf> = if source.is_dir() {
            std::fs::read_dir(&source)
                .with_context(|| format!("cannot read {}", source.display()))?
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.is_file())
                .collect()
        } else {
            vec![source]
        };
        for file in files {
            let name = file.file_name().context("a seed file has a name")?.to_string_lossy();
            let copy = corpus.join(format!("seed-{name}"));
            if !copy.exists() {
                std::fs::copy(&file, &copy)
                    .with_context(|| format!("cannot copy seed {} to {}", file.display(), copy.display()))?;
            }
        }
    }
    Ok(())
}

/// Number of files in `dir` and their total size.
fn folder_size(dir: &Path) -> Result<(usize, u64)> {
    let mut files = 0;
    let mut bytes = 0;
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let metadata = entry?.metadata()?;
        if metadata.is_file() {
            files += 1;
            bytes += metadata.len();
        }
    }
    Ok((files, bytes))
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}
