//! `cargo xtask keep`: the "keep what the old model knew" table of
//! docs/strategies.md. The old model (`cargo xtask old-model`, CoNLL-2003)
//! is retrained for WNUT-17 by each strategy that starts from it, over
//! several seeds, and each run is also scored on CoNLL-2003's test set
//! folded back through the inferred lineage (`--retain-data`): the new
//! tagset's F1 and what the run kept of the old one, side by side.

use anyhow::Result;
use clap::Args;

use crate::old_model::shared_data;
use crate::retrain::Backend;
use crate::run_table::{Runs, TableArgs, Variant, figure};

/// The rows, by name: the flags each adds to `retag retrain`.
const VARIANTS: [(&str, &[&str]); 5] = [
    ("naive", &["--strategy", "naive"]),
    ("warm-start", &["--strategy", "warm-start"]),
    ("progressive", &["--strategy", "progressive", "--stages", "head:1,top2:1,all:1", "--layer-decay", "0.8"]),
    (
        "progressive+distill",
        &[
            "--strategy",
            "progressive",
            "--stages",
            "head:1,top2:1,all:1",
            "--layer-decay",
            "0.8",
            "--distill-weight",
            "1",
        ],
    ),
    ("adapter", &["--strategy", "adapter"]),
];

#[derive(Debug, Args)]
pub struct KeepArgs {
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: Backend,
    /// Rows, comma-separated: naive, warm-start, progressive, progressive+distill, adapter.
    #[arg(long, value_delimiter = ',', default_value = "naive,warm-start,progressive,progressive+distill,adapter")]
    pub variants: Vec<String>,
    /// Epochs of the strategies without stages (progressive's stages last 3).
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Seeds, comma-separated: one run per seed, the table gives mean and spread.
    #[arg(long, value_delimiter = ',', default_value = "42,43,44")]
    pub seeds: Vec<u64>,
    /// Run again, ignoring cached results.
    #[arg(long)]
    pub fresh: bool,
    /// Run this retag binary instead of building the tree's.
    #[arg(long)]
    pub retag: Option<std::path::PathBuf>,
}

pub fn run(args: &KeepArgs) -> Result<()> {
    let variants = args
        .variants
        .iter()
        .map(|name| {
            let (_, flags) = VARIANTS.iter().find(|(known, _)| known == name).ok_or_else(|| {
                let known: Vec<&str> = VARIANTS.iter().map(|(known, _)| *known).collect();
                anyhow::anyhow!("unknown variant {name:?}; known: {}", known.join(", "))
            })?;
            let conll_test = shared_data("conll2003").join("test.txt");
            let mut flags: Vec<String> = flags.iter().map(|flag| flag.to_string()).collect();
            flags.extend(["--retain-data".to_string(), conll_test.display().to_string()]);
            Ok(Variant { name: name.replace('+', "-"), flags })
        })
        .collect::<Result<Vec<_>>>()?;
    let runs = Runs::prepare(&TableArgs {
        table: "keep",
        backend: args.backend,
        retag: args.retag.as_deref(),
        epochs: args.epochs,
        seeds: &args.seeds,
        fresh: args.fresh,
    })?;
    let rows = runs.run(&variants)?;
    println!(
        "\nCoNLL-2003 MiniLM -> WNUT-17, {} seed(s): WNUT-17 test entity F1 (seqeval, %), retention F1 on \
         CoNLL-2003 test (the retrained model's tags folded into PER/LOC/ORG/MISC through the inferred lineage; \
         the old model scores the column after it), seconds per epoch\n",
        args.seeds.len()
    );
    println!("| variant | WNUT-17 test F1 | retention F1 | old model on the same | s / epoch | epochs |");
    println!("|---|---|---|---|---|---|");
    for (variant, metrics) in rows {
        let retained = |m: &retag_data::run_metrics::RunMetrics| m.retention.as_ref().map(|r| r.retrained.micro.f1);
        let old = |m: &retag_data::run_metrics::RunMetrics| m.retention.as_ref().map(|r| r.old_model.micro.f1);
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            variant.name,
            figure(&metrics, |m| m.test.as_ref().map(|test| test.micro.f1), 100.0, 2),
            figure(&metrics, retained, 100.0, 2),
            figure(&metrics, old, 100.0, 2),
            figure(&metrics, |m| Some(m.timing.secs_per_epoch), 1.0, 1),
            figure(&metrics, |m| Some(m.timing.epochs as f64), 1.0, 0),
        );
    }
    println!("\nmodels and metrics.json: {}", runs.models().display());
    Ok(())
}
