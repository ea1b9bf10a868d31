//! `retag retrain`: carry a fine-tuned model over to a new tagset with one
//! strategy, and write the retrained model with its scores.

use anyhow::{Context, Result, bail};
use retag_data::mapping::TagsetMapping;
use retag_retrain::{DistillSpec, LineageSource, RetrainSpec, Schedule, Strategy};

use super::training::{mlp_spec, progress_mode, resolve_config, run_and_report};
use crate::args::RetrainArgs;

pub fn run(args: &RetrainArgs) -> Result<()> {
    check_flags_apply(args)?;
    let lineage = match &args.mapping {
        Some(path) => {
            let mapping =
                TagsetMapping::load(path).with_context(|| format!("reading the mapping {}", path.display()))?;
            LineageSource::Mapping(if args.reverse_mapping { mapping.invert() } else { mapping })
        }
        None => LineageSource::Infer { min_share: args.min_share.unwrap_or(retag_retrain::DEFAULT_MIN_SHARE) },
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
        distill: args.distill_weight.map(|weight| DistillSpec {
            weight,
            temperature: args.temperature.unwrap_or(retag_retrain::distill::DEFAULT_TEMPERATURE),
        }),
        adapter: adapter_spec(args),
        scheme: args.training.scheme,
        progress: progress_mode(args.training.progress),
    };
    run_and_report(&spec, &args.training, args.retain_data.as_deref())
}

/// Refuses the flags the chosen strategy would ignore, so that no setting is
/// silently dropped: a lineage (`--mapping`, `--min-share`) is read only by
/// the strategies that warm-start, the retention score and distillation, `--base` only
/// by `full`, `--augment` by all but `frozen`.
fn check_flags_apply(args: &RetrainArgs) -> Result<()> {
    let strategy = args.strategy;
    if args.temperature.is_some() && args.distill_weight.is_none() {
        bail!("--temperature: it is distillation's temperature; give --distill-weight to distil");
    }
    let reads_lineage = strategy.warm_starts() || args.retain_data.is_some() || args.distill_weight.is_some();
    let lineage_flag = match (&args.mapping, args.min_share) {
        (Some(_), _) => Some("--mapping"),
        (None, Some(_)) => Some("--min-share"),
        (None, None) => None,
    };
    if let Some(flag) = lineage_flag.filter(|_| !reads_lineage) {
        bail!(
            "{flag}: strategy {strategy} uses no lineage of old to new types (warm-start and progressive do, and \
             --retain-data and --distill-weight do for any strategy)"
        );
    }
    if args.training.augment.is_some() && strategy == Strategy::Frozen {
        bail!(
            "--augment: strategy frozen computes the encoder's outputs once, before training, and augmented \
             sentences change every epoch; every other strategy can augment"
        );
    }
    if args.base.is_some() && strategy != Strategy::Full {
        bail!("--base: only strategy full starts from a base encoder; {strategy} starts from --model");
    }
    let adapter_flag = match (args.adapter_layer, args.adapter_width) {
        (Some(_), _) => Some("--adapter-layer"),
        (None, Some(_)) => Some("--adapter-width"),
        (None, None) => None,
    };
    if let Some(flag) = adapter_flag.filter(|_| strategy != Strategy::Adapter) {
        bail!("{flag}: only strategy adapter has an adapter; {strategy} has none");
    }
    Ok(())
}

/// The adapter the flags describe (defaults for what they leave out), or
/// `None` when they say nothing.
fn adapter_spec(args: &RetrainArgs) -> Option<retag_retrain::AdapterSpec> {
    if args.adapter_layer.is_none() && args.adapter_width.is_none() {
        return None;
    }
    let default = retag_retrain::AdapterSpec::default();
    Some(retag_retrain::AdapterSpec {
        kind: args.adapter_layer.unwrap_or(default.kind),
        width: args.adapter_width.unwrap_or(default.width),
    })
}
