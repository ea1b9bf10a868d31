//! Per-word input features (`retag_data::features`), table by table: word
//! shapes, spec parsing, gazetteer matching (longest first, overlaps,
//! Unicode, case), regular expressions, bad files named by file and line,
//! feature values per subword of a batch, the copy a model folder keeps,
//! and the gazetteer made from annotated data.

use std::path::Path;

use retag_data::align::{AlignedSentence, Batch, Window, WindowId};
use retag_data::features::collect::GazetteerCollector;
use retag_data::features::{
    FeatureSource, FeatureSpec, Gazetteer, GazetteerOptions, InputFeatures, RegexFeatures, Shape, SourceSpec,
};
use retag_data::{Location, Scheme, Sentence};

fn words(text: &str) -> Vec<&str> {
    text.split(' ').collect()
}

#[test]
fn words_get_their_shape_class() {
    let cases: &[(&str, Shape)] = &[
        ("Paris", Shape::Capitalised),
        ("I", Shape::Capitalised),
        ("Jean-paul", Shape::Capitalised),
        ("Élodie", Shape::Capitalised),
        ("IBM", Shape::AllCaps),
        ("U.S.", Shape::AllCaps),
        ("ÉCOLE", Shape::AllCaps),
        ("iPhone", Shape::MixedCase),
        ("McDonald", Shape::MixedCase),
        ("the", Shape::Lower),
        ("don't", Shape::Lower),
        ("42", Shape::Digits),
        ("1,000", Shape::Digits),
        ("3:30", Shape::Digits),
        ("$5", Shape::Digits),
        ("٣", Shape::Digits),
        (".", Shape::Punctuation),
        ("--", Shape::Punctuation),
        (":)", Shape::Punctuation),
        ("@", Shape::Punctuation),
        ("http://t.co/x1", Shape::Url),
        ("HTTPS://example.org", Shape::Url),
        ("www.bbc.co.uk", Shape::Url),
        ("@jack_99", Shape::Mention),
        ("@Émile", Shape::Mention),
        ("#NLProc", Shape::Hashtag),
        ("#1", Shape::Hashtag),
        ("#hash-tag", Shape::Lower),
        ("😀", Shape::Emoji),
        ("👍🏽", Shape::Emoji),
        ("❤️", Shape::Emoji),
        ("👩‍💻", Shape::Emoji),
        ("3rd", Shape::Other),
        ("COVID-19", Shape::Other),
        ("北京", Shape::Other),
        ("", Shape::Other),
    ];
    for &(word, expected) in cases {
        assert_eq!(Shape::of(word), expected, "{word:?}");
    }
    let ids: Vec<u32> = Shape::ALL.iter().map(|shape| shape.id()).collect();
    assert_eq!(ids, (1..=11).collect::<Vec<u32>>(), "0 is kept for no word");
}

/// (spec, Ok(the spec printed back) or Err(words the error must hold))
#[test]
fn specs_parse_and_print_back_and_bad_parts_are_named() {
    let cases: &[(&str, Result<&str, &str>)] = &[
        ("shape", Ok("shape")),
        ("shape,gazetteer:a.txt,regex:r.tsv", Ok("shape,gazetteer:a.txt,regex:r.tsv")),
        ("gazetteer:a.txt,gazetteer:b.txt", Ok("gazetteer:a.txt,gazetteer:b.txt")),
        (" SHAPE , gazetteer : a.txt ", Ok("shape,gazetteer:a.txt")),
        ("gazetteer+case=insensitive+unicode=nfkc+by=type:a.txt", Ok("gazetteer:a.txt")),
        ("gazetteer+by=file+case=sensitive:a.txt", Ok("gazetteer+case=sensitive+by=file:a.txt")),
        ("gazetteer+unicode=none:C:\\lists\\a.txt", Ok("gazetteer+unicode=none:C:\\lists\\a.txt")),
        ("", Err("no feature")),
        ("shape,,regex:r.tsv", Err("\"\": an empty part")),
        ("shapes", Err("\"shapes\": unknown feature \"shapes\"")),
        ("gazetteer", Err("gazetteer needs a file")),
        ("regex:", Err("regex needs a file")),
        ("shape:x.txt", Err("shape reads the word itself")),
        ("gazetteer+lower:a.txt", Err("gazetteer takes no option \"lower\"")),
        ("gazetteer+case=upper:a.txt", Err("case=\"upper\": expected insensitive or sensitive")),
        ("gazetteer+unicode=nfd:a.txt", Err("expected nfkc, nfc or none")),
        ("gazetteer+by=kind:a.txt", Err("expected type or file")),
        ("gazetteer+by=file+by=type:a.txt", Err("by is given twice")),
        ("regex+x=1:r.tsv", Err("regex takes no option")),
        ("shape,shape", Err("\"shape\": given twice")),
        ("gazetteer:a.txt,gazetteer:a.txt", Err("given twice")),
    ];
    for (spec, expected) in cases {
        match (spec.parse::<FeatureSpec>(), expected) {
            (Ok(parsed), Ok(printed)) => {
                assert_eq!(parsed.to_string(), *printed, "{spec:?}");
                assert_eq!(printed.parse::<FeatureSpec>().unwrap(), parsed, "{spec:?} reads back");
            }
            (Err(error), Err(words)) => {
                let message = error.to_string();
                assert!(message.starts_with("input features") && message.contains(words), "{spec:?}: {message}");
            }
            (parsed, _) => panic!("{spec:?}: {parsed:?}"),
        }
    }
    let spec: FeatureSpec = "gazetteer+case=sensitive:a.txt".parse().unwrap();
    let SourceSpec::Gazetteer { options, .. } = &spec.sources()[0] else { panic!("a gazetteer") };
    assert_eq!(*options, GazetteerOptions { case: retag_data::features::CaseMode::Sensitive, ..Default::default() });
    let json = serde_json::to_string(&spec).unwrap();
    assert_eq!(json, "\"gazetteer+case=sensitive:a.txt\"");
    assert_eq!(serde_json::from_str::<FeatureSpec>(&json).unwrap(), spec);
}

/// A gazetteer from `text` with the options of `spec` (a gazetteer part without the path).
fn gazetteer(text: &str, options: &str) -> Gazetteer {
    let spec: FeatureSpec = format!("gazetteer{options}:g.txt").parse().unwrap();
    let SourceSpec::Gazetteer { options, .. } = spec.sources()[0] else { panic!("a gazetteer") };
    Gazetteer::parse(text.to_string(), options, Path::new("g.txt")).unwrap()
}

/// Each channel's tags as `O B I` text.
fn marked(gazetteer: &Gazetteer, sentence: &str) -> Vec<String> {
    let tags = gazetteer.mark(&words(sentence));
    tags.iter().map(|channel| channel.iter().map(|tag| format!("{tag:?}")).collect::<Vec<_>>().join(" ")).collect()
}

/// (entries, options, words, expected channels, expected tags per channel)
#[test]
fn gazetteers_match_longest_first_with_overlaps_case_and_unicode() {
    type Case<'a> = (&'a str, &'a str, &'a str, &'a [&'a str], &'a [&'a str]);
    let cases: &[Case] = &[
        // Longest first: the three-word entry wins over the earlier two-word one.
        ("New York\tLOC\nYork City Hall\tLOC\n", "", "New York City Hall", &["LOC"], &["O B I I"]),
        // Equally long: the leftmost wins, the overlapping one is dropped.
        ("a b\nb c\n", "", "a b c", &[""], &["B I O"]),
        // A shorter entry inside a longer match is not marked again.
        ("New York\nYork\n", "", "New York York", &[""], &["B I B"]),
        // Adjacent matches each start with B.
        ("Paris\tLOC\n", "", "Paris Paris", &["LOC"], &["B B"]),
        // Types are separate channels: one word can be in two.
        ("Paris\tLOC\nParis Hilton\tPER\n", "", "Paris Hilton sang", &["LOC", "PER"], &["B O O", "B I O"]),
        // ...or one channel for the whole file.
        ("Paris\tLOC\nParis Hilton\tPER\n", "+by=file", "Paris Hilton sang", &[""], &["B I O"]),
        // Untyped entries share a channel beside the typed ones.
        ("Paris\nLondon\tLOC\n", "", "Paris London", &["", "LOC"], &["B O", "O B"]),
        // Whitespace inside and around an entry does not count; blank lines are skipped.
        ("  New    York \n\n\r\nNew   York\tLOC\r\n", "", "New York", &["", "LOC"], &["B I", "B I"]),
        // A line starting with # is an entry.
        ("#NLProc\tTAG\n", "", "love #nlproc", &["TAG"], &["O B"]),
        // Case: insensitive by default, sensitive on request.
        ("paris\n", "", "PARIS Paris paris", &[""], &["B B B"]),
        ("paris\n", "+case=sensitive", "PARIS Paris paris", &[""], &["O O B"]),
        // Lowercase mapping, not full case folding.
        ("straße\n", "", "STRASSE Straße", &[""], &["O B"]),
        // NFKC: decomposed accents, ligatures and full-width letters match.
        ("Café\n", "", "Cafe\u{301}", &[""], &["B"]),
        ("ﬁnance\n", "", "finance", &[""], &["B"]),
        ("IBM\n", "", "ＩＢＭ", &[""], &["B"]),
        // NFC: accents only.
        ("Café\n", "+unicode=nfc", "Cafe\u{301}", &[""], &["B"]),
        ("ﬁnance\n", "+unicode=nfc", "finance", &[""], &["O"]),
        // None: code points as written.
        ("Café\n", "+unicode=none", "Cafe\u{301} Café", &[""], &["O B"]),
        // An entry longer than the sentence, and an empty sentence.
        ("a b c d\n", "", "a b c", &[""], &["O O O"]),
    ];
    for (index, &(text, options, sentence, channels, expected)) in cases.iter().enumerate() {
        let gazetteer = gazetteer(text, options);
        assert_eq!(gazetteer.channels(), channels, "case {index}");
        assert_eq!(marked(&gazetteer, sentence), expected, "case {index}: {sentence:?}");
    }
    assert_eq!(gazetteer("a\n", "").mark::<&str>(&[]), vec![Vec::new()]);
}

/// Writes `text` (bytes) to a file named `name` in `dir`.
fn file(dir: &Path, name: &str, text: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// (file text, the line named, words the error must hold): each bad
/// gazetteer or pattern file is refused naming its file and line.
#[test]
fn bad_feature_files_are_refused_naming_file_and_line() {
    let dir = tempfile::TempDir::new().unwrap();
    let gazetteers: &[(&[u8], usize, &str)] = &[
        (b"Paris\tLOC\tcity\n", 1, "3 tab-separated columns"),
        (b"Paris\tLOC\n\nLondon\t \n", 3, "the type column is empty"),
        (b"Paris\n \tLOC\n", 2, "has no word"),
        (b"Paris\n\xff\xfe\n", 2, "not UTF-8"),
    ];
    let empty = file(dir.path(), "empty.txt", b"\n  \n");
    let error = Gazetteer::read(&empty, GazetteerOptions::default()).unwrap_err().to_string();
    assert!(error.contains("empty.txt") && error.contains("no entry"), "{error}");
    for (index, (text, line, words)) in gazetteers.iter().enumerate() {
        let path = file(dir.path(), &format!("g{index}.txt"), text);
        let error = Gazetteer::read(&path, GazetteerOptions::default()).unwrap_err().to_string();
        let at = format!("{}:{line}: ", path.display());
        assert!(error.starts_with(&at) && error.contains(words), "gazetteer {index}: {error}");
    }
    let patterns: &[(&[u8], usize, &str)] = &[
        (b"# years\nyear \\d{4}\n", 2, "expected NAME<TAB>PATTERN"),
        (b"year\t\\d{4}\nyear\t\\d{2}\n", 2, "\"year\" is already used on line 1"),
        (b"\n\nyear\t(\\d{4}\n", 3, "the pattern of \"year\" is not a regular expression"),
        (b"a)|(b\tx\n", 1, "is not letters, digits"),
        (b"anchor\ta)|(b\n", 1, "is not a regular expression"),
        (b"empty\t\n", 1, "is empty"),
    ];
    for (index, (text, line, words)) in patterns.iter().enumerate() {
        let path = file(dir.path(), &format!("r{index}.tsv"), text);
        let error = RegexFeatures::read(&path).unwrap_err().to_string();
        let at = format!("{}:{line}: ", path.display());
        assert!(error.starts_with(&at) && error.contains(words), "patterns {index}: {error}");
    }
    let none = file(dir.path(), "none.tsv", b"# only a comment\n\n");
    let error = RegexFeatures::read(&none).unwrap_err().to_string();
    assert!(error.contains("none.tsv") && error.contains("no pattern"), "{error}");
    let missing = Gazetteer::read(&dir.path().join("missing.txt"), GazetteerOptions::default()).unwrap_err();
    assert!(missing.to_string().contains("missing.txt"), "{missing}");
}

#[test]
fn patterns_match_whole_words() {
    let text = "# a comment, then patterns\nyear\t\\d{4}\ncovid\t(?i)covid(-19)?\nab\ta|b\nspaced\tNew York\n";
    let patterns = RegexFeatures::parse(text.into(), Path::new("p.tsv")).unwrap();
    assert_eq!(patterns.names(), ["year", "covid", "ab", "spaced"]);
    // 2 matches, 1 does not.
    let cases: &[(&str, [u32; 4])] = &[
        ("2017", [2, 1, 1, 1]),
        ("20170", [1, 1, 1, 1]),
        ("v2017", [1, 1, 1, 1]),
        ("COVID-19", [1, 2, 1, 1]),
        ("covid", [1, 2, 1, 1]),
        ("covid-1", [1, 1, 1, 1]),
        ("a", [1, 1, 2, 1]),
        ("ab", [1, 1, 1, 1]),
        ("New York", [1, 1, 1, 2]),
    ];
    for (word, expected) in cases {
        let values: Vec<u32> = patterns.mark(&[*word]).into_iter().map(|channel| channel[0]).collect();
        assert_eq!(values, expected, "{word:?}");
    }
}

/// `Paris Hilton` in one sentence of two windows that cut between its
/// words; `Bo` is cut into two subwords.
fn sentence() -> AlignedSentence {
    let window = |word_index: Vec<Option<usize>>, words, owned| Window {
        input_ids: vec![7; word_index.len()],
        attention_mask: vec![1; word_index.len()],
        labels: vec![None; word_index.len()],
        word_index,
        words,
        owned,
    };
    AlignedSentence {
        at: Location::unnamed(Some(1)),
        word_count: 3,
        words: vec!["Bo".into(), "Paris".into(), "Hilton".into()],
        windows: vec![
            window(vec![None, Some(0), Some(0), Some(1), None], 0..2, 0..2),
            window(vec![None, Some(2), None], 2..3, 2..3),
        ],
        warnings: Vec::new(),
    }
}

#[test]
fn each_subword_takes_its_words_values_over_the_whole_sentence() {
    let gazetteer = Gazetteer::parse("Paris Hilton\tPER\n".into(), GazetteerOptions::default(), Path::new("g.txt"));
    let features =
        InputFeatures::from_sources(vec![FeatureSource::Shape, FeatureSource::Gazetteer(gazetteer.unwrap())]);
    let channels: Vec<(String, usize)> = features.channels().into_iter().map(|c| (c.name, c.values)).collect();
    assert_eq!(channels, [("shape".to_string(), 12), ("gazetteer g PER".to_string(), 4)]);
    let sentences = [sentence()];
    let batch = Batch::pad(
        [
            (WindowId { sentence: 0, window: 1 }, &sentences[0].windows[1]),
            (WindowId { sentence: 0, window: 0 }, &sentences[0].windows[0]),
        ],
        0,
    );
    let ids = features.batch_ids(&batch, &sentences).unwrap();
    assert_eq!((ids.rows, ids.seq_len), (2, 5));
    let cap = Shape::Capitalised.id();
    // Row 0 is the second window (Hilton, then padding); row 1 the first.
    assert_eq!(ids.channels[0], [0, cap, 0, 0, 0, 0, cap, cap, cap, 0]);
    // Hilton is I: the entry was matched over the whole sentence, not the window.
    assert_eq!(ids.channels[1], [0, 3, 0, 0, 0, 0, 1, 1, 2, 0]);

    let mut wordless = sentence();
    wordless.words.clear();
    let error = features.batch_ids(&batch, &[wordless]).unwrap_err().to_string();
    assert!(error.contains("aligned without its words"), "{error}");
}

#[test]
fn a_model_folder_keeps_the_files_and_refuses_a_copy_that_changed() {
    let dir = tempfile::TempDir::new().unwrap();
    let gazetteer = file(dir.path(), "cities.txt", "Paris\tLOC\nParis Hilton\tPER\n".as_bytes());
    let patterns = file(dir.path(), "patterns.tsv", b"year\t\\d{4}\n");
    let spec: FeatureSpec =
        format!("shape,gazetteer+case=sensitive:{},regex:{}", gazetteer.display(), patterns.display()).parse().unwrap();
    let features = InputFeatures::read(&spec).unwrap();
    let folder = dir.path().join("model");
    std::fs::create_dir(&folder).unwrap();
    let records = features.save(&folder).unwrap();
    // The originals go; the folder is the whole model.
    std::fs::remove_file(&gazetteer).unwrap();
    std::fs::remove_file(&patterns).unwrap();
    let description = folder.join("retag-model.json");
    let loaded = InputFeatures::load(&folder, &records, &description).unwrap();
    let sentence = words("Paris Hilton was born in 1981 in paris");
    assert_eq!(loaded.word_ids(&sentence), features.word_ids(&sentence));
    assert_eq!(loaded.channels(), features.channels());
    assert_eq!(loaded.fingerprint(), features.fingerprint());
    let json = serde_json::to_value(&records).unwrap();
    assert_eq!(json[1]["kind"], "gazetteer");
    assert_eq!(json[1]["case"], "sensitive");
    assert_eq!(json[1]["channels"], serde_json::json!(["LOC", "PER"]));

    // A copy edited into other types, or a record pointing out of the folder, is refused.
    std::fs::write(folder.join("input-features/2-gazetteer.txt"), "Paris\tGPE\n").unwrap();
    let error = InputFeatures::load(&folder, &records, &description).unwrap_err().to_string();
    assert!(error.contains("retag-model.json: input feature 2") && error.contains("GPE"), "{error}");
    std::fs::write(folder.join("input-features/2-gazetteer.txt"), "Paris\tLOC\nParis Hilton\tPER\n").unwrap();
    InputFeatures::load(&folder, &records, &description).expect("the copy as written");
    let mut escaping = records.clone();
    if let retag_data::features::record::FeatureRecord::Regex { file, .. } = &mut escaping[2] {
        *file = "../patterns.tsv".into();
    }
    let error = InputFeatures::load(&folder, &escaping, &description).unwrap_err().to_string();
    assert!(error.contains("input feature 3") && error.contains("not a file of the folder"), "{error}");
    let unknown = serde_json::from_str::<Vec<retag_data::features::record::FeatureRecord>>(r#"[{"kind": "pos"}]"#);
    assert!(unknown.is_err());
}

#[test]
fn the_fingerprint_follows_the_files_content() {
    let make = |text: &str, options: GazetteerOptions| {
        let gazetteer = Gazetteer::parse(text.into(), options, Path::new("g.txt")).unwrap();
        InputFeatures::from_sources(vec![FeatureSource::Gazetteer(gazetteer)]).fingerprint()
    };
    let base = make("Paris\tLOC\n", GazetteerOptions::default());
    assert_eq!(base, make("Paris\tLOC\n", GazetteerOptions::default()));
    assert_ne!(base, make("Paris\tGPE\n", GazetteerOptions::default()));
    let sensitive = GazetteerOptions { case: retag_data::features::CaseMode::Sensitive, ..Default::default() };
    assert_ne!(base, make("Paris\tLOC\n", sensitive));
}

#[test]
fn a_gazetteer_is_collected_from_annotated_data() {
    let file = Location::file("train.conll");
    let sentence = |line: usize, text: &str, tags: &str| {
        let mut sentence =
            Sentence::new(text.split(' ').map(str::to_string).collect(), tags.split(' ').map(str::to_string).collect());
        sentence.place_at_line(line);
        sentence
    };
    let mut collector = GazetteerCollector::new(Scheme::Iob2, file.clone());
    for s in [
        sentence(1, "Ann Smith went to Paris", "B-PER I-PER O O B-LOC"),
        sentence(7, "Paris saw Ann Smith", "B-LOC O B-PER I-PER"),
        sentence(12, "New York", "B-LOC I-LOC"),
    ] {
        collector.add(&s).unwrap();
    }
    collector.add(&Sentence::new(Vec::new(), Vec::new())).unwrap();
    assert_eq!(collector.mentions(), 5);
    assert_eq!(collector.counts(), [("LOC".to_string(), 2), ("PER".to_string(), 1)]);
    assert_eq!(collector.to_text(), "New York\tLOC\nParis\tLOC\nAnn Smith\tPER\n");
    // What it writes reads back as a gazetteer of the same types.
    let read = Gazetteer::parse(collector.to_text(), GazetteerOptions::default(), Path::new("g.txt")).unwrap();
    assert_eq!(read.channels(), ["LOC", "PER"]);

    let error = collector.add(&sentence(20, "a b", "O I-PER")).unwrap_err().to_string();
    assert!(error.contains("train.conll:21"), "{error}");
    let error = collector.add(&sentence(30, "a\tb", "B-PER")).unwrap_err().to_string();
    assert!(error.contains("train.conll:30") && error.contains("tab"), "{error}");
}
