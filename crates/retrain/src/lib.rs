//! `retag-retrain`: from a model trained on one tagset to a model for
//! another, by one of several [`Strategy`]s, measured the same way.
//!
//! - [`strategy`]: `naive`, `frozen`, `full`, `warm-start`, `progressive`;
//! - [`progressive`]: gradual unfreezing and layer-wise rates as the loop's stages;
//! - [`retention`]: what a run cost the old tagset, scored on old-tagset data;
//! - [`distill`]: distillation from the old model (its settings and the label fold);
//! - [`head_choice`]: the head a run puts on the encoder (`--head`);
//! - [`start`]: the tagger each strategy starts from (random, or
//!   warm-started from the old head);
//! - [`lineage`] and [`infer`]: which old type each new type descends from,
//!   from a mapping file or from the old model's own predictions;
//! - [`retrain()`]: one run end to end as a recipe for `retag-train`'s one
//!   loop (the frozen strategy: that loop over the encoder's outputs cached
//!   once), and [`output`]: the HF model directory with `metrics.json` it leaves.
//!
//! Layering: this crate sits on `retag-train` (the loop the trained
//! strategies run) and `retag-heads`; binaries pick the device.

mod augmented;
pub mod distill;
pub mod error;
pub mod extend;
pub mod extend_output;
pub mod head_choice;
pub mod infer;
mod input_features;
pub mod lineage;
pub mod output;
pub mod plan;
pub mod progressive;
pub mod rehearsal;
pub mod retention;
pub mod retrain;
pub mod start;
pub mod strategy;
pub mod type_split;

pub use distill::DistillSpec;
pub use error::{Result, RetrainError};
pub use head_choice::HeadChoice;
pub use lineage::{DEFAULT_MIN_SHARE, Lineage, LineageSource};
pub use plan::{PlanSpec, plan};
pub use progressive::StagePlan;
/// The adapter's settings, as `RetrainSpec::adapter` takes them.
pub use retag_model::{AdapterKind, AdapterSpec};
pub use retrain::{
    DEFAULT_FROZEN_HEAD_LEARNING_RATE, Outcome, RetrainData, RetrainSpec, Schedule, TestPredictions, Timing, retrain,
    split_from,
};
pub use strategy::Strategy;
