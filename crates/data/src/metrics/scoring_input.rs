//! Sentences read from files, checked before they are scored: [`evaluate`]
//! compares bare tag lists and can only name a sentence by its number, while
//! here every sentence knows its file and line, so a bad tag or a prediction
//! that drifted from the gold file is reported where the user can fix it.
//! `retag eval` and any program that scores files call these in this order:
//! [`check_tags`] on each side, [`check_same_tokens`], then [`evaluate_sentences`].

use std::path::Path;

use crate::error::DataError;
use crate::location::Location;
use crate::sentence::Sentence;

use super::{Mode, Report, evaluate};

/// Every tag must be `O` or a prefix and a type: seqeval would read a tag such
/// as `PER` as prefix `P`, type `ER`, and score nonsense without a word. In
/// strict mode seqeval refuses anything but IOB2 prefixes; so do we, but
/// naming the line. A file with no sentence is an error too: its scores
/// would be zeros that look like a model's.
pub fn check_tags(path: &Path, sentences: &[Sentence], mode: Mode) -> Result<(), DataError> {
    let file = &Location::file(path);
    if sentences.is_empty() {
        return Err(DataError::Malformed { at: file.clone(), reason: "the file holds no sentence to evaluate".into() });
    }
    for sentence in sentences {
        sentence.check_tags(file)?;
        if mode == Mode::Strict {
            let not_iob2 = sentence.tags.iter().position(|tag| !matches!(tag.chars().next(), Some('B' | 'I' | 'O')));
            if let Some(index) = not_iob2 {
                return Err(DataError::InvalidTag {
                    at: sentence.token_location(file, index),
                    tag: sentence.tags[index].clone(),
                    reason: "strict mode reads IOB2 tags only; convert the file with `retag data convert` or use \
                             --mode default"
                        .into(),
                });
            }
        }
    }
    Ok(())
}

/// Gold and prediction must hold the same sentences with the same tokens;
/// the first difference is reported with both places
/// ([`DataError::TokensDiffer`], [`DataError::SentenceCountDiffers`]).
/// Sentences are compared before their count, so that a sentence dropped or
/// split in the middle of a file is named where it happened, not at the end.
pub fn check_same_tokens(
    gold_path: &Path,
    gold: &[Sentence],
    pred_path: &Path,
    pred: &[Sentence],
) -> Result<(), DataError> {
    let (gold_file, pred_file) = (&Location::file(gold_path), &Location::file(pred_path));
    for (number, (g, p)) in gold.iter().zip(pred).enumerate() {
        if g.len() != p.len() {
            return Err(DataError::TokensDiffer {
                at_pred: p.location(pred_file),
                at_gold: g.location(gold_file),
                reason: format!("sentence {} has {} tokens here but {} in the gold file", number + 1, p.len(), g.len()),
            });
        }
        if let Some(index) = (0..g.len()).find(|&i| g.tokens[i] != p.tokens[i]) {
            return Err(DataError::TokensDiffer {
                at_pred: p.token_location(pred_file, index),
                at_gold: g.token_location(gold_file, index),
                reason: format!("token {:?} differs from the gold file's {:?}", p.tokens[index], g.tokens[index]),
            });
        }
    }
    if gold.len() != pred.len() {
        let paired = gold.len().min(pred.len());
        let (longer, longer_file) = if gold.len() > pred.len() { (gold, gold_file) } else { (pred, pred_file) };
        return Err(DataError::SentenceCountDiffers {
            at: longer[paired].location(longer_file),
            gold: gold_path.to_path_buf(),
            gold_sentences: gold.len(),
            pred: pred_path.to_path_buf(),
            pred_sentences: pred.len(),
            unmatched: paired + 1,
        });
    }
    Ok(())
}

/// [`evaluate`] on sentences whose tokens are known to line up (see
/// [`check_same_tokens`]): scores their tags the way seqeval does.
pub fn evaluate_sentences(gold: &[Sentence], pred: &[Sentence], mode: Mode) -> Result<Report, DataError> {
    let gold_tags: Vec<&[String]> = gold.iter().map(|s| s.tags.as_slice()).collect();
    let pred_tags: Vec<&[String]> = pred.iter().map(|s| s.tags.as_slice()).collect();
    evaluate(&gold_tags, &pred_tags, mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sentences as a CoNLL file holds them: `"a O\nb B-PER"` per sentence,
    /// a blank line between sentences, lines numbered from 1.
    fn conll(sentences: &[&str]) -> Vec<Sentence> {
        let mut line = 1;
        sentences
            .iter()
            .map(|text| {
                // A line without a tag has a token and no tag, as a truncated file would.
                let tokens = text.lines().map(|l| l.split(' ').next().unwrap_or_default().to_string()).collect();
                let tags = text.lines().filter_map(|l| l.split_once(' ')).map(|(_, tag)| tag.to_string()).collect();
                let mut sentence = Sentence::new(tokens, tags);
                sentence.place_at_line(line);
                line += sentence.len() + 1;
                sentence
            })
            .collect()
    }

    #[test]
    fn check_tags_accepts_what_the_mode_reads_and_names_the_first_bad_tag() {
        // (mode, sentences, Ok or the error's text)
        let cases: &[(Mode, &[&str], Result<(), &str>)] = &[
            (Mode::Default, &["a O\nb B-PER\nc I-PER"], Ok(())),
            (Mode::Strict, &["a O\nb B-PER\nc I-PER"], Ok(())),
            (Mode::Default, &["a O\nb S-PER", "c E-LOC"], Ok(())),
            (Mode::Strict, &["a O\nb S-PER"], Err("f.txt:2: invalid tag \"S-PER\": strict mode reads IOB2")),
            (Mode::Strict, &["a O", "b O\nc E-LOC"], Err("f.txt:4: invalid tag \"E-LOC\"")),
            (Mode::Default, &["a O", "b PER"], Err("f.txt:3: invalid tag \"PER\"")),
            (Mode::Strict, &["a O", "b PER"], Err("f.txt:3: invalid tag \"PER\"")),
            (Mode::Default, &["a O\nb"], Err("f.txt:1: the sentence has 2 tokens but 1 tags")),
            (Mode::Default, &[], Err("f.txt: the file holds no sentence to evaluate")),
            (Mode::Strict, &[], Err("f.txt: the file holds no sentence to evaluate")),
        ];
        for (mode, sentences, expected) in cases {
            let got = check_tags(Path::new("f.txt"), &conll(sentences), *mode).map_err(|error| error.to_string());
            match (&got, expected) {
                (Ok(()), Ok(())) => {}
                (Err(error), Err(expected)) => assert!(error.starts_with(expected), "{sentences:?}: {error}"),
                _ => panic!("{mode} {sentences:?}: got {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn check_tags_errors_are_typed() {
        let file = Path::new("f.txt");
        let error = check_tags(file, &conll(&["a X"]), Mode::Default).unwrap_err();
        assert!(matches!(error, DataError::InvalidTag { ref tag, .. } if tag == "X"), "{error:?}");
        let error = check_tags(file, &[], Mode::Default).unwrap_err();
        assert!(matches!(error, DataError::Malformed { ref at, .. } if *at == Location::file(file)), "{error:?}");
    }

    #[test]
    fn check_same_tokens_names_the_first_difference_in_both_files() {
        const GOLD: &[&str] = &["John B-PER\nSmith I-PER\nin O", "ACME B-ORG\nand O\nMary B-PER"];
        // (prediction, Ok or the error's text)
        let cases: &[(&[&str], Result<(), &str>)] = &[
            (GOLD, Ok(())),
            // Other tags, same tokens: that is what scoring compares.
            (&["John O\nSmith O\nin O", "ACME O\nand O\nMary O"], Ok(())),
            (
                &["John B-PER\nSmith I-PER\nin O", "ACME B-ORG\nand O\nMarie B-PER"],
                Err("pred.txt:7: token \"Marie\" differs from the gold file's \"Mary\" (gold.txt:7)"),
            ),
            (
                &["John B-PER\nSmith I-PER", "in O\nACME B-ORG\nand O\nMary B-PER"],
                Err("pred.txt:1: sentence 1 has 2 tokens here but 3 in the gold file (gold.txt:1)"),
            ),
            (
                &["John B-PER\nSmith I-PER\nin O"],
                Err("gold.txt:5: gold.txt has 2 sentences but pred.txt has 1; sentence 2 starts here and has no \
                     counterpart"),
            ),
            (
                &["John B-PER\nSmith I-PER\nin O", "ACME B-ORG\nand O\nMary B-PER", "more O"],
                Err("pred.txt:9: gold.txt has 2 sentences but pred.txt has 3; sentence 3 starts here and has no \
                     counterpart"),
            ),
            // A difference inside a sentence is named before the count.
            (&["John B-PER\nSmyth I-PER\nin O"], Err("pred.txt:2: token \"Smyth\" differs")),
        ];
        let (gold_path, pred_path) = (Path::new("gold.txt"), Path::new("pred.txt"));
        let gold = conll(GOLD);
        for (pred, expected) in cases {
            let got = check_same_tokens(gold_path, &gold, pred_path, &conll(pred)).map_err(|e| e.to_string());
            match (&got, expected) {
                (Ok(()), Ok(())) => {}
                (Err(error), Err(expected)) => assert!(error.starts_with(expected), "{pred:?}: {error}"),
                _ => panic!("{pred:?}: got {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn check_same_tokens_errors_are_typed() {
        let (gold_path, pred_path) = (Path::new("gold.txt"), Path::new("pred.txt"));
        let (gold_file, pred_file) = (Location::file(gold_path), Location::file(pred_path));
        let gold = conll(&["a O\nb O"]);
        let error = check_same_tokens(gold_path, &gold, pred_path, &conll(&["a O\nc O"])).unwrap_err();
        match error {
            DataError::TokensDiffer { at_pred, at_gold, .. } => {
                assert_eq!((at_pred, at_gold), (pred_file.at_line(2), gold_file.at_line(2)));
            }
            other => panic!("expected TokensDiffer, got {other:?}"),
        }
        let error = check_same_tokens(gold_path, &gold, pred_path, &[]).unwrap_err();
        match error {
            DataError::SentenceCountDiffers { at, gold, pred, gold_sentences: 1, pred_sentences: 0, unmatched: 1 } => {
                assert_eq!((at, gold.as_path(), pred.as_path()), (gold_file.at_line(1), gold_path, pred_path));
            }
            other => panic!("expected SentenceCountDiffers, got {other:?}"),
        }
    }

    #[test]
    fn evaluate_sentences_scores_the_tags_as_evaluate_does() {
        // (gold, prediction, mode, micro F1)
        let cases: &[(&[&str], &[&str], Mode, f64)] = &[
            (&["a B-PER\nb I-PER\nc O"], &["a B-PER\nb I-PER\nc O"], Mode::Default, 1.0),
            // An I- after O starts an entity in default mode only.
            (&["a B-PER\nb O"], &["a I-PER\nb O"], Mode::Default, 1.0),
            (&["a B-PER\nb O"], &["a I-PER\nb O"], Mode::Strict, 0.0),
            (&["a B-PER", "b B-LOC"], &["a B-PER", "b O"], Mode::Default, 2.0 / 3.0),
        ];
        for (gold, pred, mode, f1) in cases {
            let (gold, pred) = (conll(gold), conll(pred));
            let report = evaluate_sentences(&gold, &pred, *mode).unwrap();
            let tags = |s: &[Sentence]| s.iter().map(|s| s.tags.clone()).collect::<Vec<_>>();
            assert_eq!(report, evaluate(&tags(&gold), &tags(&pred), *mode).unwrap());
            assert!((report.micro.f1 - f1).abs() < 1e-12, "{gold:?} {pred:?} {mode}: {}", report.micro.f1);
        }
    }
}
