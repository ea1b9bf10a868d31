use super::*;
use crate::conll::{ConllOptions, read_conll_file};

fn sentence(tags: &str) -> Sentence {
    let tags: Vec<String> = tags.split_whitespace().map(str::to_string).collect();
    Sentence::new(vec!["w".to_string(); tags.len()], tags)
}

fn counts(pairs: &[(&str, usize)]) -> Vec<Count> {
    pairs.iter().map(|&(name, count)| Count { name: name.to_string(), count }).collect()
}

/// File, sentences, tokens, entities, entities per type.
type CorpusRow = (&'static str, usize, usize, usize, &'static [(&'static str, usize)]);

/// Lengths; min, max, mean, median, p90, p99; sentences per bucket.
type LengthRow = (&'static [usize], usize, usize, f64, f64, usize, usize, &'static [usize]);

/// Scheme, sentences' tags, invalid sentences, violations, entities per type.
type InvalidRow = (Scheme, &'static [&'static str], usize, usize, &'static [(&'static str, usize)]);

/// The figures of `shared/data/README.md`, file by file.
#[test]
fn real_corpora_match_the_data_readme() {
    let data = retag_testdata::shared_or_return!("");
    #[rustfmt::skip]
    let cases: &[CorpusRow] = &[
        ("conll2003/train.txt", 14041, 203621, 23499, &[("LOC", 7140), ("PER", 6600), ("ORG", 6321), ("MISC", 3438)]),
        ("conll2003/dev.txt", 3250, 51362, 5942, &[("PER", 1842), ("LOC", 1837), ("ORG", 1341), ("MISC", 922)]),
        ("conll2003/test.txt", 3453, 46435, 5648, &[("LOC", 1668), ("ORG", 1661), ("PER", 1617), ("MISC", 702)]),
        ("wnut16/train.txt", 2394, 46469, 1496, &[("person", 449), ("geo-loc", 276), ("other", 225), ("company", 171),
            ("facility", 104), ("product", 97), ("musicartist", 55), ("sportsteam", 51), ("movie", 34), ("tvshow", 34)]),
        ("wnut17/train.txt", 3394, 62730, 1975, &[("person", 660), ("location", 548), ("group", 264),
            ("corporation", 221), ("product", 142), ("creative_work", 140)]),
        ("wnut17/dev.txt", 1009, 15729, 836, &[("person", 470), ("product", 114), ("creative_work", 105),
            ("location", 74), ("group", 39), ("corporation", 34)]),
        ("wnut17/test.txt", 1286, 23374, 1078, &[("person", 428), ("group", 165), ("location", 150),
            ("creative_work", 142), ("product", 127), ("corporation", 66)]),
    ];
    for &(name, sentences, tokens, entities, types) in cases {
        let path = data.join(name);
        let read = read_conll_file(&path, &ConllOptions::default()).unwrap();
        let stats = DatasetStats::collect(&read, Scheme::Iob2, &Location::file(&path)).unwrap();
        assert_eq!((stats.sentences, stats.tokens, stats.entities), (sentences, tokens, entities), "{name}");
        assert_eq!(stats.entity_types, counts(types), "{name}");
        assert_eq!(stats.invalid, InvalidSequences::default(), "{name} is valid IOB2");
        assert_eq!(stats.untagged_sentences, 0);
        assert_eq!(stats.tags.len(), 1 + 2 * types.len(), "{name}: O and B-/I- of each type");
        assert_eq!(stats.tags.iter().map(|tag| tag.count).sum::<usize>(), tokens, "{name}");
        let lengths = stats.lengths.as_ref().unwrap();
        assert_eq!(lengths.histogram.iter().map(|bucket| bucket.count).sum::<usize>(), sentences, "{name}");
        assert!((lengths.mean - tokens as f64 / sentences as f64).abs() < 1e-9, "{name}");
    }
}

#[test]
fn lengths_have_nearest_rank_percentiles_and_doubling_buckets() {
    #[rustfmt::skip]
    let cases: &[LengthRow] = &[
        (&[5], 5, 5, 5.0, 5.0, 5, 5, &[1]),
        (&[1, 2, 3, 4, 10], 1, 10, 4.0, 3.0, 10, 10, &[4, 1]),
        (&[8, 9, 16, 17], 8, 17, 12.5, 12.5, 17, 17, &[1, 2, 1]),
        (&[1, 1, 1, 1, 1, 1, 1, 1, 1, 40], 1, 40, 4.9, 1.0, 1, 40, &[9, 0, 0, 1]),
        (&[0, 2, 100], 0, 100, 34.0, 2.0, 100, 100, &[2, 0, 0, 0, 1]),
    ];
    for &(lengths, min, max, mean, median, p90, p99, buckets) in cases {
        let sentences: Vec<Sentence> = lengths.iter().map(|&len| sentence(&vec!["O"; len].join(" "))).collect();
        let stats = DatasetStats::collect(&sentences, Scheme::Iob2, &Location::default()).unwrap();
        let got = stats.lengths.unwrap();
        assert_eq!((got.min, got.max, got.p90, got.p99), (min, max, p90, p99), "{lengths:?}");
        assert!((got.mean - mean).abs() < 1e-9 && (got.median - median).abs() < 1e-9, "{lengths:?}: {got:?}");
        assert_eq!(got.histogram.iter().map(|bucket| bucket.count).collect::<Vec<_>>(), buckets, "{lengths:?}");
        assert_eq!((got.histogram[0].low, got.histogram[0].high), (0, 8));
        if let Some(second) = got.histogram.get(1) {
            assert_eq!((second.low, second.high), (9, 16));
        }
    }
    let empty = DatasetStats::collect(&[], Scheme::Iob2, &Location::default()).unwrap();
    assert_eq!((empty.sentences, &empty.lengths), (0, &None));
    assert!(empty.to_text().contains("sentences    0"));
}

#[test]
fn invalid_sequences_are_counted_and_repaired_like_seqeval() {
    #[rustfmt::skip]
    let cases: &[InvalidRow] = &[
        (Scheme::Iob2, &["B-PER I-PER O", "O B-LOC"], 0, 0, &[("LOC", 1), ("PER", 1)]),
        (Scheme::Iob2, &["O I-PER I-PER", "B-LOC I-PER"], 2, 2, &[("PER", 2), ("LOC", 1)]),
        (Scheme::Bioes, &["B-PER I-PER O S-LOC", "S-LOC"], 1, 1, &[("LOC", 2), ("PER", 1)]),
        (Scheme::Iob1, &["I-PER B-PER I-ORG"], 0, 0, &[("PER", 2), ("ORG", 1)]),
    ];
    for &(scheme, tags, invalid, violations, types) in cases {
        let sentences: Vec<Sentence> = tags.iter().map(|tags| sentence(tags)).collect();
        let stats = DatasetStats::collect(&sentences, scheme, &Location::default()).unwrap();
        assert_eq!((stats.invalid.sentences, stats.invalid.violations), (invalid, violations), "{scheme} {tags:?}");
        assert_eq!(stats.entity_types, counts(types), "{scheme} {tags:?}");
        assert_eq!(stats.scheme, scheme.to_string());
    }
}

#[test]
fn counts_are_sorted_by_count_then_name() {
    let sentences = [sentence("B-b B-a O B-c I-c B-c"), sentence("S-x")];
    let stats = DatasetStats::collect(&sentences[..1], Scheme::Iob2, &Location::default()).unwrap();
    assert_eq!(stats.entity_types, counts(&[("c", 2), ("a", 1), ("b", 1)]));
    assert_eq!(stats.tags, counts(&[("B-c", 2), ("B-a", 1), ("B-b", 1), ("I-c", 1), ("O", 1)]));
    assert_eq!(stats.entity_tokens, 5);
    let untagged = Sentence::new(vec!["a".into(), "b".into()], vec![]);
    let stats = DatasetStats::collect([&sentences[0], &untagged], Scheme::Iob2, &Location::default()).unwrap();
    assert_eq!((stats.sentences, stats.tokens, stats.untagged_sentences), (2, 8, 1));
}

#[test]
fn bad_input_names_the_file_and_line() {
    let mut bad_tag = sentence("O B-PER PER");
    bad_tag.place_at_line(40);
    let error = DatasetStats::collect([&bad_tag], Scheme::Iob2, &Location::file("d.txt")).unwrap_err();
    assert!(error.to_string().starts_with("d.txt:42: invalid tag \"PER\""), "{error}");
    let mut short = sentence("O O");
    short.tokens.push("extra".into());
    short.place_at_line(7);
    let error = DatasetStats::collect([&short], Scheme::Iob2, &Location::file("d.txt")).unwrap_err();
    assert_eq!(error.to_string(), "d.txt:7: the sentence has 3 tokens but 2 tags");
}

#[test]
fn reports_read_well_and_serialize() {
    let sentences = [sentence("B-person I-person O B-location"), sentence("O I-person")];
    let stats = DatasetStats::collect(&sentences, Scheme::Iob2, &Location::default()).unwrap();
    let text = stats.to_text();
    for expected in [
        "sentences    2\n",
        "tokens       6\n",
        "entities     3 (4 tokens, 1.33 per entity)\n",
        "scheme       IOB2: 1 sentences with invalid sequences (1 violations)",
        "entity types (2)\n  person    2   66.7%\n  location  1   33.3%\n",
        "  O           2   33.3%\n",
        "sentence length (tokens): min 2, max 4, mean 3.0, median 3, p90 4, p99 4\n",
        "  <=8  2  ########################################\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let json = serde_json::to_value(&stats).unwrap();
    assert_eq!(json["entity_types"][0], serde_json::json!({"name": "person", "count": 2}));
    assert_eq!(json["lengths"]["histogram"][0], serde_json::json!({"low": 0, "high": 8, "count": 2}));
    assert_eq!(json["invalid"]["sentences"], 1);
}
