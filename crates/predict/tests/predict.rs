//! The predictor on the tiny random checkpoint of retag-bert (2 layers,
//! hidden 32, 64 positions, labels O B-PER I-PER B-LOC I-LOC) with the
//! 100-entry WordPiece vocabulary of `fixtures/tiny-bert-ner-vocab.txt`.
//! The weights are random, so the tags mean nothing; what is checked is that
//! they are the model's own argmax, one per word, however the words are
//! batched, windowed and streamed.
//!
//! The fixture's head favours B-PER almost everywhere, which would let a
//! comparison of two taggings pass whatever they did; [`recentred`] points
//! its head at how each hidden state differs from the average one, so that
//! tags vary with the word and its context.

use std::path::Path;

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};
use retag_bert::{BertForTokenClassification, BertInput};
use retag_data::align::WordTokenizer;
use retag_data::conll::{ConllOptions, ConllReader, Separator, TagColumn};
use retag_data::jsonl::JsonlShape;
use retag_data::{DataError, Location, Scheme, Sentence};
use retag_model::TaggerModel;
use retag_predict::{OutputFormat, PredictError, PredictOptions, PredictionWriter, Predictor};
use tempfile::TempDir;

/// The checkpoint and the vocabulary in one folder, as a user's model folder is.
fn model_dir() -> TempDir {
    let dir = TempDir::new().expect("a temporary directory");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tiny = manifest.join("../bert/tests/fixtures/tiny-bert-ner");
    for file in ["config.json", "model.safetensors"] {
        std::fs::copy(tiny.join(file), dir.path().join(file)).expect("copying the tiny checkpoint");
    }
    std::fs::copy(manifest.join("tests/fixtures/tiny-bert-ner-vocab.txt"), dir.path().join("vocab.txt"))
        .expect("copying the vocabulary");
    dir
}

fn device() -> Device {
    Device::flex()
}

/// The fixture with its head recentred, on `device`.
fn varied_on(options: PredictOptions, device: &Device) -> Predictor {
    let dir = model_dir();
    let model = BertForTokenClassification::from_pretrained(dir.path(), device).expect("the tiny model loads");
    let tokenizer = WordTokenizer::load_with_fallback_max_length(dir.path(), 64).expect("the vocabulary loads");
    let model = TaggerModel::from_token_classification(recentred(model, device)).expect("a linear head");
    Predictor::new(model, tokenizer, options, device).expect("valid options")
}

fn predictor(options: PredictOptions) -> Predictor {
    varied_on(options, &device())
}

/// The head scaled up and shifted so that the average hidden state (over
/// two windows of the whole vocabulary) scores 0 for every label. The
/// average is taken in validation mode, without dropout, whatever `device` is.
fn recentred(mut model: BertForTokenClassification, device: &Device) -> BertForTokenClassification {
    let rows: Vec<Vec<u32>> = [5u32, 36]
        .iter()
        .map(|&start| std::iter::once(2).chain(start..start + 62).chain(std::iter::once(3)).collect())
        .collect();
    let plain = device.clone().without_autodiff();
    let input = BertInput::padded(&rows, 0, &model.bert.config, &plain).unwrap();
    let hidden = model.valid().bert.forward(&input);
    let [batch, seq, width] = hidden.dims();
    let mean: Tensor<2> = Tensor::from_data(hidden.reshape([batch * seq, width]).mean_dim(0).into_data(), device);
    let weight = model.classifier.weight.val().mul_scalar(8.0).detach();
    let labels = model.labels.len();
    let bias: Tensor<1> = mean.matmul(weight.clone()).neg().reshape([labels]).detach();
    model.classifier.weight = Param::from_tensor(weight);
    model.classifier.bias = Some(Param::from_tensor(bias));
    model
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// Sentences of 0 to ~30 words, mixing whole-word vocabulary entries,
/// words that split into several subwords, and unknown characters.
fn corpus(count: usize) -> Vec<Vec<String>> {
    let pool = [
        "the", "went", "paris", "ann", "smith", "walking", "zebra", "new", "york", "québec", "@user", "#tag", "xyz",
        "today", "jumped", "river", "london", "€", "and", "bob",
    ];
    let mut state = 7u64;
    let mut next = |bound: usize| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 33) % bound as u64) as usize
    };
    (0..count).map(|_| (0..next(31)).map(|_| pool[next(pool.len())].to_string()).collect()).collect()
}

#[test]
fn tags_are_the_argmax_of_the_models_own_logits() {
    let predictor = predictor(PredictOptions::default());
    // Words that are whole vocabulary entries, so the ids are known without
    // the alignment code: [CLS] = 2, [SEP] = 3, then the vocabulary lines.
    let vocab =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-bert-ner-vocab.txt"))
            .unwrap();
    let vocab: Vec<&str> = vocab.lines().collect();
    let sentences = [
        words("ann smith went to paris and saw the big river today"),
        words("bob jones met eve in rome"),
        words("the old city of london is big"),
        words("oslo"),
        words("x y z @ # lima new york"),
    ];
    let model = predictor.model();
    let labels = model.tagset().len();
    let mut expected = Vec::new();
    for sentence in &sentences {
        let mut ids = vec![2u32];
        ids.extend(sentence.iter().map(|w| vocab.iter().position(|v| v == w).expect("a vocabulary word") as u32));
        ids.push(3);
        // Alone in its batch: no padding.
        let input = BertInput::padded(&[ids], 0, &model.encoder().unwrap().config, &device()).unwrap();
        let logits: TensorData = model.emissions(model.encode(&input).unwrap()).unwrap().into_data();
        let scores = logits.try_to_vec::<f32>().unwrap();
        let tags: Vec<String> = (1..=sentence.len())
            .map(|position| {
                let row = &scores[position * labels..(position + 1) * labels];
                let best = (0..labels).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
                model.tagset().label(best).unwrap().to_string()
            })
            .collect();
        expected.push(tags);
    }
    // Tagged together: sorted, batched and padded to the longest.
    assert_eq!(predictor.tag(&sentences).unwrap(), expected);
    // A random model does not predict one label everywhere: the comparison has teeth.
    let distinct: std::collections::BTreeSet<&String> = expected.iter().flatten().collect();
    assert!(distinct.len() >= 2, "{expected:?}");
}

#[test]
fn every_word_gets_one_tag_from_the_tagset() {
    let predictor = predictor(PredictOptions::default());
    let sentences = corpus(40);
    let tagged = predictor.tag(&sentences).unwrap();
    assert_eq!(tagged.len(), sentences.len());
    for (words, tags) in sentences.iter().zip(&tagged) {
        assert_eq!(tags.len(), words.len(), "{words:?}");
        assert!(tags.iter().all(|t| predictor.labels().contains(t)), "{tags:?}");
    }
    // Tags vary, so the comparisons of the other tests can fail.
    let distinct: std::collections::BTreeSet<&String> = tagged.iter().flatten().collect();
    assert!(distinct.len() >= 3, "{distinct:?}");
}

#[test]
fn batch_size_does_not_change_the_tags() {
    let sentences = corpus(50);
    let one = predictor(PredictOptions { batch_size: 1, ..Default::default() }).tag(&sentences).unwrap();
    let many = predictor(PredictOptions { batch_size: 32, ..Default::default() }).tag(&sentences).unwrap();
    assert_eq!(one, many);
}

/// A long sentence is cut into windows; each word's tag is the argmax at
/// its first subword in the window that owns it, computed here window by
/// window, each window alone in its batch.
#[test]
fn a_sentence_longer_than_max_len_is_tagged_in_full_from_its_windows() {
    let options = PredictOptions { max_len: Some(12), stride: Some(3), ..Default::default() };
    let predictor = predictor(options);
    let sentence =
        words("ann smith walking to new york jumped over the zebra and bob jones went to paris today with eve");
    let tagged = predictor.tag(std::slice::from_ref(&sentence)).unwrap().remove(0);
    assert_eq!(tagged.len(), sentence.len());

    let aligned = predictor
        .tokenizer()
        .align_words(&sentence, None, predictor.align_options(), &Location::unnamed(None))
        .unwrap();
    assert!(aligned.windows.len() >= 3, "the sentence should need several windows: {}", aligned.windows.len());
    let model = predictor.model();
    let mut expected = vec![None; sentence.len()];
    for window in &aligned.windows {
        assert!(window.len() <= 12);
        let input =
            BertInput::padded(std::slice::from_ref(&window.input_ids), 0, &model.encoder().unwrap().config, &device())
                .unwrap();
        let best = model
            .emissions(model.encode(&input).unwrap())
            .unwrap()
            .argmax(2)
            .into_data()
            .iter::<i64>()
            .collect::<Vec<_>>();
        for word in window.owned.clone() {
            let first = window.word_index.iter().position(|w| *w == Some(word)).unwrap();
            assert!(expected[word].is_none(), "word {word} owned twice");
            expected[word] = Some(model.tagset().label(best[first] as usize).unwrap().to_string());
        }
    }
    let expected: Vec<String> = expected.into_iter().map(|t| t.expect("every word owned")).collect();
    assert_eq!(tagged, expected);

    // A sentence that fits both window lengths gets the same tags from both.
    let short = words("bob went to rome");
    let full = self::predictor(PredictOptions::default());
    assert_eq!(predictor.tag(std::slice::from_ref(&short)).unwrap(), full.tag(&[short]).unwrap());
}

#[test]
fn empty_sentences_and_empty_input() {
    let predictor = predictor(PredictOptions::default());
    let none: Vec<Vec<String>> = Vec::new();
    assert_eq!(predictor.tag(&none).unwrap(), none);
    let empty: Vec<Vec<String>> = vec![vec![]];
    assert_eq!(predictor.tag(&empty).unwrap(), vec![Vec::<String>::new()]);
    let mixed = vec![vec![], words("ann went to paris"), vec![]];
    let tagged = predictor.tag(&mixed).unwrap();
    assert_eq!(tagged.iter().map(Vec::len).collect::<Vec<_>>(), [0, 4, 0]);
    assert_eq!(tagged[1], predictor.tag(&[words("ann went to paris")]).unwrap()[0]);

    let summary =
        predictor.tag_stream(std::iter::empty(), &Location::file("empty.txt"), |_| panic!("nothing to write")).unwrap();
    assert_eq!(summary.sentences, 0);
}

/// Streams `text` (CoNLL, tag column ignored) through the predictor with
/// `chunk` sentences at a time into CoNLL output.
fn stream(predictor: Predictor, chunk: usize, text: &str) -> (String, usize) {
    let predictor = predictor.with_options(PredictOptions { chunk_sentences: chunk, ..Default::default() }).unwrap();
    let options = ConllOptions { tag_column: TagColumn::None, ..Default::default() };
    let reader = ConllReader::new(text.as_bytes(), Location::file("in.conll"), options).unwrap();
    let scheme = Scheme::from_labels(predictor.labels().labels());
    let mut writer = PredictionWriter::new(Vec::new(), OutputFormat::Conll(Separator::Space), scheme);
    let summary = predictor.tag_stream(reader, &Location::file("in.conll"), |s| writer.write(&s)).unwrap();
    (String::from_utf8(writer.finish().unwrap()).unwrap(), summary.sentences)
}

fn conll_text(sentences: &[Vec<String>]) -> String {
    sentences
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.iter().map(|w| format!("{w} X-GOLD\n")).collect::<String>() + "\n")
        .collect()
}

#[test]
fn streaming_in_chunks_of_one_or_many_writes_the_same_file() {
    let sentences = corpus(30);
    let text = conll_text(&sentences);
    let load = || predictor(PredictOptions::default());
    let (by_one, count) = stream(load(), 1, &text);
    let (by_many, _) = stream(load(), 4096, &text);
    assert_eq!(by_one, by_many);
    let non_empty: Vec<&Vec<String>> = sentences.iter().filter(|s| !s.is_empty()).collect();
    assert_eq!(count, non_empty.len());

    // Same sentences, same tokens, in order; the gold column is gone.
    let options = ConllOptions::default();
    let back = retag_data::conll::read_conll_str(&by_one, &options).unwrap();
    assert_eq!(
        back.iter().map(|s| s.tokens.clone()).collect::<Vec<_>>(),
        non_empty.into_iter().cloned().collect::<Vec<_>>()
    );
    let predictor = load();
    for sentence in &back {
        assert!(sentence.tags.iter().all(|t| predictor.labels().contains(t)));
    }
    // And the tags are those of tagging everything at once.
    let tokens: Vec<Vec<String>> = back.iter().map(|s| s.tokens.clone()).collect();
    assert_eq!(back.iter().map(|s| s.tags.clone()).collect::<Vec<_>>(), predictor.tag(&tokens).unwrap());
}

#[test]
fn streaming_keeps_lines_and_stops_at_a_bad_line() {
    let predictor = predictor(PredictOptions { chunk_sentences: 2, ..Default::default() });
    let text = "ann O\nwent O\n\nbob O\n\nrome O\n\nbad line here\n\nparis O\n";
    let options = ConllOptions { tag_column: TagColumn::Index(1), ..Default::default() };
    let reader = ConllReader::new(text.as_bytes(), Location::file("in.conll"), options).unwrap();
    let mut lines = Vec::new();
    let error = predictor
        .tag_stream(reader, &Location::file("in.conll"), |s: Sentence| {
            lines.push(s.line);
            Ok(())
        })
        .unwrap_err();
    assert!(matches!(error, PredictError::Data(DataError::Malformed { .. })), "{error:?}");
    assert!(error.to_string().starts_with("in.conll:8:"), "{error}");
    // The first chunk was written before the bad line was read.
    assert_eq!(lines, [1, 4]);
}

#[test]
fn options_are_checked_against_the_model() {
    let dir = model_dir();
    let cases: &[(PredictOptions, &str)] = &[
        (PredictOptions { max_len: Some(65), ..Default::default() }, "max_len"),
        (PredictOptions { batch_size: 0, ..Default::default() }, "batch_size"),
        (PredictOptions { chunk_sentences: 0, ..Default::default() }, "chunk_sentences"),
        (PredictOptions { max_len: Some(10), stride: Some(8), ..Default::default() }, "stride"),
    ];
    for (options, named) in cases {
        let error = Predictor::load(dir.path(), &device()).unwrap().with_options(*options).unwrap_err().to_string();
        assert!(error.contains(named), "{options:?}: {error}");
    }
    // The default window is what the model's 64 positions allow.
    let predictor = Predictor::load(dir.path(), &device()).unwrap();
    assert_eq!(predictor.align_options().window.max_len(), 64);
}

#[test]
fn a_folder_without_a_model_or_tokenizer_is_named() {
    let empty = TempDir::new().unwrap();
    let error = Predictor::load(empty.path(), &device()).unwrap_err().to_string();
    assert!(error.contains(&empty.path().display().to_string()), "{error}");

    let dir = model_dir();
    std::fs::remove_file(dir.path().join("vocab.txt")).unwrap();
    let error = Predictor::load(dir.path(), &device()).unwrap_err().to_string();
    assert!(error.contains(&dir.path().display().to_string()) && error.contains("vocab.txt"), "{error}");
}

#[test]
fn a_training_device_is_used_without_autodiff() {
    let plain = predictor(PredictOptions::default());
    let training = varied_on(PredictOptions::default(), &device().autodiff());
    let sentences = corpus(10);
    assert_eq!(plain.tag(&sentences).unwrap(), training.tag(&sentences).unwrap());
}

#[test]
fn jsonl_output_has_spans_over_the_text() {
    let predictor = predictor(PredictOptions::default());
    let sentences: Vec<retag_data::Result<Sentence>> =
        vec![Ok(Sentence::new(words("ann smith went to new york"), vec![])), Ok(Sentence::default())];
    let scheme = Scheme::from_labels(predictor.labels().labels());
    let mut writer = PredictionWriter::new(Vec::new(), OutputFormat::Jsonl(JsonlShape::Text), scheme);
    predictor.tag_stream(sentences, &Location::file("x.jsonl"), |s| writer.write(&s)).unwrap();
    let text = String::from_utf8(writer.finish().unwrap()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with(r#"{"text":"ann smith went to new york","spans":["#), "{}", lines[0]);
    assert_eq!(lines[1], r#"{"text":"","spans":[]}"#);
}
