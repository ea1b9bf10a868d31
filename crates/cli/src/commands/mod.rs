//! One file per command: each turns parsed arguments into library calls and output.

pub mod convert;
pub mod eval;
pub mod predict;
pub mod relabel;
pub mod stats;
mod transform;
