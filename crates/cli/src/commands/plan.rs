//! `retag plan`: print the plan, and write it (Markdown, JSON and the
//! mapping file) with `--out`.

use anyhow::{Context, Result};
use retag_data::atomic::write_atomically;
use retag_data::mapping::TagsetMapping;
use retag_retrain::{PlanSpec, split_from};
use retag_train::TrainConfig;

use crate::args::PlanArgs;
use crate::dataset;

/// The files `--out` gets.
const MARKDOWN: &str = "plan.md";
const JSON: &str = "plan.json";
const MAPPING: &str = "mapping.toml";

pub fn run(args: &PlanArgs) -> Result<()> {
    let mapping = match &args.mapping {
        Some(path) => {
            let mapping =
                TagsetMapping::load(path).with_context(|| format!("reading the mapping {}", path.display()))?;
            Some(if args.reverse_mapping { mapping.invert() } else { mapping })
        }
        None => None,
    };
    let old_model = crate::model_source::resolve(&args.model)?;
    let train = split_from(dataset::read_all(&args.train, &args.input)?, &args.train);
    let spec = PlanSpec {
        old_model,
        mapping,
        min_share: args.min_share.unwrap_or(retag_retrain::DEFAULT_MIN_SHARE),
        rare_below: args.rare_below,
        scheme: args.scheme,
        config: TrainConfig { max_len: args.max_len, ..TrainConfig::default() },
    };
    let device = crate::device::device(args.backend)?;
    eprintln!("the old model tags {} ({} sentences)...", args.train.display(), train.sentences.len());
    let report = retag_retrain::plan(&spec, &train, &device)?;
    print!("{}", report.to_text());
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        let json = serde_json::to_string_pretty(&report).expect("a plan always serializes") + "\n";
        write_atomically(&out.join(MARKDOWN), report.to_markdown().as_bytes())?;
        write_atomically(&out.join(JSON), json.as_bytes())?;
        let mapping = report.mapping().context("the plan's parents do not make a mapping")?;
        write_atomically(&out.join(MAPPING), mapping.to_toml().as_bytes())?;
        eprintln!("wrote {MARKDOWN}, {JSON} and {MAPPING} (for retrain --mapping) to {}", out.display());
    }
    Ok(())
}
