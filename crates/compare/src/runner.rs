//! Running the recipes: each recipe with each seed is one `retag retrain`
//! process, so that its peak memory is its own and a crash in one run does
//! not end the comparison. Runs go seed by seed (every recipe's first seed
//! before any second one), so a comparison cut short by its time budget
//! still has every recipe once. A finished run is kept and not run again;
//! a killed one resumes from its checkpoint.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use retag_data::run_metrics::RunMetrics;
use serde::{Deserialize, Serialize};

use crate::error::{CompareError, Result};
use crate::recipe::Recipe;

/// What to compare, on which data.
#[derive(Debug, Clone)]
pub struct CompareSpec {
    pub old_model: PathBuf,
    pub train: PathBuf,
    pub dev: PathBuf,
    pub test: PathBuf,
    /// Old-tagset data for the retention score of every run.
    pub retain_data: Option<PathBuf>,
    pub recipes: Vec<Recipe>,
    pub seeds: Vec<u64>,
    /// Epochs of the recipes that do not set their own.
    pub epochs: usize,
    /// No run starts once this much time has passed.
    pub budget: Option<Duration>,
    /// Flags passed to every run (`--max-len 128`, `--backend cpu`).
    pub common_flags: Vec<String>,
    /// The comparison's folder: `models/`, `runs/` and the report.
    pub out: PathBuf,
}

/// One finished run.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub recipe: String,
    pub seed: u64,
    pub model_dir: PathBuf,
    pub metrics: RunMetrics,
    pub cost: RunCost,
}

/// What a run cost, measured from outside its process.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RunCost {
    pub wall_secs: f64,
    pub peak_rss_mib: Option<f64>,
}

/// A run that did not give a result, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Missing {
    pub recipe: String,
    pub seed: u64,
    pub reason: String,
}

/// What happens, for the caller to show.
#[derive(Debug, Clone)]
pub enum Event<'a> {
    Starting { recipe: &'a str, seed: u64, index: usize, total: usize, log: &'a Path },
    Done { record: &'a RunRecord, cached: bool },
    Missing(&'a Missing),
}

/// How to start `retag` for one run: its binary, or (from the Python
/// module, where the current program is the interpreter) the interpreter
/// with the arguments that run the module's command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launcher {
    pub program: PathBuf,
    pub leading_args: Vec<OsString>,
}

impl Launcher {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.leading_args);
        command
    }
}

impl From<&Path> for Launcher {
    fn from(binary: &Path) -> Self {
        Self { program: binary.to_path_buf(), leading_args: Vec::new() }
    }
}

impl From<&PathBuf> for Launcher {
    fn from(binary: &PathBuf) -> Self {
        binary.as_path().into()
    }
}

/// Runs every recipe with every seed through `retag` (a [`Launcher`], or
/// the path of the `retag` binary).
pub fn run_all(
    spec: &CompareSpec,
    retag: impl Into<Launcher>,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<(Vec<RunRecord>, Vec<Missing>)> {
    let retag = retag.into();
    if spec.recipes.is_empty() || spec.seeds.is_empty() {
        return Err(CompareError::option("recipes", "nothing to compare: no recipe or no seed"));
    }
    let runs_dir = spec.out.join("runs");
    std::fs::create_dir_all(&runs_dir).map_err(CompareError::io(&runs_dir))?;
    let started = Instant::now();
    let total = spec.recipes.len() * spec.seeds.len();
    let (mut records, mut missing) = (Vec::new(), Vec::new());
    for (seed_at, &seed) in spec.seeds.iter().enumerate() {
        for (recipe_at, recipe) in spec.recipes.iter().enumerate() {
            let name = format!("{}-s{seed}", recipe.name);
            let model_dir = spec.out.join("models").join(&name);
            let cost_file = runs_dir.join(format!("{name}.cost.json"));
            if let Ok(metrics) = RunMetrics::read(&model_dir) {
                let cost = read_cost(&cost_file)
                    .unwrap_or(RunCost { wall_secs: metrics.timing.total_secs, peak_rss_mib: None });
                let record = RunRecord { recipe: recipe.name.clone(), seed, model_dir, metrics, cost };
                on_event(Event::Done { record: &record, cached: true });
                records.push(record);
                continue;
            }
            if let Some(budget) = spec.budget.filter(|budget| started.elapsed() >= *budget) {
                let reason = format!("the budget of {:.0} minutes was spent", budget.as_secs_f64() / 60.0);
                let entry = Missing { recipe: recipe.name.clone(), seed, reason };
                on_event(Event::Missing(&entry));
                missing.push(entry);
                continue;
            }
            let log = runs_dir.join(format!("{name}.log"));
            let index = seed_at * spec.recipes.len() + recipe_at + 1;
            on_event(Event::Starting { recipe: &recipe.name, seed, index, total, log: &log });
            let mut command = retrain_command(spec, recipe, seed, &retag, &model_dir, &runs_dir.join(&name));
            match retag_bench::process::measure(&mut command, &log) {
                Ok(measured) => {
                    let cost = RunCost { wall_secs: measured.wall_secs, peak_rss_mib: measured.peak_rss_mib };
                    let text = serde_json::to_string(&cost).expect("a cost is two numbers, which always serialize");
                    std::fs::write(&cost_file, text).map_err(CompareError::io(&cost_file))?;
                    let metrics = RunMetrics::read(&model_dir)?;
                    let record = RunRecord { recipe: recipe.name.clone(), seed, model_dir, metrics, cost };
                    on_event(Event::Done { record: &record, cached: false });
                    records.push(record);
                }
                Err(error) => {
                    let entry = Missing { recipe: recipe.name.clone(), seed, reason: format!("{error:#}") };
                    on_event(Event::Missing(&entry));
                    missing.push(entry);
                }
            }
        }
    }
    Ok((records, missing))
}

fn read_cost(path: &Path) -> Option<RunCost> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// The `retag retrain` command of one run.
fn retrain_command(
    spec: &CompareSpec,
    recipe: &Recipe,
    seed: u64,
    retag: &Launcher,
    model_dir: &Path,
    run_dir: &Path,
) -> Command {
    let mut command = retag.command();
    command.arg("retrain").arg("--model").arg(&spec.old_model);
    command.arg("--train").arg(&spec.train).arg("--dev").arg(&spec.dev).arg("--test").arg(&spec.test);
    command.arg("--out").arg(model_dir).arg("--run-dir").arg(run_dir).arg("--resume");
    command.args(["--seed", &seed.to_string(), "--progress", "plain"]);
    if !recipe.sets_epochs() {
        command.args(["--epochs", &spec.epochs.to_string()]);
    }
    if let Some(retain) = &spec.retain_data {
        command.arg("--retain-data").arg(retain);
    }
    command.args(&spec.common_flags).args(&recipe.flags);
    command
}
