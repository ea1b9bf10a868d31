//! `retag-retrain`: from a model trained on one tagset to a model for
//! another, by one of several [`Strategy`]s, measured the same way.
//!
//! - [`strategy`]: `naive`, `frozen`, `full`, `warm-start`;
//! - [`start`]: the model each strategy starts from (an encoder and a head,
//!   random or warm-started from the old head);
//! - [`lineage`] and [`infer`]: which old type each new type descends from,
//!   from a mapping file or from the old model's own predictions;
//! - [`features`] and [`probe`]: the frozen strategy, encoder outputs
//!   computed once and a head trained over them;
//! - [`retrain()`]: one run end to end, and [`output`]: the HF model
//!   directory with `metrics.json` it leaves.
//!
//! Layering: this crate sits on `retag-train` (the loop the trained
//! strategies run) and `retag-heads`; binaries pick the device.

pub mod error;
pub mod features;
pub mod infer;
pub mod lineage;
pub mod output;
pub mod probe;
pub mod retrain;
pub mod start;
pub mod strategy;

pub use error::{Result, RetrainError};
pub use lineage::{DEFAULT_MIN_SHARE, Lineage, LineageSource};
pub use retrain::{Outcome, RetrainData, RetrainSpec, Timing, retrain, split_from};
pub use strategy::Strategy;
