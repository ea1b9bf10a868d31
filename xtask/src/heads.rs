//! `cargo xtask heads`: the head table of docs/strategies.md. The old model
//! (`cargo xtask old-model`, CoNLL-2003) is retrained for WNUT-17 with
//! `naive` and `frozen`, each with a linear, an MLP and a CRF head, and one
//! line per run gives test F1 and seconds per epoch. Each run is cached: a
//! second call prints the table at once.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::retrain::Backend;
use crate::run_table::{Runs, TableArgs, Variant, figure};

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
    let runs = Runs::prepare(&TableArgs {
        table: "heads",
        backend: args.backend,
        retag: args.retag.as_deref(),
        epochs: args.epochs,
        seeds: &args.seeds,
        fresh: args.fresh,
    })?;
    let variants: Vec<Variant> = args
        .strategies
        .iter()
        .flat_map(|strategy| {
            args.heads.iter().map(move |head| Variant {
                name: format!("{strategy}-{head}"),
                flags: ["--strategy", strategy, "--head", head].map(String::from).to_vec(),
            })
        })
        .collect();
    let rows = runs.run(&variants)?;
    println!(
        "\nCoNLL-2003 MiniLM -> WNUT-17, {} epochs, {} seed(s): test entity F1 (seqeval, %) and seconds per epoch\n",
        args.epochs,
        args.seeds.len()
    );
    println!("| strategy | head | test F1 | dev F1 | s / epoch | encoder cache s |");
    println!("|---|---|---|---|---|---|");
    for (variant, metrics) in rows {
        let (strategy, head) = (&variant.flags[1], &variant.flags[3]);
        println!(
            "| {strategy} | {head} | {} | {} | {} | {} |",
            figure(&metrics, |m| m.test.as_ref().map(|test| test.micro.f1), 100.0, 2),
            figure(&metrics, |m| Some(m.dev.micro.f1), 100.0, 2),
            figure(&metrics, |m| Some(m.timing.secs_per_epoch), 1.0, 1),
            figure(&metrics, |m| m.timing.cache_secs, 1.0, 1),
        );
    }
    println!("\nmodels and metrics.json: {}", runs.models().display());
    Ok(())
}
