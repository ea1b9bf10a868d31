//! Property tests of `retag_data::augment`: whatever the corpus, the scheme,
//! the rates and the seed, augmentation keeps every sentence, one tag per
//! token, and a valid tag sequence, and is a function of its inputs.

use proptest::prelude::*;
use retag_data::augment::{AugmentSpec, Augmenter};
use retag_data::scheme::{OnInvalid, Span, decode, encode, violations};
use retag_data::{Scheme, Sentence};

const WORDS: &[&str] = &["the", "Ann", "LEE", "new", "York", "ibm", "ran", "élan", "Ωmega", ",", "x-ray", "42"];
const TYPES: &[&str] = &["PER", "LOC", "geo-loc"];

/// A sentence of up to 12 tokens with entities of up to 3 tokens, some
/// adjacent, written in `scheme`.
fn arbitrary_sentence(scheme: Scheme) -> impl Strategy<Value = Sentence> {
    let piece = (0..3usize, 1..4usize, prop::sample::select(TYPES), prop::bool::ANY);
    prop::collection::vec(piece, 0..5).prop_flat_map(move |pieces| {
        let mut spans = Vec::new();
        let mut position = 0;
        for (gap, length, kind, _) in &pieces {
            position += gap;
            spans.push(Span { start: position, end: position + length, kind: kind.to_string() });
            position += length;
        }
        let len = position + pieces.last().map_or(0, |(_, _, _, tail)| usize::from(*tail));
        let tags = encode(&spans, len, scheme);
        prop::collection::vec(prop::sample::select(WORDS), len)
            .prop_map(move |tokens| Sentence::new(tokens.into_iter().map(str::to_string).collect(), tags.clone()))
    })
}

fn arbitrary_corpus() -> impl Strategy<Value = (Scheme, Vec<Sentence>)> {
    prop::sample::select(Scheme::ALL.to_vec())
        .prop_flat_map(|scheme| (Just(scheme), prop::collection::vec(arbitrary_sentence(scheme), 1..8)))
}

/// Any subset of the four operations, each with any rate in [0, 1].
fn arbitrary_spec() -> impl Strategy<Value = AugmentSpec> {
    let rate = prop::option::of(0.0..=1.0f64);
    (rate.clone(), rate.clone(), rate.clone(), rate).prop_map(|(mr, lwtr, sis, case)| {
        let parts: Vec<String> = [("mr", mr), ("lwtr", lwtr), ("sis", sis), ("case", case)]
            .into_iter()
            .filter_map(|(name, rate)| rate.map(|rate| format!("{name}={rate}")))
            .collect();
        let text = if parts.is_empty() { "mr=0".to_string() } else { parts.join(",") };
        text.parse().expect("rates in [0, 1] make a valid spec")
    })
}

fn types(spans: &[Span]) -> Vec<&str> {
    spans.iter().map(|span| span.kind.as_str()).collect()
}

proptest! {
    #[test]
    fn augmentation_keeps_sentences_lengths_and_valid_tags(
        (scheme, corpus) in arbitrary_corpus(),
        spec in arbitrary_spec(),
        seed in any::<u64>(),
        epoch in 0..1000usize,
    ) {
        let augmenter = Augmenter::new(spec.clone(), seed, scheme, &corpus);
        let augmented = augmenter.epoch(&corpus, epoch);
        prop_assert_eq!(augmented.len(), corpus.len());
        for (original, copy) in corpus.iter().zip(&augmented) {
            prop_assert_eq!(copy.tokens.len(), copy.tags.len());
            prop_assert!(violations(&copy.tags, scheme).is_empty(), "{} {:?} -> {:?}", scheme, original.tags, copy.tags);
            // The entities keep their types and order; only mr changes their extent.
            let before = decode(&original.tags, scheme, OnInvalid::Error).unwrap();
            let after = decode(&copy.tags, scheme, OnInvalid::Error).unwrap();
            prop_assert_eq!(types(&before), types(&after));
            if spec.rate(retag_data::augment::Operation::MentionReplacement) == 0.0 {
                prop_assert_eq!(&copy.tags, &original.tags);
            }
        }
        // Deterministic: the same inputs give the same copies, sentence by sentence too.
        prop_assert_eq!(&augmenter.epoch(&corpus, epoch), &augmented);
        let again = Augmenter::new(spec, seed, scheme, &corpus);
        for (index, sentence) in corpus.iter().enumerate().rev() {
            prop_assert_eq!(&again.sentence(sentence, epoch, index), &augmented[index]);
        }
    }

    #[test]
    fn printed_specs_read_back(spec in arbitrary_spec()) {
        prop_assert_eq!(spec.to_string().parse::<AugmentSpec>().unwrap(), spec);
    }
}
