//! The example mappings of `examples/mappings/` against the real corpora of
//! `../shared/data`, and the rename/inverse round trip.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use proptest::prelude::*;
use retag_data::conll::{ConllOptions, read_conll_file};
use retag_data::mapping::{MappingEvidence, RelabelOptions, TagsetMapping, Unmapped};
use retag_data::scheme::{self, OnInvalid};
use retag_data::{Location, Scheme, Sentence, Span};

const WNUT16_TYPES: [&str; 10] =
    ["person", "geo-loc", "company", "facility", "product", "musicartist", "sportsteam", "tvshow", "movie", "other"];
const WNUT17_TYPES: [&str; 6] = ["person", "location", "group", "corporation", "creative_work", "product"];

fn example(name: &str) -> TagsetMapping {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mappings").join(name);
    TagsetMapping::load(&path).unwrap_or_else(|error| panic!("{error}"))
}

fn read_sentences(path: &Path) -> Vec<Sentence> {
    read_conll_file(path, &ConllOptions::default()).unwrap_or_else(|error| panic!("{error}"))
}

fn entity_counts<'a>(sentences: impl IntoIterator<Item = &'a Sentence>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for sentence in sentences {
        for span in scheme::decode(&sentence.tags, Scheme::Iob2, OnInvalid::Error).expect("valid IOB2") {
            *counts.entry(span.kind).or_default() += 1;
        }
    }
    counts
}

#[test]
fn example_mappings_fit_the_wnut_tagsets() {
    let coarse = example("wnut16-to-coarse.toml");
    assert!(coarse.is_function());
    coarse.for_old_types(&WNUT16_TYPES, Unmapped::Error).unwrap();
    coarse.check_new_types(&["person", "location", "organization", "other"]).unwrap();

    let fine = example("wnut16-to-wnut17.toml");
    assert!(!fine.is_function(), "musicartist and other are split");
    fine.for_old_types(&WNUT16_TYPES, Unmapped::Error).unwrap();
    fine.check_new_types(&WNUT17_TYPES).unwrap();
    assert_eq!(fine.parents_of("location"), ["facility", "geo-loc", "other"]);
    assert_eq!(fine.parent_of("corporation"), None, "company and other both lead to corporation");
}

/// Relabelling WNUT-16 with the coarse mapping gives, for each coarse type,
/// the sum of its fine types' counts in the data README, and moves no token.
#[test]
fn coarse_mapping_relabels_wnut16_to_the_readme_counts() {
    let path = retag_testdata::shared_or_return!("wnut16/train.txt");
    let sentences = read_sentences(&path);
    assert_eq!(sentences.len(), 2394);
    let fine_counts = entity_counts(&sentences);
    assert_eq!(fine_counts.values().sum::<usize>(), 1496);

    let mapping = example("wnut16-to-coarse.toml");
    let file = Location::file(&path);
    let relabelled: Vec<Sentence> = sentences
        .iter()
        .map(|sentence| mapping.relabel(sentence, Scheme::Iob2, RelabelOptions::default(), &file))
        .collect::<Result<_, _>>()
        .unwrap();

    let expected: BTreeMap<String, usize> =
        [("person", 449), ("location", 276 + 104), ("organization", 171 + 51 + 55), ("other", 97 + 34 + 34 + 225)]
            .into_iter()
            .map(|(kind, count)| (kind.to_string(), count))
            .collect();
    assert_eq!(entity_counts(&relabelled), expected);
    for (before, after) in sentences.iter().zip(&relabelled) {
        assert_eq!(before.tokens, after.tokens);
        assert_eq!(before.line, after.line);
        let outside = |tags: &[String]| tags.iter().map(|tag| tag == "O").collect::<Vec<_>>();
        assert_eq!(outside(&before.tags), outside(&after.tags), "line {}", before.line);
    }
}

/// The WNUT-16 -> WNUT-17 example says what the data says: over the
/// sentences both corpora annotate, each WNUT-16 type's children are exactly
/// the WNUT-17 types that more than 1% of its tokens carry.
#[test]
fn wnut16_to_wnut17_mapping_matches_the_measured_relation() {
    let data = retag_testdata::shared_or_return!("");
    let wnut17: HashMap<Vec<String>, Sentence> = read_sentences(&data.join("wnut17/train.txt"))
        .into_iter()
        .map(|sentence| (sentence.tokens.clone(), sentence))
        .collect();
    // old type -> (new tag's type or "O" -> tokens)
    let mut aligned: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for old in read_sentences(&data.join("wnut16/train.txt")) {
        let new = wnut17.get(&old.tokens).unwrap_or_else(|| panic!("wnut16 line {} is not in wnut17", old.line));
        for (old_tag, new_tag) in old.tags.iter().zip(&new.tags) {
            if let Some((_, old_kind)) = old_tag.split_once('-') {
                let new_kind = new_tag.split_once('-').map_or("O", |(_, kind)| kind);
                *aligned.entry(old_kind.to_string()).or_default().entry(new_kind.to_string()).or_default() += 1;
            }
        }
    }
    let mapping = example("wnut16-to-wnut17.toml");
    assert_eq!(aligned.keys().map(String::as_str).collect::<Vec<_>>(), mapping.old_types().collect::<Vec<_>>());
    for (old, by_new) in &aligned {
        let total: usize = by_new.values().sum();
        let mut measured: Vec<&str> = by_new
            .iter()
            .filter(|(new, count)| *new != "O" && **count * 100 > total)
            .map(|(new, _)| new.as_str())
            .collect();
        measured.sort();
        assert_eq!(mapping.children_of(old).unwrap(), measured, "{old}: {by_new:?}");
    }
}

/// Mapping inference on a real tagset change: WNUT-16's annotation plays the
/// old model's predictions over WNUT-17's gold. The parents found are the
/// relation the data README describes (computed independently with a Python
/// count, shares among the tokens WNUT-16 tags: location 325/555 geo-loc and
/// 209/555 facility, group 101/253 musicartist and 76/253 other,
/// creative_work 128/272 other; WNUT-16 leaves at most 2.2% of a type's
/// tokens O).
#[test]
fn mapping_inference_recovers_the_wnut16_to_wnut17_relation() {
    let data = retag_testdata::shared_or_return!("");
    // 90 token sequences occur more than once in WNUT-17; the first occurrence is taken.
    let mut wnut17: HashMap<Vec<String>, Sentence> = HashMap::new();
    for sentence in read_sentences(&data.join("wnut17/train.txt")) {
        wnut17.entry(sentence.tokens.clone()).or_insert(sentence);
    }
    let mut evidence = MappingEvidence::new();
    for old in read_sentences(&data.join("wnut16/train.txt")) {
        let new = &wnut17[&old.tokens];
        evidence.add_tags(&new.tags, Scheme::Iob2, &old.tags, Scheme::Iob2).unwrap();
    }
    let max_outside = MappingEvidence::DEFAULT_MAX_OUTSIDE;
    let inferred = evidence.infer(0.3, max_outside);
    let parents: BTreeMap<&str, Option<&str>> = inferred.iter().map(|p| (p.new_type.as_str(), p.parent())).collect();
    assert_eq!(
        parents,
        BTreeMap::from([
            ("corporation", Some("company")),
            ("creative_work", Some("other")),
            ("group", Some("musicartist")),
            ("location", Some("geo-loc")),
            ("person", Some("person")),
            ("product", Some("product")),
        ])
    );
    let location = inferred.iter().find(|p| p.new_type == "location").unwrap();
    assert_eq!(location.counts[..2], [("geo-loc".to_string(), 325), ("facility".to_string(), 209)]);
    assert_eq!(location.parents, ["geo-loc", "facility"], "a merge: 59% and 38% of the tagged location tokens");
    assert_eq!((location.tokens, location.tagged), (559, 555));
    let group = inferred.iter().find(|p| p.new_type == "group").unwrap();
    assert_eq!(group.parents, ["musicartist", "other"], "other is 76/253 = 30.04% of the tagged group tokens");
    assert!(inferred.iter().all(|p| p.outside_share < 0.03), "{inferred:?}");
    let mapping = evidence.to_mapping(0.3, max_outside).unwrap();
    assert_eq!(mapping.children_of("musicartist").unwrap(), ["group"]);
    assert_eq!(mapping.parents_of("location"), ["facility", "geo-loc"]);
}

prop_compose! {
    /// Distinct old types renamed to distinct new types. Both are drawn from
    /// the same few names, so a name is often on both sides (`person =
    /// "person"`, or two types swapping names).
    fn renames()(olds in prop::collection::btree_set("[a-c]{1,2}", 1..5))
        (
            news in prop::collection::btree_set("[a-c]{1,2}", olds.len())
                .prop_map(|news| news.into_iter().collect::<Vec<_>>())
                .prop_shuffle(),
            olds in Just(olds),
        )
        -> Vec<(String, String)> {
        olds.into_iter().zip(news).collect()
    }
}

prop_compose! {
    /// A valid tag sequence of `types` in `scheme`: random spans encoded.
    fn tagged(types: Vec<String>, scheme: Scheme)(
        pieces in prop::collection::vec((1usize..4, prop::option::of(0..types.len())), 0..8)
    ) -> Vec<String> {
        let mut spans = Vec::new();
        let mut position = 0;
        for (len, kind) in pieces {
            if let Some(kind) = kind {
                spans.push(Span { start: position, end: position + len, kind: types[kind].clone() });
            }
            position += len;
        }
        scheme::encode(&spans, position, scheme)
    }
}

fn renames_with_tags() -> impl Strategy<Value = (Vec<(String, String)>, Scheme, Vec<String>)> {
    (renames(), prop::sample::select(Scheme::ALL.to_vec())).prop_flat_map(|(pairs, scheme)| {
        let olds = pairs.iter().map(|(old, _)| old.clone()).collect();
        (Just(pairs), Just(scheme), tagged(olds, scheme))
    })
}

proptest! {
    #[test]
    fn rename_mapping_then_its_inverse_gives_the_tags_back((pairs, scheme, tags) in renames_with_tags()) {
        let mapping = TagsetMapping::from_pairs(pairs.clone()).unwrap();
        let inverse = mapping.invert();
        prop_assert!(inverse.is_function());
        let sentence = Sentence::new(vec!["w".to_string(); tags.len()], tags.clone());
        let strict = RelabelOptions::default();
        let renamed = mapping.relabel(&sentence, scheme, strict, &Location::default()).unwrap();
        for (old, new) in &pairs {
            let mentions = |tags: &[String], kind: &str| tags.iter().filter(|t| t.split_once('-').is_some_and(|(_, k)| k == kind)).count();
            prop_assert_eq!(mentions(&tags, old), mentions(&renamed.tags, new));
        }
        let back = inverse.relabel(&renamed, scheme, strict, &Location::default()).unwrap();
        prop_assert_eq!(back.tags, tags);
    }
}
