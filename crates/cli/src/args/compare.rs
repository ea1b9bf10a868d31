//! The grammar of `retag compare`.

use std::path::PathBuf;

use clap::Args;

use super::Backend;

/// `retag compare`: strategies (or any `retag retrain` recipes) run side by
/// side on the same data and seeds, with a report that says which
/// differences are real.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The fine-tuned model every recipe starts from.
    #[arg(long)]
    pub model: PathBuf,
    /// The new data: training, development and test splits (the test split is scored and bootstrapped).
    #[arg(long)]
    pub train: PathBuf,
    #[arg(long)]
    pub dev: PathBuf,
    #[arg(long)]
    pub test: PathBuf,
    /// Plain strategies to compare, comma-separated (naive, frozen, warm-start, warm-start-mapping,
    /// progressive, adapter, full) [default: every one that applies].
    #[arg(long, value_delimiter = ',')]
    pub strategies: Vec<String>,
    /// A named recipe, `NAME="RETRAIN FLAGS"` (e.g. `crf="--strategy warm-start --head crf"`); repeatable.
    #[arg(long = "recipe")]
    pub recipes: Vec<String>,
    /// The base encoder, which adds the `full` strategy.
    #[arg(long)]
    pub base: Option<PathBuf>,
    /// A mapping file, which adds `warm-start-mapping` beside the inferred warm-start.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// How many seeds each recipe runs with (42, 43, ...).
    #[arg(long, default_value_t = 3)]
    pub seeds: usize,
    /// Epochs of the recipes that do not set their own (frozen runs 20, progressive its stages).
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Start no run after this many minutes; the report says which did not run.
    #[arg(long)]
    pub budget_minutes: Option<f64>,
    /// Old-tagset data: every run is also scored on what it kept of the old types.
    #[arg(long)]
    pub retain_data: Option<PathBuf>,
    /// Subwords per window, for every run.
    #[arg(long)]
    pub max_len: Option<usize>,
    /// Where the runs train.
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: Backend,
    /// The comparison's folder: models/, runs/ (logs), report.md and report.json.
    #[arg(long)]
    pub out: PathBuf,
    /// More `retag retrain` flags for every run, after `--` (e.g. `-- --tab-separated --learning-rate 1e-4`).
    #[arg(last = true)]
    pub retrain_flags: Vec<String>,
}
