use super::ops::{segments, valid_spans};
use super::*;
use crate::error::DataError;
use crate::scheme::{Span, encode, violations};

fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

fn sentence(tokens: &str, tags: &str) -> Sentence {
    Sentence::new(words(tokens), words(tags))
}

fn span(start: usize, end: usize, kind: &str) -> Span {
    Span { start, end, kind: kind.to_string() }
}

/// A sentence whose entities are `spans`, its tags written in `scheme`.
fn in_scheme(tokens: &str, spans: &[Span], scheme: Scheme) -> Sentence {
    let tokens = words(tokens);
    let tags = encode(spans, tokens.len(), scheme);
    Sentence::new(tokens, tags)
}

fn spec(text: &str) -> AugmentSpec {
    text.parse().unwrap()
}

/// (spec, the spec as printed; or None and the part the error must name
/// with words its reason must contain)
#[test]
fn specs_are_read_or_refused_naming_the_part() {
    let good: &[(&str, &str)] = &[
        ("mr=0.3,lwtr=0.3,sis=0.1,case=0.1", "mr=0.3,lwtr=0.3,sis=0.1,case=0.1"),
        ("case=0.1,mr=0.3", "mr=0.3,case=0.1"),
        (" MR = 1 , case=0", "mr=1,case=0"),
        ("sis=0", "sis=0"),
        ("lwtr=1.0", "lwtr=1"),
        ("only=product|creative_work,mr=0.3", "mr=0.3,only=creative_work|product"),
        ("mr=0.3,only= product |product", "mr=0.3,only=product"),
    ];
    for (text, printed) in good {
        let parsed = spec(text);
        assert_eq!(parsed.to_string(), *printed, "{text}");
        assert_eq!(spec(printed), parsed, "{text}: printing reads back");
    }
    let bad: &[(&str, &str, &str)] = &[
        ("", "", "no operation"),
        ("mr=0.3,foo=0.1", "foo=0.1", "unknown operation \"foo\""),
        ("mr", "mr", "expected OP=RATE"),
        ("mr=0.3,", "", "expected OP=RATE"),
        ("mr=1.5", "mr=1.5", "outside [0, 1]"),
        ("case=-0.1", "case=-0.1", "outside [0, 1]"),
        ("sis=NaN", "sis=NaN", "outside [0, 1]"),
        ("mr=lots", "mr=lots", "not a number"),
        ("mr=0.3,case=0.1,mr=0.2", "mr=0.2", "mr is given twice"),
        ("mr=0.3,only=product|", "only=product|", "empty entity type"),
        ("mr=0.3,only=a,only=b", "only=b", "only is given twice"),
        ("only=product", "only=product", "no operation"),
    ];
    for (text, part, reason) in bad {
        let error = text.parse::<AugmentSpec>().unwrap_err();
        let DataError::Augment { part: named, .. } = &error else { panic!("{text}: {error:?}") };
        assert_eq!(named, part, "{text}");
        let message = error.to_string();
        assert!(message.contains(&format!("{part:?}")) && message.contains(reason), "{text}: {message}");
    }
}

#[test]
fn specs_serialize_as_the_flag() {
    let parsed = spec("case=0.1,mr=0.3");
    let json = serde_json::to_string(&parsed).unwrap();
    assert_eq!(json, "\"mr=0.3,case=0.1\"");
    assert_eq!(serde_json::from_str::<AugmentSpec>(&json).unwrap(), parsed);
    let error = serde_json::from_str::<AugmentSpec>("\"mr=2\"").unwrap_err().to_string();
    assert!(error.contains("mr=2"), "{error}");
}

/// Mention replacement with one mention per type in the pool: every entity
/// becomes it, and the tags are written in the data's scheme, lengths and
/// IOB1's B- between adjacent entities of one type included.
#[test]
fn mention_replacement_rewrites_tags_in_each_scheme() {
    // (scheme, the augmented sentence's tags)
    let cases: &[(Scheme, &str)] = &[
        (Scheme::Iob2, "B-PER I-PER B-PER I-PER O O B-LOC I-LOC I-LOC"),
        (Scheme::Iob1, "I-PER I-PER B-PER I-PER O O I-LOC I-LOC I-LOC"),
        (Scheme::Ioe2, "I-PER E-PER I-PER E-PER O O I-LOC I-LOC E-LOC"),
        (Scheme::Bioes, "B-PER E-PER B-PER E-PER O O B-LOC I-LOC E-LOC"),
        (Scheme::Bilou, "B-PER L-PER B-PER L-PER O O B-LOC I-LOC L-LOC"),
    ];
    for &(scheme, expected) in cases {
        let training = [in_scheme("Ann Lee visited New York City", &[span(0, 2, "PER"), span(3, 6, "LOC")], scheme)];
        let augmenter = Augmenter::new(spec("mr=1"), 7, scheme, &training);
        let mut original =
            in_scheme("John Mary went to Paris", &[span(0, 1, "PER"), span(1, 2, "PER"), span(4, 5, "LOC")], scheme);
        original.place_at_line(10);
        let augmented = augmenter.sentence(&original, 0, 0);
        assert_eq!(augmented.tokens, words("Ann Lee Ann Lee went to New York City"), "{scheme}");
        assert_eq!(augmented.tags, words(expected), "{scheme}");
        assert!(violations(&augmented.tags, scheme).is_empty(), "{scheme}");
        assert_eq!(augmented.line, 10, "the sentence keeps its line");
        assert!(augmented.token_lines.is_empty(), "tokens moved: their lines are not theirs any more");
    }
}

/// (spec, training sentence, sentence, expected tokens): operations whose
/// outcome a rate of 0 or 1 and a one-entry pool fix.
#[test]
fn operations_at_rates_zero_and_one() {
    type Case = (&'static str, (&'static str, &'static str), (&'static str, &'static str), &'static str);
    let cases: &[Case] = &[
        // Nothing asked, nothing changes.
        ("mr=0,lwtr=0,sis=0,case=0", ("Ann went", "B-PER O"), ("Bob ran home", "B-PER O O"), "Bob ran home"),
        // Each token takes the one token of its label.
        ("lwtr=1", ("Ann went", "B-PER O"), ("Bob ran home", "B-PER O O"), "Ann went went"),
        // A label the training data never has keeps its token.
        ("lwtr=1", ("Ann went", "B-PER O"), ("Rome fell", "B-LOC O"), "Rome went"),
        // A type the training data never mentions keeps its mention.
        ("mr=1", ("Ann went", "B-PER O"), ("New York fell", "B-LOC I-LOC O"), "New York fell"),
        // Tags that break the scheme: no spans, so no mention replacement and no shuffle.
        ("mr=1,sis=1", ("Ann went", "B-PER O"), ("ran Bob Lee", "O I-PER I-PER"), "ran Bob Lee"),
        // Single-token segments have nothing to shuffle.
        ("sis=1", ("Ann went", "B-PER O"), ("Bob ran Rome", "B-PER O B-LOC"), "Bob ran Rome"),
    ];
    for &(text, (train_tokens, train_tags), (tokens, tags), expected) in cases {
        let augmenter = Augmenter::new(spec(text), 1, Scheme::Iob2, &[sentence(train_tokens, train_tags)]);
        let original = sentence(tokens, tags);
        let augmented = augmenter.sentence(&original, 3, 5);
        assert_eq!(augmented.tokens, words(expected), "{text} on {tokens}");
        assert_eq!(augmented.tags, original.tags, "{text} on {tokens}: tags never change here");
    }
}

#[test]
fn untagged_and_empty_sentences_pass_unchanged() {
    let augmenter = Augmenter::new(spec("mr=1,lwtr=1,sis=1,case=1"), 1, Scheme::Iob2, &[sentence("Ann", "B-PER")]);
    for original in [Sentence::new(words("no tags here"), Vec::new()), Sentence::default()] {
        assert_eq!(augmenter.sentence(&original, 0, 0), original);
    }
}

#[test]
fn shuffling_permutes_each_segment_and_keeps_the_tags() {
    let original = sentence("a b c Ann Marie Lee d e Rome Paris", "O O O B-PER I-PER I-PER O O B-LOC B-LOC");
    let augmenter = Augmenter::new(spec("sis=1"), 9, Scheme::Iob2, std::slice::from_ref(&original));
    let spans = valid_spans(&original.tags, Scheme::Iob2).unwrap();
    let mut changed = false;
    for epoch in 0..20 {
        let augmented = augmenter.sentence(&original, epoch, 0);
        assert_eq!(augmented.tags, original.tags);
        for segment in segments(&spans, original.len()) {
            let (mut before, mut after) =
                (original.tokens[segment.clone()].to_vec(), augmented.tokens[segment.clone()].to_vec());
            before.sort();
            after.sort();
            assert_eq!(before, after, "epoch {epoch}: segment {segment:?} keeps its tokens");
        }
        changed |= augmented.tokens != original.tokens;
    }
    assert!(changed, "twenty epochs at rate 1 shuffle something");
}

/// (entity spans, sentence length, segments as start and end)
#[test]
fn segments_are_maximal_runs_of_one_entity_or_of_o() {
    type Case = (Vec<Span>, usize, &'static [(usize, usize)]);
    let per = |start, end| span(start, end, "PER");
    let cases: Vec<Case> = vec![
        (vec![], 0, &[]),
        (vec![], 3, &[(0, 3)]),
        (vec![per(0, 3)], 3, &[(0, 3)]),
        (vec![per(1, 2)], 4, &[(0, 1), (1, 2), (2, 4)]),
        (vec![per(0, 2), per(2, 3), span(5, 6, "LOC")], 6, &[(0, 2), (2, 3), (3, 5), (5, 6)]),
    ];
    for (spans, len, expected) in cases {
        let found: Vec<(usize, usize)> = segments(&spans, len).into_iter().map(|r| (r.start, r.end)).collect();
        assert_eq!(found, expected, "{spans:?}");
    }
}

#[test]
fn casing_noise_picks_one_of_three_casings() {
    let original = sentence("mcDonald élan IBM x", "B-ORG O B-ORG O");
    let augmenter = Augmenter::new(spec("case=1"), 5, Scheme::Iob2, std::slice::from_ref(&original));
    let casings = |token: &str| -> [String; 3] {
        let title: String = token
            .chars()
            .take(1)
            .flat_map(char::to_uppercase)
            .chain(token.chars().skip(1).flat_map(char::to_lowercase))
            .collect();
        [token.to_lowercase(), token.to_uppercase(), title]
    };
    assert_eq!(casings("mcDonald")[2], "Mcdonald");
    assert_eq!(casings("élan")[2], "Élan");
    for epoch in 0..10 {
        let augmented = augmenter.sentence(&original, epoch, 0);
        for (before, after) in original.tokens.iter().zip(&augmented.tokens) {
            assert!(casings(before).contains(after), "epoch {epoch}: {before} -> {after}");
        }
    }
}

#[test]
fn the_same_seed_epoch_and_index_give_the_same_sentence() {
    let training = [
        sentence("Ann Lee met Bob in Rome", "B-PER I-PER O B-PER O B-LOC"),
        sentence("Paris is big and New York is bigger", "B-LOC O O O B-LOC I-LOC O O"),
        sentence("Carl left", "B-PER O"),
    ];
    let all = spec("mr=0.5,lwtr=0.5,sis=0.5,case=0.5");
    let augmenter = Augmenter::new(all.clone(), 42, Scheme::Iob2, &training);
    let first = augmenter.epoch(&training, 2);
    assert_eq!(first.len(), training.len());
    assert_eq!(first, Augmenter::new(all.clone(), 42, Scheme::Iob2, &training).epoch(&training, 2));
    // A sentence alone, out of order, is the same as in its epoch.
    assert_eq!(augmenter.sentence(&training[1], 2, 1), first[1]);
    let differs = |other: Vec<Sentence>| other != first;
    assert!(differs(Augmenter::new(all.clone(), 43, Scheme::Iob2, &training).epoch(&training, 2)), "the seed matters");
    assert!((3..8).any(|epoch| differs(augmenter.epoch(&training, epoch))), "each epoch draws anew");
}

/// `only=product`: a sentence without a product is left as written, and
/// mention replacement swaps products only, whatever the rate.
#[test]
fn an_aimed_spec_augments_only_sentences_and_mentions_of_its_types() {
    let training = vec![
        sentence("buy iPhone now", "O B-product O"),
        sentence("Ann met Bob", "B-person O B-person"),
        sentence("the Pixel phone", "O B-product O"),
        sentence("Eve likes Galaxy", "B-person O B-product"),
    ];
    let aimed = Augmenter::new(spec("mr=1,case=1,only=product"), 7, Scheme::Iob2, &training);
    assert!(aimed.unknown_targets().is_empty());
    for epoch in 0..5 {
        assert_eq!(aimed.sentence(&training[1], epoch, 1), training[1], "no product: as written");
        let copy = aimed.sentence(&training[3], epoch, 3);
        // Eve stays a one-token person (mr skipped her); the product is another one.
        assert_eq!(copy.tags, ["B-person", "O", "B-product"], "epoch {epoch}");
        assert!(["iphone", "pixel", "galaxy"].contains(&copy.tokens[2].to_lowercase().as_str()), "{copy:?}");
        assert_eq!(copy.tokens[0].to_lowercase(), "eve");
    }
    let misspelt = Augmenter::new(spec("mr=1,only=prodcut|product"), 7, Scheme::Iob2, &training);
    assert_eq!(misspelt.unknown_targets(), ["prodcut"]);
}
