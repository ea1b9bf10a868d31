//! The grammar of `retag extend`.

use std::path::PathBuf;

use clap::{ArgAction, Args};

use super::TrainingArgs;

/// `retag extend`: add entity types to a fine-tuned model from data that
/// annotates only the new types, keeping the types it knew.
#[derive(Debug, Args)]
pub struct ExtendArgs {
    /// The fine-tuned model whose types are kept (a HuggingFace
    /// token-classification folder, or any retag model folder). Its head is
    /// kept too: --head and the MLP flags are refused.
    #[arg(long)]
    pub model: PathBuf,
    /// Where the new data says O and the old model predicts one of its
    /// types with at least this probability, the word takes the old model's tag.
    #[arg(long, default_value_t = retag_retrain::rehearsal::DEFAULT_THRESHOLD)]
    pub rehearsal_threshold: f64,
    /// Leave the words where the old model predicts one of its types below
    /// the threshold out of the loss (`--leave-out-unsure false`: train them as O).
    #[arg(long, default_value_t = true, action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub leave_out_unsure: bool,
    /// The weight of distillation from the old model, old labels onto
    /// themselves and new labels onto O (0: no distillation).
    #[arg(long, default_value_t = 1.0)]
    pub distill_weight: f64,
    /// Distillation's softmax temperature.
    #[arg(long, default_value_t = retag_retrain::distill::DEFAULT_TEMPERATURE)]
    pub temperature: f64,
    #[command(flatten)]
    pub training: TrainingArgs,
}
