//! `retag compare`: run the recipes, show each run as it starts and ends,
//! and write and print the report.

use std::time::Duration;

use anyhow::{Result, bail};
use retag_compare::recipe::SET_PER_RUN;
use retag_compare::{CompareReport, CompareSpec, Event, Recipe, default_recipes, run_all, strategy_recipes};

use super::run_watch::RunWatch;
use crate::args::CompareArgs;

/// The seeds of `--seeds N`: 42, 43, ..., the seed retag trains with by default first.
const FIRST_SEED: u64 = 42;

pub fn run(args: &CompareArgs) -> Result<()> {
    let mut recipes = if args.strategies.is_empty() && args.recipes.is_empty() {
        default_recipes(args.mapping.as_deref(), args.base.as_deref())
    } else {
        strategy_recipes(&args.strategies, args.mapping.as_deref(), args.base.as_deref())?
    };
    for text in &args.recipes {
        recipes.push(Recipe::parse(text)?);
    }
    if let Some(twice) = recipes.iter().enumerate().find_map(|(at, r)| recipes[..at].iter().find(|o| o.name == r.name))
    {
        bail!("--recipe: the name {:?} is used twice", twice.name);
    }
    if args.seeds == 0 {
        bail!("--seeds: at least one seed");
    }
    let budget = match args.budget_minutes {
        Some(minutes) if !(minutes.is_finite() && minutes >= 0.0) => {
            bail!("--budget-minutes: {minutes} is not a duration")
        }
        minutes => minutes.map(|minutes| Duration::from_secs_f64(minutes * 60.0)),
    };
    let mut common_flags = vec!["--backend".to_string(), format!("{:?}", args.backend).to_lowercase()];
    if let Some(max_len) = args.max_len {
        common_flags.extend(["--max-len".to_string(), max_len.to_string()]);
    }
    for flag in &args.retrain_flags {
        if SET_PER_RUN.contains(&flag.as_str()) || flag == "--strategy" {
            bail!("{flag} after `--`: compare sets it for each run (use compare's own flags or a --recipe)");
        }
    }
    common_flags.extend(args.retrain_flags.iter().cloned());
    let spec = CompareSpec {
        old_model: crate::model_source::resolve(&args.model)?,
        train: args.train.clone(),
        dev: args.dev.clone(),
        test: args.test.clone(),
        retain_data: args.retain_data.clone(),
        recipes,
        seeds: (0..args.seeds as u64).map(|n| FIRST_SEED + n).collect(),
        epochs: args.epochs,
        budget,
        common_flags,
        out: args.out.clone(),
    };
    let retag = crate::launcher()?;
    let names: Vec<&str> = spec.recipes.iter().map(|recipe| recipe.name.as_str()).collect();
    eprintln!("comparing {} with {} seed(s) in {}", names.join(", "), spec.seeds.len(), spec.out.display());
    // The running run's latest progress line, until its result is printed.
    let mut watch: Option<RunWatch> = None;
    let (records, missing) = run_all(&spec, retag, |event| match event {
        Event::Starting { recipe, seed, index, total, log } => {
            eprintln!("[{index}/{total}] {recipe}, seed {seed}: running (log {})", log.display());
            watch = Some(RunWatch::start(format!("{recipe}, seed {seed}"), log.to_path_buf()));
        }
        Event::Done { record, cached } => {
            drop(watch.take());
            let f1 = record.metrics.test.as_ref().map_or(f64::NAN, |test| test.micro.f1 * 100.0);
            let how =
                if cached { "kept from an earlier run".to_string() } else { format!("{:.0} s", record.cost.wall_secs) };
            eprintln!("    {}, seed {}: test F1 {f1:.2} ({how})", record.recipe, record.seed);
        }
        Event::Missing(entry) => {
            drop(watch.take());
            eprintln!("    {}, seed {}: no result: {}", entry.recipe, entry.seed, entry.reason);
        }
    })?;
    let report = CompareReport::new(&spec, &records, missing)?;
    let pictures = retag_compare::write_report(&report, &spec.out)?;
    print!("{}", report.to_markdown());
    let stems: Vec<&str> = pictures.iter().map(|picture| picture.stem).collect();
    eprintln!(
        "wrote report.md, report.json, report.html and {} (SVG and PNG) to {}",
        stems.join(", "),
        spec.out.display()
    );
    Ok(())
}
