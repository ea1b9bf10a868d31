use burn::tensor::{Device, Tensor, TensorData};
use proptest::prelude::*;
use retag_data::{Scheme, Tagset};

use super::*;
use crate::linear::LinearHead;

const HIDDEN: usize = 8;

fn device() -> Device {
    Device::flex()
}

fn iob2(types: &[&str]) -> Tagset {
    Tagset::from_types(types, Scheme::Iob2).expect("valid test tagset")
}

/// An old head whose row `i` is all `i + 1` plus a small ramp, and bias
/// `-(i + 1)`: every copied row says where it came from.
fn old_head(tagset: Tagset) -> LinearHead {
    let device = device();
    let rows = tagset.len();
    let weight: Vec<f32> =
        (0..rows).flat_map(|r| (0..HIDDEN).map(move |k| (r + 1) as f32 + k as f32 * 0.001)).collect();
    let bias: Vec<f32> = (0..rows).map(|r| -((r + 1) as f32)).collect();
    LinearHead::from_pytorch(
        tagset,
        HIDDEN,
        Tensor::from_data(TensorData::new(weight, [rows, HIDDEN]), &device),
        Tensor::from_data(TensorData::new(bias, [rows]), &device),
        0.1,
    )
    .expect("consistent test head")
}

/// Row `label` of `head`'s weight, and its bias.
fn row(head: &LinearHead, label: &str) -> (Vec<f32>, f32) {
    let index = head.tagset().id(label).expect("label in head");
    let (weight, bias) = head.weights_pytorch_layout();
    let weight = weight.into_data().try_to_vec::<f32>().unwrap();
    let bias = bias.into_data().try_to_vec::<f32>().unwrap();
    (weight[index * HIDDEN..(index + 1) * HIDDEN].to_vec(), bias[index])
}

fn parents_table<'a>(table: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |new_type| table.iter().find(|(new, _)| *new == new_type).map(|(_, old)| old.to_string())
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn rename_split_and_new_types_start_where_they_should() {
    let old = old_head(iob2(&["geo-loc", "ORG", "PER"]));
    let new = iob2(&["location", "company", "party", "creative"]);
    let table = [("location", "geo-loc"), ("company", "ORG"), ("party", "ORG")];
    let (head, report) = old.warm_start(new, parents_table(&table), 0.01, 7).unwrap();

    let copied = |from: &str| RowOrigin::Copied { from: from.into() };
    let perturbed = |from: &str| RowOrigin::Perturbed { from: from.into() };
    let expected = [
        ("O", copied("O")),
        ("B-location", copied("B-geo-loc")),
        ("I-location", copied("I-geo-loc")),
        ("B-company", perturbed("B-ORG")),
        ("I-company", perturbed("I-ORG")),
        ("B-party", perturbed("B-ORG")),
        ("I-party", perturbed("I-ORG")),
        ("B-creative", RowOrigin::Random),
        ("I-creative", RowOrigin::Random),
    ];
    assert_eq!(report.labels.len(), expected.len());
    for (label, origin) in expected {
        assert_eq!(report.origin_of(label), Some(&origin), "{label}");
        let (new_row, new_bias) = row(&head, label);
        match origin {
            RowOrigin::Copied { from } => assert_eq!(row(&head, label), row(&old, &from), "{label}"),
            RowOrigin::Perturbed { from } => {
                let (old_row, old_bias) = row(&old, &from);
                let diff = max_abs_diff(&new_row, &old_row);
                assert!(diff > 0.0 && diff < 0.01 * 6.0, "{label}: {diff}");
                assert_eq!(new_bias, old_bias, "{label}: bias is copied exactly");
            }
            RowOrigin::Random => {
                assert_eq!(new_bias, 0.0);
                assert!(new_row.iter().all(|w| w.abs() < 0.02 * 6.0), "{label}: {new_row:?}");
                assert!(new_row.iter().any(|&w| w != 0.0));
            }
        }
    }
    // The two children of ORG must not be identical: that is what the noise is for.
    assert_ne!(row(&head, "B-company").0, row(&head, "B-party").0);
    assert_eq!(report.counts(), (3, 4, 2));
}

#[test]
fn missing_prefixes_fall_back_to_b_then_to_any_row() {
    // IOB2 -> BIOES: E- and S- have no old row of their own.
    let old = old_head(iob2(&["geo-loc"]));
    let bioes = Tagset::from_types(&["location"], Scheme::Bioes).unwrap();
    let table = [("location", "geo-loc")];
    let (_, report) = old.warm_start(bioes, parents_table(&table), 0.0, 0).unwrap();
    let cases = [
        ("B-location", "B-geo-loc", None),
        ("I-location", "I-geo-loc", None),
        ("E-location", "B-geo-loc", Some("the old tagset has no E-geo-loc")),
        ("S-location", "B-geo-loc", Some("the old tagset has no S-geo-loc")),
    ];
    for (label, from, note) in cases {
        let start = report.labels.iter().find(|s| s.label == label).unwrap();
        // Perturbation 0: shared rows are reported as the plain copies they are.
        assert_eq!(start.origin, RowOrigin::Copied { from: from.into() }, "{label}");
        assert_eq!(start.note.as_deref(), note, "{label}");
    }

    // IO -> IOB2: no B- row either, so the parent's first row.
    let old = old_head(Tagset::from_types(&["geo-loc"], Scheme::Io).unwrap());
    let (head, report) = old.warm_start(iob2(&["location"]), parents_table(&table), 0.0, 0).unwrap();
    let start = &report.labels[1];
    assert_eq!(start.origin, RowOrigin::Copied { from: "I-geo-loc".into() });
    assert_eq!(start.note.as_deref(), Some("the old tagset has no B-geo-loc"));
    assert_eq!(row(&head, "B-location"), row(&old, "I-geo-loc"));
}

#[test]
fn bad_labels_parents_and_options_are_errors_that_name_them() {
    let old = old_head(iob2(&["geo-loc", "PER"]));
    let table = [("location", "place")];
    let error = old.warm_start(iob2(&["location"]), parents_table(&table), 0.01, 0).unwrap_err();
    assert_eq!(
        error.to_string(),
        "new label \"B-location\" descends from old type \"place\", which the old tagset does not have; \
         its types are geo-loc, PER"
    );

    let unprefixed = Tagset::new(vec!["O".into(), "location".into()]).unwrap();
    let error = old.warm_start(unprefixed, |_| None, 0.01, 0).unwrap_err();
    assert!(matches!(error, HeadError::InvalidLabel { ref label, .. } if label == "location"), "{error}");

    for std in [-0.1, f64::NAN] {
        let error = old.warm_start(iob2(&["PER"]), |_| None, std, 0).unwrap_err();
        assert!(error.to_string().starts_with("invalid option perturbation_std"), "{error}");
    }
}

#[test]
fn an_old_tagset_without_o_gives_a_random_o_and_says_why() {
    let tagset = Tagset::new(vec!["B-PER".into(), "I-PER".into()]).unwrap();
    let (_, report) = old_head(tagset).warm_start(iob2(&["PER"]), |t| Some(t.to_string()), 0.0, 0).unwrap();
    assert_eq!(report.labels[0].origin, RowOrigin::Random);
    assert_eq!(report.labels[0].note.as_deref(), Some("the old tagset has no O"));
}

#[test]
fn the_same_seed_gives_the_same_head() {
    let old = old_head(iob2(&["ORG"]));
    let table = [("a", "ORG"), ("b", "ORG")];
    let new = iob2(&["a", "b", "c"]);
    let (first, _) = old.warm_start(new.clone(), parents_table(&table), 0.01, 3).unwrap();
    let (second, _) = old.warm_start(new.clone(), parents_table(&table), 0.01, 3).unwrap();
    let (third, _) = old.warm_start(new, parents_table(&table), 0.01, 4).unwrap();
    let weights = |head: &LinearHead| head.weights_pytorch_layout().0.into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(weights(&first), weights(&second));
    assert_ne!(weights(&first), weights(&third));
}

#[test]
fn report_prints_one_line_per_label_and_a_total() {
    let old = old_head(iob2(&["ORG"]));
    let table = [("a", "ORG"), ("b", "ORG")];
    let (_, report) = old.warm_start(iob2(&["a", "b", "c"]), parents_table(&table), 0.01, 0).unwrap();
    let expected = "\
O    copied from O
B-a  copied+perturbed from B-ORG
I-a  copied+perturbed from I-ORG
B-b  copied+perturbed from B-ORG
I-b  copied+perturbed from I-ORG
B-c  random
I-c  random
1 copied, 4 copied+perturbed, 2 random";
    assert_eq!(report.to_string(), expected);
}

#[test]
fn fresh_heads_are_all_random() {
    let (head, report) = LinearHead::fresh(iob2(&["a"]), HIDDEN, 0.1, 0, &device()).unwrap();
    assert_eq!(head.num_labels(), 3);
    assert_eq!(report.counts(), (0, 0, 3));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whatever the tagsets and parents, every new row is its source row
    /// (exactly, or within the perturbation) or a fresh row, and the report
    /// has one line per new label, in order.
    #[test]
    fn every_row_matches_its_reported_origin(
        old_types in proptest::sample::subsequence(vec!["p", "q", "r"], 1..=3),
        new_types in proptest::sample::subsequence(vec!["a", "b", "c", "d"], 1..=4),
        parent_picks in proptest::collection::vec(0usize..4, 4),
        bioes in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let old = old_head(iob2(&old_types));
        let scheme = if bioes { Scheme::Bioes } else { Scheme::Iob2 };
        let new = Tagset::from_types(&new_types, scheme).unwrap();
        // Pick 0..len(old_types) is a parent; anything above means no parent.
        let table: Vec<(&str, &str)> = new_types
            .iter()
            .zip(&parent_picks)
            .filter_map(|(new, &pick)| old_types.get(pick).map(|old| (*new, *old)))
            .collect();
        let (head, report) = old.warm_start(new.clone(), parents_table(&table), 0.01, seed).unwrap();
        prop_assert_eq!(report.labels.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(), new.labels());
        for start in &report.labels {
            let (new_row, new_bias) = row(&head, &start.label);
            match &start.origin {
                RowOrigin::Copied { from } => prop_assert_eq!(row(&head, &start.label), row(&old, from)),
                RowOrigin::Perturbed { from } => {
                    let (old_row, old_bias) = row(&old, from);
                    prop_assert!(max_abs_diff(&new_row, &old_row) < 0.01 * 7.0);
                    prop_assert_eq!(new_bias, old_bias);
                }
                RowOrigin::Random => prop_assert_eq!(new_bias, 0.0),
            }
        }
    }
}

#[test]
fn a_warm_started_crf_adds_one_line() {
    let old = old_head(iob2(&["ORG"]));
    let (_, mut report) = old.warm_start(iob2(&["ORG"]), |t| Some(t.to_string()), 0.0, 0).unwrap();
    report.crf = Some(CrfStart { copied: 13, fresh: 0, forbidden: 2 });
    let expected = "\
O      copied from O
B-ORG  copied from B-ORG
I-ORG  copied from I-ORG
3 copied, 0 copied+perturbed, 0 random
CRF transitions, starts and ends: 13 copied from the old CRF, 0 fresh, 2 forbidden by the scheme";
    assert_eq!(report.to_string(), expected);
}
