//! Subword alignment: loading tokenizers, words to windows, predictions back
//! to words. The tokenizer is a tiny BERT vocabulary written to a temporary
//! folder, so these tests need no model download.

/// One module, so that `cargo test -p retag-data align` selects all of these.
mod align {
    use std::fs;
    use std::path::Path;

    use proptest::prelude::*;
    use retag_data::align::{
        AlignOptions, AlignWarning, AlignedSentence, Batch, LabelPolicy, SpecialTokens, WindowId, WindowOptions,
        WordPieces, WordTokenizer, batches, load_tokenizer, merge_batches, plan_windows,
    };
    use retag_data::{Location, Scheme, Sentence, Tagset};
    use tempfile::TempDir;

    /// Special tokens first, as in BERT's vocabulary: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3.
    const VOCAB: &[&str] = &[
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "john", "smith", "lives", "in",
        "new", "york", ".", ",", "!", "un", "##believ", "##able", "play", "##ing", "##s", "paris",
    ];

    fn id(token: &str) -> u32 {
        VOCAB.iter().position(|t| *t == token).expect("token of the test vocabulary") as u32
    }

    /// A folder holding `vocab.txt` and, when given, `tokenizer_config.json`.
    fn vocab_dir(config: Option<&str>) -> TempDir {
        let dir = TempDir::new().unwrap();
        fs::write(dir.path().join("vocab.txt"), VOCAB.join("\n") + "\n").unwrap();
        if let Some(config) = config {
            fs::write(dir.path().join("tokenizer_config.json"), config).unwrap();
        }
        dir
    }

    fn tokenizer() -> (TempDir, WordTokenizer) {
        let dir = vocab_dir(None);
        let tokenizer = load_tokenizer(dir.path()).unwrap();
        (dir, tokenizer)
    }

    fn at() -> Location {
        Location::line("test.conll", 1)
    }

    fn options(max_len: usize, stride: usize, labels: LabelPolicy) -> AlignOptions {
        AlignOptions::new(WindowOptions::new(max_len, stride).unwrap(), labels)
    }

    fn pieces_of(tokenizer: &WordTokenizer, words: &[&str]) -> Vec<Vec<u32>> {
        let pieces = tokenizer.word_pieces(words, &at()).unwrap();
        (0..pieces.word_count()).map(|i| pieces.word(i).to_vec()).collect()
    }

    #[test]
    fn vocab_txt_builds_an_uncased_bert_tokenizer() {
        let (_dir, tokenizer) = tokenizer();
        assert_eq!(tokenizer.special_tokens(), SpecialTokens { cls: 2, sep: 3, pad: 0, unk: 1 });
        assert_eq!(tokenizer.max_length(), 512);
        let cases: &[(&[&str], &[&[&str]])] = &[
            (&["John", "Smith"], &[&["john"], &["smith"]]),
            (&["unbelievable", "playing"], &[&["un", "##believ", "##able"], &["play", "##ing"]]),
            // The pre-tokenizer splits punctuation inside a word; the pieces stay that word's.
            (&["york!", "."], &[&["york", "!"], &["."]]),
            (&["Zebra"], &[&["[UNK]"]]),
            // Accents are stripped with lower-casing, as BertTokenizer does.
            (&["Pàris"], &[&["paris"]]),
        ];
        for (words, expected) in cases {
            let expected: Vec<Vec<u32>> = expected.iter().map(|w| w.iter().map(|t| id(t)).collect()).collect();
            assert_eq!(pieces_of(&tokenizer, words), expected, "{words:?}");
        }
    }

    #[test]
    fn tokenizer_config_is_honoured() {
        // (config, words, expected pieces, expected max length)
        let cases: &[(&str, &str, &[&str], usize)] = &[
            (r#"{"do_lower_case": false}"#, "John", &["[UNK]"], 512),
            (r#"{"do_lower_case": true, "model_max_length": 128}"#, "John", &["john"], 128),
            // transformers' "unknown length" sentinel falls back to the default.
            (r#"{"model_max_length": 1000000000000000019884624838656}"#, "John", &["john"], 512),
            (r#"{"model_max_length": 1}"#, "cat", &["cat"], 512),
            (r#"{"cls_token": {"content": "[CLS]", "lstrip": false}, "unk_token": "[UNK]"}"#, "cat", &["cat"], 512),
        ];
        for (config, word, expected, max_length) in cases {
            let dir = vocab_dir(Some(config));
            let tokenizer = load_tokenizer(dir.path()).unwrap();
            let expected: Vec<u32> = expected.iter().map(|t| id(t)).collect();
            assert_eq!(pieces_of(&tokenizer, &[word]), vec![expected], "{config}");
            assert_eq!(tokenizer.max_length(), *max_length, "{config}");
        }
        let dir = vocab_dir(None);
        let tokenizer = WordTokenizer::load_with_fallback_max_length(dir.path(), 256).unwrap();
        assert_eq!(tokenizer.max_length(), 256);
    }

    #[test]
    fn tokenizer_json_is_preferred_and_its_truncation_and_padding_are_ignored() {
        let (dir, built) = tokenizer();
        let json_path = dir.path().join("tokenizer.json");
        built.save(&json_path).unwrap();
        // Give the saved tokenizer a truncation to 4 and fixed padding, as checkpoints often have.
        let mut json: serde_json::Value = serde_json::from_str(&fs::read_to_string(&json_path).unwrap()).unwrap();
        json["truncation"] =
            serde_json::json!({"direction": "Right", "max_length": 4, "strategy": "LongestFirst", "stride": 0});
        json["padding"] = serde_json::json!({"strategy": {"Fixed": 8}, "direction": "Right", "pad_to_multiple_of": null,
            "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"});
        fs::write(&json_path, json.to_string()).unwrap();
        // Removing vocab.txt proves the folder is read through tokenizer.json.
        fs::remove_file(dir.path().join("vocab.txt")).unwrap();

        for source in [dir.path().to_path_buf(), json_path.clone()] {
            let loaded = load_tokenizer(&source).unwrap();
            assert_eq!(loaded.path(), json_path);
            assert_eq!(loaded.special_tokens(), built.special_tokens());
            let words = ["the", "cat", "sat", "on", "the", "unbelievable", "mat"];
            assert_eq!(pieces_of(&loaded, &words), pieces_of(&built, &words));
        }
    }

    #[test]
    fn loading_errors_name_the_path_and_the_problem() {
        let empty = TempDir::new().unwrap();
        let no_unk = TempDir::new().unwrap();
        fs::write(no_unk.path().join("vocab.txt"), "[PAD]\n[CLS]\n[SEP]\ncat\n").unwrap();
        let bad_flag = vocab_dir(Some(r#"{"do_lower_case": "yes"}"#));
        let bad_json = vocab_dir(Some("{not json"));
        let missing_cls = vocab_dir(Some(r#"{"cls_token": "<s>"}"#));
        let broken_tokenizer_json = TempDir::new().unwrap();
        fs::write(broken_tokenizer_json.path().join("tokenizer.json"), "{}").unwrap();

        let cases: Vec<(&Path, String, &str)> = vec![
            (empty.path(), empty.path().display().to_string(), "neither tokenizer.json nor vocab.txt"),
            (Path::new("/no/such/dir"), "/no/such/dir".into(), "no such file or folder"),
            (no_unk.path(), no_unk.path().join("vocab.txt").display().to_string(), "no unknown token \"[UNK]\""),
            (bad_flag.path(), "tokenizer_config.json".into(), "do_lower_case must be true, false or null"),
            (bad_json.path(), "tokenizer_config.json".into(), "not valid JSON"),
            (missing_cls.path(), "vocab.txt".into(), "no special token \"<s>\""),
            (broken_tokenizer_json.path(), "tokenizer.json".into(), "cannot read tokenizer.json"),
        ];
        for (path, names, problem) in cases {
            let error = load_tokenizer(path).unwrap_err().to_string();
            assert!(error.contains(&names) && error.contains(problem), "{path:?}: {error}");
        }
    }

    #[test]
    fn words_without_subwords_get_the_unknown_token_and_a_warning() {
        let (_dir, tokenizer) = tokenizer();
        let words = ["the", "\u{200B}", "cat", "", "\u{0007}", "sat"];
        let pieces = tokenizer.word_pieces(&words, &at()).unwrap();
        assert_eq!(pieces.word_count(), words.len());
        assert_eq!(pieces.lengths(), vec![1; 6]);
        let unk = tokenizer.special_tokens().unk;
        let emptied: Vec<usize> = (0..6).filter(|&i| pieces.word(i) == [unk]).collect();
        assert_eq!(emptied, [1, 3, 4]);
        let warned: Vec<usize> = pieces
            .warnings()
            .iter()
            .map(|w| match w {
                AlignWarning::NoSubwords { word, .. } => *word,
                other => panic!("unexpected warning {other}"),
            })
            .collect();
        assert_eq!(warned, [1, 3, 4]);
        assert!(
            pieces.warnings()[0].to_string().starts_with("test.conll:1: word 2 \"\\u{200b}\""),
            "{}",
            pieces.warnings()[0]
        );
    }

    #[test]
    fn labels_follow_the_policy() {
        let (_dir, tokenizer) = tokenizer();
        let words = ["john", "unbelievable", "playing"];
        let labels = [1, 0, 2];
        // (policy, expected labels per token)
        let cases: &[(LabelPolicy, &[Option<usize>])] = &[
            (LabelPolicy::FirstSubword, &[None, Some(1), Some(0), None, None, Some(2), None, None]),
            (LabelPolicy::AllSubwords, &[None, Some(1), Some(0), Some(0), Some(0), Some(2), Some(2), None]),
        ];
        for (policy, expected) in cases {
            let aligned = tokenizer.align_words(&words, Some(&labels), &options(16, 4, *policy), &at()).unwrap();
            assert_eq!(aligned.windows.len(), 1);
            let window = &aligned.windows[0];
            assert_eq!(window.labels, *expected, "{policy:?}");
            let ids: Vec<u32> =
                ["[CLS]", "john", "un", "##believ", "##able", "play", "##ing", "[SEP]"].map(id).to_vec();
            assert_eq!(window.input_ids, ids);
            assert_eq!(window.word_index, [None, Some(0), Some(1), Some(1), Some(1), Some(2), Some(2), None]);
            assert_eq!(window.attention_mask, vec![1; 8]);
            assert_eq!((window.words.clone(), window.owned.clone()), (0..3, 0..3));
        }
        let no_words: [&str; 0] = [];
        let empty =
            tokenizer.align_words(&no_words, Some(&[]), &options(16, 4, LabelPolicy::FirstSubword), &at()).unwrap();
        assert_eq!(empty.windows.len(), 0);
        assert_eq!(empty.merge::<u8, Vec<u8>>(&[]).unwrap(), Vec::<u8>::new());
        let unlabelled = tokenizer.align_words(&words, None, &options(16, 4, LabelPolicy::AllSubwords), &at()).unwrap();
        assert!(unlabelled.windows[0].labels.iter().all(Option::is_none));
        let error = tokenizer.align_words(&words, Some(&[0, 1]), &options(16, 4, LabelPolicy::FirstSubword), &at());
        assert_eq!(error.unwrap_err().to_string(), "test.conll:1: 2 labels for 3 words");
    }

    #[test]
    fn align_sentence_reads_tags_through_the_tagset() {
        let (_dir, tokenizer) = tokenizer();
        let tagset = Tagset::from_types(&["PER", "LOC"], Scheme::Iob2).unwrap();
        let mut sentence = Sentence::new(
            ["john", "smith", "lives", "in", "paris"].map(String::from).to_vec(),
            ["B-PER", "I-PER", "O", "O", "B-LOC"].map(String::from).to_vec(),
        );
        sentence.place_at_line(40);
        let file = Location::file("train.conll");
        let options = options(32, 8, LabelPolicy::FirstSubword);
        let aligned = tokenizer.align_sentence(&sentence, Some(&tagset), &options, &file).unwrap();
        let labels: Vec<usize> = aligned.windows[0].labels.iter().flatten().copied().collect();
        let expected: Vec<usize> = sentence.tags.iter().map(|t| tagset.id(t).unwrap()).collect();
        assert_eq!(labels, expected);
        assert_eq!(aligned.at, Location::line("train.conll", 40));

        let unlabelled = tokenizer.align_sentence(&sentence, None, &options, &file).unwrap();
        assert!(unlabelled.windows[0].labels.iter().all(Option::is_none));

        sentence.tags[3] = "B-ORG".into();
        let error = tokenizer.align_sentence(&sentence, Some(&tagset), &options, &file).unwrap_err().to_string();
        assert!(error.starts_with("train.conll:43: unknown label \"B-ORG\""), "{error}");

        let too_long = options_with_max_len(1024);
        let error = tokenizer.align_sentence(&sentence, None, &too_long, &file).unwrap_err().to_string();
        assert!(error.contains("1024 is longer than the 512 positions"), "{error}");
    }

    fn options_with_max_len(max_len: usize) -> AlignOptions {
        AlignOptions::new(WindowOptions::with_default_stride(max_len).unwrap(), LabelPolicy::FirstSubword)
    }

    /// Real sentences past 512 subwords: windows fit, cover the text in order,
    /// and merging returns each word exactly once.
    #[test]
    fn long_sentences_are_windowed_and_merged_back() {
        let (_dir, tokenizer) = tokenizer();
        let phrase =
            ["john", "smith", "lives", "in", "new", "york", ",", "unbelievable", "!", "the", "cat", "sat", "playing"];
        for repeats in [40, 97] {
            let words: Vec<&str> = phrase.iter().copied().cycle().take(phrase.len() * repeats).collect();
            let options = AlignOptions::for_tokenizer(&tokenizer).unwrap();
            let aligned = tokenizer.align_words(&words, None, &options, &at()).unwrap();
            let pieces = pieces_of(&tokenizer, &words);
            let subwords: usize = pieces.iter().map(Vec::len).sum();
            assert!(subwords > 512, "the test needs a sentence longer than the model");
            assert!(aligned.windows.len() >= 2);
            let special = tokenizer.special_tokens();
            for window in &aligned.windows {
                assert!(window.len() <= 512);
                assert_eq!(window.input_ids.first(), Some(&special.cls));
                assert_eq!(window.input_ids.last(), Some(&special.sep));
                let expected: Vec<u32> = window.words.clone().flat_map(|w| pieces[w].clone()).collect();
                assert_eq!(&window.input_ids[1..window.len() - 1], expected.as_slice());
            }
            let predictions: Vec<Vec<usize>> = aligned
                .windows
                .iter()
                .map(|w| w.word_index.iter().map(|i| i.unwrap_or(usize::MAX)).collect())
                .collect();
            assert_eq!(aligned.merge(&predictions).unwrap(), (0..words.len()).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_word_longer_than_a_window_is_truncated_with_a_warning() {
        let (_dir, tokenizer) = tokenizer();
        let bangs = "!".repeat(600);
        let words = ["the", bangs.as_str(), "cat"];
        let aligned = tokenizer.align_words(&words, Some(&[0, 1, 2]), &options_with_max_len(512), &at()).unwrap();
        assert_eq!(aligned.warnings.len(), 1);
        let warning = aligned.warnings[0].to_string();
        assert!(
            warning.contains("word 2 \"!!!!") && warning.contains("600 subwords") && warning.contains("first 510"),
            "{warning}"
        );
        assert!(aligned.windows.iter().all(|w| w.len() <= 512));
        let firsts: Vec<Vec<Option<usize>>> = aligned.windows.iter().map(|w| w.labels.clone()).collect();
        assert_eq!(aligned.merge(&firsts).unwrap(), [Some(0), Some(1), Some(2)]);
    }

    #[test]
    fn merge_refuses_predictions_that_do_not_fit() {
        let pieces = WordPieces::from_words(vec![vec![5], vec![6, 7], vec![8]]).unwrap();
        let special = SpecialTokens { cls: 2, sep: 3, pad: 0, unk: 1 };
        let aligned =
            AlignedSentence::from_pieces(pieces, None, &options(4, 1, LabelPolicy::FirstSubword), special, at())
                .unwrap();
        assert_eq!(aligned.windows.len(), 3);
        let fits = vec![vec![0u8; 4]; 3];
        assert_eq!(aligned.merge(&fits).unwrap().len(), 3);
        let cases: &[(Vec<Vec<u8>>, &str)] = &[
            (vec![vec![0; 4]; 2], "predictions for 2 windows, the sentence has 3"),
            (vec![vec![0; 3], vec![0; 4], vec![0; 1]], "window 3 has 3 tokens but only 1 predictions"),
        ];
        for (predictions, message) in cases {
            let error = aligned.merge(predictions).unwrap_err().to_string();
            assert_eq!(error, format!("test.conll:1: {message}"));
        }
        assert!(WordPieces::from_words(vec![vec![5], vec![]]).is_err());
    }

    #[test]
    fn batches_pad_to_their_longest_window_and_merge_back() {
        let (_dir, tokenizer) = tokenizer();
        let sentences: Vec<Vec<&str>> = vec![
            vec!["the", "cat"],
            vec!["john", "smith", "lives", "in", "new", "york", "unbelievable", "playing", "the", "mat"],
            vec!["paris"],
        ];
        let options = options(8, 2, LabelPolicy::FirstSubword);
        let aligned: Vec<AlignedSentence> =
            sentences.iter().map(|words| tokenizer.align_words(words, None, &options, &at()).unwrap()).collect();
        let pad = tokenizer.special_tokens().pad;
        let batches = batches(&aligned, 2, pad).unwrap();
        let windows: usize = aligned.iter().map(|s| s.windows.len()).sum();
        assert_eq!(batches.iter().map(Batch::len).sum::<usize>(), windows);
        assert!(batches.iter().all(|b| b.len() <= 2));
        for batch in &batches {
            let longest = batch.origins.iter().map(|o| aligned[o.sentence].windows[o.window].len()).max().unwrap();
            assert_eq!(batch.seq_len, longest);
            for (r, origin) in batch.origins.iter().enumerate() {
                let window = &aligned[origin.sentence].windows[origin.window];
                let ids = batch.row(&batch.input_ids, r).unwrap();
                let mask = batch.row(&batch.attention_mask, r).unwrap();
                assert_eq!(&ids[..window.len()], window.input_ids.as_slice());
                assert!(ids[window.len()..].iter().all(|&id| id == pad));
                assert_eq!(mask.iter().filter(|&&m| m == 1).count(), window.len());
                assert!(batch.row(&batch.labels, r).unwrap()[window.len()..].iter().all(Option::is_none));
            }
        }
        assert_eq!(batches[0].origins, [WindowId { sentence: 0, window: 0 }, WindowId { sentence: 1, window: 0 }]);
        // The "model" predicts each token's input id; merged, each word gets its first subword.
        let outputs: Vec<Vec<u32>> = batches.iter().map(|b| b.input_ids.clone()).collect();
        let merged = merge_batches(&aligned, &batches, &outputs).unwrap();
        for (words, predicted) in sentences.iter().zip(&merged) {
            let firsts: Vec<u32> = pieces_of(&tokenizer, words).iter().map(|p| p[0]).collect();
            assert_eq!(predicted, &firsts);
        }
        assert!(batches_with_zero_rows_are_refused(&aligned, pad));
        let short = vec![vec![0u32; 3]; batches.len()];
        assert!(merge_batches(&aligned, &batches, &short).unwrap_err().to_string().contains("expected 2 rows"));
    }

    fn batches_with_zero_rows_are_refused(aligned: &[AlignedSentence], pad: u32) -> bool {
        batches(aligned, 0, pad).unwrap_err().to_string().contains("batch_size")
    }

    /// Random sentences: word lengths in subwords, a window length and a stride.
    fn sentence_and_options() -> impl Strategy<Value = (Vec<usize>, WindowOptions)> {
        (8usize..=512)
            .prop_flat_map(|max_len| (Just(max_len), 0..max_len - 2, prop::collection::vec(1usize..=40, 1..2000)))
            .prop_map(|(max_len, stride, raw)| {
                let options = WindowOptions::new(max_len, stride).unwrap();
                let capacity = options.capacity();
                // Words of up to 40 subwords, folded into what a window holds.
                let lengths = raw.into_iter().map(|len| (len - 1) % capacity + 1).collect();
                (lengths, options)
            })
    }

    proptest! {
        #[test]
        fn windows_own_every_word_once_and_fit(((lengths, options), policy) in (sentence_and_options(), prop_oneof![Just(LabelPolicy::FirstSubword), Just(LabelPolicy::AllSubwords)])) {
            let spans = plan_windows(&lengths, &options).unwrap();
            let n = lengths.len();
            let size = |range: &std::ops::Range<usize>| lengths[range.clone()].iter().sum::<usize>();
            prop_assert_eq!(spans.first().map(|s| s.words.start), Some(0));
            prop_assert_eq!(spans.last().map(|s| s.words.end), Some(n));
            let mut owner = vec![0usize; n];
            for (k, span) in spans.iter().enumerate() {
                prop_assert!(size(&span.words) + 2 <= options.max_len());
                prop_assert!(span.owned.start >= span.words.start && span.owned.end <= span.words.end);
                for word in span.owned.clone() {
                    owner[word] += 1;
                }
                if let Some(next) = spans.get(k + 1) {
                    // Windows advance, leave no gap, and share at most `stride` subwords...
                    prop_assert!(next.words.start > span.words.start && next.words.end > span.words.end);
                    prop_assert!(next.words.start <= span.words.end);
                    let overlap = next.words.start..span.words.end;
                    prop_assert!(size(&overlap) <= options.stride());
                    // A shared word belongs to the window where it sits farther from the cut edge.
                    for word in overlap.clone() {
                        let before = size(&(overlap.start..word));
                        let after = size(&(word + 1..overlap.end));
                        prop_assert!(!span.owned.contains(&word) || before < after);
                        prop_assert!(!next.owned.contains(&word) || before >= after);
                    }
                    // ...and as many as they can: one more word would break the stride,
                    // crowd out the word that did not fit, or start no later.
                    let budget = options.stride().min(options.capacity() - lengths[span.words.end]);
                    prop_assert!(
                        next.words.start == span.words.start + 1
                            || size(&overlap) + lengths[next.words.start - 1] > budget
                    );
                }
            }
            prop_assert!(owner.iter().all(|&count| count == 1));

            // The same through real windows: the word index as fake prediction comes back whole.
            let words: Vec<Vec<u32>> = lengths.iter().enumerate().map(|(i, &len)| vec![10 + i as u32; len]).collect();
            let pieces = WordPieces::from_words(words).unwrap();
            let special = SpecialTokens { cls: 2, sep: 3, pad: 0, unk: 1 };
            let labels: Vec<usize> = (0..n).collect();
            let aligned = AlignedSentence::from_pieces(pieces, Some(&labels), &AlignOptions::new(options, policy), special, at()).unwrap();
            prop_assert!(aligned.warnings.is_empty());
            prop_assert_eq!(aligned.windows.len(), spans.len());
            for window in &aligned.windows {
                prop_assert!(window.len() <= options.max_len());
                for (token, word) in window.word_index.iter().enumerate() {
                    prop_assert_eq!(window.labels[token].is_some(), word.is_some() && (policy == LabelPolicy::AllSubwords || token == 0 || window.word_index[token - 1] != *word));
                }
            }
            let mut predictions: Vec<Vec<usize>> = aligned.windows.iter()
                .map(|w| w.word_index.iter().map(|i| i.unwrap_or(usize::MAX)).collect())
                .collect();
            // Batch padding after a window's tokens must not matter.
            predictions[0].extend([usize::MAX; 3]);
            prop_assert_eq!(aligned.merge(&predictions).unwrap(), labels);
        }
    }
}
