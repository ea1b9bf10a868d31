//! `retag train`: fine-tune a base encoder with a fresh head on a tagset.
//! It is the `full` strategy with no old model: how a user makes the
//! "old" model that later retrains, and how we make one for tests.

use anyhow::Result;
use retag_retrain::{LineageSource, RetrainSpec, Strategy};

use super::training::{mlp_spec, progress_mode, resolve_config, run_and_report};
use crate::args::TrainArgs;

pub fn run(args: &TrainArgs) -> Result<()> {
    let spec = RetrainSpec {
        strategy: Strategy::Full,
        old_model: None,
        base_model: Some(crate::model_source::resolve(&args.model)?),
        lineage: LineageSource::Infer { min_share: retag_retrain::DEFAULT_MIN_SHARE },
        config: resolve_config(&args.training)?,
        head: args.training.head,
        mlp: mlp_spec(&args.training)?,
        schedule: Default::default(),
        distill: None,
        adapter: None,
        scheme: args.training.scheme,
        progress: progress_mode(args.training.progress),
    };
    run_and_report(&spec, &args.training, None)
}
