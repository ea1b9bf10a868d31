//! One file per command: each turns parsed arguments into library calls and output.

pub mod augment;
pub mod compare;
pub mod convert;
pub mod eval;
pub mod extend;
pub mod gazetteer;
pub mod plan;
pub mod plot;
pub mod predict;
pub mod relabel;
pub mod retrain;
mod run_watch;
pub mod stats;
pub mod train;
mod training;
mod transform;
