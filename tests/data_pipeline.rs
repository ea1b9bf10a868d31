//! End to end through the facade, the way a user's program drives retag's
//! data layer: a real corpus is relabelled to a coarser tagset, written and
//! read in every format and scheme, and scored against itself.

use std::path::{Path, PathBuf};

use retag::data::conll::{ConllOptions, Separator, read_conll_file, write_conll_file};
use retag::data::jsonl::{JsonlOptions, JsonlShape, read_jsonl_file, write_jsonl_file};
use retag::data::mapping::{RelabelOptions, TagsetMapping};
use retag::data::metrics::{Mode, evaluate};
use retag::data::scheme::{OnInvalid, convert};
use retag::data::{Location, Scheme, Sentence, Tagset};

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn shared_data(relative: &str) -> PathBuf {
    let path = repo_path("../shared/data").join(relative);
    assert!(path.is_file(), "{} is missing: the tests need ../shared/data beside the repository", path.display());
    path
}

fn tags_of(sentences: &[Sentence]) -> Vec<Vec<String>> {
    sentences.iter().map(|s| s.tags.clone()).collect()
}

#[test]
fn a_relabelled_corpus_survives_every_format_and_scheme_and_scores_perfectly() {
    let source = shared_data("wnut16/train.txt");
    let fine = read_conll_file(&source, &ConllOptions::default()).unwrap();
    let mapping = TagsetMapping::load(repo_path("examples/mappings/wnut16-to-coarse.toml")).unwrap();
    let file = Location::file(&source);
    let coarse: Vec<Sentence> =
        fine.iter().map(|s| mapping.relabel(s, Scheme::Iob2, RelabelOptions::default(), &file).unwrap()).collect();

    let tagset = Tagset::from_sentences(&coarse, Scheme::Iob2, &file).unwrap();
    assert_eq!(tagset.entity_types(), ["location", "organization", "other", "person"]);

    // BIOES in CoNLL, then JSONL text spans, then back to IOB2.
    let dir = tempfile::tempdir().unwrap();
    let bioes: Vec<Sentence> = coarse
        .iter()
        .map(|s| s.with_tags(convert(&s.tags, Scheme::Iob2, Scheme::Bioes, OnInvalid::Error).unwrap()))
        .collect();
    let conll_path = dir.path().join("coarse.bioes.txt");
    write_conll_file(&conll_path, &bioes, Separator::Tab).unwrap();
    let from_conll = read_conll_file(&conll_path, &ConllOptions::default()).unwrap();
    let iob2: Vec<Sentence> = from_conll
        .iter()
        .map(|s| s.with_tags(convert(&s.tags, Scheme::Bioes, Scheme::Iob2, OnInvalid::Error).unwrap()))
        .collect();
    let jsonl_path = dir.path().join("coarse.jsonl");
    write_jsonl_file(&jsonl_path, &iob2, JsonlShape::Tokens).unwrap();
    let back = read_jsonl_file(&jsonl_path, &JsonlOptions::default()).unwrap();

    assert_eq!(back.len(), coarse.len());
    for (a, b) in back.iter().zip(&coarse) {
        assert_eq!((&a.tokens, &a.tags), (&b.tokens, &b.tags), "sentence at line {}", b.line);
    }
    for mode in [Mode::Default, Mode::Strict] {
        let report = evaluate(&tags_of(&coarse), &tags_of(&back), mode).unwrap();
        assert_eq!(report.micro.f1, 1.0, "{mode}");
        assert_eq!(report.micro.support, 1496, "relabelling kept every WNUT-16 entity");
    }
    // Against the fine annotation, the coarse one finds the same spans with
    // other names: only "person" keeps its name, with all 449 mentions.
    let report = evaluate(&tags_of(&fine), &tags_of(&coarse), Mode::Default).unwrap();
    assert_eq!(report.per_type["person"].f1, 1.0);
    assert_eq!(report.micro.support, 1496);
}
