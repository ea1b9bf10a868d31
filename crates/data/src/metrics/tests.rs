//! Unit tests of the metrics against numbers computed with seqeval 1.2.2 in
//! /work/venv (the `Expected` values below were printed by seqeval's
//! `precision_recall_fscore_support` with `average=None`, `"micro"`,
//! `"macro"`, `"weighted"`, and by `accuracy_score`; strict mode with
//! `seqeval.metrics.v1` and `scheme=IOB2`). `strict: None` marks inputs on
//! which seqeval's strict mode raises.

use super::*;

/// seqeval's numbers for one mode: per type `(name, [p, r, f1], support)`,
/// averages `([p, r, f1], support)`.
struct Expected {
    per_type: &'static [(&'static str, [f64; 3], usize)],
    micro: ([f64; 3], usize),
    macro_avg: ([f64; 3], usize),
    weighted: ([f64; 3], usize),
    accuracy: f64,
}

struct Case {
    name: &'static str,
    gold: &'static [&'static [&'static str]],
    pred: &'static [&'static [&'static str]],
    default: Expected,
    strict: Option<Expected>,
}

const CASES: &[Case] = &[
    Case {
        name: "seqeval_docstring_example",
        gold: &[&["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], &["B-PER", "I-PER", "O"]],
        pred: &[&["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], &["B-PER", "I-PER", "O"]],
        default: Expected {
            per_type: &[("MISC", [0.0, 0.0, 0.0], 1), ("PER", [1.0, 1.0, 1.0], 1)],
            micro: ([0.5, 0.5, 0.5], 2),
            macro_avg: ([0.5, 0.5, 0.5], 2),
            weighted: ([0.5, 0.5, 0.5], 2),
            accuracy: 0.8,
        },
        strict: Some(Expected {
            per_type: &[("MISC", [0.0, 0.0, 0.0], 1), ("PER", [1.0, 1.0, 1.0], 1)],
            micro: ([0.5, 0.5, 0.5], 2),
            macro_avg: ([0.5, 0.5, 0.5], 2),
            weighted: ([0.5, 0.5, 0.5], 2),
            accuracy: 0.8,
        }),
    },
    Case {
        name: "i_after_o_starts_an_entity_only_in_default_mode",
        gold: &[&["B-PER", "I-PER", "O", "B-LOC"]],
        pred: &[&["I-PER", "I-PER", "O", "I-LOC"]],
        default: Expected {
            per_type: &[("LOC", [1.0, 1.0, 1.0], 1), ("PER", [1.0, 1.0, 1.0], 1)],
            micro: ([1.0, 1.0, 1.0], 2),
            macro_avg: ([1.0, 1.0, 1.0], 2),
            weighted: ([1.0, 1.0, 1.0], 2),
            accuracy: 0.5,
        },
        strict: Some(Expected {
            per_type: &[("LOC", [0.0, 0.0, 0.0], 1), ("PER", [0.0, 0.0, 0.0], 1)],
            micro: ([0.0, 0.0, 0.0], 2),
            macro_avg: ([0.0, 0.0, 0.0], 2),
            weighted: ([0.0, 0.0, 0.0], 2),
            accuracy: 0.5,
        }),
    },
    Case {
        name: "b_x_i_y_splits_in_default_and_drops_i_y_in_strict",
        gold: &[&["B-PER", "I-PER", "O", "B-ORG", "I-ORG"]],
        pred: &[&["B-PER", "I-LOC", "O", "B-ORG", "I-PER"]],
        default: Expected {
            per_type: &[("LOC", [0.0, 0.0, 0.0], 0), ("ORG", [0.0, 0.0, 0.0], 1), ("PER", [0.0, 0.0, 0.0], 1)],
            micro: ([0.0, 0.0, 0.0], 2),
            macro_avg: ([0.0, 0.0, 0.0], 2),
            weighted: ([0.0, 0.0, 0.0], 2),
            accuracy: 0.6,
        },
        strict: Some(Expected {
            per_type: &[("ORG", [0.0, 0.0, 0.0], 1), ("PER", [0.0, 0.0, 0.0], 1)],
            micro: ([0.0, 0.0, 0.0], 2),
            macro_avg: ([0.0, 0.0, 0.0], 2),
            weighted: ([0.0, 0.0, 0.0], 2),
            accuracy: 0.6,
        }),
    },
    Case {
        name: "sentences_never_join",
        gold: &[&["O", "B-PER"], &["I-PER", "O"]],
        pred: &[&["O", "B-PER"], &["I-PER", "O"]],
        default: Expected {
            per_type: &[("PER", [1.0, 1.0, 1.0], 2)],
            micro: ([1.0, 1.0, 1.0], 2),
            macro_avg: ([1.0, 1.0, 1.0], 2),
            weighted: ([1.0, 1.0, 1.0], 2),
            accuracy: 1.0,
        },
        strict: Some(Expected {
            per_type: &[("PER", [1.0, 1.0, 1.0], 1)],
            micro: ([1.0, 1.0, 1.0], 1),
            macro_avg: ([1.0, 1.0, 1.0], 1),
            weighted: ([1.0, 1.0, 1.0], 1),
            accuracy: 1.0,
        }),
    },
    Case {
        name: "adjacent_same_type_entities",
        gold: &[&["B-PER", "B-PER", "I-PER", "O"]],
        pred: &[&["B-PER", "I-PER", "I-PER", "O"]],
        default: Expected {
            per_type: &[("PER", [0.0, 0.0, 0.0], 2)],
            micro: ([0.0, 0.0, 0.0], 2),
            macro_avg: ([0.0, 0.0, 0.0], 2),
            weighted: ([0.0, 0.0, 0.0], 2),
            accuracy: 0.75,
        },
        strict: Some(Expected {
            per_type: &[("PER", [0.0, 0.0, 0.0], 2)],
            micro: ([0.0, 0.0, 0.0], 2),
            macro_avg: ([0.0, 0.0, 0.0], 2),
            weighted: ([0.0, 0.0, 0.0], 2),
            accuracy: 0.75,
        }),
    },
    Case {
        name: "hyphen_in_type",
        gold: &[&["B-geo-loc", "I-geo-loc", "O", "B-other"]],
        pred: &[&["B-geo-loc", "I-geo-loc", "O", "B-geo-loc"]],
        default: Expected {
            per_type: &[("geo-loc", [0.5, 1.0, 0.6666666666666666], 1), ("other", [0.0, 0.0, 0.0], 1)],
            micro: ([0.5, 0.5, 0.5], 2),
            macro_avg: ([0.25, 0.5, 0.3333333333333333], 2),
            weighted: ([0.25, 0.5, 0.3333333333333333], 2),
            accuracy: 0.75,
        },
        strict: Some(Expected {
            per_type: &[("geo-loc", [0.5, 1.0, 0.6666666666666666], 1), ("other", [0.0, 0.0, 0.0], 1)],
            micro: ([0.5, 0.5, 0.5], 2),
            macro_avg: ([0.25, 0.5, 0.3333333333333333], 2),
            weighted: ([0.25, 0.5, 0.3333333333333333], 2),
            accuracy: 0.75,
        }),
    },
    Case {
        name: "shifted_boundaries",
        gold: &[&["O", "B-LOC", "I-LOC", "O", "B-ORG", "O"]],
        pred: &[&["B-LOC", "I-LOC", "O", "O", "B-ORG", "I-ORG"]],
        default: Expected {
            per_type: &[("LOC", [0.0, 0.0, 0.0], 1), ("ORG", [0.0, 0.0, 0.0], 1)],
            micro: ([0.0, 0.0, 0.0], 2),
            macro_avg: ([0.0, 0.0, 0.0], 2),
            weighted: ([0.0, 0.0, 0.0], 2),
            accuracy: 0.3333333333333333,
        },
        strict: Some(Expected {
            per_type: &[("LOC", [0.0, 0.0, 0.0], 1), ("ORG", [0.0, 0.0, 0.0], 1)],
            micro: ([0.0, 0.0, 0.0], 2),
            macro_avg: ([0.0, 0.0, 0.0], 2),
            weighted: ([0.0, 0.0, 0.0], 2),
            accuracy: 0.3333333333333333,
        }),
    },
    Case {
        name: "type_only_in_prediction",
        gold: &[&["B-PER", "O", "O"]],
        pred: &[&["B-PER", "O", "B-FOO"]],
        default: Expected {
            per_type: &[("FOO", [0.0, 0.0, 0.0], 0), ("PER", [1.0, 1.0, 1.0], 1)],
            micro: ([0.5, 1.0, 0.6666666666666666], 1),
            macro_avg: ([0.5, 0.5, 0.5], 1),
            weighted: ([1.0, 1.0, 1.0], 1),
            accuracy: 0.6666666666666666,
        },
        strict: Some(Expected {
            per_type: &[("FOO", [0.0, 0.0, 0.0], 0), ("PER", [1.0, 1.0, 1.0], 1)],
            micro: ([0.5, 1.0, 0.6666666666666666], 1),
            macro_avg: ([0.5, 0.5, 0.5], 1),
            weighted: ([1.0, 1.0, 1.0], 1),
            accuracy: 0.6666666666666666,
        }),
    },
    Case {
        name: "no_entity_anywhere",
        gold: &[&["O", "O"], &["O"]],
        pred: &[&["O", "O"], &["O"]],
        default: Expected {
            per_type: &[],
            micro: ([0.0, 0.0, 0.0], 0),
            macro_avg: ([f64::NAN, f64::NAN, f64::NAN], 0),
            weighted: ([0.0, 0.0, 0.0], 0),
            accuracy: 1.0,
        },
        strict: Some(Expected {
            per_type: &[],
            micro: ([0.0, 0.0, 0.0], 0),
            macro_avg: ([f64::NAN, f64::NAN, f64::NAN], 0),
            weighted: ([0.0, 0.0, 0.0], 0),
            accuracy: 1.0,
        }),
    },
    Case {
        name: "no_gold_entity_some_predicted",
        gold: &[&["O", "O"], &["O"]],
        pred: &[&["B-PER", "O"], &["O"]],
        default: Expected {
            per_type: &[("PER", [0.0, 0.0, 0.0], 0)],
            micro: ([0.0, 0.0, 0.0], 0),
            macro_avg: ([0.0, 0.0, 0.0], 0),
            weighted: ([0.0, 0.0, 0.0], 0),
            accuracy: 0.6666666666666666,
        },
        strict: Some(Expected {
            per_type: &[("PER", [0.0, 0.0, 0.0], 0)],
            micro: ([0.0, 0.0, 0.0], 0),
            macro_avg: ([0.0, 0.0, 0.0], 0),
            weighted: ([0.0, 0.0, 0.0], 0),
            accuracy: 0.6666666666666666,
        }),
    },
    Case {
        name: "no_predicted_entity",
        gold: &[&["B-PER", "O"], &["B-LOC"]],
        pred: &[&["O", "O"], &["O"]],
        default: Expected {
            per_type: &[("LOC", [0.0, 0.0, 0.0], 1), ("PER", [0.0, 0.0, 0.0], 1)],
            micro: ([0.0, 0.0, 0.0], 2),
            macro_avg: ([0.0, 0.0, 0.0], 2),
            weighted: ([0.0, 0.0, 0.0], 2),
            accuracy: 0.3333333333333333,
        },
        strict: Some(Expected {
            per_type: &[("LOC", [0.0, 0.0, 0.0], 1), ("PER", [0.0, 0.0, 0.0], 1)],
            micro: ([0.0, 0.0, 0.0], 2),
            macro_avg: ([0.0, 0.0, 0.0], 2),
            weighted: ([0.0, 0.0, 0.0], 2),
            accuracy: 0.3333333333333333,
        }),
    },
    Case {
        name: "empty_sentence_between",
        gold: &[&["B-PER"], &[], &["B-LOC", "I-LOC"]],
        pred: &[&["B-PER"], &[], &["B-LOC", "O"]],
        default: Expected {
            per_type: &[("LOC", [0.0, 0.0, 0.0], 1), ("PER", [1.0, 1.0, 1.0], 1)],
            micro: ([0.5, 0.5, 0.5], 2),
            macro_avg: ([0.5, 0.5, 0.5], 2),
            weighted: ([0.5, 0.5, 0.5], 2),
            accuracy: 0.6666666666666666,
        },
        strict: Some(Expected {
            per_type: &[("LOC", [0.0, 0.0, 0.0], 1), ("PER", [1.0, 1.0, 1.0], 1)],
            micro: ([0.5, 0.5, 0.5], 2),
            macro_avg: ([0.5, 0.5, 0.5], 2),
            weighted: ([0.5, 0.5, 0.5], 2),
            accuracy: 0.6666666666666666,
        }),
    },
    Case {
        name: "trailing_dash_strip_in_strict",
        gold: &[&["B-PER-", "I-PER", "O", "B--X"]],
        pred: &[&["B-PER-", "I-PER", "O", "B-X"]],
        default: Expected {
            per_type: &[
                ("-X", [0.0, 0.0, 0.0], 1),
                ("PER", [1.0, 1.0, 1.0], 1),
                ("PER-", [1.0, 1.0, 1.0], 1),
                ("X", [0.0, 0.0, 0.0], 0),
            ],
            micro: ([0.6666666666666666, 0.6666666666666666, 0.6666666666666666], 3),
            macro_avg: ([0.5, 0.5, 0.5], 3),
            weighted: ([0.6666666666666666, 0.6666666666666666, 0.6666666666666666], 3),
            accuracy: 0.75,
        },
        strict: Some(Expected {
            per_type: &[("PER", [1.0, 1.0, 1.0], 1), ("X", [1.0, 1.0, 1.0], 1)],
            micro: ([1.0, 1.0, 1.0], 2),
            macro_avg: ([1.0, 1.0, 1.0], 2),
            weighted: ([1.0, 1.0, 1.0], 2),
            accuracy: 0.75,
        }),
    },
    Case {
        name: "bare_prefixes",
        gold: &[&["B", "I", "O", "B-A"]],
        pred: &[&["B", "O", "O", "I"]],
        default: Expected {
            per_type: &[("A", [0.0, 0.0, 0.0], 1), ("_", [0.0, 0.0, 0.0], 1)],
            micro: ([0.0, 0.0, 0.0], 2),
            macro_avg: ([0.0, 0.0, 0.0], 2),
            weighted: ([0.0, 0.0, 0.0], 2),
            accuracy: 0.5,
        },
        strict: Some(Expected {
            per_type: &[("A", [0.0, 0.0, 0.0], 1), ("_", [0.0, 0.0, 0.0], 1)],
            micro: ([0.0, 0.0, 0.0], 2),
            macro_avg: ([0.0, 0.0, 0.0], 2),
            weighted: ([0.0, 0.0, 0.0], 2),
            accuracy: 0.5,
        }),
    },
    Case {
        name: "ten_types_pairwise_sum",
        gold: &[&[
            "B-a", "O", "B-b", "I-b", "B-c", "O", "B-d", "B-e", "I-e", "I-e", "B-f", "O", "B-g", "B-h", "O", "B-i",
            "I-i", "B-j",
        ]],
        pred: &[&[
            "B-a", "O", "I-b", "I-b", "B-c", "I-c", "B-d", "B-e", "I-e", "O", "B-f", "O", "B-h", "B-h", "O", "B-i",
            "I-j", "B-j",
        ]],
        default: Expected {
            per_type: &[
                ("a", [1.0, 1.0, 1.0], 1),
                ("b", [1.0, 1.0, 1.0], 1),
                ("c", [0.0, 0.0, 0.0], 1),
                ("d", [1.0, 1.0, 1.0], 1),
                ("e", [0.0, 0.0, 0.0], 1),
                ("f", [1.0, 1.0, 1.0], 1),
                ("g", [0.0, 0.0, 0.0], 1),
                ("h", [0.5, 1.0, 0.6666666666666666], 1),
                ("i", [0.0, 0.0, 0.0], 1),
                ("j", [0.5, 1.0, 0.6666666666666666], 1),
            ],
            micro: ([0.5454545454545454, 0.6, 0.5714285714285713], 10),
            macro_avg: ([0.5, 0.6, 0.5333333333333333], 10),
            weighted: ([0.5, 0.6, 0.5333333333333333], 10),
            accuracy: 0.7222222222222222,
        },
        strict: Some(Expected {
            per_type: &[
                ("a", [1.0, 1.0, 1.0], 1),
                ("b", [0.0, 0.0, 0.0], 1),
                ("c", [0.0, 0.0, 0.0], 1),
                ("d", [1.0, 1.0, 1.0], 1),
                ("e", [0.0, 0.0, 0.0], 1),
                ("f", [1.0, 1.0, 1.0], 1),
                ("g", [0.0, 0.0, 0.0], 1),
                ("h", [0.5, 1.0, 0.6666666666666666], 1),
                ("i", [0.0, 0.0, 0.0], 1),
                ("j", [1.0, 1.0, 1.0], 1),
            ],
            micro: ([0.5555555555555556, 0.5, 0.5263157894736842], 10),
            macro_avg: ([0.45, 0.5, 0.4666666666666666], 10),
            weighted: ([0.45, 0.5, 0.4666666666666666], 10),
            accuracy: 0.7222222222222222,
        }),
    },
    Case {
        name: "unicode_types_sort_by_code_point",
        gold: &[&["B-Zeta", "O", "B-alpha", "B-Éclair", "B-_x"]],
        pred: &[&["B-Zeta", "O", "B-alpha", "I-Éclair", "B-_x"]],
        default: Expected {
            per_type: &[
                ("Zeta", [1.0, 1.0, 1.0], 1),
                ("_x", [1.0, 1.0, 1.0], 1),
                ("alpha", [1.0, 1.0, 1.0], 1),
                ("Éclair", [1.0, 1.0, 1.0], 1),
            ],
            micro: ([1.0, 1.0, 1.0], 4),
            macro_avg: ([1.0, 1.0, 1.0], 4),
            weighted: ([1.0, 1.0, 1.0], 4),
            accuracy: 0.8,
        },
        strict: Some(Expected {
            per_type: &[
                ("Zeta", [1.0, 1.0, 1.0], 1),
                ("_x", [1.0, 1.0, 1.0], 1),
                ("alpha", [1.0, 1.0, 1.0], 1),
                ("Éclair", [0.0, 0.0, 0.0], 1),
            ],
            micro: ([1.0, 0.75, 0.8571428571428571], 4),
            macro_avg: ([0.75, 0.75, 0.75], 4),
            weighted: ([0.75, 0.75, 0.75], 4),
            accuracy: 0.8,
        }),
    },
    Case {
        name: "iobes_tags_in_default_mode",
        gold: &[&["S-PER", "O", "B-LOC", "E-LOC", "B-ORG", "I-ORG", "E-ORG"]],
        pred: &[&["S-PER", "O", "B-LOC", "I-LOC", "S-ORG", "I-ORG", "E-ORG"]],
        default: Expected {
            per_type: &[("LOC", [1.0, 1.0, 1.0], 1), ("ORG", [0.0, 0.0, 0.0], 1), ("PER", [1.0, 1.0, 1.0], 1)],
            micro: ([0.5, 0.6666666666666666, 0.5714285714285715], 3),
            macro_avg: ([0.6666666666666666, 0.6666666666666666, 0.6666666666666666], 3),
            weighted: ([0.6666666666666666, 0.6666666666666666, 0.6666666666666666], 3),
            accuracy: 0.7142857142857143,
        },
        strict: None, /* ValueError */
    },
    Case {
        name: "unprefixed_tags_in_default_mode",
        gold: &[&["PER", "PER", "O", "X-LOC"]],
        pred: &[&["PER", "O", "O", "X-LOC"]],
        default: Expected {
            per_type: &[("ER", [0.0, 0.0, 0.0], 1), ("LOC", [1.0, 1.0, 1.0], 1)],
            micro: ([0.5, 0.5, 0.5], 2),
            macro_avg: ([0.5, 0.5, 0.5], 2),
            weighted: ([0.5, 0.5, 0.5], 2),
            accuracy: 0.75,
        },
        strict: None, /* KeyError */
    },
];

fn close(actual: f64, expected: f64) -> bool {
    (actual.is_nan() && expected.is_nan()) || (actual - expected).abs() <= 1e-9
}

fn check_scores(case: &str, what: &str, actual: &Scores, expected: &([f64; 3], usize)) {
    let ([p, r, f], support) = *expected;
    assert!(
        close(actual.precision, p) && close(actual.recall, r) && close(actual.f1, f) && actual.support == support,
        "{case}: {what}: got {actual:?}, seqeval says p={p} r={r} f1={f} support={support}"
    );
}

fn check(case: &Case, mode: Mode, expected: &Expected) {
    let label = format!("{} ({mode})", case.name);
    let report = evaluate(case.gold, case.pred, mode).unwrap_or_else(|e| panic!("{label}: {e}"));
    let types: Vec<&str> = report.per_type.keys().map(String::as_str).collect();
    let expected_types: Vec<&str> = expected.per_type.iter().map(|(name, _, _)| *name).collect();
    assert_eq!(types, expected_types, "{label}: types");
    for (name, prf, support) in expected.per_type {
        check_scores(&label, name, &report.per_type[*name as &str], &(*prf, *support));
    }
    check_scores(&label, "micro", &report.micro, &expected.micro);
    check_scores(&label, "macro", &report.macro_avg, &expected.macro_avg);
    check_scores(&label, "weighted", &report.weighted, &expected.weighted);
    assert!(close(report.accuracy, expected.accuracy), "{label}: accuracy {}", report.accuracy);
}

#[test]
fn every_case_agrees_with_seqeval_in_both_modes() {
    for case in CASES {
        check(case, Mode::Default, &case.default);
        match &case.strict {
            Some(expected) => check(case, Mode::Strict, expected),
            None => assert!(
                matches!(evaluate(case.gold, case.pred, Mode::Strict), Err(DataError::InvalidTag { .. })),
                "{}: seqeval's strict mode raises, so must we",
                case.name
            ),
        }
    }
}

/// seqeval 1.2.2: `classification_report(t, p, digits=4)`, with and without
/// `mode="strict", scheme=IOB2`, and with `digits=2`.
#[test]
fn text_report_is_seqevals_classification_report() {
    let gold: &[&[&str]] = &[&["B-PER", "I-PER", "O", "B-geo-loc"], &["I-LOC", "O", "B-ORG"]];
    let pred: &[&[&str]] = &[&["B-PER", "I-LOC", "O", "B-geo-loc"], &["I-LOC", "O", "B-PER"]];
    let cases = [
        (
            Mode::Default,
            4,
            "              precision    recall  f1-score   support\n\n         LOC     0.5000    1.0000    0.6667         1\n         ORG     0.0000    0.0000    0.0000         1\n         PER     0.0000    0.0000    0.0000         1\n     geo-loc     1.0000    1.0000    1.0000         1\n\n   micro avg     0.4000    0.5000    0.4444         4\n   macro avg     0.3750    0.5000    0.4167         4\nweighted avg     0.3750    0.5000    0.4167         4\n",
        ),
        (
            Mode::Strict,
            4,
            "              precision    recall  f1-score   support\n\n         ORG     0.0000    0.0000    0.0000         1\n         PER     0.0000    0.0000    0.0000         1\n     geo-loc     1.0000    1.0000    1.0000         1\n\n   micro avg     0.3333    0.3333    0.3333         3\n   macro avg     0.3333    0.3333    0.3333         3\nweighted avg     0.3333    0.3333    0.3333         3\n",
        ),
        (
            Mode::Default,
            2,
            "              precision    recall  f1-score   support\n\n         LOC       0.50      1.00      0.67         1\n         ORG       0.00      0.00      0.00         1\n         PER       0.00      0.00      0.00         1\n     geo-loc       1.00      1.00      1.00         1\n\n   micro avg       0.40      0.50      0.44         4\n   macro avg       0.38      0.50      0.42         4\nweighted avg       0.38      0.50      0.42         4\n",
        ),
    ];
    for (mode, digits, expected) in cases {
        let report = evaluate(gold, pred, mode).expect("valid input");
        assert_eq!(report.to_text_with_digits(digits), expected, "{mode}, digits={digits}");
    }
}

/// NumPy 2.4.6: `np.array([1/(i+3) for i in range(200)]).sum()` is
/// 4.387956567549058 (pairwise), where Python's `sum` gives ...056; and
/// `np.array([0.1*i + 1/3 for i in range(1, 12)]).sum()` is 10.266666666666667.
#[test]
fn sums_like_numpy() {
    let cases: [(Vec<f64>, f64); 3] = [
        ((0..200).map(|i| 1.0 / (i as f64 + 3.0)).collect(), 4.387956567549058),
        ((1..12).map(|i| 0.1 * i as f64 + 1.0 / 3.0).collect(), 10.266666666666667),
        (vec![], 0.0),
    ];
    for (values, expected) in cases {
        assert_eq!(scores::numpy_sum(&values).to_bits(), expected.to_bits(), "{} values", values.len());
    }
}

#[test]
fn mismatched_inputs_name_the_sentence_and_both_lengths() {
    let gold: &[&[&str]] = &[&["O"], &["B-PER", "O"]];
    let cases: [(&[&[&str]], &str); 2] = [
        (&[&["O"], &["B-PER"]], "sentence 2: the gold data has 2 tokens, the prediction has 1"),
        (&[&["O"]], "the gold data has 2 sentences, the prediction has 1"),
    ];
    for (pred, expected) in cases {
        match evaluate(gold, pred, Mode::Default) {
            Err(DataError::Mismatch { reason, .. }) => assert_eq!(reason, expected),
            other => panic!("expected a mismatch, got {other:?}"),
        }
    }
}

#[test]
fn unreadable_tags_are_errors_that_name_sentence_and_token() {
    let cases: [(Mode, &[&[&str]], &str, &str); 4] = [
        (Mode::Strict, &[&["O"], &["O", "E-PER"]], "E-PER", "prediction, sentence 2, token 2"),
        (Mode::Strict, &[&["X-PER"], &["O", "O"]], "X-PER", "prediction, sentence 1, token 1"),
        (Mode::Strict, &[&["O"], &["O", ""]], "", "prediction, sentence 2, token 2"),
        (Mode::Default, &[&[""], &["O", "O"]], "", "prediction, sentence 1, token 1"),
    ];
    let gold: &[&[&str]] = &[&["O"], &["O", "O"]];
    for (mode, pred, bad_tag, place) in cases {
        match evaluate(gold, pred, mode) {
            Err(DataError::InvalidTag { tag, reason, .. }) => {
                assert_eq!(tag, bad_tag);
                assert!(reason.starts_with(place), "{reason:?} should start with {place:?}");
            }
            other => panic!("{mode} {pred:?}: expected an invalid tag, got {other:?}"),
        }
    }
}

#[test]
fn no_tokens_is_an_error_as_in_seqeval() {
    let empty: &[&[&str]] = &[];
    let blank: &[&[&str]] = &[&[]];
    for input in [empty, blank] {
        assert!(matches!(evaluate(input, input, Mode::Default), Err(DataError::Malformed { .. })));
    }
}

/// Hand-checked against the definition in `confusion.rs`.
#[test]
fn confusion_counts_types_on_identical_spans() {
    let gold: &[&[&str]] = &[&["B-PER", "I-PER", "O", "B-LOC", "O", "B-ORG", "I-ORG", "O"], &["B-LOC", "O", "O"]];
    let pred: &[&[&str]] = &[&["B-PER", "I-PER", "O", "B-ORG", "O", "B-ORG", "O", "B-PER"], &["B-LOC", "B-MISC", "O"]];
    let report = evaluate(gold, pred, Mode::Strict).expect("valid input");
    let expected: [(Option<&str>, Option<&str>, usize); 6] = [
        (Some("LOC"), Some("LOC"), 1),
        (Some("LOC"), Some("ORG"), 1),
        (Some("ORG"), None, 1),
        (Some("PER"), Some("PER"), 1),
        (None, Some("MISC"), 1),
        (None, Some("ORG"), 1),
    ];
    let cells: Vec<(Option<&str>, Option<&str>, usize)> =
        report.confusion.cells.iter().map(|c| (c.gold.as_deref(), c.predicted.as_deref(), c.count)).collect();
    let mut spurious_per = expected.to_vec();
    spurious_per.push((None, Some("PER"), 1));
    assert_eq!(cells, spurious_per);
    assert_eq!(report.confusion.count(Some("LOC"), Some("ORG")), 1);
    assert_eq!(report.confusion.count(Some("PER"), Some("LOC")), 0);
    let text = report.confusion.to_text();
    assert!(text.starts_with("gold \\ predicted"), "{text}");
    assert!(text.lines().last().is_some_and(|l| l.starts_with("spurious")), "{text}");
}

#[test]
fn eval_json_has_the_cli_shape() {
    let gold: &[&[&str]] = &[&["B-PER", "O", "B-LOC"]];
    let pred: &[&[&str]] = &[&["B-PER", "O", "B-ORG"]];
    let json = evaluate(gold, pred, Mode::Default).expect("valid input").to_eval_json();
    let expected = serde_json::json!({
        "micro": {"precision": 0.5, "recall": 0.5, "f1": 0.5},
        "per_type": {
            "LOC": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1},
            "ORG": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0},
            "PER": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1},
        }
    });
    assert_eq!(json, expected);
}

#[test]
fn a_report_without_entities_serializes_its_nan_macro_as_null() {
    let tags: &[&[&str]] = &[&["O", "O"]];
    let report = evaluate(tags, tags, Mode::Default).expect("valid input");
    let value = serde_json::to_value(&report).expect("a report serializes");
    assert_eq!(value["macro"]["f1"], serde_json::Value::Null);
    assert_eq!(value["micro"]["f1"], 0.0);
    assert_eq!(value["mode"], "default");
    assert!(report.to_text().contains("   macro avg        nan       nan       nan         0\n"));
}

#[test]
fn modes_parse_by_name() {
    let cases = [("default", Some(Mode::Default)), ("STRICT", Some(Mode::Strict)), ("lenient", None)];
    for (name, expected) in cases {
        assert_eq!(name.parse::<Mode>().ok(), expected, "{name}");
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Sentences of arbitrary B-/I-/O tags over three types, invalid IOB2 included.
    fn sentences() -> impl Strategy<Value = Vec<Vec<String>>> {
        let tag = (0..3usize, 0..3usize).prop_map(|(prefix, kind)| match prefix {
            0 => "O".to_string(),
            1 => format!("B-{}", ["PER", "LOC", "geo-loc"][kind]),
            _ => format!("I-{}", ["PER", "LOC", "geo-loc"][kind]),
        });
        prop::collection::vec(prop::collection::vec(tag, 1..12), 1..6)
    }

    /// The same tags made valid IOB2: an I-X that continues nothing becomes B-X.
    fn valid(sentences: &[Vec<String>]) -> Vec<Vec<String>> {
        sentences
            .iter()
            .map(|tags| {
                let mut out: Vec<String> = Vec::with_capacity(tags.len());
                for tag in tags {
                    let continues = tag.strip_prefix("I-").is_some_and(|kind| {
                        out.last().is_some_and(|previous| previous.get(2..) == Some(kind) && previous != "O")
                    });
                    match tag.strip_prefix("I-") {
                        Some(kind) if !continues => out.push(format!("B-{kind}")),
                        _ => out.push(tag.clone()),
                    }
                }
                out
            })
            .collect()
    }

    /// Same shape as `gold`, tags taken from `noise` cyclically.
    fn reshape(gold: &[Vec<String>], noise: &[Vec<String>]) -> Vec<Vec<String>> {
        let mut pool = noise.iter().flatten().cycle();
        gold.iter().map(|s| s.iter().map(|_| pool.next().expect("noise is never empty").clone()).collect()).collect()
    }

    proptest! {
        /// On valid IOB2 both of seqeval's readings find the same entities.
        #[test]
        fn modes_agree_on_valid_iob2(gold in sentences(), noise in sentences()) {
            let gold = valid(&gold);
            let pred = valid(&reshape(&gold, &noise));
            let default = evaluate(&gold, &pred, Mode::Default).expect("valid input");
            let strict = evaluate(&gold, &pred, Mode::Strict).expect("valid input");
            // Compared as JSON, where the NaN macro average of an input with no
            // entity (NaN != NaN) is `null` on both sides.
            let as_json = |report: Report| serde_json::to_value(report).expect("a report serializes");
            prop_assert_eq!(as_json(Report { mode: Mode::Strict, ..default }), as_json(strict));
        }

        /// The confusion table accounts for every entity exactly once, and its
        /// diagonal is the correct ones.
        #[test]
        fn confusion_accounts_for_every_entity(gold in sentences(), noise in sentences(), strict in any::<bool>()) {
            let pred = reshape(&gold, &noise);
            let mode = if strict { Mode::Strict } else { Mode::Default };
            let report = evaluate(&gold, &pred, mode).expect("valid input");
            let cells = &report.confusion.cells;
            let gold_total: usize = cells.iter().filter(|c| c.gold.is_some()).map(|c| c.count).sum();
            let correct: usize = cells.iter().filter(|c| c.gold.is_some() && c.gold == c.predicted).map(|c| c.count).sum();
            let predicted_total: usize = cells.iter().filter(|c| c.predicted.is_some()).map(|c| c.count).sum();
            prop_assert_eq!(gold_total, report.micro.support);
            prop_assert_eq!(correct, report.micro.correct);
            prop_assert_eq!(predicted_total, report.micro.predicted);
        }

        /// A perfect prediction scores 1 for every type and overall (when there is an entity).
        #[test]
        fn a_perfect_prediction_scores_one(gold in sentences(), strict in any::<bool>()) {
            let mode = if strict { Mode::Strict } else { Mode::Default };
            let report = evaluate(&gold, &gold, mode).expect("valid input");
            prop_assert_eq!(report.accuracy, 1.0);
            // With no entity at all the micro scores are seqeval's zero-division 0.0.
            let micro = (report.micro.support > 0).then_some(&report.micro);
            for scores in report.per_type.values().chain(micro) {
                prop_assert_eq!((scores.precision, scores.recall, scores.f1), (1.0, 1.0, 1.0));
            }
        }
    }
}
