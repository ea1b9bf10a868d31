//! The grammar of `retag plan`.

use std::path::PathBuf;

use clap::Args;
use retag_data::Scheme;

use super::choices::scheme_parser;
use super::{Backend, InputArgs};

/// `retag plan`: how the old model's tagset relates to the new data's, and
/// which strategy to try first, from the old model's predictions on the new
/// training data.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The fine-tuned model (a HuggingFace token-classification folder, or any retag model folder).
    #[arg(long)]
    pub model: PathBuf,
    /// The new training data (CoNLL or JSONL), annotated with the new tagset.
    #[arg(long)]
    pub train: PathBuf,
    /// A mapping file (old types to new ones) that decides the parents instead of the inference.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// The mapping file maps the NEW types to the OLD ones.
    #[arg(long, requires = "mapping")]
    pub reverse_mapping: bool,
    /// Without a mapping: the share of the tokens of a new type that the old
    /// model tags (not O) that an old type must cover to be its parent [default: 0.5].
    #[arg(long, conflicts_with = "mapping")]
    pub min_share: Option<f64>,
    /// New types with fewer training entities than this are called rare.
    #[arg(long, default_value_t = retag_data::plan::DEFAULT_RARE_BELOW)]
    pub rare_below: usize,
    /// Write plan.md, plan.json and mapping.toml (the parents, for `retrain --mapping`) into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The tag scheme of the training data.
    #[arg(long, default_value = "iob2", value_parser = scheme_parser())]
    pub scheme: Scheme,
    /// Subwords per window of the old model's pass (default: what the model allows, at most 512).
    #[arg(long)]
    pub max_len: Option<usize>,
    /// Where the old model runs.
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: Backend,
    #[command(flatten)]
    pub input: InputArgs,
}
