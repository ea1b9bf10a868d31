//! Where a warm start learns which old type each new type descends from:
//! a mapping file the user wrote, or counts of what the old model predicts
//! on the new training data.

/// The parents a warm start used (recorded in `metrics.json`): retag-data's,
/// so that tools reading a run's metrics need no neural-network crate.
pub use retag_data::mapping::Lineage;
use retag_data::mapping::TagsetMapping;

/// The share of the tokens of a new type that the old model tags (with any
/// old type, not `O`) that one old type must cover to be inferred as its
/// parent. A half keeps parents that clearly dominate. A type the old model
/// leaves `O` on most of its tokens (more than
/// `MappingEvidence::DEFAULT_MAX_OUTSIDE`) has no parent whatever the share
/// (it starts random).
pub const DEFAULT_MIN_SHARE: f64 = 0.5;

/// How the parents of new types are found.
#[derive(Debug, Clone)]
pub enum LineageSource {
    /// From a mapping file (old types to new types).
    Mapping(TagsetMapping),
    /// Inferred by running the old model over the new training data.
    Infer { min_share: f64 },
}
