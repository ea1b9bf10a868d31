use proptest::prelude::*;

use super::*;
use crate::scheme::{OnInvalid, Scheme, Span};
use crate::sentence::Sentence;

/// Every kind of rule, in the layout users write.
const ALL_KINDS: &str = r#"description = "every kind of rule"
new = ["creative_work"]

[types]
person = "person"
company = "corporation"
geo-loc = "location"
"facility" = "location"
ORG = ["political_party", "religious_group", "company"]
other = false
misc = []
"#;

fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

#[test]
fn every_kind_of_rule_reads_as_documented() {
    let mapping = TagsetMapping::from_toml_str(ALL_KINDS).unwrap();
    assert_eq!(mapping.description(), Some("every kind of rule"));
    assert_eq!(
        mapping.old_types().collect::<Vec<_>>(),
        ["ORG", "company", "facility", "geo-loc", "misc", "other", "person"]
    );
    assert_eq!(
        mapping.new_types().collect::<Vec<_>>(),
        ["company", "corporation", "creative_work", "location", "person", "political_party", "religious_group"]
    );
    assert_eq!(mapping.children_of("company").unwrap(), ["corporation"]);
    assert_eq!(mapping.children_of("ORG").unwrap(), ["company", "political_party", "religious_group"]);
    assert_eq!(mapping.children_of("other").unwrap(), [] as [String; 0]);
    assert_eq!(mapping.children_of("PER"), None);
    assert_eq!(mapping.parents_of("location"), ["facility", "geo-loc"]);
    assert_eq!(mapping.parent_of("location"), None, "a merge has no single parent");
    assert_eq!(mapping.parent_of("corporation"), Some("company"));
    assert_eq!(mapping.parent_of("religious_group"), Some("ORG"));
    assert_eq!(mapping.parent_of("company"), Some("ORG"), "an old type name may be reused as a new one");
    assert_eq!(mapping.parents_of("creative_work"), [] as [String; 0]);
    assert_eq!(mapping.parent_of("creative_work"), None);
    assert_eq!(mapping.dropped().collect::<Vec<_>>(), ["misc", "other"]);
    assert_eq!(mapping.unparented(), ["creative_work"]);
    assert!(!mapping.is_function());
    assert!(TagsetMapping::from_pairs([("a", "x"), ("b", "x")]).unwrap().is_function());
}

#[test]
fn json_reads_like_toml() {
    let json = r#"{
  "description": "every kind of rule",
  "new": ["creative_work"],
  "types": {
    "person": "person", "company": "corporation",
    "geo-loc": "location", "facility": "location",
    "ORG": ["political_party", "religious_group", "company"],
    "other": false, "misc": []
  }
}"#;
    assert_eq!(TagsetMapping::from_json_str(json).unwrap(), TagsetMapping::from_toml_str(ALL_KINDS).unwrap());
}

#[test]
fn to_toml_reads_back() {
    let mapping = TagsetMapping::from_toml_str(ALL_KINDS).unwrap();
    let written = mapping.to_toml();
    let read = TagsetMapping::from_toml_str(&written).unwrap();
    assert_eq!(read, mapping, "{written}");
    assert_eq!(read.description(), mapping.description());
}

/// Bad mapping files: the error names the line (when there is one to name)
/// and says what is wrong.
#[test]
fn bad_files_are_refused_with_their_line() {
    use MappingFormat::{Json, Toml};
    let cases: &[(MappingFormat, &str, Option<usize>, &str)] = &[
        (Toml, "[types]\na = \"b\"\n[tpyes]\nc = \"d\"\n", Some(3), "unknown field `tpyes`"),
        (Toml, "descripton = \"x\"\n[types]\n", Some(1), "unknown field `descripton`"),
        (Toml, "[types]\na = \"b\"\nc = \n", Some(3), "invalid TOML"),
        (Toml, "[types]\na = \"b\"\na = \"c\"\n", Some(3), "duplicate key"),
        (Toml, "new = [\"x\"]\n", Some(1), "missing field `types`"),
        (Toml, "[types]\na = \"b\"\nc = \"\"\n", Some(3), "write `TYPE = false`"),
        (Toml, "[types]\nc = true\n", Some(2), "write its name"),
        (Toml, "[types]\nc = 3\n", Some(2), "a new type name, a list of new type names, or false"),
        (Toml, "[types]\nc = [\"x\", 3]\n", Some(2), "invalid TOML"),
        (Toml, "[types]\na = \"b\"\nc = [\"x\", \"y\", \"x\"]\n", Some(3), "lists new type \"x\" twice"),
        (Toml, "[types]\na = \"b c\"\n", Some(2), "whitespace"),
        (Toml, "[types]\n\"a b\" = \"c\"\n", Some(2), "whitespace"),
        (Toml, "[types]\nPER = \"B-person\"\n", Some(2), "looks like a tag"),
        (Toml, "new = [\"x\", \"x\"]\n[types]\n", Some(1), "listed twice in `new`"),
        (
            Toml,
            "new = [\"loc\"]\n[types]\ngeo = \"loc\"\n",
            Some(1),
            "new type \"loc\" is declared twice: in `new` (a type with no old parent) and as what old type \"geo\" becomes (line 3)",
        ),
        (
            Json,
            "{\"types\": {\"a\": \"b\",\n \"a\": \"c\"}}",
            Some(2),
            "old type \"a\" is listed twice (first at line 1)",
        ),
        (Json, "{\"types\": {\"a\": \"b\"},\n \"extra\": 1}", Some(2), "unknown field `extra`"),
        (Json, "{\"types\": {\"a\": \"b\"\n \"c\": \"d\"}}", Some(2), "invalid JSON: expected `,` or `}`"),
        (Json, "{\"types\": {\"a\": null}}", Some(1), "a new type name, a list of new type names, or false"),
    ];
    for (format, text, line, expected) in cases {
        let error = TagsetMapping::parse(text, *format, Location::file("m.map")).unwrap_err();
        let DataError::Mapping { at, reason } = &error else { panic!("{text:?}: not a mapping error: {error}") };
        assert_eq!(at.line, *line, "{text:?}: {error}");
        assert_eq!(at.path.as_deref(), Some(std::path::Path::new("m.map")), "{text:?}");
        assert!(reason.contains(expected), "{text:?}: expected {expected:?} in {error}");
    }
}

#[test]
fn load_picks_the_format_by_extension_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let toml_path = dir.path().join("m.toml");
    std::fs::write(&toml_path, "[types]\na = \"b\"\n").unwrap();
    let json_path = dir.path().join("m.JSON");
    std::fs::write(&json_path, "{\"types\": {\"a\": \"b\"}}").unwrap();
    assert_eq!(TagsetMapping::load(&toml_path).unwrap(), TagsetMapping::load(&json_path).unwrap());
    assert_eq!(TagsetMapping::load(&toml_path).unwrap().origin(), &Location::file(&toml_path));

    let yaml_path = dir.path().join("m.yaml");
    std::fs::write(&yaml_path, "types: {}").unwrap();
    let error = TagsetMapping::load(&yaml_path).unwrap_err().to_string();
    assert!(error.starts_with(&yaml_path.display().to_string()) && error.contains(".toml or .json"), "{error}");

    let error = TagsetMapping::load(dir.path().join("missing.toml")).unwrap_err();
    assert!(matches!(error, DataError::Io { .. }), "{error}");

    std::fs::write(&toml_path, "[types]\na = \"b\"\nnew = [\"x\"]\n").unwrap();
    let error = TagsetMapping::load(&toml_path).unwrap().for_old_types(&["a"], Unmapped::Error).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}:3: mapping: old type \"new\" is not in the old tagset, whose types are a (a `new = [..]` list must \
             come before [types] in a TOML file, or TOML reads it as a rule)",
            toml_path.display()
        )
    );
}

#[test]
fn for_old_types_checks_and_completes_the_mapping() {
    let text = "[types]\nPER = \"person\"\nLOC = \"location\"\nMISC = false\n";
    let mapping = TagsetMapping::parse(text, MappingFormat::Toml, Location::file("m.toml")).unwrap();

    let complete = mapping.for_old_types(&["PER", "LOC", "MISC"], Unmapped::Error).unwrap();
    assert_eq!(complete, mapping);

    let error = mapping.for_old_types(&["PER", "MISC"], Unmapped::Keep).unwrap_err().to_string();
    assert_eq!(error, "m.toml:3: mapping: old type \"LOC\" is not in the old tagset, whose types are PER, MISC");

    let error = mapping.for_old_types(&["PER", "LOC", "MISC", "ORG", "X"], Unmapped::Error).unwrap_err().to_string();
    assert!(
        error
            .starts_with("m.toml: mapping: the old tagset has types the mapping does not say what to do with: ORG, X;"),
        "{error}"
    );

    let kept = mapping.for_old_types(&["PER", "LOC", "MISC", "ORG"], Unmapped::Keep).unwrap();
    assert_eq!(kept.children_of("ORG").unwrap(), ["ORG"]);
    assert_eq!(kept.new_types().collect::<Vec<_>>(), ["ORG", "location", "person"]);

    let tagset = Tagset::from_types(&["PER", "LOC", "MISC"], Scheme::Iob2).unwrap();
    assert_eq!(mapping.for_old_tagset(&tagset, Unmapped::Error).unwrap(), mapping);
}

#[test]
fn check_new_types_wants_exactly_the_new_tagset() {
    let text = "new = [\"creative_work\"]\n[types]\nPER = \"person\"\nLOC = \"location\"\n";
    let mapping = TagsetMapping::parse(text, MappingFormat::Toml, Location::file("m.toml")).unwrap();
    mapping.check_new_types(&["location", "person", "creative_work"]).unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["person", "creative_work"],
            "m.toml:4: mapping: new type \"location\" is not in the new tagset, whose types are person, creative_work",
        ),
        (&["location", "person"], "m.toml:1: mapping: new type \"creative_work\" is not in the new tagset"),
        (
            &["location", "person", "creative_work", "group"],
            "m.toml: mapping: new tagset type \"group\" comes from no old type",
        ),
    ];
    for (types, expected) in cases {
        let error = mapping.check_new_types(types).unwrap_err().to_string();
        assert!(error.starts_with(expected), "{types:?}: {error}");
    }
    let tagset = Tagset::from_types(&["person", "location", "creative_work"], Scheme::Bioes).unwrap();
    mapping.check_new_tagset(&tagset).unwrap();
}

#[test]
fn relabel_maps_each_entity_and_rewrites_prefixes() {
    let mapping = TagsetMapping::from_rules(
        [
            ("geo-loc", vec!["location"]),
            ("facility", vec!["location"]),
            ("company", vec!["corporation"]),
            ("other", vec![]),
        ],
        ["creative_work"],
    )
    .unwrap();
    // (scheme, tags in, tags out)
    let cases: &[(Scheme, &str, &str)] = &[
        (Scheme::Iob2, "B-company I-company O B-geo-loc", "B-corporation I-corporation O B-location"),
        (Scheme::Iob2, "B-geo-loc B-facility I-facility", "B-location B-location I-location"),
        (Scheme::Iob2, "B-other I-other B-company O", "O O B-corporation O"),
        (Scheme::Iob2, "O O O O", "O O O O"),
        (Scheme::Iob1, "I-geo-loc I-facility I-facility O", "I-location B-location I-location O"),
        (Scheme::Io, "I-geo-loc I-facility I-other O", "I-location I-location O O"),
        (Scheme::Bioes, "B-facility E-facility S-other S-company", "B-location E-location O S-corporation"),
        (Scheme::Bilou, "U-geo-loc B-company L-company O", "U-location B-corporation L-corporation O"),
    ];
    for (scheme, before, after) in cases {
        let tags = words(before);
        let sentence = Sentence::new(vec!["w".to_string(); tags.len()], tags);
        let relabelled = mapping.relabel(&sentence, *scheme, RelabelOptions::default(), &Location::default()).unwrap();
        assert_eq!(relabelled.tags, words(after), "{scheme}: {before}");
        assert_eq!(relabelled.tokens, sentence.tokens);
    }
}

#[test]
fn relabel_refuses_what_it_cannot_do_and_says_where() {
    let text = "[types]\nPER = \"person\"\nORG = [\"company\", \"party\"]\n";
    let split = TagsetMapping::parse(text, MappingFormat::Toml, Location::file("m.toml")).unwrap();
    let rename =
        TagsetMapping::parse("[types]\nPER = \"person\"\n", MappingFormat::Toml, Location::file("m.toml")).unwrap();
    let mut sentence = Sentence::new(words("a b c d"), words("B-PER O I-LOC O"));
    sentence.place_at_line(20);
    let data = Location::file("train.txt");
    let strict = RelabelOptions::default();
    let repair = RelabelOptions { on_invalid: OnInvalid::Repair, ..strict };
    let keep = RelabelOptions { on_invalid: OnInvalid::Repair, unmapped: Unmapped::Keep };

    let error = split.relabel(&sentence, Scheme::Iob2, repair, &data).unwrap_err().to_string();
    assert_eq!(
        error,
        "m.toml:3: mapping: cannot relabel data: old type \"ORG\" becomes several new types (company, party), and \
         the data does not say which; relabelling needs at most one new type per old type"
    );
    let error = rename.relabel(&sentence, Scheme::Iob2, strict, &data).unwrap_err().to_string();
    assert!(error.starts_with("train.txt:22: invalid IOB2 sequence at token 3"), "{error}");
    let error = rename.relabel(&sentence, Scheme::Iob2, repair, &data).unwrap_err().to_string();
    assert!(error.starts_with("train.txt:22: mapping: entity type \"LOC\" is not in the mapping m.toml;"), "{error}");
    let kept = rename.relabel(&sentence, Scheme::Iob2, keep, &data).unwrap();
    assert_eq!(kept.tags, words("B-person O B-LOC O"), "repaired and kept");
    assert_eq!(kept.line, 20);

    let untagged = Sentence::new(words("a b"), vec![]);
    assert_eq!(rename.relabel(&untagged, Scheme::Iob2, strict, &data).unwrap(), untagged);
    let short = Sentence::new(words("a b"), words("O"));
    let error = rename.relabel(&short, Scheme::Iob2, strict, &data).unwrap_err();
    assert!(matches!(error, DataError::Mismatch { .. }), "{error}");
}

#[test]
fn invert_reverses_every_kind_of_rule() {
    let mapping = TagsetMapping::from_toml_str(ALL_KINDS).unwrap();
    let inverse = mapping.invert();
    assert_eq!(inverse.children_of("location").unwrap(), ["facility", "geo-loc"], "a merge inverts to a split");
    assert_eq!(inverse.parents_of("ORG"), ["company", "political_party", "religious_group"]);
    assert_eq!(inverse.children_of("creative_work").unwrap(), [] as [String; 0], "no parent inverts to dropped");
    assert_eq!(inverse.unparented(), ["misc", "other"], "dropped inverts to no parent");
    assert_eq!(inverse.invert(), mapping);
}

/// Evidence for one new type `x` whose tokens carry the old types in
/// `counts` ([`OUTSIDE`] for none); a count of 0 records `x` with no token.
fn evidence_for_x(counts: &[(&str, usize)]) -> MappingEvidence {
    let mut evidence = MappingEvidence::new();
    for &(old, n) in counts {
        let span = |kind: &str| Span { start: 0, end: n, kind: kind.to_string() };
        let old_spans = if old == OUTSIDE { vec![] } else { vec![span(old)] };
        evidence.add_spans(&[span("x")], &old_spans);
    }
    evidence
}

/// Lineage inference on synthetic counts: the share among tagged tokens
/// picks the parents, the O share says whether there may be any.
#[test]
fn inference_reads_the_tagged_share_and_the_o_share_apart() {
    // (what, counts of x's tokens, min_share, max_outside, parents, tagged, share, outside_share)
    type Case<'a> = (&'a str, &'a [(&'a str, usize)], f64, f64, &'a [&'a str], usize, f64, f64);
    let cases: &[Case] = &[
        (
            "WNUT-17 corporation under a CoNLL model: ORG on 111 of 149 tagged, 118 O; 42% of all tokens",
            &[("ORG", 111), ("O", 118), ("PER", 20), ("LOC", 18)],
            0.5,
            0.8,
            &["ORG"],
            149,
            111.0 / 149.0,
            118.0 / 267.0,
        ),
        ("O on 90%: new, however the rest leans", &[("O", 90), ("ORG", 10)], 0.5, 0.8, &[], 10, 1.0, 0.9),
        ("O on exactly the maximum still has a parent", &[("O", 80), ("ORG", 20)], 0.5, 0.8, &["ORG"], 20, 1.0, 0.8),
        ("no maximum at 1.0", &[("O", 99), ("ORG", 1)], 0.5, 1.0, &["ORG"], 1, 1.0, 0.99),
        (
            "a merge keeps both parents",
            &[("LOC", 60), ("FAC", 40), ("O", 100)],
            0.35,
            0.8,
            &["LOC", "FAC"],
            100,
            0.6,
            0.5,
        ),
        ("an even merge at one half", &[("ORG", 30), ("LOC", 30), ("O", 20)], 0.5, 0.8, &["LOC", "ORG"], 60, 0.5, 0.25),
        ("tags spread too thin: new", &[("ORG", 40), ("PER", 35), ("LOC", 25)], 0.5, 0.8, &[], 100, 0.4, 0.0),
        ("all O: new, share 0", &[("O", 5)], 0.5, 0.8, &[], 0, 0.0, 1.0),
        ("NaN min_share keeps none", &[("ORG", 10)], f64::NAN, 0.8, &[], 10, 1.0, 0.0),
        ("NaN max_outside keeps none", &[("ORG", 10)], 0.5, f64::NAN, &[], 10, 1.0, 0.0),
        ("a type with no token counted: no parent, figures 0", &[("ORG", 0)], 0.5, 0.8, &[], 0, 0.0, 0.0),
        (
            "min_share 0 keeps every tagged type",
            &[("ORG", 1), ("O", 1), ("PER", 1)],
            0.0,
            0.8,
            &["ORG", "PER"],
            2,
            0.5,
            1.0 / 3.0,
        ),
    ];
    for &(what, counts, min_share, max_outside, parents, tagged, share, outside_share) in cases {
        let inferred = evidence_for_x(counts).infer(min_share, max_outside);
        let [x] = inferred.as_slice() else { panic!("{what}: {inferred:?}") };
        assert_eq!(x.parents, parents, "{what}: {x:?}");
        assert_eq!(x.tokens, counts.iter().map(|(_, n)| n).sum::<usize>(), "{what}");
        assert_eq!(x.tagged, tagged, "{what}: {x:?}");
        assert!((x.share - share).abs() < 1e-12, "{what}: share {} not {share}", x.share);
        assert!(
            (x.outside_share - outside_share).abs() < 1e-12,
            "{what}: O share {} not {outside_share}",
            x.outside_share
        );
    }
    assert!(MappingEvidence::new().infer(0.5, 0.8).is_empty(), "no evidence, no types");
}

#[test]
fn the_inferred_mapping_follows_the_o_rule() {
    let mut evidence = evidence_for_x(&[("ORG", 111), ("O", 118), ("PER", 20), ("LOC", 18)]);
    evidence.add_spans(
        &[Span { start: 0, end: 10, kind: "emoji".into() }],
        &[Span { start: 0, end: 1, kind: "MISC".into() }],
    );
    let mapping = evidence.to_mapping(0.5, MappingEvidence::DEFAULT_MAX_OUTSIDE).unwrap();
    assert_eq!(mapping.children_of("ORG").unwrap(), ["x"]);
    assert_eq!(mapping.unparented(), ["emoji"], "O on 90% of its tokens");
}

/// A valid type name: not one that looks like a tag (`B-x`), which mappings refuse.
fn type_name() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-z_-]{0,6}".prop_filter("looks like a tag", |name| {
        !matches!(name.split_once('-'), Some(("B" | "I" | "E" | "S" | "L" | "U", _)))
    })
}

prop_compose! {
    /// Any valid mapping: random rules over distinct old types, children
    /// drawn from a pool of new types, plus unparented types from the rest.
    fn any_mapping()(
        olds in prop::collection::btree_set(type_name(), 0..6),
        pool in prop::collection::btree_set(type_name(), 1..8),
        picks in prop::collection::vec(prop::collection::btree_set(0usize..8, 0..3), 6),
        unparented_wanted in 0usize..3,
    ) -> TagsetMapping {
        let pool: Vec<String> = pool.into_iter().collect();
        let rules: Vec<(String, Vec<String>)> = olds
            .into_iter()
            .zip(&picks)
            .map(|(old, picked)| (old, picked.iter().map(|&i| pool[i % pool.len()].clone()).collect::<std::collections::BTreeSet<_>>().into_iter().collect()))
            .collect();
        let used: std::collections::BTreeSet<&String> = rules.iter().flat_map(|(_, news)| news).collect();
        let unparented: Vec<String> = pool.iter().filter(|new| !used.contains(new)).take(unparented_wanted).cloned().collect();
        TagsetMapping::from_rules(rules, unparented).expect("distinct names by construction")
    }
}

proptest! {
    #[test]
    fn invert_twice_is_the_identity(mapping in any_mapping()) {
        prop_assert_eq!(mapping.invert().invert(), mapping);
    }

    #[test]
    fn written_mappings_read_back(mapping in any_mapping()) {
        let written = mapping.to_toml();
        prop_assert_eq!(TagsetMapping::from_toml_str(&written).unwrap(), mapping, "{}", written);
    }
}
