//! The tagger each strategy starts training with: a fresh one of the
//! chosen kind, or the old model's, resized to the new tagset with each new
//! label starting from its parent's output row (and, under a CRF, from its
//! parent's transitions).

use burn::tensor::Device;
use retag_data::{Scheme, Tagset};
use retag_heads::{Head, HeadArch, HeadKind, MlpSpec, Tagger, WarmStartReport};

use crate::error::{Result, RetrainError};
use crate::head_choice::HeadChoice;
use crate::lineage::Lineage;

/// Noise added to a row that several new labels copy (a split), so that
/// they differ at step 0: the spread of a fresh row (HF init, 0.02). A
/// tenth of that (0.002) left the rare split types of the WNUT-16 coarse ->
/// fine task (facility, product, sportsteam) at F1 0 after three epochs,
/// and warm-start 5 points behind naive; with 0.02 they learn and warm-start
/// leads (docs/strategies.md).
pub const SPLIT_PERTURBATION_STD: f64 = 0.02;

/// A fresh tagger of `choice` (an MLP shaped by `mlp`) for `labels` over
/// `hidden`-wide states, its layers initialised as HuggingFace initialises a
/// classifier; a CRF forbids the moves `scheme` forbids.
#[allow(clippy::too_many_arguments)] // the head's every setting, each different
pub fn fresh_tagger(
    choice: HeadChoice,
    mlp: MlpSpec,
    labels: Tagset,
    hidden: usize,
    dropout: f64,
    scheme: Scheme,
    seed: u64,
    device: &Device,
) -> Result<Tagger> {
    let arch = match choice.kind {
        HeadKind::Mlp => HeadArch::Mlp(mlp),
        _ => HeadArch::Linear,
    };
    let head = Head::random(arch, labels, hidden, dropout, seed, device)?;
    with_crf_if(choice, head, scheme, seed)
}

/// The old tagger resized to `labels`: each new label's output row starts
/// from its parent's (see `retag_heads::warm_start`). The old head must be
/// of the chosen kind (rows of a linear head do not fit an MLP). A CRF, if
/// chosen, starts from the old model's CRF where the labels map (see
/// [`retag_heads::Crf::warm_start`]; the report's `crf` line says how many
/// scores were copied), or fresh when the old model has none.
pub fn warm_started_tagger(
    old: Tagger,
    choice: HeadChoice,
    labels: Tagset,
    lineage: &Lineage,
    scheme: Scheme,
    seed: u64,
) -> Result<(Tagger, WarmStartReport)> {
    let (head, old_crf) = old.into_parts();
    if head.kind() != choice.kind {
        return Err(RetrainError::option(
            "head",
            format!(
                "warm-start copies the old head's rows, and the old model has a {} head: choose --head {}{}",
                head.kind(),
                head.kind(),
                if choice.crf { " with a CRF" } else { "" }
            ),
        ));
    }
    let old_labels = head.tagset().clone();
    let (head, mut report) = head.warm_start(labels, |kind| lineage.parent(kind), SPLIT_PERTURBATION_STD, seed)?;
    let tagger = match old_crf.filter(|_| choice.crf) {
        Some(old_crf) => {
            let (crf, start) = old_crf.warm_start(&old_labels, head.tagset(), &report, Some(scheme), seed)?;
            report.crf = Some(start);
            Tagger::with_crf(head, crf)?
        }
        None => with_crf_if(choice, head, scheme, seed)?,
    };
    Ok((tagger, report))
}

fn with_crf_if(choice: HeadChoice, head: Head, scheme: Scheme, seed: u64) -> Result<Tagger> {
    Ok(if choice.crf { Tagger::with_new_crf(head, Some(scheme), seed)? } else { Tagger::new(head) })
}
