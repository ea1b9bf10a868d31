//! `retag-train`: fine-tuning a token-classification model on NER data, the
//! way the BERT recipe does it, resumable bit for bit.
//!
//! - [`TrainConfig`]: the run's settings, with the usual defaults, validated once;
//! - [`Trainer`]: trains a [`retag_model::TaggerModel`] over [`Inputs`]
//!   (subword windows through its encoder, or encoder outputs cached once
//!   in a [`FeatureCache`]); steps AdamW ([`optimizer`]) with
//!   warm-up and linear decay ([`schedule`]) and global-norm clipping
//!   ([`clip`]) over length-bucketed, seeded batches ([`buckets`]); evaluates
//!   on dev at epoch ends ([`evaluate`], seqeval's entity F1), stops early
//!   keeping the best weights, logs every evaluation ([`eval_log`]) and
//!   writes [`checkpoint`]s from which [`Trainer::resume`] continues exactly,
//!   on the same data ([`fingerprint`]), one run per folder at a time ([`lock`]);
//! - [`Augmentation`]: the training sentences augmented anew each epoch and
//!   aligned again, fed through the loop's [`EpochData`] hook;
//! - [`Distillation`]: an optional loss term pulling the model towards an old
//!   model's label distribution ([`distill`]), whose scores a
//!   [`TeacherCache`] computes once ([`teacher`]).
//!
//! The crate picks no backend: the caller passes an autodiff `Device`.

pub mod augmentation;
pub mod buckets;
pub mod checkpoint;
pub mod clip;
pub mod config;
pub mod curves;
pub mod dataset;
pub mod distill;
pub mod early_stopping;
pub mod epoch_data;
pub mod error;
pub mod eval_log;
pub mod evaluate;
pub mod features;
pub mod fingerprint;
pub mod fused_adamw;
pub mod inputs;
pub mod lock;
pub mod optimizer;
pub mod progress;
pub mod schedule;
pub mod stages;
pub mod teacher;
pub mod trainer;

pub use augmentation::Augmentation;
pub use checkpoint::{Best, StopReason, TrainState};
pub use config::TrainConfig;
pub use dataset::Split;
pub use distill::{Distillation, Distiller};
pub use epoch_data::{EpochData, EpochDataError, EpochInputs};
pub use error::{Result, TrainError};
pub use eval_log::{EVAL_LOG, EvalRecord, read_eval_log};
pub use features::FeatureCache;
pub use inputs::Inputs;
pub use lock::RunLock;
pub use progress::{Progress, ProgressMode, StepFigures};
pub use stages::GroupStage;
pub use teacher::TeacherCache;
pub use trainer::Trainer;
