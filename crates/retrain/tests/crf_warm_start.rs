//! Warm-starting from an old model with a CRF: the new CRF's scores start
//! from the old ones where the labels map (PER -> person, LOC -> place; the
//! new `greeting` has no parent), and nothing is carried over when either
//! side has no CRF. In memory, without an encoder: what is checked is the
//! tagger `warm_started_tagger` hands to the training loop.

use burn::optim::{GradientsParams, SgdConfig};
use burn::tensor::{Device, Tensor, TensorData};
use retag_data::mapping::TagsetMapping;
use retag_data::{Scheme, Tagset};
use retag_heads::targets::label_tensors;
use retag_heads::{Crf, CrfStart, Head, HeadKind, Tagger};
use retag_retrain::start::warm_started_tagger;
use retag_retrain::{HeadChoice, Lineage};

const HIDDEN: usize = 8;
const SEED: u64 = 3;
const CRF: HeadChoice = HeadChoice { kind: HeadKind::Linear, crf: true };

fn old_labels() -> Tagset {
    Tagset::from_types(&["PER", "LOC"], Scheme::Iob2).expect("old labels")
}

fn new_labels() -> Tagset {
    Tagset::from_types(&["person", "place", "greeting"], Scheme::Iob2).expect("new labels")
}

fn lineage() -> Lineage {
    let mapping = TagsetMapping::from_rules([("PER", vec!["person"]), ("LOC", vec!["place"])], ["greeting"])
        .expect("a valid mapping");
    Lineage::from_mapping(&mapping, &new_labels())
}

/// An old linear tagger, with a constrained CRF whose every score is
/// distinct and far from a fresh one's (those lie in `[-0.1, 0.1)`).
fn old_tagger(with_crf: bool, device: &Device) -> Tagger {
    let labels = old_labels();
    let head = Head::random(HeadKind::Linear, labels.clone(), HIDDEN, 0.0, 1, device).expect("old head");
    if !with_crf {
        return Tagger::new(head);
    }
    let n = labels.len();
    let ramp = |from: usize, count: usize| (from..from + count).map(|v| 1.0 + v as f32).collect::<Vec<f32>>();
    let crf = Crf::from_scores(
        Tensor::from_data(TensorData::new(ramp(0, n * n), [n, n]), device),
        Tensor::from_data(TensorData::new(ramp(n * n, n), [n]), device),
        Tensor::from_data(TensorData::new(ramp(n * n + n, n), [n]), device),
    )
    .and_then(|crf| crf.constrain_transitions(&labels, Scheme::Iob2))
    .expect("old CRF");
    Tagger::with_crf(head, crf).expect("the CRF fits")
}

/// Learned transitions `[from][to]` of `crf` over `labels`, by label name.
fn transition(crf: &Crf, labels: &Tagset, from: &str, to: &str) -> f32 {
    let (transitions, _, _) = crf.learned_scores();
    let values = transitions.into_data().try_to_vec::<f32>().expect("host values");
    values[labels.id(from).expect("label") * labels.len() + labels.id(to).expect("label")]
}

#[test]
fn the_old_crfs_transitions_start_the_new_one_where_labels_map() {
    let device = Device::flex().autodiff();
    let old = old_tagger(true, &device);
    let old_crf = old.crf().expect("the old CRF").clone();
    let (tagger, report) =
        warm_started_tagger(old, CRF, new_labels(), &lineage(), Scheme::Iob2, SEED).expect("a warm start");
    let crf = tagger.crf().expect("a CRF was chosen");
    let fresh = Crf::new(new_labels().len(), SEED, &device).expect("a fresh CRF");
    let (old_l, new_l) = (old_labels(), new_labels());
    let cases = [
        (("B-person", "I-person"), transition(&old_crf, &old_l, "B-PER", "I-PER")),
        (("I-place", "O"), transition(&old_crf, &old_l, "I-LOC", "O")),
        (("B-person", "B-place"), transition(&old_crf, &old_l, "B-PER", "B-LOC")),
        (("B-greeting", "I-greeting"), transition(&fresh, &new_l, "B-greeting", "I-greeting")),
        (("O", "B-greeting"), transition(&fresh, &new_l, "O", "B-greeting")),
        // Forbidden under IOB2: fresh underneath, ruled out when scoring.
        (("B-person", "I-place"), transition(&fresh, &new_l, "B-person", "I-place")),
    ];
    for ((from, to), expected) in cases {
        assert_eq!(transition(crf, &new_l, from, to), expected, "{from} -> {to}");
    }
    let rules = crf.forbidden().expect("the new CRF keeps the scheme's constraints");
    assert!(!rules.transition_allowed(new_l.id("B-person").unwrap(), new_l.id("I-place").unwrap()));
    assert_eq!(report.crf, Some(CrfStart { copied: 27, fresh: 18, forbidden: 18 }), "{report}");
    assert!(report.to_string().ends_with("27 copied from the old CRF, 18 fresh, 18 forbidden by the scheme"));

    // On an autodiff device the copied scores are parameters the optimizer moves.
    let before = transition(crf, &new_l, "B-person", "I-person");
    let hidden = Tensor::<3>::ones([1, 3, HIDDEN], &device);
    let (labels, mask) = label_tensors(&[Some(1), Some(2), Some(0)], 1, 3, &device).expect("labels");
    let loss = tagger.loss(hidden, labels, mask).expect("a loss");
    let grads = GradientsParams::from_grads(loss.backward(), &tagger);
    let stepped = SgdConfig::new().init().step(0.5, tagger, grads);
    let after = transition(stepped.crf().expect("a CRF"), &new_l, "B-person", "I-person");
    assert!(after > before, "the gold B-person -> I-person moved from {before} to {after}");
}

#[test]
fn without_a_crf_on_either_side_nothing_is_carried_over() {
    let device = Device::flex();
    // The old model has none: the new CRF starts fresh, as a naive run's would.
    let (tagger, report) =
        warm_started_tagger(old_tagger(false, &device), CRF, new_labels(), &lineage(), Scheme::Iob2, SEED)
            .expect("a warm start");
    let fresh = Crf::new(new_labels().len(), SEED, &device).expect("a fresh CRF");
    let crf = tagger.crf().expect("a CRF was chosen");
    let host = |crf: &Crf| crf.learned_scores().0.into_data().try_to_vec::<f32>().expect("host values");
    assert_eq!(host(crf), host(&fresh));
    assert_eq!(report.crf, None);

    // The new head has none: the old CRF is dropped.
    let (tagger, report) = warm_started_tagger(
        old_tagger(true, &device),
        HeadChoice::LINEAR,
        new_labels(),
        &lineage(),
        Scheme::Iob2,
        SEED,
    )
    .expect("a warm start");
    assert!(tagger.crf().is_none());
    assert_eq!(report.crf, None);
}
