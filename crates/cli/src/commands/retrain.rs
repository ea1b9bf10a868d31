//! `retag retrain`: carry a fine-tuned model over to a new tagset with one
//! strategy, and write the retrained model with its scores.

use anyhow::{Context, Result};
use retag_data::mapping::TagsetMapping;
use retag_retrain::{LineageSource, RetrainSpec};

use super::training::{mlp_spec, progress_mode, resolve_config, run_and_report};
use crate::args::RetrainArgs;

pub fn run(args: &RetrainArgs) -> Result<()> {
    let lineage = match &args.mapping {
        Some(path) => {
            let mapping =
                TagsetMapping::load(path).with_context(|| format!("reading the mapping {}", path.display()))?;
            LineageSource::Mapping(if args.reverse_mapping { mapping.invert() } else { mapping })
        }
        None => LineageSource::Infer { min_share: args.min_share },
    };
    let spec = RetrainSpec {
        strategy: args.strategy,
        old_model: Some(crate::model_source::resolve(&args.model)?),
        base_model: args.base.as_deref().map(crate::model_source::resolve).transpose()?,
        lineage,
        config: resolve_config(&args.training)?,
        head: args.training.head,
        mlp: mlp_spec(&args.training)?,
        scheme: args.training.scheme,
        progress: progress_mode(args.training.progress),
    };
    run_and_report(&spec, &args.training)
}
