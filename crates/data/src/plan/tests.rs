use super::*;
use crate::mapping::MappingEvidence;
use crate::scheme::Scheme;
use crate::stats::StatsCollector;
use crate::{Location, Sentence};

/// One sentence per pair of lines: the new gold tags and the old model's.
fn evidence(pairs: &[(&str, &str)]) -> (MappingEvidence, DatasetStats) {
    let mut evidence = MappingEvidence::new();
    let mut stats = StatsCollector::new(Scheme::Iob2, Location::file("train.txt"));
    for (new, old) in pairs {
        let new: Vec<String> = new.split_whitespace().map(str::to_string).collect();
        let old: Vec<&str> = old.split_whitespace().collect();
        evidence.add_tags(&new, Scheme::Iob2, &old, Scheme::Iob2).unwrap();
        let tokens = (0..new.len()).map(|i| format!("w{i}")).collect();
        stats.add(&Sentence::new(tokens, new)).unwrap();
    }
    (evidence, stats.finish())
}

fn plan(pairs: &[(&str, &str)], mapping: Option<&TagsetMapping>, rare_below: usize) -> PlanReport {
    let (evidence, stats) = evidence(pairs);
    PlanReport::new(PlanInputs {
        old_model: "old".into(),
        train: "train.txt".into(),
        old_types: ["PER", "LOC", "ORG", "MISC"].map(String::from).to_vec(),
        evidence: &evidence,
        mapping,
        min_share: 0.5,
        max_outside: 0.8,
        stats: &stats,
        rare_below,
    })
}

/// Every relation on one synthetic pair of tagsets: `PER` is PER again,
/// `place` is LOC renamed, `company` and `team` split ORG, `event` merges
/// MISC and ORG, and `emoji` is new (the old model tags it O).
const DATA: [(&str, &str); 6] = [
    ("B-PER I-PER O B-place", "B-PER I-PER O B-LOC"),
    ("B-company O B-team I-team", "B-ORG O B-ORG I-ORG"),
    ("B-event I-event I-event I-event", "B-MISC I-MISC B-ORG I-ORG"),
    ("B-emoji O B-emoji", "O O O"),
    ("B-company O B-place", "B-ORG O B-LOC"),
    ("B-team O B-emoji", "B-ORG O O"),
];

#[test]
fn each_new_type_is_classified_by_its_parents() {
    let report = plan(&DATA, None, 2);
    let found: Vec<(&str, Relation, Vec<&str>)> = report
        .relations
        .iter()
        .map(|row| (row.new_type.as_str(), row.relation, row.parents.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("PER", Relation::Same, vec!["PER"]),
            ("company", Relation::Split, vec!["ORG"]),
            ("emoji", Relation::New, vec![]),
            ("event", Relation::Merged, vec!["MISC", "ORG"]),
            ("place", Relation::Renamed, vec!["LOC"]),
            ("team", Relation::Split, vec!["ORG"]),
        ]
    );
    let company = &report.relations[1];
    assert_eq!(company.siblings, ["event", "team"], "every type that shares a parent");
    assert_eq!((company.entities, company.tokens, company.tagged), (2, 2, 2));
    let emoji = &report.relations[2];
    assert_eq!((emoji.tagged, emoji.outside_share), (0, 1.0));
    assert_eq!(report.without_descendants, Vec::<String>::new());
    assert_eq!(report.rare, ["PER", "event"], "fewer than 2 entities");
}

#[test]
fn a_mapping_decides_the_parents_and_the_evidence_stays() {
    let mapping = TagsetMapping::from_rules(
        [("PER", vec!["PER"]), ("LOC", vec!["place"]), ("ORG", vec!["company", "team"])],
        ["emoji", "event"],
    )
    .unwrap();
    let report = plan(&DATA, Some(&mapping), 2);
    let event = report.relations.iter().find(|row| row.new_type == "event").unwrap();
    assert_eq!((event.relation, event.tagged), (Relation::New, 4), "the mapping says new; the counts are kept");
    assert_eq!(report.without_descendants, ["MISC"]);
    assert!(report.advice.iter().any(|point| point.action == "retag extend" && point.reason.contains("MISC")));
    assert!(matches!(report.parents_from, ParentSource::Mapping { .. }));
}

#[test]
fn the_advice_follows_the_evidence() {
    // Most types descend: warm-start first.
    assert_eq!(plan(&DATA, None, 2).advice[0].action, "--strategy warm-start");
    // Nothing descends, small data: frozen first; the new types are named.
    let unknown = [("B-emoji O B-hashtag", "O O O"), ("B-url", "O")];
    let report = plan(&unknown, None, 1);
    assert_eq!(report.advice[0].action, "--strategy frozen");
    assert!(
        report
            .advice
            .iter()
            .any(|point| point.action == "compare with --strategy full"
                && point.reason.starts_with("emoji, hashtag, url"))
    );
    assert_eq!(report.advice.last().unwrap().action, "check with several seeds");
    // No entities at all.
    assert_eq!(plan(&[("O O", "O O")], None, 1).advice[0].action, "nothing to retrain");
}

#[test]
fn the_inferred_mapping_is_one_retrain_reads_back() {
    let report = plan(&DATA, None, 2);
    let text = report.mapping().unwrap().to_toml();
    let read = TagsetMapping::from_toml_str(&text).unwrap();
    for row in &report.relations {
        assert_eq!(read.parents_of(&row.new_type), row.parents.as_slice(), "{}: {text}", row.new_type);
    }
    assert_eq!(read.unparented(), ["emoji"]);
}

#[test]
fn the_json_is_versioned_and_reads_back() {
    let report = plan(&DATA, None, 2);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["format"], "retag-plan");
    assert_eq!(json["version"], PLAN_VERSION);
    for key in ["old_model", "train", "old_types", "parents_from", "relations", "without_descendants", "rare", "advice"]
    {
        assert!(json.get(key).is_some(), "{key} missing: {json}");
    }
    let row = &json["relations"][1];
    assert_eq!(row["relation"], "split");
    assert_eq!(row["counts"][0], serde_json::json!(["ORG", 2]));
    assert_eq!(json["parents_from"]["inferred"]["min_share"], 0.5);
    let back: PlanReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn the_text_and_markdown_show_both_figures_and_the_reasons() {
    let report = plan(&DATA, None, 2);
    let text = report.to_text();
    assert!(text.contains("company") && text.contains("split") && text.contains("100.0% of 2"), "{text}");
    assert!(text.contains("recommendation:\n1. --strategy warm-start: 5 of 6 new types descend"), "{text}");
    let markdown = report.to_markdown();
    assert!(markdown.contains("| emoji | new | - | 3 | 0.0% of 0 | 100.0% | O 3 |"), "{markdown}");
    assert!(markdown.contains("1. **--strategy warm-start**"), "{markdown}");
}
