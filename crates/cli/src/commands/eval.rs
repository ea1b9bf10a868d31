//! `retag eval --gold G --pred P`: score a prediction file as seqeval does;
//! `retag eval --model DIR --data F`: tag the gold file with the model, then
//! score those predictions the same way.

use std::path::Path;

use anyhow::{Context, Result, bail};
use retag_data::metrics::{self, Mode, Report};
use retag_data::{DataError, Location, Sentence};

use retag_predict::DEFAULT_CHUNK_SENTENCES;

use super::predict;
use crate::args::EvalArgs;
use crate::dataset;

pub fn run(args: &EvalArgs) -> Result<()> {
    let report = match (&args.gold, &args.pred, &args.model, &args.data) {
        (Some(gold), Some(pred), None, None) => score_files(gold, pred, args)?,
        (None, None, Some(model), Some(data)) => score_model(model, data, args)?,
        // clap's argument groups allow only the two forms above.
        _ => bail!("give either --gold and --pred, or --model and --data"),
    };
    print_report(&report, args.json)
}

fn score_files(gold_path: &Path, pred_path: &Path, args: &EvalArgs) -> Result<Report> {
    let gold = dataset::read_all(gold_path, &args.input)?;
    let pred = dataset::read_all(pred_path, &args.input)?;
    let mode = args.mode;
    check_tags(gold_path, &gold, mode)?;
    check_tags(pred_path, &pred, mode)?;
    check_same_tokens(gold_path, &gold, pred_path, &pred)?;
    score(&gold, &pred, mode)
}

/// Tags the sentences of `data` with the model in `model_dir` and scores
/// the tags against the file's own.
fn score_model(model_dir: &Path, data: &Path, args: &EvalArgs) -> Result<Report> {
    let predictor = predict::load(model_dir, &args.run, DEFAULT_CHUNK_SENTENCES)?;
    let gold = dataset::read_all(data, &args.input)?;
    check_tags(data, &gold, args.mode)?;
    let file = Location::file(data);
    let tags = predictor.tag_sentences(&gold, &file).with_context(|| format!("tagging {}", data.display()))?;
    let pred: Vec<Sentence> = gold.iter().zip(tags).map(|(sentence, tags)| sentence.with_tags(tags)).collect();
    // Strict mode reads IOB2 only: a model whose labels are in another scheme is named here.
    check_tags(data, &pred, args.mode).with_context(|| format!("the predictions of {}", model_dir.display()))?;
    score(&gold, &pred, args.mode)
}

fn print_report(report: &Report, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(&report.to_eval_json())?);
    } else {
        print!("{}", report.to_text());
        println!("\ntoken accuracy: {:.4}\n", report.accuracy);
        println!("entity types, gold (rows) against predicted (columns), same span:");
        print!("{}", report.confusion.to_text());
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
/// as `PER` as prefix `P`, type `ER`, and score nonsense without a word. In
/// strict mode seqeval refuses anything but IOB2 prefixes; so do we, but
/// naming the line.
fn check_tags(path: &Path, sentences: &[Sentence], mode: Mode) -> Result<(), DataError> {
    let file = Location::file(path);
    if sentences.is_empty() {
        return Err(DataError::Malformed { at: file, reason: "the file holds no sentence to evaluate".into() });
    }
    for sentence in sentences {
        sentence.check_tags(&file)?;
        if mode == Mode::Strict {
            let not_iob2 = sentence.tags.iter().position(|tag| !matches!(tag.chars().next(), Some('B' | 'I' | 'O')));
            if let Some(index) = not_iob2 {
                return Err(DataError::InvalidTag {
                    at: sentence.token_location(&file, index),
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
/// the first difference is reported with both places.
fn check_same_tokens(gold_path: &Path, gold: &[Sentence], pred_path: &Path, pred: &[Sentence]) -> Result<()> {
    let (gold_file, pred_file) = (Location::file(gold_path), Location::file(pred_path));
    for (number, (g, p)) in gold.iter().zip(pred).enumerate() {
        let at_gold = g.location(&gold_file);
        let at_pred = p.location(&pred_file);
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
                p.token_location(&pred_file, index),
                p.tokens[index],
                g.tokens[index],
                g.token_location(&gold_file, index)
            );
        }
    }
    if gold.len() != pred.len() {
        let (longer, extra, path) =
            if gold.len() > pred.len() { (gold, pred.len(), gold_path) } else { (pred, gold.len(), pred_path) };
        bail!(
            "{}: {} has {} sentences but {} has {}; sentence {} starts here and has no counterpart",
            longer[extra].location(&Location::file(path)),
            gold_path.display(),
            gold.len(),
            pred_path.display(),
            pred.len(),
            extra + 1
        );
    }
    Ok(())
}
