//! Inferring the lineage of new types from the old model itself: it tags
//! the new training data, and each new type's parent is the old type it
//! predicts on most of that type's tokens.

use burn::tensor::Device;
use retag_bert::BertForTokenClassification;
use retag_data::Scheme;
use retag_data::mapping::MappingEvidence;
use retag_train::dataset::AlignedSplit;

use crate::error::{Result, RetrainError};
use crate::lineage::Lineage;

/// Runs `old` (validation mode, plain `device`) over `train` and counts,
/// for every new gold type, the old types predicted on its tokens.
///
/// `train` is aligned with the new tagset; `new_scheme` is the scheme of
/// its tags. The old model's predictions are read leniently (an `I-` after
/// `O` opens an entity), as seqeval reads model output, in the scheme its
/// labels show (see [`scheme_of`]).
pub fn infer_lineage(
    old: &BertForTokenClassification,
    train: &AlignedSplit,
    new_scheme: Scheme,
    min_share: f64,
    batch_size: usize,
    device: &Device,
) -> Result<Lineage> {
    if !(0.0..=1.0).contains(&min_share) {
        return Err(RetrainError::option("min_share", format!("{min_share} is not a share between 0 and 1")));
    }
    let old_scheme = scheme_of(old.labels.labels());
    let predicted = retag_train::evaluate::predict(old, train, batch_size, device)?;
    let mut evidence = MappingEvidence::new();
    for ((gold, old_tags), sentence) in train.gold.iter().zip(&predicted).zip(&train.aligned) {
        evidence.add_tags(gold, new_scheme, old_tags, old_scheme).map_err(|violation| RetrainError::Mismatch {
            reason: format!("{}: word {} ({}): {}", sentence.at, violation.index + 1, violation.tag, violation.reason),
        })?;
    }
    Ok(Lineage::Inferred { min_share, inferred: evidence.infer(min_share) })
}

/// The scheme a model's labels are written in, from the prefixes it uses:
/// `E-`/`S-` mean BIOES, `L-`/`U-` BILOU, anything else is read as IOB2
/// (which also reads IO and IOB1 output the way seqeval does).
pub fn scheme_of<S: AsRef<str>>(labels: &[S]) -> Scheme {
    let has = |prefix: &str| labels.iter().any(|label| label.as_ref().starts_with(prefix));
    if has("E-") || has("S-") {
        Scheme::Bioes
    } else if has("L-") || has("U-") {
        Scheme::Bilou
    } else {
        Scheme::Iob2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_follows_the_prefixes_in_use() {
        let cases: &[(&[&str], Scheme)] = &[
            (&["O", "B-PER", "I-PER"], Scheme::Iob2),
            (&["O", "B-PER", "I-PER", "E-PER", "S-PER"], Scheme::Bioes),
            (&["O", "U-PER", "B-PER", "L-PER"], Scheme::Bilou),
            (&["O", "I-PER"], Scheme::Iob2),
        ];
        for (labels, expected) in cases {
            assert_eq!(scheme_of(labels), *expected, "{labels:?}");
        }
    }
}
