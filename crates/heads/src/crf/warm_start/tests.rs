use burn::tensor::{Bool, Device, Tensor, TensorData};
use retag_data::scheme::violations;
use retag_data::{Scheme, Tagset};

use super::*;
use crate::crf::FORBIDDEN;
use crate::linear::LinearHead;
use crate::rng::SeededRng;
use Expect::{Forbidden as Banned, Fresh, Old};
use Score::{End, Move, Start};

const SEED: u64 = 5;

fn device() -> Device {
    Device::flex()
}

/// One score of a CRF, by label names.
#[derive(Debug, Clone, Copy)]
enum Score<'a> {
    Move(&'a str, &'a str),
    Start(&'a str),
    End(&'a str),
}

/// What a new score should hold.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// This score of the old CRF, exactly.
    Old(Score<'static>),
    /// The value a fresh CRF from [`SEED`] has there.
    Fresh,
    /// Ruled out by the new scheme (and fresh underneath).
    Forbidden,
}

/// An old CRF whose every score differs from every other and from any fresh
/// value (fresh ones lie in `[-0.1, 0.1)`): a copy from the wrong place shows.
fn old_crf(tagset: &Tagset, constraints: Option<Scheme>) -> Crf {
    let n = tagset.len();
    let ramp = |from: usize, count: usize| (from..from + count).map(|v| 1.0 + v as f32).collect::<Vec<f32>>();
    let device = device();
    let crf = Crf::from_scores(
        host_tensor_2d(ramp(0, n * n), [n, n], &device),
        host_tensor_1d(ramp(n * n, n), &device),
        host_tensor_1d(ramp(n * n + n, n), &device),
    )
    .unwrap();
    match constraints {
        Some(scheme) => crf.constrain_transitions(tagset, scheme).unwrap(),
        None => crf,
    }
}

/// The value of `score` in `crf` over `tagset`: learned, or as scored.
fn value(crf: &Crf, tagset: &Tagset, score: Score<'_>, scored: bool) -> f32 {
    let (transitions, start, end) = if scored { crf.scores() } else { crf.learned_scores() };
    let id = |label| tagset.id(label).unwrap();
    match score {
        Move(from, to) => host(transitions)[id(from) * tagset.len() + id(to)],
        Start(label) => host(start)[id(label)],
        End(label) => host(end)[id(label)],
    }
}

fn host<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

/// Every score of a tagset, by label names.
fn every_score(tagset: &Tagset) -> Vec<Score<'_>> {
    let labels: Vec<&str> = tagset.labels().iter().map(String::as_str).collect();
    let mut scores: Vec<Score<'_>> =
        labels.iter().flat_map(|&from| labels.iter().map(move |&to| Move(from, to))).collect();
    scores.extend(labels.iter().map(|&label| Start(label)));
    scores.extend(labels.iter().map(|&label| End(label)));
    scores
}

fn is_forbidden(crf: &Crf, tagset: &Tagset, score: Score<'_>) -> bool {
    let Some(rules) = crf.forbidden() else { return false };
    let id = |label| tagset.id(label).unwrap();
    match score {
        Move(from, to) => !rules.transition_allowed(id(from), id(to)),
        Start(label) => !rules.start_allowed(id(label)),
        End(label) => !rules.end_allowed(id(label)),
    }
}

struct Case {
    name: &'static str,
    /// Old types, their scheme, and whether the old CRF was constrained by it.
    old: (&'static [&'static str], Scheme, bool),
    /// New types and scheme (the new CRF is constrained by it).
    new: (&'static [&'static str], Scheme),
    /// New type -> old type.
    parents: &'static [(&'static str, &'static str)],
    checks: &'static [(Score<'static>, Expect)],
    counts: CrfStart,
}

fn check(case: &Case) {
    let name = case.name;
    let (old_types, old_scheme, old_constrained) = case.old;
    let (new_types, new_scheme) = case.new;
    let old_tagset = Tagset::from_types(old_types, old_scheme).unwrap();
    let new_tagset = Tagset::from_types(new_types, new_scheme).unwrap();
    let old = old_crf(&old_tagset, old_constrained.then_some(old_scheme));
    let parents = |kind: &str| case.parents.iter().find(|(new, _)| *new == kind).map(|(_, old)| old.to_string());
    let (head, _) = LinearHead::fresh(old_tagset.clone(), 4, 0.0, 0, &device()).unwrap();
    let (_, rows) = head.warm_start(new_tagset.clone(), parents, 0.02, 0).unwrap();

    let (crf, counts) = old.warm_start(&old_tagset, &new_tagset, &rows, Some(new_scheme), SEED).unwrap();
    let fresh = Crf::new(new_tagset.len(), SEED, &device()).unwrap();
    assert_eq!(crf.constraint_scheme(), Some(new_scheme), "{name}");
    for &(score, expect) in case.checks {
        let got = value(&crf, &new_tagset, score, false);
        let forbidden = is_forbidden(&crf, &new_tagset, score);
        let want = match expect {
            Old(old_score) => value(&old, &old_tagset, old_score, false),
            Fresh | Banned => value(&fresh, &new_tagset, score, false),
        };
        assert_eq!(got, want, "{name}: {score:?} should be {expect:?}");
        assert_eq!(forbidden, matches!(expect, Banned), "{name}: {score:?} forbidden?");
    }
    // Whatever the table says: no copy lands on a forbidden move, which keeps
    // the fresh value underneath and scores FORBIDDEN on top.
    let total = every_score(&new_tagset).len();
    for score in every_score(&new_tagset).into_iter().filter(|&s| is_forbidden(&crf, &new_tagset, s)) {
        let fresh_value = value(&fresh, &new_tagset, score, false);
        assert_eq!(value(&crf, &new_tagset, score, false), fresh_value, "{name}: {score:?}");
        assert_eq!(value(&crf, &new_tagset, score, true), fresh_value + FORBIDDEN, "{name}: {score:?}");
    }
    assert_eq!(counts, case.counts, "{name}");
    assert_eq!(counts.copied + counts.fresh + counts.forbidden, total, "{name}");
    never_decodes_a_forbidden_sequence(&crf, &new_tagset, new_scheme, name);
}

/// Viterbi over loud random emissions, with the old scores in place, still
/// yields only sequences the scheme allows.
fn never_decodes_a_forbidden_sequence(crf: &Crf, tagset: &Tagset, scheme: Scheme, name: &str) {
    let (batch, seq, labels) = (16, 6, tagset.len());
    let device = device();
    let emissions = SeededRng::new(1).normals(batch * seq * labels, 50.0);
    let emissions = Tensor::<3>::from_data(TensorData::new(emissions, [batch, seq, labels]), &device);
    let mask = Tensor::<2, Bool>::from_data(TensorData::new(vec![true; batch * seq], [batch, seq]), &device);
    for path in crf.viterbi_decode(emissions, mask).unwrap() {
        let tags: Vec<&str> = path.iter().map(|&id| tagset.label(id).unwrap()).collect();
        assert!(violations(&tags, scheme).is_empty(), "{name}: {tags:?}");
    }
}

#[test]
fn scores_start_where_the_labels_map() {
    let cases = [
        Case {
            name: "a rename copies exactly",
            old: (&["PER"], Scheme::Iob2, true),
            new: (&["person"], Scheme::Iob2),
            parents: &[("person", "PER")],
            checks: &[
                (Move("B-person", "I-person"), Old(Move("B-PER", "I-PER"))),
                (Move("I-person", "I-person"), Old(Move("I-PER", "I-PER"))),
                (Move("I-person", "O"), Old(Move("I-PER", "O"))),
                (Move("O", "B-person"), Old(Move("O", "B-PER"))),
                (Move("O", "O"), Old(Move("O", "O"))),
                (Start("B-person"), Old(Start("B-PER"))),
                (Start("O"), Old(Start("O"))),
                (End("I-person"), Old(End("I-PER"))),
                (Move("O", "I-person"), Banned),
                (Start("I-person"), Banned),
            ],
            counts: CrfStart { copied: 13, fresh: 0, forbidden: 2 },
        },
        Case {
            name: "a rename from an unconstrained CRF copies every allowed move",
            old: (&["PER"], Scheme::Iob2, false),
            new: (&["person"], Scheme::Iob2),
            parents: &[("person", "PER")],
            checks: &[(Move("B-person", "I-person"), Old(Move("B-PER", "I-PER"))), (Move("O", "I-person"), Banned)],
            counts: CrfStart { copied: 13, fresh: 0, forbidden: 2 },
        },
        Case {
            name: "a split copies to both children",
            old: (&["ORG"], Scheme::Iob2, true),
            new: (&["company", "party"], Scheme::Iob2),
            parents: &[("company", "ORG"), ("party", "ORG")],
            checks: &[
                (Move("B-company", "I-company"), Old(Move("B-ORG", "I-ORG"))),
                (Move("B-party", "I-party"), Old(Move("B-ORG", "I-ORG"))),
                (Move("I-company", "B-party"), Old(Move("I-ORG", "B-ORG"))),
                (Move("B-company", "B-party"), Old(Move("B-ORG", "B-ORG"))),
                (Move("I-party", "O"), Old(Move("I-ORG", "O"))),
                (Start("B-party"), Old(Start("B-ORG"))),
                (End("I-company"), Old(End("I-ORG"))),
                // Old B-ORG -> I-ORG, the old favourite, must not open I-party after B-company.
                (Move("B-company", "I-party"), Banned),
                (Move("I-party", "I-company"), Banned),
            ],
            counts: CrfStart { copied: 27, fresh: 0, forbidden: 8 },
        },
        Case {
            name: "a new label with no parent keeps fresh values",
            old: (&["PER"], Scheme::Iob2, true),
            new: (&["person", "greeting"], Scheme::Iob2),
            parents: &[("person", "PER")],
            checks: &[
                (Move("B-person", "B-greeting"), Fresh),
                (Move("O", "B-greeting"), Fresh),
                (Move("B-greeting", "I-greeting"), Fresh),
                (Move("I-greeting", "O"), Fresh),
                (Start("B-greeting"), Fresh),
                (End("I-greeting"), Fresh),
                (Move("O", "O"), Old(Move("O", "O"))),
                (Move("B-person", "O"), Old(Move("B-PER", "O"))),
                (Move("B-greeting", "I-person"), Banned),
            ],
            counts: CrfStart { copied: 13, fresh: 14, forbidden: 8 },
        },
        Case {
            // E- and S- start from B-PER's row, so S -> I would copy the old
            // B-PER -> I-PER: a move BIOES forbids.
            name: "moves the new scheme forbids stay forbidden",
            old: (&["PER"], Scheme::Iob2, true),
            new: (&["person"], Scheme::Bioes),
            parents: &[("person", "PER")],
            checks: &[
                (Move("S-person", "I-person"), Banned),
                (Move("B-person", "O"), Banned),
                (Move("O", "E-person"), Banned),
                (End("B-person"), Banned),
                (Start("E-person"), Banned),
                (Move("B-person", "I-person"), Old(Move("B-PER", "I-PER"))),
                (Move("B-person", "E-person"), Old(Move("B-PER", "B-PER"))),
                (Move("E-person", "O"), Old(Move("B-PER", "O"))),
                (Start("S-person"), Old(Start("B-PER"))),
                (End("E-person"), Old(End("B-PER"))),
            ],
            counts: CrfStart { copied: 19, fresh: 0, forbidden: 16 },
        },
        Case {
            // BIOES forbade B -> O; the old score there was never trained.
            name: "moves the old scheme forbade start fresh",
            old: (&["PER"], Scheme::Bioes, true),
            new: (&["person"], Scheme::Iob2),
            parents: &[("person", "PER")],
            checks: &[
                (Move("B-person", "O"), Fresh),
                (Move("I-person", "O"), Fresh),
                (Move("B-person", "B-person"), Fresh),
                (End("B-person"), Fresh),
                (End("I-person"), Fresh),
                (Move("B-person", "I-person"), Old(Move("B-PER", "I-PER"))),
                (Move("O", "I-person"), Banned),
            ],
            counts: CrfStart { copied: 7, fresh: 6, forbidden: 2 },
        },
    ];
    for case in &cases {
        check(case);
    }
}

#[test]
fn without_constraints_every_mapped_score_is_copied() {
    let tagset = Tagset::from_types(&["PER"], Scheme::Iob2).unwrap();
    let old = old_crf(&tagset, None);
    let (head, _) = LinearHead::fresh(tagset.clone(), 4, 0.0, 0, &device()).unwrap();
    let (_, rows) = head.warm_start(tagset.clone(), |kind| Some(kind.to_string()), 0.0, 0).unwrap();
    let (crf, counts) = old.warm_start(&tagset, &tagset, &rows, None, SEED).unwrap();
    assert_eq!(counts, CrfStart { copied: 15, fresh: 0, forbidden: 0 });
    assert!(crf.forbidden().is_none());
    let all = |(t, s, e): (Tensor<2>, Tensor<1>, Tensor<1>)| [host(t), host(s), host(e)];
    assert_eq!(all(crf.learned_scores()), all(old.learned_scores()));
}

#[test]
fn a_report_that_does_not_fit_is_an_error_naming_the_labels() {
    let old_tagset = Tagset::from_types(&["PER"], Scheme::Iob2).unwrap();
    let new_tagset = Tagset::from_types(&["person"], Scheme::Iob2).unwrap();
    let old = old_crf(&old_tagset, None);

    let other = WarmStartReport::all_random(&Tagset::from_types(&["place"], Scheme::Iob2).unwrap());
    let error = old.warm_start(&old_tagset, &new_tagset, &other, None, SEED).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the warm-start report does not fit: it lists O, B-place, I-place, the new tagset has O, B-person, I-person"
    );

    let mut rows = WarmStartReport::all_random(&new_tagset);
    rows.labels[1].origin = RowOrigin::Copied { from: "B-LOC".into() };
    let error = old.warm_start(&old_tagset, &new_tagset, &rows, None, SEED).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the warm-start report does not fit: B-person starts from old label \"B-LOC\", \
         which the old tagset (O, B-PER, I-PER) does not have"
    );

    let bigger = Tagset::from_types(&["PER", "LOC"], Scheme::Iob2).unwrap();
    let error = old.warm_start(&bigger, &new_tagset, &rows, None, SEED).unwrap_err();
    assert_eq!(error.to_string(), "tensor old tagset: expected shape [3], found [5]");
}
