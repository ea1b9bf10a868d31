//! What the comparison tables of docs/strategies.md share: each variant
//! (a strategy with its flags) is retrained from the cached old model on
//! WNUT-17 once per seed, each run cached by name so a second call prints at
//! once, and the figures are read back through `RunMetrics` and printed as
//! mean ± sample standard deviation.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use retag_data::run_metrics::RunMetrics;
use retag_data::spread::Spread;

use crate::cache::cache_dir;
use crate::old_model::{self, OldModelArgs, shared_data};
use crate::retrain::{Backend, backend_flag, build_retag, fresh_run_dir, needs_run, run_step};

/// One row of a table: a name and the `retag retrain` flags that make it.
#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    pub flags: Vec<String>,
}

/// Where and how every run of a table is made.
pub struct Runs {
    pub retag: PathBuf,
    pub old_model: PathBuf,
    /// train.txt, dev.txt and test.txt of the new tagset.
    pub data: PathBuf,
    /// models/ and runs/ go here.
    pub work: PathBuf,
    pub epochs: usize,
    pub seeds: Vec<u64>,
    pub backend: &'static str,
    pub fresh: bool,
}

/// What a table's flags say about its runs.
pub struct TableArgs<'a> {
    /// The cache folder's name (`heads`, `keep`).
    pub table: &'a str,
    pub backend: Backend,
    /// A prebuilt retag binary, else the tree's is built.
    pub retag: Option<&'a Path>,
    pub epochs: usize,
    pub seeds: &'a [u64],
    pub fresh: bool,
}

impl Runs {
    /// The cached old model (`cargo xtask old-model`), the retag binary,
    /// WNUT-17 beside the repository and the table's cache folder.
    pub fn prepare(args: &TableArgs) -> Result<Self> {
        let old_model = old_model::run(&OldModelArgs { backend: args.backend, data: None, epochs: 3, fresh: false })?;
        let retag = match args.retag {
            Some(binary) if binary.is_file() => binary.to_path_buf(),
            Some(binary) => anyhow::bail!("--retag {}: no such file", binary.display()),
            None => build_retag(args.backend)?,
        };
        let backend = backend_flag(args.backend);
        Ok(Self {
            retag,
            old_model,
            data: shared_data("wnut17"),
            work: cache_dir().join(args.table).join(backend),
            epochs: args.epochs,
            seeds: args.seeds.to_vec(),
            backend,
            fresh: args.fresh,
        })
    }

    /// Runs every variant with every seed (skipping cached runs) and returns
    /// each variant's metrics, one per seed. Seed by seed: every variant's
    /// first seed runs before any second seed, so a table cut short (the runs
    /// take hours and resume) already compares every variant once.
    pub fn run(&self, variants: &[Variant]) -> Result<Vec<(Variant, Vec<RunMetrics>)>> {
        std::fs::create_dir_all(&self.work).with_context(|| format!("cannot create {}", self.work.display()))?;
        let out_of = |variant: &Variant, seed: u64| {
            let name = format!("{}-e{}-s{seed}", variant.name, self.epochs);
            (self.work.join("models").join(&name), name)
        };
        for seed in &self.seeds {
            for variant in variants {
                let (out, name) = out_of(variant, *seed);
                if needs_run(&out, self.fresh)? {
                    let mut command = Command::new(&self.retag);
                    command.args(["retrain", "--model"]).arg(&self.old_model);
                    command.arg("--train").arg(self.data.join("train.txt"));
                    command.arg("--dev").arg(self.data.join("dev.txt"));
                    command.arg("--test").arg(self.data.join("test.txt")).arg("--out").arg(&out);
                    command.args(["--max-len", "128", "--patience", "0", "--progress", "plain"]);
                    command.args(["--seed", &seed.to_string(), "--backend", self.backend]);
                    // A variant that sets its own epochs (or stages) keeps them.
                    if !variant.flags.iter().any(|flag| flag == "--stages" || flag == "--epochs") {
                        command.args(["--epochs", &self.epochs.to_string()]);
                    }
                    command.args(&variant.flags);
                    command.arg("--resume").arg("--run-dir");
                    command.arg(fresh_run_dir(&self.work.join("runs").join(&name), self.fresh)?);
                    run_step(&format!("{}, seed {seed}", variant.name), command)?;
                }
            }
        }
        variants
            .iter()
            .map(|variant| {
                let metrics = self.seeds.iter().map(|seed| RunMetrics::read(&out_of(variant, *seed).0));
                Ok((variant.clone(), metrics.collect::<Result<Vec<_>, _>>()?))
            })
            .collect()
    }

    /// Where the models of a table are.
    pub fn models(&self) -> PathBuf {
        self.work.join("models")
    }
}

/// `mean ± sample standard deviation` of what `read` finds in each run
/// (scaled), the mean alone for one value, `-` for none.
pub fn figure(runs: &[RunMetrics], read: impl Fn(&RunMetrics) -> Option<f64>, scale: f64, digits: usize) -> String {
    let values: Vec<f64> = runs.iter().filter_map(read).filter(|value| !value.is_nan()).map(|v| v * scale).collect();
    mean_and_spread(&values, digits)
}

/// `mean ± sample standard deviation` (the mean alone for one value, `-` for none).
pub fn mean_and_spread(values: &[f64], digits: usize) -> String {
    Spread::of(values).map_or_else(|| "-".into(), |spread| spread.show(1.0, digits))
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
