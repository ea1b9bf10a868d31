//! `cargo xtask heads`: the head table of docs/strategies.md. The old model
//! (`cargo xtask old-model`, CoNLL-2003) is retrained for WNUT-17 with
//! `naive` and `frozen`, each with a linear, an MLP and a CRF head, and one
//! line per run gives test F1 and seconds per epoch. Each run is cached: a
//! second call prints the table at once.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};
use clap::Args;
use retag_data::run_metrics::RunMetrics;

use crate::cache::cache_dir;
use crate::old_model::{self, OldModelArgs, shared_data};
use crate::retrain::{Backend, backend_flag, build_retag, fresh_run_dir, needs_run, read_metrics, run_step};

#[derive(Debug, Args)]
pub struct HeadsArgs {
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: Backend,
    /// Strategies, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "naive,frozen")]
    pub strategies: Vec<String>,
    /// Heads, comma-separated (linear, mlp, crf, mlp-crf).
    #[arg(long, value_delimiter = ',', default_value = "linear,mlp,crf")]
    pub heads: Vec<String>,
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Seeds, comma-separated: one run per seed, the table gives mean and spread.
    #[arg(long, value_delimiter = ',', default_value = "42")]
    pub seeds: Vec<u64>,
    /// Run again, ignoring cached results.
    #[arg(long)]
    pub fresh: bool,
    /// Run this retag binary instead of building the tree's.
    #[arg(long)]
    pub retag: Option<PathBuf>,
}

pub fn run(args: &HeadsArgs) -> Result<()> {
    let old = old_model::run(&OldModelArgs { backend: args.backend, data: None, epochs: 3, fresh: false })?;
    let retag = match &args.retag {
        Some(binary) if binary.is_file() => binary.clone(),
        Some(binary) => anyhow::bail!("--retag {}: no such file", binary.display()),
        None => build_retag(args.backend)?,
    };
    let data = shared_data("wnut17");
    let backend = backend_flag(args.backend);
    let work = cache_dir().join("heads").join(backend);
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let mut rows: Vec<(String, String, Vec<PathBuf>)> = Vec::new();
    for strategy in &args.strategies {
        for head in &args.heads {
            let mut outs = Vec::new();
            for seed in &args.seeds {
                let name = format!("{strategy}-{head}-e{}-s{seed}", args.epochs);
                let out = work.join("models").join(&name);
                if needs_run(&out, args.fresh)? {
                    let mut command = Command::new(&retag);
                    command.args(["retrain", "--strategy", strategy, "--head", head, "--model"]).arg(&old);
                    command.arg("--train").arg(data.join("train.txt")).arg("--dev").arg(data.join("dev.txt"));
                    command.arg("--test").arg(data.join("test.txt")).arg("--out").arg(&out);
                    command.args(["--max-len", "128", "--epochs", &args.epochs.to_string(), "--patience", "0"]);
                    command.args(["--seed", &seed.to_string(), "--backend", backend, "--progress", "plain"]);
                    command.arg("--resume").arg("--run-dir");
                    command.arg(fresh_run_dir(&work.join("runs").join(&name), args.fresh)?);
                    run_step(&format!("{strategy} with a {head} head, seed {seed}"), command)?;
                }
                outs.push(out);
            }
            rows.push((strategy.clone(), head.clone(), outs));
        }
    }
    println!(
        "\nCoNLL-2003 MiniLM -> WNUT-17, {} epochs, {} seed(s): test entity F1 (seqeval, %) and seconds per epoch\n",
        args.epochs,
        args.seeds.len()
    );
    println!("| strategy | head | test F1 | dev F1 | s / epoch | encoder cache s |");
    println!("|---|---|---|---|---|---|");
    for (strategy, head, outs) in rows {
        let metrics = outs.iter().map(|out| read_metrics(out)).collect::<Result<Vec<_>>>()?;
        let figure = |read: &dyn Fn(&RunMetrics) -> Option<f64>, scale: f64, digits: usize| {
            let values: Vec<f64> = metrics.iter().filter_map(read).map(|v| v * scale).collect();
            mean_and_spread(&values, digits)
        };
        println!(
            "| {strategy} | {head} | {} | {} | {} | {} |",
            figure(&|m| m.test.as_ref().map(|test| test.micro.f1), 100.0, 2),
            figure(&|m| Some(m.dev.micro.f1), 100.0, 2),
            figure(&|m| Some(m.timing.secs_per_epoch), 1.0, 1),
            figure(&|m| m.timing.cache_secs, 1.0, 1),
        );
    }
    println!("\nmodels and metrics.json: {}", work.join("models").display());
    Ok(())
}

/// `mean ± sample standard deviation` (the mean alone for one value, `-` for none).
fn mean_and_spread(values: &[f64], digits: usize) -> String {
    match values.len() {
        0 => "-".into(),
        1 => format!("{:.digits$}", values[0]),
        n => {
            let mean = values.iter().sum::<f64>() / n as f64;
            let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            format!("{mean:.digits$} ± {:.digits$}", variance.sqrt())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_spread_of_runs() {
        assert_eq!(mean_and_spread(&[], 2), "-");
        assert_eq!(mean_and_spread(&[41.5], 2), "41.50");
        assert_eq!(mean_and_spread(&[40.0, 42.0, 44.0], 1), "42.0 ± 2.0");
    }
}
