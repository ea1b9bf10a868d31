//! The comparison's report: per recipe, test F1 as mean and spread over
//! seeds, F1 per type, retention when asked for, wall time and peak memory,
//! and a paired bootstrap against the baseline that says which differences
//! are more than the noise of one test set. Written as `report.json`
//! (versioned) and `report.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use retag_data::conll::{ConllOptions, TagColumn, read_conll_file};
use retag_data::metrics::Mode;
use retag_data::metrics::bootstrap::{
    BootstrapResult, SentenceCounts, average_counts, paired_bootstrap, sentence_counts,
};
use serde::{Deserialize, Serialize};

use crate::error::{CompareError, Result};
use crate::runner::{CompareSpec, Missing, RunCost, RunRecord};

pub const REPORT_VERSION: u32 = 1;
pub const REPORT_JSON: &str = "report.json";
pub const REPORT_MARKDOWN: &str = "report.md";
/// The file each run leaves with the test split's tags (see retag-retrain's output).
pub const TEST_PREDICTIONS_FILE: &str = "test-predictions.txt";
/// Resampled test sets per bootstrap.
pub const BOOTSTRAP_SAMPLES: usize = 1000;
/// A difference is called significant below this p-value.
pub const ALPHA: f64 = 0.05;

/// Mean and spread over seeds; defined in retag-data, which the xtask tables share.
pub use retag_data::spread::Spread;

/// One seed's run of a recipe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    pub seed: u64,
    pub model_dir: String,
    /// The run's folder (its `evaluations.jsonl` gives the learning curve).
    #[serde(default)]
    pub run_dir: Option<String>,
    pub test_f1: f64,
    pub dev_f1: f64,
    pub retention_f1: Option<f64>,
    pub epochs: usize,
    pub cost: RunCost,
}

/// One recipe over its seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecipeRow {
    pub name: String,
    pub flags: Vec<String>,
    pub runs: Vec<RunRow>,
    pub test_f1: Option<Spread>,
    pub per_type_f1: BTreeMap<String, Spread>,
    pub retention_f1: Option<Spread>,
    pub wall_secs: Option<Spread>,
    pub peak_rss_mib: Option<Spread>,
    /// This recipe against the baseline (none for the baseline itself).
    pub versus_baseline: Option<BootstrapResult>,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareReport {
    /// Always `retag-compare`.
    pub format: String,
    pub version: u32,
    pub old_model: String,
    pub train: String,
    pub dev: String,
    pub test: String,
    pub retain_data: Option<String>,
    pub seeds: Vec<u64>,
    /// The recipe every other is tested against: naive when it ran, else the first.
    pub baseline: Option<String>,
    pub recipes: Vec<RecipeRow>,
    pub missing: Vec<Missing>,
}

impl CompareReport {
    /// The report of `records` (and the runs that gave none).
    pub fn new(spec: &CompareSpec, records: &[RunRecord], missing: Vec<Missing>) -> Result<Self> {
        let mut counts: BTreeMap<&str, Vec<SentenceCounts>> = BTreeMap::new();
        let mut recipes = Vec::new();
        for recipe in &spec.recipes {
            let runs: Vec<&RunRecord> = records.iter().filter(|record| record.recipe == recipe.name).collect();
            if runs.is_empty() {
                recipes.push(empty_row(&recipe.name, &recipe.flags));
                continue;
            }
            let per_run = runs.iter().map(|run| test_counts(&run.model_dir)).collect::<Result<Vec<_>>>()?;
            counts.insert(recipe.name.as_str(), average_counts(&per_run)?);
            recipes.push(recipe_row(&recipe.name, &recipe.flags, &runs));
        }
        let baseline = ["naive"]
            .into_iter()
            .chain(spec.recipes.iter().map(|recipe| recipe.name.as_str()))
            .find(|name| counts.contains_key(name))
            .map(str::to_string);
        if let Some(baseline) = &baseline {
            let base = &counts[baseline.as_str()];
            for row in &mut recipes {
                if &row.name != baseline
                    && let Some(mine) = counts.get(row.name.as_str())
                {
                    row.versus_baseline = Some(paired_bootstrap(base, mine, BOOTSTRAP_SAMPLES, 0)?);
                }
            }
        }
        let show = |path: &Path| path.display().to_string();
        Ok(Self {
            format: "retag-compare".into(),
            version: REPORT_VERSION,
            old_model: show(&spec.old_model),
            train: show(&spec.train),
            dev: show(&spec.dev),
            test: show(&spec.test),
            retain_data: spec.retain_data.as_deref().map(show),
            seeds: spec.seeds.clone(),
            baseline,
            recipes,
            missing,
        })
    }

    /// Writes `report.json` and `report.md` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self)
            .expect("paths are kept as display() strings; the rest is strings, numbers and string-keyed maps")
            + "\n";
        retag_data::atomic::write_atomically(&dir.join(REPORT_JSON), json.as_bytes())?;
        retag_data::atomic::write_atomically(&dir.join(REPORT_MARKDOWN), self.to_markdown().as_bytes())?;
        Ok(())
    }

    pub fn to_markdown(&self) -> String {
        let mut text = format!(
            "# Comparison\n\nOld model `{}`; train `{}`, dev `{}`, test `{}`; seeds {:?}.\n\n",
            self.old_model, self.train, self.dev, self.test, self.seeds
        );
        let baseline = self.baseline.as_deref().unwrap_or("-");
        let retention = self.retain_data.is_some();
        text.push_str("| recipe | test F1 | Δ vs ");
        text.push_str(baseline);
        text.push_str(" [95% CI] | p | ");
        if retention {
            text.push_str("retention F1 | ");
        }
        text.push_str("wall s | peak MiB | runs |\n|---|---|---|---|");
        text.push_str(if retention { "---|---|---|---|\n" } else { "---|---|---|\n" });
        for cells in self.summary_rows() {
            let delta = if cells.significant { format!("{} *", cells.delta) } else { cells.delta };
            let mut line = vec![cells.name, cells.test_f1, delta, cells.p_value];
            line.extend(cells.retention_f1);
            line.extend([cells.wall_secs, cells.peak_rss_mib, cells.runs]);
            let _ = writeln!(text, "| {} |", line.join(" | "));
        }
        let _ = write!(
            text,
            "\nTest F1 is seqeval's micro F1 (%), mean ± standard deviation over seeds. Δ is each recipe's F1 minus \
             the baseline's on the test sentences' counts averaged over seeds, with a paired bootstrap over \
             sentences ({BOOTSTRAP_SAMPLES} resamples): `*` marks p < {ALPHA}, a difference larger than the \
             test set's own noise.\n"
        );
        let types: Vec<&String> = self
            .recipes
            .iter()
            .flat_map(|row| row.per_type_f1.keys())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !types.is_empty() {
            let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
            let _ = write!(
                text,
                "\n## F1 per type\n\n| recipe | {} |\n|---|{}\n",
                names.join(" | "),
                "---|".repeat(types.len())
            );
            for row in &self.recipes {
                let cells: Vec<String> = types
                    .iter()
                    .map(|t| row.per_type_f1.get(*t).map_or_else(|| "-".to_string(), |s| s.show(100.0, 1)))
                    .collect();
                let _ = writeln!(text, "| {} | {} |", row.name, cells.join(" | "));
            }
        }
        if !self.missing.is_empty() {
            text.push_str("\n## Runs without a result\n\n");
            for entry in &self.missing {
                let _ = writeln!(text, "- {}, seed {}: {}", entry.recipe, entry.seed, entry.reason);
            }
        }
        text
    }
}

/// One recipe's line of the summary table, as text: the cells the
/// Markdown and the HTML tables both show, each in its own markup.
pub struct SummaryCells {
    pub name: String,
    pub test_f1: String,
    /// `+Δ [low, high]` against the baseline, `baseline` on its own row, `-` without a test.
    pub delta: String,
    pub p_value: String,
    /// `None` when the comparison scored no retention.
    pub retention_f1: Option<String>,
    pub wall_secs: String,
    pub peak_rss_mib: String,
    pub runs: String,
    /// Whether the difference is significant at [`ALPHA`].
    pub significant: bool,
}

impl CompareReport {
    /// The summary table's cells, recipe by recipe.
    pub fn summary_rows(&self) -> Vec<SummaryCells> {
        let baseline = self.baseline.as_deref().unwrap_or("-");
        let dash = || "-".to_string();
        self.recipes
            .iter()
            .map(|row| {
                let (delta, p_value) = match row.versus_baseline {
                    Some(b) => (
                        format!("{:+.2} [{:+.2}, {:+.2}]", b.delta * 100.0, b.low * 100.0, b.high * 100.0),
                        format!("{:.3}", b.p_value),
                    ),
                    None if row.name == baseline => ("baseline".into(), dash()),
                    None => (dash(), dash()),
                };
                SummaryCells {
                    name: row.name.clone(),
                    test_f1: row.test_f1.map_or_else(dash, |s| s.show(100.0, 2)),
                    delta,
                    p_value,
                    retention_f1: self
                        .retain_data
                        .is_some()
                        .then(|| row.retention_f1.map_or_else(dash, |s| s.show(100.0, 2))),
                    wall_secs: row.wall_secs.map_or_else(dash, |s| s.show(1.0, 0)),
                    peak_rss_mib: row.peak_rss_mib.map_or_else(dash, |s| s.show(1.0, 0)),
                    runs: row.runs.len().to_string(),
                    significant: row.versus_baseline.is_some_and(|b| b.significant(ALPHA)),
                }
            })
            .collect()
    }
}

fn empty_row(name: &str, flags: &[String]) -> RecipeRow {
    RecipeRow {
        name: name.to_string(),
        flags: flags.to_vec(),
        runs: Vec::new(),
        test_f1: None,
        per_type_f1: BTreeMap::new(),
        retention_f1: None,
        wall_secs: None,
        peak_rss_mib: None,
        versus_baseline: None,
    }
}

fn recipe_row(name: &str, flags: &[String], runs: &[&RunRecord]) -> RecipeRow {
    let rows: Vec<RunRow> = runs
        .iter()
        .map(|run| RunRow {
            seed: run.seed,
            model_dir: run.model_dir.display().to_string(),
            run_dir: Some(run.metrics.run_dir.display().to_string()),
            test_f1: run.metrics.test.as_ref().map_or(f64::NAN, |test| test.micro.f1),
            dev_f1: run.metrics.dev.micro.f1,
            retention_f1: run.metrics.retention.as_ref().map(|r| r.retrained.micro.f1),
            epochs: run.metrics.timing.epochs,
            cost: run.cost,
        })
        .collect();
    let values = |read: &dyn Fn(&RunRow) -> Option<f64>| -> Vec<f64> { rows.iter().filter_map(read).collect() };
    let mut per_type: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for run in runs {
        for (kind, scores) in run.metrics.test.iter().flat_map(|test| &test.per_type) {
            per_type.entry(kind.clone()).or_default().push(scores.scores.f1);
        }
    }
    RecipeRow {
        name: name.to_string(),
        flags: flags.to_vec(),
        test_f1: Spread::of(&values(&|r| Some(r.test_f1).filter(|f| !f.is_nan()))),
        per_type_f1: per_type.into_iter().filter_map(|(kind, f1)| Spread::of(&f1).map(|s| (kind, s))).collect(),
        retention_f1: Spread::of(&values(&|r| r.retention_f1)),
        wall_secs: Spread::of(&values(&|r| Some(r.cost.wall_secs))),
        peak_rss_mib: Spread::of(&values(&|r| r.cost.peak_rss_mib)),
        runs: rows,
        versus_baseline: None,
    }
}

/// The per-sentence counts of a run's `test-predictions.txt` (`token gold predicted`).
pub fn test_counts(model_dir: &Path) -> Result<Vec<SentenceCounts>> {
    let path = model_dir.join(TEST_PREDICTIONS_FILE);
    if !path.is_file() {
        return Err(CompareError::option("test", format!("{} is missing: the run kept no test tags", path.display())));
    }
    let gold = read_conll_file(&path, &ConllOptions { tag_column: TagColumn::Index(1), ..ConllOptions::default() })?;
    let pred = read_conll_file(&path, &ConllOptions::default())?;
    let gold: Vec<&Vec<String>> = gold.iter().map(|sentence| &sentence.tags).collect();
    let pred: Vec<&Vec<String>> = pred.iter().map(|sentence| &sentence.tags).collect();
    Ok(sentence_counts(&gold, &pred, Mode::Default)?)
}
