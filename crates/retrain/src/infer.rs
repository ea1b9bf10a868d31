//! Inferring the lineage of new types from the old model itself: it tags
//! the new training data, and each new type's parent is the old type it
//! predicts on most of the tokens of that type it tags at all, unless it
//! leaves the type `O` too often to speak of a parent
//! ([`MappingEvidence::infer`]).

use burn::tensor::Device;
use retag_data::Scheme;
use retag_data::mapping::MappingEvidence;
use retag_model::TaggerModel;
use retag_train::dataset::AlignedSplit;

use crate::error::{Result, RetrainError};
use crate::lineage::Lineage;

/// Runs `old` (validation mode, plain `device`) over `train` and counts,
/// for every new gold type, the old types predicted on its tokens.
///
/// A parent covers at least `min_share` of the tokens `old` tags with a
/// type; a type `old` leaves `O` on more than
/// [`MappingEvidence::DEFAULT_MAX_OUTSIDE`] of its tokens is new. The
/// maximum is not a parameter: no caller needs another yet, and the
/// recorded lineage states it.
///
/// `train` is aligned with the new tagset; `new_scheme` is the scheme of
/// its tags. The old model's predictions are read leniently (an `I-` after
/// `O` opens an entity), as seqeval reads model output, in the scheme its
/// labels show ([`Scheme::from_labels`]).
pub fn infer_lineage(
    old: &TaggerModel,
    train: &AlignedSplit,
    new_scheme: Scheme,
    min_share: f64,
    batch_size: usize,
    device: &Device,
) -> Result<Lineage> {
    if !(0.0..=1.0).contains(&min_share) {
        return Err(RetrainError::option("min_share", format!("{min_share} is not a share between 0 and 1")));
    }
    let evidence = gather_evidence(old, train, new_scheme, batch_size, device)?;
    let max_outside = MappingEvidence::DEFAULT_MAX_OUTSIDE;
    Ok(Lineage::Inferred {
        min_share,
        max_outside: Some(max_outside),
        inferred: evidence.infer(min_share, max_outside),
    })
}

/// Runs `old` over `train` and counts, for every new gold type, the old
/// types it predicts on that type's tokens: the evidence both a lineage
/// and `retag plan` read.
pub fn gather_evidence(
    old: &TaggerModel,
    train: &AlignedSplit,
    new_scheme: Scheme,
    batch_size: usize,
    device: &Device,
) -> Result<MappingEvidence> {
    let old_scheme = Scheme::from_labels(old.tagset().labels());
    let ids = retag_model::tag_windows(old, &train.aligned, batch_size, train.pad_id(), device)?;
    let label = |id: usize| {
        old.tagset().label(id).ok_or_else(|| RetrainError::Mismatch {
            reason: format!("the old model predicted label id {id}, its tagset has {}", old.tagset().len()),
        })
    };
    let predicted = ids
        .iter()
        .map(|sentence| sentence.iter().map(|&id| label(id)).collect::<Result<Vec<&str>>>())
        .collect::<Result<Vec<_>>>()?;
    let mut evidence = MappingEvidence::new();
    for ((gold, old_tags), sentence) in train.gold.iter().zip(&predicted).zip(&train.aligned) {
        evidence.add_tags(gold, new_scheme, old_tags, old_scheme).map_err(|violation| RetrainError::Mismatch {
            reason: format!("{}: word {} ({}): {}", sentence.at, violation.index + 1, violation.tag, violation.reason),
        })?;
    }
    Ok(evidence)
}
