//! `retag retrain`: carry a fine-tuned model over to a new tagset with one
//! strategy, and write the retrained model with its scores.

use anyhow::{Context, Result, bail};
use retag_data::mapping::TagsetMapping;
use retag_retrain::{LineageSource, RetrainSpec, Schedule, Strategy};

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
    if args.strategy == Strategy::Progressive && args.training.epochs.is_some() {
        bail!("--epochs: progressive runs as long as its stages say (the sum of --stages' epochs); set them there");
    }
    let spec = RetrainSpec {
        strategy: args.strategy,
        old_model: Some(crate::model_source::resolve(&args.model)?),
        base_model: args.base.as_deref().map(crate::model_source::resolve).transpose()?,
        lineage,
        config: resolve_config(&args.training)?,
        head: args.training.head,
        mlp: mlp_spec(&args.training)?,
        schedule: Schedule { stages: args.stages.clone(), layer_decay: args.layer_decay },
        scheme: args.training.scheme,
        progress: progress_mode(args.training.progress),
    };
    run_and_report(&spec, &args.training, args.retain_data.as_deref())
}
