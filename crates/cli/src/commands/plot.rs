//! `retag plot RUN_DIR... --out curves.svg`: the learning curves of one or
//! more runs (their `evaluations.jsonl`) in one picture, to compare them.

use anyhow::{Context, Result};
use retag_train::curves::{Curve, learning_curves_svg};
use retag_train::read_eval_log;

use crate::args::PlotArgs;

pub fn run(args: &PlotArgs) -> Result<()> {
    let mut runs = Vec::with_capacity(args.runs.len());
    for dir in &args.runs {
        let records = read_eval_log(dir).with_context(|| format!("reading the learning curve of {}", dir.display()))?;
        let name =
            dir.file_name().map_or_else(|| dir.display().to_string(), |name| name.to_string_lossy().into_owned());
        runs.push((name.trim_end_matches(".run").to_string(), records));
    }
    let curves: Vec<Curve<'_>> = runs.iter().map(|(name, records)| Curve { name, records }).collect();
    std::fs::write(&args.out, learning_curves_svg(&curves))
        .with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!("learning curves of {} runs: {}", runs.len(), args.out.display());
    Ok(())
}
