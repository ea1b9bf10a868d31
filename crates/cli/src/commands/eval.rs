//! `retag eval --gold G --pred P`: score a prediction file as seqeval does.
//!
//! (`retag eval --model DIR --data F`, which predicts first, comes with the
//! training issue and will share the scoring and printing below.)

use std::path::Path;

use anyhow::{Result, bail};
use retag_data::metrics::{self, Mode, Report};
use retag_data::scheme::Tag;
use retag_data::{DataError, Location, Sentence};

use crate::args::{EvalArgs, EvalMode};
use crate::dataset;

pub fn run(args: &EvalArgs) -> Result<()> {
    let gold = dataset::read_all(&args.gold, &args.input)?;
    let pred = dataset::read_all(&args.pred, &args.input)?;
    check_tags(&args.gold, &gold)?;
    check_tags(&args.pred, &pred)?;
    check_same_tokens(&args.gold, &gold, &args.pred, &pred)?;
    let mode = match args.mode {
        EvalMode::Default => Mode::Default,
        EvalMode::Strict => Mode::Strict,
    };
    let report = score(&gold, &pred, mode)?;
    if args.json {
        println!("{}", serde_json::to_string(&report.to_eval_json())?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(())
}

/// Scores sentences whose tokens are known to line up.
pub fn score(gold: &[Sentence], pred: &[Sentence], mode: Mode) -> Result<Report> {
    let gold_tags: Vec<&[String]> = gold.iter().map(|s| s.tags.as_slice()).collect();
    let pred_tags: Vec<&[String]> = pred.iter().map(|s| s.tags.as_slice()).collect();
    Ok(metrics::evaluate(&gold_tags, &pred_tags, mode)?)
}

/// Every tag must be `O` or a prefix and a type: seqeval would read a tag such
/// as `PER` as prefix `P`, type `ER`, and score nonsense without a word.
fn check_tags(path: &Path, sentences: &[Sentence]) -> Result<(), DataError> {
    let file = Location::file(path);
    for sentence in sentences {
        if !sentence.is_tagged() {
            return Err(DataError::Malformed {
                at: file.at_line(sentence.line),
                reason: "this sentence has no tags; eval needs a tag column in both files".into(),
            });
        }
        for (index, tag) in sentence.tags.iter().enumerate() {
            if let Err(reason) = Tag::parse(tag) {
                return Err(DataError::InvalidTag {
                    at: file.at_line(sentence.line + index),
                    tag: tag.clone(),
                    reason,
                });
            }
        }
    }
    Ok(())
}

/// Gold and prediction must hold the same sentences with the same tokens;
/// the first difference is reported with both places.
fn check_same_tokens(gold_path: &Path, gold: &[Sentence], pred_path: &Path, pred: &[Sentence]) -> Result<()> {
    for (number, (g, p)) in gold.iter().zip(pred).enumerate() {
        let at_gold = Location::line(gold_path, g.line);
        let at_pred = Location::line(pred_path, p.line);
        if g.len() != p.len() {
            bail!(
                "{at_pred}: sentence {} has {} tokens here but {} in the gold file ({at_gold})",
                number + 1,
                p.len(),
                g.len()
            );
        }
        if let Some(index) = (0..g.len()).find(|&i| g.tokens[i] != p.tokens[i]) {
            bail!(
                "{}: token {:?} differs from the gold file's {:?} ({})",
                at_pred.at_line(p.line + index),
                p.tokens[index],
                g.tokens[index],
                at_gold.at_line(g.line + index)
            );
        }
    }
    if gold.len() != pred.len() {
        bail!("{} has {} sentences but {} has {}", gold_path.display(), gold.len(), pred_path.display(), pred.len());
    }
    Ok(())
}
